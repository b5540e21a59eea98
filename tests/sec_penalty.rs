//! Issue 19 item 5 (must-show 5): the failed-login penalty cannot be wiped.
//! A flood of failures from many addresses (scaled down with
//! `--auth-penalty-table`) leaves alice's delay in place, cancelled
//! AUTHENTICATE exchanges of made-up names add nothing to the table, and
//! an attacker's own successful login keeps the delay its guesses earned.
//! No time is measured: delays are read from the server's log lines, the
//! table's size from the monitor's statistics. The clients log in from
//! 127.0.a.b, other hosts for a server on 127.0.0.1, so clear-text LOGIN
//! is allowed explicitly (`--allow-cleartext-login`): the failures must be
//! wrong passwords, not refusals of clear text.

mod ops_common;
mod support;

use std::net::Ipv4Addr;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use ops_common::Ops;
use support::Client;

/// The delay stated by the last `login failed:` line of the log.
fn last_delay(log: &str) -> u64 {
    let line = log.lines().rfind(|l| l.contains("login failed: ")).expect("a failure line");
    let d = line.split(' ').find_map(|w| w.strip_prefix("delay=")).unwrap();
    d.strip_suffix("ms").unwrap().parse().unwrap()
}

/// `penalty_entries` of the monitor's statistics.
fn entries(ops: &Ops) -> u64 {
    let stats: serde_json::Value = serde_json::from_str(&ops.get_ok("/stats.json")).unwrap();
    stats["penalty_entries"].as_u64().unwrap_or_else(|| panic!("no penalty_entries in {stats}"))
}

/// One failed LOGIN from 127.0.a.b.
fn fail_from(ops: &Ops, a: u8, b: u8, user: &str) {
    let mut c = Client::plain_from(Ipv4Addr::new(127, 0, a, b), ops.plain);
    assert!(c.cmd(&format!("LOGIN {user} not-the-password")).pop().unwrap().contains(" NO "));
}

#[test]
fn a_flood_from_many_addresses_leaves_alices_delay_in_place() {
    let ops = Ops::start(&["--allow-cleartext-login", "--auth-penalty", "1", "--auth-penalty-table", "64"]);
    // alice's guessers: five failures, 16 ms for her name by now.
    for _ in 0..5 {
        fail_from(&ops, 0, 1, "alice");
    }
    // The flood: 20 addresses, three failures each for made-up names
    // (under fail2ban's maxretry of 5): 140 records for a table of 64.
    for i in 0..20u8 {
        let mut c = Client::plain_from(Ipv4Addr::new(127, 0, 1, i + 1), ops.plain);
        for j in 0..3 {
            assert!(c.cmd(&format!("LOGIN ghost{i}x{j} nothing")).pop().unwrap().contains(" NO "));
        }
    }
    let held = entries(&ops);
    assert!((32..=64).contains(&held), "the table holds at most 64 and is never emptied whole: {held}");
    // A guess at alice from a fresh address: no address delay, her name's
    // sixth failure costs 32 ms (it would be 1 ms had the table been wiped).
    fail_from(&ops, 2, 1, "alice");
    assert_eq!(last_delay(&ops.log()), 32, "{}", ops.log());
    // And her guessers' own address still waits 16 ms before its check,
    // plus her name's 64 ms.
    fail_from(&ops, 0, 1, "alice");
    assert_eq!(last_delay(&ops.log()), 16 + 64);
}

#[test]
fn cancelled_authenticate_of_made_up_names_adds_nothing() {
    let ops = Ops::start(&["--allow-cleartext-login", "--auth-penalty", "1"]);
    for i in 0..20u8 {
        let mut c = Client::plain_from(Ipv4Addr::new(127, 0, 3, i + 1), ops.plain);
        c.send(b"a1 AUTHENTICATE LOGIN\r\n");
        assert!(c.line().starts_with("+ "));
        c.send(format!("{}\r\n", B64.encode(format!("made-up-{i}"))).as_bytes());
        assert!(c.line().starts_with("+ "));
        c.send(b"*\r\n");
        assert_eq!(c.tagged("a1"), "a1 BAD AUTHENTICATE cancelled");
    }
    assert_eq!(entries(&ops), 0);
    // Each is still logged, for fail2ban.
    assert_eq!(ops.log().matches("reason=\"cancelled by the client\"").count(), 20, "{}", ops.log());
}

#[test]
fn an_attackers_own_login_keeps_the_delay_its_guesses_earned() {
    let ops = Ops::start(&["--allow-cleartext-login", "--auth-penalty", "10"]);
    for _ in 0..3 {
        fail_from(&ops, 0, 5, "alice");
    }
    // The attacker logs in to an account of its own from the same address.
    let mut own = Client::plain_from(Ipv4Addr::new(127, 0, 0, 5), ops.plain);
    own.ok("LOGIN bob builder");
    // The next guess still waits the address's 40 ms (three failures)
    // before the check, then alice's name's 80 ms.
    fail_from(&ops, 0, 5, "alice");
    assert_eq!(last_delay(&ops.log()), 40 + 80, "{}", ops.log());
    // alice herself, from elsewhere, is not slowed, and her login clears
    // her name's delay.
    let mut alice = Client::plain_from(Ipv4Addr::new(127, 0, 0, 6), ops.plain);
    alice.ok("LOGIN alice wonderland");
    fail_from(&ops, 0, 7, "alice");
    assert_eq!(last_delay(&ops.log()), 10);
}

//! Issue 25's remaining counters, read over SNMP and in `/metrics` at the
//! same moment: deliveries noticed (messages an MTA wrote into `new/`,
//! counted once when a sync first numbers them, never for this server's
//! own APPENDs), alerts sent (`[ALERT]`s of the spool shown to sessions)
//! and referrals given (logins answered with `[REFERRAL]`).

mod ops_common;
mod snmp_common;
mod support;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use ops_common::Ops;
use snmp_common::{metrics, sock_arg, Snmpd};

const OBJECTS: &str = "TEGAMI-MIB::tegamiObjects";

/// The three counters: (TEGAMI-MIB object, /metrics name).
const COUNTERS: [(&str, &str); 3] = [
    ("tegamiDeliveriesNoticed", "tegami_deliveries_noticed_total"),
    ("tegamiAlertsSent", "tegami_alerts_sent_total"),
    ("tegamiReferralsGiven", "tegami_referrals_total"),
];

/// Waits until snmpd answers for tegami's objects (the subagent registered).
fn registered(snmpd: &Snmpd) {
    support::eventually("tegami's objects through snmpd", || !snmpd.walk(OBJECTS).is_empty());
}

/// The three counters over SNMP, after checking that each equals
/// `/metrics` read right after (nothing runs in between).
fn counters(snmpd: &Snmpd, ops: &Ops) -> [u64; 3] {
    let walked: BTreeMap<String, String> = snmpd.walk(OBJECTS);
    let m = metrics(&ops.get_ok("/metrics"));
    COUNTERS.map(|(ours, theirs)| {
        let v = walked.get(&format!("TEGAMI-MIB::{ours}.0")).unwrap_or_else(|| panic!("{ours} missing: {walked:?}"));
        assert_eq!(Some(v), m.get(theirs), "{ours} vs {theirs}");
        v.parse().unwrap()
    })
}

/// Delivers a message as an MTA does: written in `tmp/`, renamed into `new/`.
fn deliver(maildir: &Path, name: &str) {
    let tmp = maildir.join("tmp").join(name);
    std::fs::write(&tmp, support::message(name)).unwrap();
    std::fs::rename(&tmp, maildir.join("new").join(name)).unwrap();
}

#[test]
fn deliveries_into_new_are_counted_once_each_and_appends_not_at_all() {
    let snmpd = Snmpd::start();
    let ops = Ops::start(&["--agentx", &sock_arg(&snmpd)]);
    registered(&snmpd);
    let mut c = ops.login("alice");
    c.ok("SELECT INBOX");
    let before = counters(&snmpd, &ops);
    let inbox = ops.dir.path().join("home/alice/Maildir");
    for i in 1..=3 {
        deliver(&inbox, &format!("1765100000.M{i}P1.mta"));
    }
    // The session's NOOP (or the watcher) syncs; the three are numbered.
    support::eventually("the deliveries seen", || c.cmd("NOOP").iter().any(|l| l == "* 3 EXISTS"));
    let after = counters(&snmpd, &ops);
    assert_eq!(after[0] - before[0], 3, "{before:?} -> {after:?}");
    // Synced again, with messages of our own APPEND and COPY: no more.
    c.append("INBOX", "", &support::message("stored by this server"));
    c.ok("COPY 1:2 INBOX");
    c.ok("CREATE Other");
    c.ok("COPY 1 Other");
    c.ok("NOOP");
    let mut other = ops.login("alice");
    other.ok("SELECT INBOX");
    other.ok("SELECT Other");
    other.ok("NOOP");
    assert_eq!(counters(&snmpd, &ops)[0] - before[0], 3);
    assert!(std::fs::read_dir(inbox.join("new")).unwrap().next().is_none(), "moved into cur/");
    // `tegami stats` shows the same number.
    let (code, out, err) = ops.admin(&["stats", "--monitor", &ops.monitor.to_string()], None);
    assert_eq!(code, 0, "{err}");
    let line = format!("deliveries noticed {}\n", before[0] + 3);
    assert!(out.contains(&line), "{line} missing from {out}");
}

#[test]
fn alerts_shown_to_sessions_are_counted() {
    let snmpd = Snmpd::start();
    let spool = tempfile::tempdir().unwrap();
    let spool_dir = spool.path().to_str().unwrap().to_string();
    let ops = Ops::start(&["--agentx", &sock_arg(&snmpd), "--alerts-dir", &spool_dir]);
    registered(&snmpd);
    let before = counters(&snmpd, &ops);
    for text in ["Maintenance on Sunday", "Webmail is down"] {
        let out = Command::new(env!("CARGO_BIN_EXE_tegami"))
            .args(["alert", "-u"])
            .arg(ops.dir.path().join("passwd"))
            .args(["--alerts-dir", &spool_dir, "--all", text])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    // alice and bob see both: 4 shown; a second session of alice's sees
    // none again (once per account).
    for user in ["alice", "bob"] {
        let mut c = ops.connect();
        let pw = ops_common::ACCOUNTS.iter().find(|a| a.0 == user).unwrap().1;
        let lines = c.cmd(&format!("LOGIN {user} {pw}"));
        assert_eq!(lines.iter().filter(|l| l.starts_with("* OK [ALERT] ")).count(), 2, "{lines:?}");
    }
    let mut again = ops.login("alice");
    again.ok("NOOP");
    let after = counters(&snmpd, &ops);
    assert_eq!(after[1] - before[1], 4, "{before:?} -> {after:?}");
    assert_eq!(after[2], before[2]);
}

#[test]
fn referrals_given_at_login_are_counted() {
    let snmpd = Snmpd::start();
    let routes = tempfile::tempdir().unwrap();
    let router = routes.path().join("router");
    std::fs::write(&router, "<j.smith> = John@othercompany.com\n").unwrap();
    let ops = Ops::start_with(&["--agentx", &sock_arg(&snmpd), "--router", router.to_str().unwrap()], |d| {
        let hash = tegami::auth::hash_password("SHA512-CRYPT", b"moved-pw").unwrap();
        let home = d.join("home/moved");
        let passwd = std::fs::read_to_string(d.join("passwd")).unwrap();
        // alice's uid and gid, which the server accepts.
        let ids: Vec<&str> = passwd.lines().next().unwrap().split(':').skip(2).take(2).collect();
        let fields = "nologin=y host=othercompany.com user=John";
        let line = format!("moved:{hash}:{}::{}::{fields}\n", ids.join(":"), home.display());
        let passwd = passwd + &line;
        std::fs::write(d.join("passwd"), passwd).unwrap();
    });
    registered(&snmpd);
    let before = counters(&snmpd, &ops);
    let mut c = ops.connect();
    let referral = "NO [REFERRAL IMAP://John;AUTH=*@othercompany.com/] account has been moved to a remote system";
    // Two referrals from the account's fields, one from the router; a
    // wrong password for the moved account is a failure, not a referral.
    for (login, want) in [
        ("moved moved-pw", referral),
        ("moved moved-pw", referral),
        ("j.smith any-pw", referral),
        ("moved wrong", "NO [AUTHENTICATIONFAILED] Authentication failed"),
    ] {
        let got = c.cmd(&format!("LOGIN {login}")).pop().unwrap();
        assert!(got.ends_with(want), "{login}: {got}");
    }
    let after = counters(&snmpd, &ops);
    assert_eq!(after[2] - before[2], 3, "{before:?} -> {after:?}");
    assert_eq!(after[1], before[1]);
}

//! Statistics over SNMP (issue 25, must-show 1 and 2): tegami as an AgentX
//! subagent of Debian's snmpd on a private socket and UDP port, read with
//! snmpget and snmpwalk and TEGAMI-MIB; the counters move by exactly what
//! the clients did and equal `/metrics` at the same moment; snmpd stopped
//! and started again is reconnected to, while IMAP goes on.

mod ops_common;
mod snmp_common;
mod support;

use ops_common::Ops;
use snmp_common::{appl, metrics, sock_arg, Snmpd};

const OBJECTS: &str = "TEGAMI-MIB::tegamiObjects";

/// Waits until snmpd answers for tegami's objects (the subagent registered).
fn registered(snmpd: &Snmpd) {
    support::eventually("tegami's objects through snmpd", || !snmpd.walk(OBJECTS).is_empty());
}

fn num(m: &std::collections::BTreeMap<String, String>, k: &str) -> i64 {
    m.get(k).unwrap_or_else(|| panic!("{k} missing from {m:?}")).parse().unwrap()
}

#[test]
fn counters_move_by_what_clients_did_and_equal_metrics() {
    let snmpd = Snmpd::start();
    let ops = Ops::start(&["--agentx", &sock_arg(&snmpd)]);
    registered(&snmpd);
    let before = snmpd.walk(OBJECTS);
    let (ok, out, err) = snmpd.tool("snmpget", &["-OqUn", &appl(8), &appl(10), &appl(2), &appl(6)]);
    assert!(ok, "{err}");
    assert_eq!(out, format!("{} 0\n{} 0\n{} \"tegami\"\n{} 1\n", appl(8), appl(10), appl(2), appl(6)));

    // 3 logins, 2 failed logins, 5 APPENDs; the four connections stay open.
    let mut clients: Vec<_> = (0..3).map(|_| ops.login("alice")).collect();
    let mut failing = ops.connect();
    for _ in 0..2 {
        let r = failing.cmd("LOGIN alice not-her-password");
        assert!(r.last().unwrap().contains(" NO "), "{r:?}");
    }
    for i in 0..5 {
        clients[0].append("INBOX", "", &support::message(&format!("counted {i}")));
    }
    clients[1].ok("SELECT INBOX");

    let after = snmpd.walk(OBJECTS);
    let m = metrics(&ops.get_ok("/metrics"));
    let moved = |k: &str| num(&after, &format!("TEGAMI-MIB::{k}.0")) - num(&before, &format!("TEGAMI-MIB::{k}.0"));
    assert_eq!(moved("tegamiLogins"), 3, "{after:?}");
    assert_eq!(moved("tegamiLoginFailures"), 2);
    assert_eq!(moved("tegamiMessagesAppended"), 5);
    assert_eq!(moved("tegamiSessionsTotal"), 4);
    // The applTable row, by numeric OID.
    let (ok, out, err) = snmpd.tool("snmpget", &["-OqUn", &appl(8), &appl(10), &appl(14)]);
    assert!(ok, "{err}");
    assert_eq!(out, format!("{} 4\n{} 4\n{} 0\n", appl(8), appl(10), appl(14)));

    // Each equals /metrics at the same moment (nothing ran in between).
    let same = [
        ("tegamiSessions", "tegami_sessions"),
        ("tegamiSessionsPeak", "tegami_sessions_peak"),
        ("tegamiSessionsTotal", "tegami_sessions_total"),
        ("tegamiLogins", "tegami_logins_total"),
        ("tegamiLoginFailures", "tegami_login_failures_total"),
        ("tegamiMessagesAppended", "tegami_messages_appended_total"),
        ("tegamiReceivedOctets", "tegami_received_bytes_total"),
        ("tegamiSentOctets", "tegami_sent_bytes_total"),
        ("tegamiChannelRefusals", "tegami_channel_refusals_total"),
        ("tegamiMaxChannels", "tegami_max_channels"),
        ("tegamiPasswordHashes", "tegami_password_hashes_total"),
        ("tegamiSessionsAuthenticating", "tegami_sessions_by_state{state=\"authenticating\"}"),
        ("tegamiSessionsAuthenticated", "tegami_sessions_by_state{state=\"authenticated\"}"),
        ("tegamiSessionsSelected", "tegami_sessions_by_state{state=\"selected\"}"),
    ];
    for (ours, theirs) in same {
        assert_eq!(after[&format!("TEGAMI-MIB::{ours}.0")], m[theirs], "{ours} vs {theirs}: {after:?} {m:?}");
    }
    assert_eq!(num(&after, "TEGAMI-MIB::tegamiSessionsAuthenticating.0"), 1);
    assert_eq!(num(&after, "TEGAMI-MIB::tegamiSessionsAuthenticated.0"), 2);
    assert_eq!(num(&after, "TEGAMI-MIB::tegamiSessionsSelected.0"), 1);
    assert!(num(&after, "TEGAMI-MIB::tegamiReceivedOctets.0") > num(&before, "TEGAMI-MIB::tegamiReceivedOctets.0"));
    drop(clients);
}

#[test]
fn get_bulk_and_get_next_walk_the_row_in_order() {
    let snmpd = Snmpd::start();
    let _ops = Ops::start(&["--agentx", &sock_arg(&snmpd)]);
    registered(&snmpd);
    // snmpbulkwalk uses GetBulk; the row's columns 2..16 come in order.
    let (ok, out, err) = snmpd.tool("snmpbulkwalk", &["-OqUn", "-Cr5", ".1.3.6.1.2.1.27.1.1"]);
    assert!(ok, "{err}");
    let cols: Vec<String> = out.lines().map(|l| l.split(' ').next().unwrap().to_string()).collect();
    assert_eq!(cols, (2..=16).map(appl).collect::<Vec<_>>(), "{out}");
    // A column of another row: not ours.
    let (_, out, _) = snmpd.tool("snmpget", &["-OqUn", ".1.3.6.1.2.1.27.1.1.8.1"]);
    assert!(out.contains("No Such"), "{out}");
    // Writes are refused.
    let (ok, _, err) = snmpd.tool("snmpset", &[&appl(2), "s", "other"]);
    assert!(!ok && err.contains("notWritable"), "{err}");
}

#[test]
fn snmpd_restarted_is_served_again_and_imap_goes_on_meanwhile() {
    let mut snmpd = Snmpd::start();
    let ops = Ops::start(&["--agentx", &sock_arg(&snmpd)]);
    registered(&snmpd);
    let mut c = ops.login("alice");

    for round in 1..=2 {
        snmpd.stop();
        // IMAP works while snmpd is down.
        c.append("INBOX", "", &support::message(&format!("while snmpd is down {round}")));
        c.ok("NOOP");
        let mut other = ops.login("bob");
        other.ok("LOGOUT");
        support::eventually("the outage logged", || ops.log().matches("PROBLEM agentx: master agent").count() == round);
        snmpd.restart();
        // Served again within the backoff (the wait is bounded only by
        // support::eventually's deadline, which is above BACKOFF_MAX).
        registered(&snmpd);
        let now = snmpd.walk(OBJECTS);
        assert_eq!(num(&now, "TEGAMI-MIB::tegamiMessagesAppended.0"), round as i64);
        assert_eq!(num(&now, "TEGAMI-MIB::tegamiLogins.0"), 1 + round as i64);
    }
    // One line per outage, however many attempts failed, and one line
    // each time it serves again.
    let log = ops.log();
    assert_eq!(log.matches("PROBLEM agentx: master agent").count(), 2, "{log}");
    assert_eq!(log.matches("agentx: serving statistics through").count(), 3, "{log}");
}

/// The README's snmpget/snmpwalk examples (must-show 4), run as written
/// against the test's snmpd (its address instead of localhost, the MIB
/// directories added), answer with tegami's numbers.
#[test]
fn the_readme_examples_read_tegami() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let section = &readme[readme.find("### Statistics over SNMP").unwrap()..];
    let section = &section[..section.find("\nSignals:").unwrap()];
    let joined = section.replace("\\\n", " ");
    let commands: Vec<&str> =
        joined.lines().filter(|l| l.starts_with("snmpget ") || l.starts_with("snmpwalk ")).collect();
    assert_eq!(commands.len(), 3, "{section}");
    let snmpd = Snmpd::start();
    let ops = Ops::start(&["--agentx", &sock_arg(&snmpd)]);
    registered(&snmpd);
    let _c = ops.login("alice");
    let d = snmpd.dir.path();
    let mut outputs = String::new();
    for cmd in commands {
        let mut words = cmd.split_whitespace().map(|w| {
            if w == "localhost" {
                format!("udp:127.0.0.1:{}", snmpd.port)
            } else {
                w.to_string()
            }
        });
        let tool = words.next().unwrap();
        let out = std::process::Command::new(&tool)
            .args(["-M", &format!("+{}", snmp_common::mib_dirs())])
            .args(words)
            .env("SNMPCONFPATH", d.join("snmpconf"))
            .env("SNMP_PERSISTENT_DIR", d.join("persist"))
            .env_remove("MIBS")
            .env_remove("MIBDIRS")
            .output()
            .unwrap();
        assert!(out.status.success(), "{cmd}: {}", String::from_utf8_lossy(&out.stderr));
        outputs += &String::from_utf8_lossy(&out.stdout);
    }
    for line in [
        "TEGAMI-MIB::tegamiSessions.0 = Gauge32: 1",
        "TEGAMI-MIB::tegamiLoginFailures.0 = Counter64: 0",
        ".1.3.6.1.2.1.27.1.1.8.143 = Gauge32: 1",
        "TEGAMI-MIB::tegamiLogins.0 = Counter64: 1",
    ] {
        assert!(outputs.contains(line), "{line} missing:\n{outputs}");
    }
}

/// contrib/snmp/snmpd.conf works as given, with its socket and owner
/// changed to the test's (the example names /var/agentx and vmail).
#[test]
fn the_example_snmpd_conf_works() {
    let example = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/contrib/snmp/snmpd.conf")).unwrap();
    let snmpd =
        Snmpd::start_with_conf(|sock| example.replace("/var/agentx/master", sock).replace("vmail vmail", "root root"));
    let _ops = Ops::start(&["--agentx", &sock_arg(&snmpd)]);
    registered(&snmpd);
    let (ok, out, err) = snmpd.tool("snmpget", &["-OqUn", &appl(2)]);
    assert!(ok, "{err}");
    assert_eq!(out, format!("{} \"tegami\"\n", appl(2)));
    // The view admits tegami's subtrees only.
    let (_, out, _) = snmpd.tool("snmpget", &["-OqUn", ".1.3.6.1.2.1.1.1.0"]);
    assert!(out.contains("No Such Object"), "{out}");
}

/// After SIGTERM, while a running APPEND gets its grace period,
/// applOperStatus says quiescing (6) and applLastChange moves to the
/// moment of the change.
#[test]
fn sigterm_shows_quiescing() {
    let snmpd = Snmpd::start();
    let ops = Ops::start(&["--agentx", &sock_arg(&snmpd)]);
    registered(&snmpd);
    // applOperStatus, applLastChange, applUptime in one request.
    let get = || {
        let (ok, out, err) = snmpd.tool("snmpget", &["-OqUvnt", &appl(6), &appl(7), &appl(5)]);
        assert!(ok, "{err}");
        out.lines().map(str::to_string).collect::<Vec<_>>()
    };
    let up = get();
    assert_eq!(up[0], "1");
    assert_eq!(up[1], up[2], "applLastChange is the start while up");
    // An APPEND whose literal is large enough to be streamed to the
    // mailbox, and is half sent, is a running command: the server stays
    // in its grace period (up to 5 s) after SIGTERM.
    let mut c = ops.login("alice");
    c.send(b"a1 APPEND INBOX {1000000}\r\n");
    assert!(c.line().starts_with('+'));
    c.send(b"From: a@example.org\r\n");
    ops.signal(libc::SIGTERM);
    let mut now = Vec::new();
    support::eventually("applOperStatus quiescing", || {
        now = get();
        now[0] == "6"
    });
    assert_eq!(now[2], up[2], "applUptime stays");
    let (changed, started): (u64, u64) = (now[1].parse().unwrap(), now[2].parse().unwrap());
    assert!(changed > started, "applLastChange did not move: {now:?}");
}

/// A malformed --agentx is refused at start with the flag named.
#[test]
fn a_malformed_agentx_address_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("passwd"), "").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tegami"))
        .args(["-l", "127.0.0.1:0", "-u", dir.path().join("passwd").to_str().unwrap(), "--agentx", "tcp:nohost"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--agentx tcp:nohost: expected tcp:HOST:PORT"), "{err}");
}

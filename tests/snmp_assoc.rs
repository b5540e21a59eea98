//! Issue 25, "the session table too": tegami's rows of NETWORK-SERVICES-MIB's
//! assocTable (RFC 2788, mib-2.27.2.1), one per live session indexed by
//! applIndex 143 and the session number, with the client address, the
//! protocol (applTCPProtoID.143), uainitiator and when it began; read with
//! snmpwalk by numeric OID, rows coming and going with the sessions.

mod ops_common;
mod snmp_common;
mod support;

use ops_common::Ops;
use snmp_common::{sock_arg, Snmpd};

const ASSOC_ENTRY: &str = ".1.3.6.1.2.1.27.2.1";

/// `snmpwalk -OqUn` of assocEntry: (OID, value) lines.
fn walk(snmpd: &Snmpd) -> Vec<(String, String)> {
    let (ok, out, err) = snmpd.tool("snmpwalk", &["-OqUnt", ASSOC_ENTRY]);
    assert!(ok, "{err}");
    out.lines()
        .filter(|l| !l.contains("No Such") && !l.contains("No more"))
        .map(|l| {
            let (k, v) = l.split_once(' ').unwrap();
            (k.to_string(), v.to_string())
        })
        .collect()
}

/// The session numbers of the monitor's table, in order.
fn ids(ops: &Ops) -> Vec<u64> {
    let mut ids: Vec<u64> = ops.sessions().iter().map(|r| r["id"].as_u64().unwrap()).collect();
    ids.sort();
    ids
}

#[test]
fn assoc_table_has_a_row_per_live_session() {
    let snmpd = Snmpd::start();
    let ops = Ops::start(&["--agentx", &sock_arg(&snmpd)]);
    support::eventually("tegami registered", || !snmpd.walk("TEGAMI-MIB::tegamiObjects").is_empty());
    assert!(walk(&snmpd).is_empty(), "no sessions, no rows");

    let _alice = ops.login("alice");
    let mut anonymous = ops.connect();
    anonymous.ok("NOOP");
    let ids = ids(&ops);
    assert_eq!(ids.len(), 2);
    let rows = walk(&snmpd);
    // Column by column, session by session (OID order).
    let mut want = Vec::new();
    for (col, value) in [(2, "\"127.0.0.1\""), (3, ".1.3.6.1.2.1.27.4.143"), (4, "1")] {
        for id in &ids {
            want.push((format!("{ASSOC_ENTRY}.{col}.143.{id}"), value.to_string()));
        }
    }
    for id in &ids {
        want.push((format!("{ASSOC_ENTRY}.5.143.{id}"), String::new()));
    }
    let names: Vec<&String> = rows.iter().map(|r| &r.0).collect();
    assert_eq!(names, want.iter().map(|w| &w.0).collect::<Vec<_>>(), "{rows:?}");
    assert_eq!(rows[..6], want[..6], "{rows:?}");
    // assocDuration is a TimeStamp: sysUpTime when the session began; the
    // later session began no earlier.
    let began: Vec<u64> = rows[6..].iter().map(|r| r.1.parse().unwrap()).collect();
    assert!(began[0] <= began[1], "{rows:?}");

    // A session that ends takes its row with it.
    anonymous.ok("LOGOUT");
    support::eventually("the row gone", || walk(&snmpd).len() == 4);
    assert!(walk(&snmpd).iter().all(|(oid, _)| oid.ends_with(&format!(".143.{}", ids[0]))));
    // A Get of a session that is gone: noSuchInstance.
    let (_, out, _) = snmpd.tool("snmpget", &["-OqUn", &format!("{ASSOC_ENTRY}.2.143.{}", ids[1])]);
    assert!(out.contains("No Such Instance"), "{out}");
}

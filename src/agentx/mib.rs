//! What the subagent publishes, built from one [`Snapshot`] per request:
//! tegami's row of the applTable (NETWORK-SERVICES-MIB, RFC 2788) and the
//! scalars of `contrib/snmp/TEGAMI-MIB.txt`; and the Get, GetNext and
//! GetBulk walks over them (RFC 2741 section 7.2.3).

use std::time::Duration;

use super::pdu::{Oid, Range, Value};
use crate::activity::Snapshot;

/// applEntry (mib-2.27.1.1): column C of row I is `APPL_ENTRY.C.I`.
pub const APPL_ENTRY: [u32; 9] = [1, 3, 6, 1, 2, 1, 27, 1, 1];
/// tegami's applIndex: 143, the IMAP port, so that it does not take row
/// 1, which another mail server's subagent is likely to use.
pub const APPL_INDEX: u32 = 143;
/// The first and last applEntry columns served (applName .. applDescription).
pub const APPL_COLUMNS: (u32, u32) = (2, 16);
/// assocEntry (mib-2.27.2.1): column C of session S is
/// `ASSOC_ENTRY.C.APPL_INDEX.S`.
pub const ASSOC_ENTRY: [u32; 9] = [1, 3, 6, 1, 2, 1, 27, 2, 1];
/// The assocEntry columns served (assocRemoteApplication .. assocDuration).
pub const ASSOC_COLUMNS: (u32, u32) = (2, 5);
/// applTCPProtoID (mib-2.27.4): `.143` names IMAP, its primary port.
const APPL_TCP_PROTO_ID: [u32; 8] = [1, 3, 6, 1, 2, 1, 27, 4];
/// assocApplicationType uainitiator: an IMAP client is a user agent that
/// opened the connection.
const UA_INITIATOR: i32 = 1;
/// TEGAMI-MIB's module identity: net-snmp's playpen (enterprises.8072.9999)
/// until tegami has a Private Enterprise Number of its own.
pub const TEGAMI_MIB: [u32; 10] = [1, 3, 6, 1, 4, 1, 8072, 9999, 143, 1];
/// tegamiObjects, the subtree registered for the scalars.
pub const TEGAMI_OBJECTS: [u32; 11] = [1, 3, 6, 1, 4, 1, 8072, 9999, 143, 1, 1];

/// Most varbinds in one GetBulk response, whatever max-repetitions says.
pub const MAX_BULK: usize = 1024;

/// The subagent's view of the clock: sysUpTime of the master's host, as
/// TimeTicks, for the moments of the snapshot.
#[derive(Debug, Clone, Copy)]
pub struct Times {
    /// sysUpTime now.
    pub now: u32,
    /// sysUpTime when the server started (applUptime).
    pub started: u32,
    /// sysUpTime of the last change of status (applLastChange).
    pub last_change: u32,
    /// The server is shutting down (applOperStatus quiescing).
    pub quiescing: bool,
}

impl Times {
    /// sysUpTime at `ago` before now, 0 if before the master started.
    pub fn before_now(&self, ago: Duration) -> u32 {
        self.now.saturating_sub(ticks(ago))
    }
}

/// A duration in TimeTicks (hundredths of a second), saturated.
pub fn ticks(d: Duration) -> u32 {
    u32::try_from(d.as_millis() / 10).unwrap_or(u32::MAX)
}

/// Counter32 of a 64-bit count: it wraps, as SNMP counters do.
fn c32(v: u64) -> Value {
    Value::Counter32(v as u32)
}

/// Gauge32 of a count, saturated.
fn g32(v: u64) -> Value {
    Value::Gauge32(u32::try_from(v).unwrap_or(u32::MAX))
}

/// FETCH and UID FETCH commands finished.
pub fn fetches(snap: &Snapshot) -> u64 {
    snap.commands.iter().filter(|(n, _, _)| n == "FETCH" || n == "UID FETCH").map(|c| c.1).sum()
}

/// Every object served, in OID order.
pub fn objects(snap: &Snapshot, t: &Times) -> Vec<(Oid, Value)> {
    let text = |s: &str| Value::Octets(s.as_bytes().to_vec());
    let last_in = snap.last_session.map_or(0, |ago| t.before_now(ago));
    let appl = [
        (2, text("tegami")),
        (3, text("")),
        (4, text(env!("CARGO_PKG_VERSION"))),
        (5, Value::TimeTicks(t.started)),
        (6, Value::Integer(if t.quiescing { 6 } else { 1 })),
        (7, Value::TimeTicks(t.last_change)),
        (8, g32(snap.sessions.len() as u64)),
        (9, Value::Gauge32(0)),
        (10, c32(snap.sessions_total)),
        (11, Value::Counter32(0)),
        (12, Value::TimeTicks(last_in)),
        (13, Value::TimeTicks(0)),
        (14, c32(snap.refused)),
        (15, Value::Counter32(0)),
        (16, text("tegami IMAP4rev2 server for maildir folders")),
    ];
    let mut out: Vec<(Oid, Value)> = appl
        .into_iter()
        .map(|(col, v)| {
            let mut oid = APPL_ENTRY.to_vec();
            oid.extend([col, APPL_INDEX]);
            (oid, v)
        })
        .collect();
    out.extend(associations(snap, t));
    let (authenticating, authenticated, selected) = snap.by_state();
    let scalars = [
        g32(snap.sessions.len() as u64),
        g32(snap.peak),
        Value::Counter64(snap.sessions_total),
        Value::Counter64(snap.logins),
        Value::Counter64(snap.failed_logins),
        Value::Counter64(snap.appended),
        Value::Counter64(fetches(snap)),
        Value::Counter64(snap.bytes_in),
        Value::Counter64(snap.bytes_out),
        Value::Counter64(snap.refused),
        g32(snap.max_channels as u64),
        g32(authenticating),
        g32(authenticated),
        g32(selected),
        Value::Counter64(snap.password_hashes),
        Value::TimeTicks(ticks(snap.uptime)),
        Value::Counter64(snap.noticed),
        Value::Counter64(snap.alerts),
        Value::Counter64(snap.referrals),
    ];
    for (i, v) in scalars.into_iter().enumerate() {
        let mut oid = TEGAMI_OBJECTS.to_vec();
        oid.extend([i as u32 + 1, 0]);
        out.push((oid, v));
    }
    out
}

/// The assocTable rows (RFC 2788), one per live session, indexed by its
/// number (`IMAP-nnnnn`), in OID order: by column, then by session.
fn associations(snap: &Snapshot, t: &Times) -> Vec<(Oid, Value)> {
    // assocIndex is 1..2147483647; the table is ordered by ID already.
    let rows: Vec<_> = snap.sessions.iter().filter(|r| (1..=i32::MAX as u64).contains(&r.id)).collect();
    let mut protocol = APPL_TCP_PROTO_ID.to_vec();
    protocol.push(143);
    let mut out = Vec::with_capacity(rows.len() * 4);
    for col in ASSOC_COLUMNS.0..=ASSOC_COLUMNS.1 {
        for r in &rows {
            let v = match col {
                2 => Value::Octets(r.ip.as_bytes().to_vec()),
                3 => Value::ObjectIdentifier(protocol.clone()),
                4 => Value::Integer(UA_INITIATOR),
                // A TimeStamp: sysUpTime when the session began.
                _ => Value::TimeTicks(t.before_now(r.since_connect)),
            };
            let mut oid = ASSOC_ENTRY.to_vec();
            oid.extend([col, APPL_INDEX, r.id as u32]);
            out.push((oid, v));
        }
    }
    out
}

/// Get: the instance, or noSuchInstance under an object served, else
/// noSuchObject.
pub fn get(all: &[(Oid, Value)], start: &[u32]) -> (Oid, Value) {
    if let Some((o, v)) = all.iter().find(|(o, _)| o == start) {
        return (o.clone(), v.clone());
    }
    // An object is an instance's OID less its last sub-identifier (the
    // row index or the .0 of a scalar).
    let under_object = all.iter().any(|(o, _)| start.len() > o.len() - 1 && start.starts_with(&o[..o.len() - 1]));
    let none = if under_object { Value::NoSuchInstance } else { Value::NoSuchObject };
    (start.to_vec(), none)
}

/// GetNext: the first instance after the start (or at it, when
/// included) and before the end; else endOfMibView at the start.
pub fn next(all: &[(Oid, Value)], r: &Range) -> (Oid, Value) {
    let found = all.iter().find(|(o, _)| {
        let after = if r.include { o >= &r.start } else { o > &r.start };
        after && (r.end.is_empty() || o < &r.end)
    });
    match found {
        Some((o, v)) => (o.clone(), v.clone()),
        None => (r.start.clone(), Value::EndOfMibView),
    }
}

/// GetBulk: the non-repeaters once, then up to `max_repetitions` rounds
/// of the others, stopping when all of them reached the end of the view.
pub fn bulk(all: &[(Oid, Value)], non_repeaters: u16, max_repetitions: u16, ranges: &[Range]) -> Vec<(Oid, Value)> {
    let split = usize::from(non_repeaters).min(ranges.len());
    let mut out: Vec<(Oid, Value)> = ranges[..split].iter().map(|r| next(all, r)).collect();
    let mut current: Vec<Range> = ranges[split..].to_vec();
    for _ in 0..max_repetitions {
        if current.is_empty() || out.len() + current.len() > MAX_BULK {
            break;
        }
        let mut ended = true;
        for r in &mut current {
            let (oid, v) = next(all, r);
            ended &= v == Value::EndOfMibView;
            // The next round continues after this answer.
            r.start = oid.clone();
            r.include = false;
            out.push((oid, v));
        }
        if ended {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> Vec<(Oid, Value)> {
        vec![
            (vec![1, 3, 6, 1, 2, 1, 27, 1, 1, 2, 143], Value::Octets(b"tegami".to_vec())),
            (vec![1, 3, 6, 1, 2, 1, 27, 1, 1, 8, 143], Value::Gauge32(3)),
            (vec![1, 3, 6, 1, 4, 1, 8072, 9999, 143, 1, 1, 1, 0], Value::Gauge32(3)),
        ]
    }

    fn range(start: &[u32], include: bool, end: &[u32]) -> Range {
        Range { start: start.to_vec(), include, end: end.to_vec() }
    }

    #[test]
    fn get_tells_a_missing_instance_from_a_missing_object() {
        let t = table();
        assert_eq!(get(&t, &[1, 3, 6, 1, 2, 1, 27, 1, 1, 8, 143]).1, Value::Gauge32(3));
        assert_eq!(get(&t, &[1, 3, 6, 1, 2, 1, 27, 1, 1, 8, 1]).1, Value::NoSuchInstance);
        assert_eq!(get(&t, &[1, 3, 6, 1, 2, 1, 27, 1, 1, 9, 143]).1, Value::NoSuchObject);
        assert_eq!(get(&t, &[1, 3]).1, Value::NoSuchObject);
        assert_eq!(get(&t, &[]).1, Value::NoSuchObject);
    }

    #[test]
    fn get_next_respects_include_and_the_end_of_the_range() {
        let t = table();
        let col8 = vec![1, 3, 6, 1, 2, 1, 27, 1, 1, 8, 143];
        assert_eq!(next(&t, &range(&[1, 3, 6, 1, 2, 1, 27], false, &[])).1, Value::Octets(b"tegami".to_vec()));
        assert_eq!(next(&t, &range(&col8, true, &[])).0, col8);
        assert_eq!(next(&t, &range(&col8, false, &[])).0, t[2].0);
        // The end bounds the answer: nothing before 1.3.6.1.4 after col8.
        let end = next(&t, &range(&col8, false, &[1, 3, 6, 1, 4]));
        assert_eq!(end, (col8.clone(), Value::EndOfMibView));
        assert_eq!(next(&t, &range(&t[2].0, false, &[])).1, Value::EndOfMibView);
    }

    #[test]
    fn get_bulk_repeats_until_the_end_and_is_bounded() {
        let t = table();
        let rs = [range(&[1, 3, 6, 1, 4], false, &[]), range(&[1, 3, 6, 1, 2], false, &[])];
        let got = bulk(&t, 1, 10, &rs);
        let names: Vec<&Oid> = got.iter().map(|(o, _)| o).collect();
        assert_eq!(names, [&t[2].0, &t[0].0, &t[1].0, &t[2].0, &t[2].0]);
        assert_eq!(got.last().unwrap().1, Value::EndOfMibView);
        // max-repetitions 0: the non-repeaters only; more non-repeaters
        // than ranges is not an error.
        assert_eq!(bulk(&t, 1, 0, &rs).len(), 1);
        assert_eq!(bulk(&t, 9, 5, &rs).len(), 2);
        assert!(bulk(&t, 0, u16::MAX, &vec![range(&[], false, &[]); 1000]).len() <= MAX_BULK);
    }
}

//! Issue 21, Fix 2: ESEARCH's MODSEQ item reports the highest
//! mod-sequence of the messages *returned* (RFC 7162 3.1.5, RFC 4731 3.2):
//! for MIN alone the lowest match's, for MAX alone the highest match's,
//! for MIN and MAX the higher of those two, for ALL and COUNT every match's.

mod support;

use support::{message, Client, Server};

/// The number inside `MODSEQ (n)` of a FETCH line.
fn modseq(line: &str) -> u64 {
    let rest = line.split("MODSEQ (").nth(1).unwrap_or_else(|| panic!("no MODSEQ in {line}"));
    rest.split(')').next().unwrap().parse().unwrap()
}

/// Sends `tag text` and returns every line, the tagged OK last.
fn run(c: &mut Client, tag: &str, text: &str) -> Vec<String> {
    c.send(format!("{tag} {text}\r\n").as_bytes());
    let lines = c.until_tagged(tag);
    assert!(lines.last().unwrap().starts_with(&format!("{tag} OK ")), "{text}: {lines:?}");
    lines
}

#[test]
fn esearch_modseq_is_of_the_returned_messages() {
    let server = Server::start_hashed(&[]);
    let mut c = server.login("alice");
    for i in 1..=3 {
        c.append("INBOX", "", &message(&format!("m{i}")));
    }
    c.select("INBOX");
    // Message 1 keeps its APPEND mod-sequence; 3 then 2 get \Seen, so the
    // order is m1 < m3 < m2 and every answer below names a different one.
    c.ok("STORE 3 +FLAGS.SILENT (\\Seen)");
    c.ok("STORE 2 +FLAGS.SILENT (\\Seen)");
    let l = c.ok("FETCH 1:3 (MODSEQ)");
    let m: Vec<u64> = l.iter().filter(|x| x.starts_with("* ") && x.contains(" FETCH ")).map(|x| modseq(x)).collect();
    assert_eq!(m.len(), 3, "{l:?}");
    assert!(m[0] < m[2] && m[2] < m[1], "{l:?}");
    let key = "1:3 MODSEQ \"/flags/\\\\seen\" all 1";
    let cases: [(&str, String); 6] = [
        ("MIN", format!("MIN 1 MODSEQ {}", m[0])),
        ("MAX", format!("MAX 3 MODSEQ {}", m[2])),
        ("MIN MAX", format!("MIN 1 MAX 3 MODSEQ {}", m[2])),
        ("ALL", format!("ALL 1:3 MODSEQ {}", m[1])),
        ("COUNT", format!("COUNT 3 MODSEQ {}", m[1])),
        ("PARTIAL 1:1", format!("PARTIAL (1:1 1) MODSEQ {}", m[0])),
    ];
    for (i, (ret, want)) in cases.iter().enumerate() {
        let tag = format!("x{i}");
        let l = run(&mut c, &tag, &format!("SEARCH RETURN ({ret}) {key}"));
        assert_eq!(l[..l.len() - 1], [format!("* ESEARCH (TAG \"{tag}\") {want}")], "{ret}");
    }
    // UID SEARCH: MIN is by UID, and the item order is the same.
    let l = run(&mut c, "u", &format!("UID SEARCH RETURN (MIN) {key}"));
    assert_eq!(l[0], format!("* ESEARCH (TAG \"u\") UID MIN 1 MODSEQ {}", m[0]));
    // Nothing matched: no MODSEQ item at all.
    let l = run(&mut c, "n", &format!("SEARCH RETURN (MIN) MODSEQ {}", m[1] + 1));
    assert_eq!(l[..l.len() - 1], ["* ESEARCH (TAG \"n\")".to_string()]);
}

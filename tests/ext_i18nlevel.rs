//! Issue 21 item 8, I18NLEVEL=1 (RFC 5255 section 4): SEARCH and SORT
//! compare strings with i;unicode-casemap (RFC 5051: titlecase, then
//! NFKD), so case, canonical and compatibility variants of a letter are
//! the same letter to both.

mod support;

use support::{Seed, Server};

/// The subjects, in message order: precomposed and decomposed Å and ö,
/// the three cases of the digraph DŽ, fullwidth Latin, a Greek word in
/// upper case, and plain ASCII (RFC 2047 words where not ASCII).
const SUBJECTS: &[&str] = &[
    "=?utf-8?q?=C3=85ngstr=C3=B6m?=",
    "=?utf-8?q?A=CC=8Angstro=CC=88m_Einheit?=",
    "=?utf-8?q?=C7=84emal?=",
    "=?utf-8?q?=C7=85emal?=",
    "=?utf-8?q?=EF=BC=A6=EF=BD=95=EF=BD=8C=EF=BD=8C?=",
    "=?utf-8?b?zqPOmc6jzqTOl86czpE=?=",
    "angle",
];

fn messages() -> Vec<Vec<u8>> {
    SUBJECTS.iter().map(|s| format!("From: a@example.org\r\nSubject: {s}\r\n\r\nbody\r\n").into_bytes()).collect()
}

/// `SEARCH CHARSET UTF-8 SUBJECT <literal+>` and its result line.
fn search(c: &mut support::Client, what: &str) -> String {
    let lines = c.ok(&format!("SEARCH CHARSET UTF-8 SUBJECT {{{}+}}\r\n{what}", what.len()));
    lines[0].clone()
}

#[test]
fn search_and_sort_compare_with_unicode_casemap() {
    let msgs = messages();
    let seeds: Vec<Seed> = msgs.iter().map(|m| Seed { data: m, info: "", mtime: 1_000_000_000 }).collect();
    let server = Server::start_seeded(&[], &seeds);
    let mut c = server.login("alice");
    let caps = c.ok("CAPABILITY")[0].clone();
    assert!(caps.split(' ').any(|w| w == "I18NLEVEL=1"), "{caps}");
    c.select("INBOX");
    // Case, and precomposed against decomposed, either way round.
    assert_eq!(search(&mut c, "ÅNGSTRÖM"), "* SEARCH 1 2");
    assert_eq!(search(&mut c, "a\u{30a}ngstro\u{308}m"), "* SEARCH 1 2");
    assert_eq!(search(&mut c, "ångström einheit"), "* SEARCH 2");
    // The titlecase digraph matches all three cases of itself.
    assert_eq!(search(&mut c, "\u{1c6}emal"), "* SEARCH 3 4");
    // NFKD: fullwidth letters are their ASCII letters.
    assert_eq!(search(&mut c, "full"), "* SEARCH 5");
    assert_eq!(search(&mut c, "ｆＵＬＬ"), "* SEARCH 5");
    // Greek final sigma and sigma share a titlecase.
    assert_eq!(search(&mut c, "σιστημα"), "* SEARCH 6");
    assert_eq!(search(&mut c, "ςιςτημα"), "* SEARCH 6");
    // The mark stays between its letter and the next one: "ANG" is not
    // in the mapped "A\u{30a}NGSTRO\u{308}M", while "NGSTR" is.
    assert_eq!(search(&mut c, "ANG"), "* SEARCH 7");
    assert_eq!(search(&mut c, "ngstr"), "* SEARCH 1 2");
    // SORT compares the mapped subjects as octets: "ANGLE" before
    // "A\u{30a}NGSTRO\u{308}M" (N is below the mark's first octet), a
    // subject before its extension, the three DŽ as one ("Dz\u{30c}EMAL",
    // ties by sequence number), fullwidth as ASCII "FULL", Greek last.
    let r = c.ok("SORT (SUBJECT) UTF-8 ALL");
    assert_eq!(r[0], "* SORT 7 1 2 3 4 5 6");
}

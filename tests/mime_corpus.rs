//! Byte-exact FETCH answers for tests/corpus/*.eml against the reference
//! answers Dovecot 2.3 gave for the same messages (tests/corpus/expected/,
//! made by contrib/corpus-reference.py).
//!
//! Deliberate differences from Dovecot, allowed by the comparison:
//! - String form: Dovecot sends a string holding `"` or `\` (and some long
//!   or tab-bearing ones) as a literal; tegami quotes with escapes whenever
//!   RFC 3501 allows. ENVELOPE and BODYSTRUCTURE are therefore compared as
//!   parsed IMAP values (same lists, NILs, numbers and string contents),
//!   and each answer is also checked against the RFC 3501 grammar.
//! - Empty sections: Dovecot sends `{0}`; tegami's renderer returns empty
//!   data and leaves the string form to the FETCH writer.

mod mime_common;

use mime_common::{check_body, check_envelope, partial_length, read_all, records, V};
use std::path::Path;
use tegami::fetch::{body_structure, envelope, rfc822_header, rfc822_size, rfc822_text, section};
use tegami::mime::scan;
use tegami::proto::section::{Partial, Section, SectionText};

/// Parses `BODY[<section>]<origin>` as echoed by Dovecot.
fn parse_item(item: &str) -> (Section, Option<u32>) {
    let inner = &item[item.find('[').unwrap() + 1..item.rfind(']').unwrap()];
    let origin =
        item[item.rfind(']').unwrap() + 1..].strip_prefix('<').map(|o| o.trim_end_matches('>').parse().unwrap());
    let mut sec = Section::default();
    let mut rest = inner;
    while let Some(c) = rest.chars().next().filter(char::is_ascii_digit) {
        let _ = c;
        let end = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
        sec.part.push(rest[..end].parse().unwrap());
        rest = rest[end..].strip_prefix('.').unwrap_or(&rest[end..]);
    }
    let names = |s: &str| -> Vec<Vec<u8>> {
        s.trim().trim_start_matches('(').trim_end_matches(')').split(' ').map(|n| n.as_bytes().to_vec()).collect()
    };
    sec.text = if rest.is_empty() {
        None
    } else if let Some(n) = rest.strip_prefix("HEADER.FIELDS.NOT ") {
        Some(SectionText::HeaderFieldsNot(names(n)))
    } else if let Some(n) = rest.strip_prefix("HEADER.FIELDS ") {
        Some(SectionText::HeaderFields(names(n)))
    } else {
        Some(match rest {
            "HEADER" => SectionText::Header,
            "TEXT" => SectionText::Text,
            "MIME" => SectionText::Mime,
            other => panic!("unknown section {other}"),
        })
    };
    (sec, origin)
}

fn string_value(v: &[u8]) -> Vec<u8> {
    match read_all(v).unwrap() {
        V::Str(s) => s,
        V::Nil => Vec::new(),
        other => panic!("not a string: {other:?}"),
    }
}

fn show(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn corpus_matches_reference() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut names: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".eml"))
        .collect();
    names.sort();
    assert!(names.len() >= 30, "corpus has {} messages", names.len());
    let mut failures = Vec::new();
    let mut checked = 0;
    for name in &names {
        let msg = std::fs::read(dir.join(name)).unwrap();
        let expected = std::fs::read(dir.join("expected").join(name.replace(".eml", ".txt"))).unwrap();
        let root = scan(&msg);
        for (item, want) in records(&expected) {
            let got: Vec<u8>;
            let ok = match item.as_str() {
                "ENVELOPE" => {
                    got = envelope(&msg);
                    let g = read_all(&got).unwrap_or_else(|e| panic!("{name} ENVELOPE unparsable: {e}"));
                    check_envelope(&g).unwrap_or_else(|e| panic!("{name} ENVELOPE grammar: {e}"));
                    g == read_all(&want).unwrap()
                }
                "BODYSTRUCTURE" | "BODY" => {
                    let ext = item == "BODYSTRUCTURE";
                    got = body_structure(&msg, ext);
                    let g = read_all(&got).unwrap_or_else(|e| panic!("{name} {item} unparsable: {e}"));
                    check_body(&g, ext).unwrap_or_else(|e| panic!("{name} {item} grammar: {e}"));
                    g == read_all(&want).unwrap()
                }
                "RFC822.SIZE" => {
                    got = rfc822_size(&msg).to_string().into_bytes();
                    got == want
                }
                "RFC822.HEADER" => {
                    got = rfc822_header(&msg).bytes(&msg).to_vec();
                    got == string_value(&want)
                }
                "RFC822.TEXT" => {
                    got = rfc822_text(&msg).bytes(&msg).to_vec();
                    got == string_value(&want)
                }
                _ => {
                    let (sec, origin) = parse_item(&item);
                    let partial = origin.map(|start| Partial { start, length: partial_length(&item) });
                    got = section(&msg, &root, &sec, partial).bytes(&msg).to_vec();
                    got == string_value(&want)
                }
            };
            checked += 1;
            if !ok {
                failures.push(format!("{name} {item}\n  want: {}\n  got:  {}", show(&want), show(&got)));
            }
        }
    }
    assert!(failures.is_empty(), "{} of {checked} differ:\n{}", failures.len(), failures.join("\n"));
}

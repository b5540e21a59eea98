//! Property tests: random and mutated MIME never panics the scanner, and
//! ENVELOPE, BODY and BODYSTRUCTURE always parse per RFC 3501's grammar;
//! every section answer stays within the message.

mod mime_common;

use mime_common::{check_body, check_envelope, read_all};
use proptest::prelude::*;
use std::path::Path;
use tegami::fetch::{body_structure, envelope, section};
use tegami::mime::{decoded_body_text, decoded_header_text, scan};
use tegami::proto::section::{Partial, Section, SectionText};

fn corpus() -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut v: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".eml"))
        .map(|e| std::fs::read(e.path()).unwrap())
        .collect();
    v.sort();
    v
}

#[derive(Clone, Debug)]
enum Edit {
    Flip(usize, u8),
    Insert(usize, Vec<u8>),
    Delete(usize, usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    let chunk = prop_oneof![
        Just(b"\r\n".to_vec()),
        Just(b"\n".to_vec()),
        Just(b"--".to_vec()),
        Just(b"Content-Type: multipart/mixed; boundary=b\r\n".to_vec()),
        Just(b"Content-Type: message/rfc822\r\n\r\n".to_vec()),
        Just(b"\r\n--b\r\n".to_vec()),
        Just(b"\"(<@:;,>)\\".to_vec()),
        proptest::collection::vec(any::<u8>(), 0..16),
    ];
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Edit::Flip(i, b)),
        (any::<usize>(), chunk).prop_map(|(i, c)| Edit::Insert(i, c)),
        (any::<usize>(), 0usize..64).prop_map(|(i, n)| Edit::Delete(i, n)),
    ]
}

fn apply(mut m: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for e in edits {
        match e {
            Edit::Flip(i, b) if !m.is_empty() => {
                let i = i % m.len();
                m[i] ^= b | 1;
            }
            Edit::Insert(i, c) => {
                let i = i % (m.len() + 1);
                m.splice(i..i, c.iter().copied());
            }
            Edit::Delete(i, n) if !m.is_empty() => {
                let i = i % m.len();
                let end = (i + n).min(m.len());
                m.drain(i..end);
            }
            _ => {}
        }
    }
    m
}

fn check_all(m: &[u8]) {
    let env = envelope(m);
    check_envelope(&read_all(&env).unwrap_or_else(|e| panic!("envelope {e}: {}", String::from_utf8_lossy(&env))))
        .unwrap();
    for ext in [false, true] {
        let b = body_structure(m, ext);
        let v = read_all(&b).unwrap_or_else(|e| panic!("body {e}: {}", String::from_utf8_lossy(&b)));
        check_body(&v, ext).unwrap_or_else(|e| panic!("body {e}: {}", String::from_utf8_lossy(&b)));
    }
    let root = scan(m);
    let texts = [
        None,
        Some(SectionText::Header),
        Some(SectionText::Text),
        Some(SectionText::Mime),
        Some(SectionText::HeaderFields(vec![b"subject".to_vec()])),
        Some(SectionText::HeaderFieldsNot(vec![b"from".to_vec()])),
    ];
    for part in [vec![], vec![1], vec![2], vec![1, 1], vec![2, 1], vec![2, 2, 1]] {
        for text in &texts {
            let sec = Section { part: part.clone(), text: text.clone() };
            for partial in [None, Some(Partial { start: 3, length: 7 })] {
                let d = section(m, &root, &sec, partial);
                let _ = d.bytes(m);
            }
        }
    }
    let _ = decoded_header_text(m, "subject");
    let _ = decoded_body_text(m, &root);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn random_bytes_never_panic(m in proptest::collection::vec(any::<u8>(), 0..600)) {
        check_all(&m);
    }

    #[test]
    fn mutated_corpus_never_panics(idx in any::<usize>(), edits in proptest::collection::vec(edit(), 1..12)) {
        let c = corpus();
        let m = apply(c[idx % c.len()].clone(), &edits);
        check_all(&m);
    }
}

#[test]
fn huge_header_is_linear_enough() {
    let mut m = Vec::new();
    for i in 0..20_000 {
        m.extend_from_slice(format!("X-Filler-{i}: some value that is fairly long\r\n").as_bytes());
    }
    m.extend_from_slice(b"Subject: at the end\r\nContent-Type: text/plain\r\n\r\nbody\r\n");
    let t = std::time::Instant::now();
    check_all(&m);
    assert!(t.elapsed().as_secs() < 10);
    assert!(String::from_utf8_lossy(&envelope(&m)).contains("\"at the end\""));
}

#[test]
fn deep_nesting_gives_valid_structure() {
    let mut m = Vec::new();
    for i in 0..300 {
        m.extend_from_slice(format!("Content-Type: multipart/mixed; boundary=b{i}\r\n\r\n--b{i}\r\n").as_bytes());
    }
    m.extend_from_slice(b"\r\ntext\r\n");
    check_all(&m);
}

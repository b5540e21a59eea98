//! Issue 4, "Must show" 1 and 2 over the wire: FETCH of the MIME corpus
//! through the real server equals Dovecot's answers (tests/corpus/expected/),
//! every section form and partial, and `\Seen` set by body fetches only.

mod mime_common;
mod support;

use std::path::Path;

use mime_common::{check_body, check_envelope, partial_length, read, read_all, records, V};
use support::{Client, Seed, Server};

/// The corpus messages in name order: (name, octets).
fn corpus() -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".eml"))
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|n| {
            let data = std::fs::read(dir.join(&n)).unwrap();
            (n, data)
        })
        .collect()
}

/// The FETCH item that asks for what `echo` names, without setting `\Seen`.
fn request(echo: &str) -> String {
    if let Some(rest) = echo.strip_prefix("BODY[") {
        let (sec, origin) = rest.split_once(']').unwrap();
        let partial = match origin.strip_prefix('<') {
            Some(o) => format!("<{}.{}>", o.trim_end_matches('>'), partial_length(echo)),
            None => String::new(),
        };
        return format!("BODY.PEEK[{sec}]{partial}");
    }
    echo.to_string()
}

/// One FETCH response split into its items: (sequence number, [(name,
/// raw value)]). Names keep their section and origin (`BODY[1]<3>`).
fn fetch_items(r: &[u8]) -> (u32, Vec<(String, Vec<u8>)>) {
    let s = r.strip_suffix(b"\r\n").unwrap_or(r);
    let s = s.strip_prefix(b"* ").expect("untagged");
    let sp = s.iter().position(|&b| b == b' ').unwrap();
    let n: u32 = std::str::from_utf8(&s[..sp]).unwrap().parse().unwrap();
    let rest = s[sp..].strip_prefix(b" FETCH (").unwrap_or_else(|| panic!("not FETCH: {}", show(r)));
    let rest = rest.strip_suffix(b")").expect("FETCH list closed");
    let mut items = Vec::new();
    let mut p = 0;
    while p < rest.len() {
        // The name: an atom, with a bracketed section and an origin.
        let start = p;
        while rest[p] != b' ' {
            if rest[p] == b'[' {
                p += rest[p..].iter().position(|&b| b == b']').unwrap();
            }
            p += 1;
        }
        let name = String::from_utf8(rest[start..p].to_vec()).unwrap();
        p += 1;
        let used = if name == "FLAGS" {
            rest[p..].iter().position(|&b| b == b')').unwrap() + 1
        } else {
            read(&rest[p..]).unwrap_or_else(|e| panic!("{name}: {e} in {}", show(r))).1
        };
        items.push((name, rest[p..p + used].to_vec()));
        p += used;
        if p < rest.len() {
            assert_eq!(rest[p], b' ', "items separated by one space: {}", show(r));
            p += 1;
        }
    }
    (n, items)
}

fn show(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// The contents of a string value (`NIL` and `""` both empty).
fn string_value(v: &[u8]) -> Vec<u8> {
    match read_all(v).unwrap_or_else(|e| panic!("{e}: {}", show(v))) {
        V::Str(s) => s,
        V::Nil => Vec::new(),
        other => panic!("not a string: {other:?}"),
    }
}

/// Runs a FETCH that must succeed and returns its one FETCH response.
fn fetch_one(c: &mut Client, cmd: &str) -> (u32, Vec<(String, Vec<u8>)>) {
    let rs = c.cmd_bytes(cmd);
    let tagged = show(rs.last().unwrap());
    assert!(tagged.contains(" OK "), "{cmd}: {tagged}");
    let fetches: Vec<_> =
        rs.iter().filter(|r| r.starts_with(b"* ") && r.windows(8).any(|w| w == b" FETCH (")).collect();
    assert_eq!(fetches.len(), 1, "{cmd}: {:?}", rs.iter().map(|r| show(r)).collect::<Vec<_>>());
    fetch_items(fetches[0])
}

fn seeds(msgs: &[(String, Vec<u8>)]) -> Vec<Seed<'_>> {
    msgs.iter().map(|(_, d)| Seed { data: d, info: "", mtime: 1_200_000_000 }).collect()
}

/// Must show 1 over the wire: every corpus message, every item the
/// reference answered (ENVELOPE, BODY, BODYSTRUCTURE, sizes, 40-odd section
/// forms and partials), fetched in one FETCH per message through the server.
#[test]
fn corpus_fetch_matches_reference() {
    let msgs = corpus();
    assert!(msgs.len() >= 30);
    let server = Server::start_seeded(&[], &seeds(&msgs));
    let mut c = server.login("alice");
    let ex = c.ok("EXAMINE INBOX");
    assert!(ex.iter().any(|l| l == &format!("* {} EXISTS", msgs.len())), "{ex:?}");
    let mut failures = Vec::new();
    let mut checked = 0;
    let mut byte_equal = 0;
    for (i, (name, _)) in msgs.iter().enumerate() {
        let n = i + 1;
        let exp_path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/expected").join(name.replace(".eml", ".txt"));
        let expected = records(&std::fs::read(exp_path).unwrap());
        let req: Vec<String> = expected.iter().map(|(item, _)| request(item)).collect();
        let (seq, got) = fetch_one(&mut c, &format!("FETCH {n} ({})", req.join(" ")));
        assert_eq!(seq, n as u32);
        assert_eq!(got.len(), expected.len(), "{name}: one answer per item");
        for ((item, want), (echo, value)) in expected.iter().zip(&got) {
            checked += 1;
            if item != echo {
                failures.push(format!("{name}: asked {item}, answered {echo}"));
                continue;
            }
            let ok = match item.as_str() {
                "ENVELOPE" => {
                    let g = read_all(value).unwrap();
                    check_envelope(&g).unwrap_or_else(|e| panic!("{name} ENVELOPE grammar: {e}"));
                    g == read_all(want).unwrap()
                }
                "BODY" | "BODYSTRUCTURE" => {
                    let g = read_all(value).unwrap();
                    check_body(&g, item == "BODYSTRUCTURE").unwrap_or_else(|e| panic!("{name} {item} grammar: {e}"));
                    g == read_all(want).unwrap()
                }
                "RFC822.SIZE" => value == want,
                _ => string_value(value) == string_value(want),
            };
            // Where Dovecot used no literal, the bytes themselves must agree.
            if ok && !want.contains(&b'{') && matches!(item.as_str(), "ENVELOPE" | "BODY" | "BODYSTRUCTURE") {
                if value == want {
                    byte_equal += 1;
                } else {
                    failures.push(format!(
                        "{name} {item} same value, other bytes\n  want: {}\n  got:  {}",
                        show(want),
                        show(value)
                    ));
                }
            }
            if !ok {
                failures.push(format!("{name} {item}\n  want: {}\n  got:  {}", show(want), show(value)));
            }
        }
    }
    assert!(failures.is_empty(), "{} of {checked} differ:\n{}", failures.len(), failures.join("\n"));
    assert!(checked > 1000 && byte_equal > 60, "{checked} items, {byte_equal} byte-equal");
    // Nothing was fetched without PEEK on EXAMINE: still no \Seen anywhere.
    let lines = c.ok("SEARCH SEEN");
    assert_eq!(lines[0], "* SEARCH");
}

/// Must show 1: exact bytes of tricky answers, pinned: group addresses
/// (with Dovecot's handling of a group followed by an address), and the
/// BODYSTRUCTURE of a message/rfc822 holding a multipart holding another
/// message/rfc822.
#[test]
fn tricky_answers_are_byte_exact() {
    let msgs = corpus();
    let server = Server::start_seeded(&[], &seeds(&msgs));
    let mut c = server.login("alice");
    c.ok("EXAMINE INBOX");
    let group = msgs.iter().position(|(n, _)| n == "10-group.eml").unwrap() + 1;
    let lines = c.ok(&format!("FETCH {group} (ENVELOPE)"));
    assert_eq!(
        lines[0],
        format!(
            "* {group} FETCH (ENVELOPE (\"Wed, 9 Mar 2005 09:00:00 +0000\" \"groups\" \
             ((NIL NIL \"boss\" \"example.com\")) ((NIL NIL \"boss\" \"example.com\")) \
             ((NIL NIL \"boss\" \"example.com\")) ((NIL NIL \"A Group\" NIL)(\"Ed Jones\" NIL \"c\" \"a.test\")\
             (NIL NIL \"joe\" \"where.test\")(\"John\" NIL \"jdoe\" \"one.test\")(NIL NIL NIL NIL)) \
             ((NIL NIL \"undisclosed-recipients\" NIL)(NIL NIL NIL NIL)) \
             ((NIL NIL \"empty group\" NIL)(NIL NIL NIL NIL)) NIL NIL))"
        )
    );
    let nested = msgs.iter().position(|(n, _)| n == "04-nested-rfc822.eml").unwrap() + 1;
    let lines = c.ok(&format!("UID FETCH {nested} (BODYSTRUCTURE)"));
    assert_eq!(
        lines[0],
        format!(
            "* {nested} FETCH (UID {nested} BODYSTRUCTURE ((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 11 0 NIL NIL NIL NIL)\
             (\"message\" \"rfc822\" NIL NIL \"forwarded message\" \"7bit\" 444 \
             (\"Wed, 2 Mar 2005 12:00:00 +0000\" \"Fwd: deepest\" ((NIL NIL \"middle\" \"example.com\")) \
             ((NIL NIL \"middle\" \"example.com\")) ((NIL NIL \"middle\" \"example.com\")) \
             ((NIL NIL \"outer\" \"example.com\")) NIL NIL NIL NIL) \
             ((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 12 0 NIL NIL NIL NIL)\
             (\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 155 (NIL \"deepest\" ((NIL NIL \"inner\" \"example.com\")) \
             ((NIL NIL \"inner\" \"example.com\")) ((NIL NIL \"inner\" \"example.com\")) \
             ((NIL NIL \"middle\" \"example.com\")) NIL NIL \"<x@example.com>\" \"<deep@example.com>\") \
             (\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 24 1 NIL NIL NIL NIL) 7 NIL NIL NIL NIL) \
             \"mixed\" (\"boundary\" \"middle\") NIL NIL NIL) 23 NIL NIL NIL NIL) \"mixed\" (\"boundary\" \"outer\") NIL NIL NIL))"
        )
    );
    // An encoded-word display name inside a group stays encoded (RFC 3501
    // sends header octets, not decoded text).
    let enc = msgs.iter().position(|(n, _)| n == "34-encoded-display-in-group.eml").unwrap() + 1;
    let (_, items) = fetch_one(&mut c, &format!("FETCH {enc} (ENVELOPE)"));
    let env = read_all(&items[0].1).unwrap();
    check_envelope(&env).unwrap();
    assert!(show(&items[0].1).contains("=?"), "{}", show(&items[0].1));
}

/// A message whose sections are worked out by hand below: a text part and
/// a multipart holding a message/rfc822 (so `2.1` is a nested message).
const NESTED: &[u8] = b"From: a@example.com\r\n\
To: b@example.com\r\n\
Subject: nest\r\n\
MIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"X\"\r\n\
\r\n\
--X\r\n\
Content-Type: text/plain\r\n\
\r\n\
part one\r\n\
--X\r\n\
Content-Type: multipart/mixed; boundary=\"Y\"\r\n\
\r\n\
--Y\r\n\
Content-Type: message/rfc822\r\n\
\r\n\
From: c@example.com\r\n\
Subject: inner\r\n\
\r\n\
inner body\r\n\
--Y--\r\n\
--X--\r\n";

/// Must show 2: every section form and partial, including sections inside
/// a nested message, each answer checked byte for byte (name, literal).
#[test]
fn every_section_form_and_partial() {
    let server = Server::start_seeded(&[], &[Seed { data: NESTED, info: "", mtime: 1_300_000_000 }]);
    let mut c = server.login("alice");
    c.ok("EXAMINE INBOX");
    let header_len = NESTED.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    let text = &NESTED[header_len..];
    let cases: Vec<(&str, &str, Vec<u8>)> = vec![
        ("BODY.PEEK[]", "BODY[]", NESTED.to_vec()),
        ("BODY.PEEK[HEADER]", "BODY[HEADER]", NESTED[..header_len].to_vec()),
        (
            "BODY.PEEK[HEADER.FIELDS (From To)]",
            "BODY[HEADER.FIELDS (FROM TO)]",
            b"From: a@example.com\r\nTo: b@example.com\r\n\r\n".to_vec(),
        ),
        (
            "BODY.PEEK[HEADER.FIELDS.NOT (From To Subject)]",
            "BODY[HEADER.FIELDS.NOT (FROM TO SUBJECT)]",
            b"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"X\"\r\n\r\n".to_vec(),
        ),
        ("BODY.PEEK[TEXT]", "BODY[TEXT]", text.to_vec()),
        ("BODY.PEEK[1]", "BODY[1]", b"part one".to_vec()),
        ("BODY.PEEK[1.MIME]", "BODY[1.MIME]", b"Content-Type: text/plain\r\n\r\n".to_vec()),
        ("BODY.PEEK[2.MIME]", "BODY[2.MIME]", b"Content-Type: multipart/mixed; boundary=\"Y\"\r\n\r\n".to_vec()),
        ("BODY.PEEK[2.1]", "BODY[2.1]", b"From: c@example.com\r\nSubject: inner\r\n\r\ninner body".to_vec()),
        ("BODY.PEEK[2.1.HEADER]", "BODY[2.1.HEADER]", b"From: c@example.com\r\nSubject: inner\r\n\r\n".to_vec()),
        ("BODY.PEEK[2.1.TEXT]", "BODY[2.1.TEXT]", b"inner body".to_vec()),
        (
            "BODY.PEEK[2.1.HEADER.FIELDS (subject)]",
            "BODY[2.1.HEADER.FIELDS (SUBJECT)]",
            b"Subject: inner\r\n\r\n".to_vec(),
        ),
        ("BODY.PEEK[2.1.1]", "BODY[2.1.1]", b"inner body".to_vec()),
        ("BODY.PEEK[]<0.10>", "BODY[]<0>", NESTED[..10].to_vec()),
        ("BODY.PEEK[1]<5.100>", "BODY[1]<5>", b"one".to_vec()),
        ("BODY.PEEK[]<100000.10>", "BODY[]<100000>", Vec::new()),
        ("BODY.PEEK[2.1.TEXT]<6.4>", "BODY[2.1.TEXT]<6>", b"body".to_vec()),
        ("BODY.PEEK[3]", "BODY[3]", Vec::new()),
        ("RFC822.HEADER", "RFC822.HEADER", NESTED[..header_len].to_vec()),
    ];
    for (ask, echo, want) in &cases {
        let rs = c.cmd_bytes(&format!("FETCH 1 ({ask})"));
        assert!(show(rs.last().unwrap()).contains(" OK "), "{ask}: {}", show(rs.last().unwrap()));
        let mut line = format!("* 1 FETCH ({echo} {{{}}}\r\n", want.len()).into_bytes();
        line.extend_from_slice(want);
        line.extend_from_slice(b")\r\n");
        let alt = format!("* 1 FETCH ({echo} \"\")\r\n").into_bytes();
        assert!(
            rs[0] == line || want.is_empty() && rs[0] == alt,
            "{ask}\n  want: {}\n  got:  {}",
            show(&line),
            show(&rs[0])
        );
    }
    // All forms in one command answer in the order asked.
    let all: Vec<&str> = cases.iter().map(|c| c.0).collect();
    let (_, items) = fetch_one(&mut c, &format!("FETCH 1 ({})", all.join(" ")));
    let names: Vec<&str> = items.iter().map(|(n, _)| n.as_str()).collect();
    let echoes: Vec<&str> = cases.iter().map(|c| c.1).collect();
    assert_eq!(names, echoes);
    for ((_, _, want), (_, v)) in cases.iter().zip(&items) {
        assert_eq!(&string_value(v), want);
    }
    // RFC822 and RFC822.TEXT are the whole message and its text.
    let (_, items) = fetch_one(&mut c, "FETCH 1 (RFC822 RFC822.TEXT RFC822.SIZE)");
    assert_eq!(items[0].0, "RFC822");
    assert_eq!(string_value(&items[0].1), NESTED);
    assert_eq!(items[1].0, "RFC822.TEXT");
    assert_eq!(string_value(&items[1].1), text);
    assert_eq!(items[2], ("RFC822.SIZE".into(), NESTED.len().to_string().into_bytes()));
}

/// The FLAGS of message `n` as the server reports them.
fn flags(c: &mut Client, n: u32) -> String {
    let lines = c.ok(&format!("FETCH {n} (FLAGS)"));
    let l = &lines[0];
    let start = l.find("FLAGS (").unwrap() + 7;
    l[start..start + l[start..].find(')').unwrap()].to_string()
}

/// Must show 2: `\Seen` is set by BODY[] (and reported with FLAGS in the
/// same response), by RFC822 and RFC822.TEXT, never by BODY.PEEK[] or
/// RFC822.HEADER, and by nothing on a mailbox opened with EXAMINE.
#[test]
fn seen_set_by_body_fetches_only() {
    let m: &[u8] = b"From: a@example.com\r\nSubject: s\r\n\r\nbody\r\n";
    let seeds: Vec<Seed> = (0..6).map(|_| Seed { data: m, info: "", mtime: 1_300_000_000 }).collect();
    let server = Server::start_seeded(&[], &seeds);
    // EXAMINE first: non-PEEK fetches change nothing.
    let mut c = server.login("alice");
    c.ok("EXAMINE INBOX");
    let lines = c.ok("FETCH 1:6 (BODY[] RFC822 RFC822.TEXT)");
    assert!(lines.iter().all(|l| !l.contains("FLAGS")), "{lines:?}");
    c.ok("LOGOUT");
    let mut c = server.login("alice");
    c.ok("SELECT INBOX");
    for n in 1..=6 {
        assert!(!flags(&mut c, n).contains("\\Seen"), "EXAMINE set \\Seen on {n}");
    }
    let lines = c.ok("FETCH 1 (BODY[])");
    assert!(lines[0].starts_with("* 1 FETCH (BODY[] {"), "{lines:?}");
    assert!(lines[0].ends_with(" FLAGS (\\Seen \\Recent))"), "{lines:?}");
    let lines = c.ok("FETCH 2 (BODY.PEEK[])");
    assert!(!lines[0].contains("FLAGS"), "{lines:?}");
    let lines = c.ok("FETCH 3 (RFC822)");
    assert!(lines[0].ends_with(" FLAGS (\\Seen \\Recent))"), "{lines:?}");
    let lines = c.ok("FETCH 4 (RFC822.HEADER)");
    assert!(!lines[0].contains("FLAGS"), "{lines:?}");
    let lines = c.ok("FETCH 5 (FLAGS BODY[TEXT])");
    assert_eq!(lines[0], "* 5 FETCH (FLAGS (\\Seen \\Recent) BODY[TEXT] {6}\r\nbody\r\n)");
    // A second body fetch of a seen message reports nothing extra.
    let lines = c.ok("FETCH 1 (BODY[1])");
    assert_eq!(lines[0], "* 1 FETCH (BODY[1] {6}\r\nbody\r\n)");
    let seen: Vec<bool> = (1..=6).map(|n| flags(&mut c, n).contains("\\Seen")).collect();
    assert_eq!(seen, [true, false, true, false, true, false]);
    // On disk: the S letter in exactly those files.
    let names: Vec<String> = std::fs::read_dir(server.maildir("alice").join("cur"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names.iter().filter(|n| n.ends_with(":2,S")).count(), 3, "{names:?}");
}

/// The macros ALL, FAST, FULL expand as RFC 3501 6.4.5 says; an empty
/// mailbox answers UID sets with nothing and sequence numbers with BAD.
#[test]
fn macros_and_empty_mailbox() {
    let server = Server::start_seeded(&[], &[Seed { data: NESTED, info: "F", mtime: 1_300_000_000 }]);
    let mut c = server.login("alice");
    c.ok("EXAMINE INBOX");
    let date = "INTERNALDATE \"13-Mar-2011 07:06:40 +0000\"";
    let size = format!("RFC822.SIZE {}", NESTED.len());
    let l = c.ok("FETCH 1 FAST");
    // The first session of this maildir sees its message \Recent, EXAMINE
    // too (it shows the flag without taking it: RFC 3501 2.3.2).
    assert_eq!(l[0], format!("* 1 FETCH (FLAGS (\\Flagged \\Recent) {date} {size})"));
    let (_, items) = fetch_one(&mut c, "FETCH 1 ALL");
    let names: Vec<&str> = items.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE"]);
    let (_, items) = fetch_one(&mut c, "FETCH 1 FULL");
    let names: Vec<&str> = items.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["FLAGS", "INTERNALDATE", "RFC822.SIZE", "ENVELOPE", "BODY"]);
    let body = read_all(&items[4].1).unwrap();
    check_body(&body, false).unwrap();
    // Quoted header field names are accepted and echoed as atoms.
    let (_, items) = fetch_one(&mut c, "FETCH 1 (BODY.PEEK[HEADER.FIELDS (\"Subject\")])");
    assert_eq!(items[0].0, "BODY[HEADER.FIELDS (SUBJECT)]");
    assert_eq!(string_value(&items[0].1), b"Subject: nest\r\n\r\n");
    c.ok("EXAMINE Trash");
    let l = c.ok("UID FETCH 1:* (FLAGS)");
    assert_eq!(l.len(), 1, "{l:?}");
    let l = c.cmd("FETCH 1 (FLAGS)");
    assert!(l.last().unwrap().contains(" BAD "), "{l:?}");
    let l = c.ok("SEARCH ALL");
    assert_eq!(l[0], "* SEARCH");
}

/// Large bodies are written straight from the mapped file (past 64 kB they
/// bypass the response buffer): the octets must arrive whole and in place,
/// between the right framing, for BODY[], a partial and RFC822.
#[test]
fn large_bodies_arrive_whole_from_the_map() {
    let server = Server::start(&[]);
    let mut c = server.login("alice");
    let mut msg = b"From: big@example.org\r\nSubject: big\r\n\r\n".to_vec();
    for i in 0..20_000 {
        msg.extend_from_slice(format!("line {i:06} of a large body\r\n").as_bytes());
    }
    let r = c.append_dated("INBOX", "", None, &msg);
    assert!(r.last().unwrap().contains(" OK "), "{r:?}");
    c.ok("SELECT INBOX");
    let lines = c.cmd_bytes("FETCH 1 (UID BODY.PEEK[] FLAGS)");
    let first = &lines[0];
    let head = format!("* 1 FETCH (UID 1 BODY[] {{{}}}\r\n", msg.len());
    assert!(first.starts_with(head.as_bytes()), "{:?}", String::from_utf8_lossy(&first[..80]));
    assert_eq!(&first[head.len()..head.len() + msg.len()], &msg[..]);
    assert_eq!(&first[head.len() + msg.len()..], b" FLAGS (\\Recent))\r\n");
    let lines = c.cmd_bytes("FETCH 1 BODY.PEEK[]<100000.70000>");
    let head = b"* 1 FETCH (BODY[]<100000> {70000}\r\n";
    assert!(lines[0].starts_with(head));
    assert_eq!(&lines[0][head.len()..head.len() + 70000], &msg[100000..170000]);
    let lines = c.cmd_bytes("FETCH 1 RFC822");
    assert!(lines[0].ends_with(b")\r\n"));
    assert!(lines[1].starts_with(b"t"), "tagged reply follows");
}

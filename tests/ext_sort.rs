//! Issue 12, SORT (RFC 5256) and SORT=DISPLAY (RFC 5957): the RFC's
//! example, every key with and without REVERSE checked against a model
//! written here (headers read by the mail-parser crate, base subjects by a
//! second implementation of RFC 5256 2.1) over tests/corpus and over a
//! generated mailbox of replies, forwards, list tags and encoded words;
//! exact response lines; hostile input.

mod support;

use std::cmp::Ordering;

use support::{corpus_messages, seeds_of, Client, Server};
use unicode_normalization::UnicodeNormalization;

// ---- The model -------------------------------------------------------

/// i;unicode-casemap as RFC 5051 says it, written out plainly: each
/// character's single-character uppercase (titlecase for everything the
/// corpus holds), then NFKD.
fn casemap(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        let up: Vec<char> = c.to_uppercase().collect();
        out.push(if up.len() == 1 { up[0] } else { c });
    }
    out.nfkd().collect()
}

/// RFC 5256 2.1 on a decoded subject, step by step over a char vector.
fn model_base_subject(decoded: &str) -> String {
    // (1) white space to single spaces.
    let mut s: Vec<char> = Vec::new();
    for c in decoded.chars() {
        let c = if c == '\t' || c == '\r' || c == '\n' { ' ' } else { c };
        if !(c == ' ' && s.last() == Some(&' ')) {
            s.push(c);
        }
    }
    let mut s: Vec<char> = casemap(&s.iter().collect::<String>()).chars().collect();
    let starts = |s: &[char], p: &str| s.len() >= p.chars().count() && s.iter().zip(p.chars()).all(|(a, b)| *a == b);
    // Length of a blob "[...]" + spaces at the start of s, if any.
    let blob = |s: &[char]| -> Option<usize> {
        if s.first() != Some(&'[') {
            return None;
        }
        let close = s.iter().skip(1).position(|&c| c == ']' || c == '[')? + 1;
        if s[close] != ']' {
            return None;
        }
        let mut n = close + 1;
        while s.get(n) == Some(&' ') {
            n += 1;
        }
        Some(n)
    };
    loop {
        // (2)
        loop {
            if s.last() == Some(&' ') {
                s.pop();
            } else if s.len() >= 5 && s[s.len() - 5..].iter().collect::<String>() == "(FWD)" {
                s.truncate(s.len() - 5);
            } else {
                break;
            }
        }
        loop {
            let len = s.len();
            // (3)
            loop {
                if s.first() == Some(&' ') {
                    s.remove(0);
                    continue;
                }
                let mut n = 0;
                while let Some(b) = blob(&s[n..]) {
                    n += b;
                }
                let word = if starts(&s[n..], "RE") {
                    2
                } else if starts(&s[n..], "FWD") {
                    3
                } else if starts(&s[n..], "FW") {
                    2
                } else {
                    break;
                };
                n += word;
                while s.get(n) == Some(&' ') {
                    n += 1;
                }
                if let Some(b) = blob(&s[n..]) {
                    n += b;
                }
                if s.get(n) != Some(&':') {
                    break;
                }
                s.drain(..=n);
            }
            // (4)
            if let Some(b) = blob(&s) {
                if s[b..].iter().any(|&c| c != ' ') {
                    s.drain(..b);
                }
            }
            if s.len() == len {
                break;
            }
        }
        // (6)
        if starts(&s, "[FWD:") && s.last() == Some(&']') {
            s.pop();
            s.drain(..5);
            continue;
        }
        return s.into_iter().collect();
    }
}

/// What the model knows of a message: from the mail-parser crate.
#[derive(Clone, Debug)]
struct Facts {
    seq: u32,
    uid: u32,
    arrival: i64,
    size: u64,
    date: i64,
    subject: String,
    from: String,
    to: String,
    cc: String,
    display_from: String,
    display_to: String,
}

fn first_mailbox(a: Option<&mail_parser::Address>) -> String {
    let local = match a {
        None => return String::new(),
        // A group's first address is the group (its name as mailbox);
        // mail-parser also makes unnamed groups of what it cannot read as
        // a list ("@a,@b:x@y" without angle brackets), which has none.
        Some(mail_parser::Address::Group(g)) => return casemap(g[0].name.as_deref().unwrap_or("")),
        Some(mail_parser::Address::List(l)) => match l.first() {
            // mail-parser splits a quoted local part ("a b"@host) into a
            // name and "@host".
            Some(mail_parser::Addr { name: Some(n), address: Some(a) }) if a.starts_with('@') => n,
            Some(x) => x.address.as_deref().unwrap_or(""),
            None => "",
        },
    };
    let local = local.rsplit_once('@').map_or(local, |(l, _)| l);
    casemap(local.trim_matches('"'))
}

fn first_display(a: Option<&mail_parser::Address>) -> String {
    let Some(mail_parser::Address::List(l)) = a else { return first_mailbox(a) };
    let Some(x) = l.first() else { return String::new() };
    match x.name.as_deref() {
        Some(n) if !n.trim().is_empty() => casemap(n),
        _ => casemap(x.address.as_deref().unwrap_or("")),
    }
}

/// The first instance of a header field (a repeated field counts once).
fn first<'a>(m: &'a mail_parser::Message<'a>, name: &'static str) -> Option<&'a mail_parser::HeaderValue<'a>> {
    m.header_values(name).next()
}

fn facts(seq: u32, raw: &[u8], arrival: i64) -> Facts {
    let m = mail_parser::MessageParser::default().parse(raw).expect("parsable");
    // RFC822.SIZE counts CRLF line ends.
    let size = raw.len() as u64
        + raw.windows(2).filter(|w| w[1] == b'\n' && w[0] != b'\r').count() as u64
        + u64::from(raw.first() == Some(&b'\n'));
    Facts {
        seq,
        uid: seq,
        arrival,
        size,
        date: first(&m, "Date").and_then(|v| v.as_datetime()).map_or(arrival, |d| d.to_timestamp()),
        subject: model_base_subject(first(&m, "Subject").and_then(|v| v.as_text()).unwrap_or("")),
        from: first_mailbox(first(&m, "From").and_then(|v| v.as_address())),
        to: first_mailbox(first(&m, "To").and_then(|v| v.as_address())),
        cc: first_mailbox(first(&m, "Cc").and_then(|v| v.as_address())),
        display_from: first_display(first(&m, "From").and_then(|v| v.as_address())),
        display_to: first_display(first(&m, "To").and_then(|v| v.as_address())),
    }
}

fn key_cmp(key: &str, a: &Facts, b: &Facts) -> Ordering {
    match key {
        "ARRIVAL" => a.arrival.cmp(&b.arrival),
        "SIZE" => a.size.cmp(&b.size),
        "DATE" => a.date.cmp(&b.date),
        "SUBJECT" => a.subject.cmp(&b.subject),
        "FROM" => a.from.cmp(&b.from),
        "TO" => a.to.cmp(&b.to),
        "CC" => a.cc.cmp(&b.cc),
        "DISPLAYFROM" => a.display_from.cmp(&b.display_from),
        "DISPLAYTO" => a.display_to.cmp(&b.display_to),
        _ => unreachable!("{key}"),
    }
}

/// The model's SORT: criteria like "REVERSE DATE", ties by sequence number.
fn model_sort(facts: &[Facts], criteria: &[&str]) -> Vec<u32> {
    let mut v: Vec<&Facts> = facts.iter().collect();
    v.sort_by(|a, b| {
        for c in criteria {
            let (rev, key) = match c.strip_prefix("REVERSE ") {
                Some(k) => (true, k),
                None => (false, *c),
            };
            let o = key_cmp(key, a, b);
            let o = if rev { o.reverse() } else { o };
            if o != Ordering::Equal {
                return o;
            }
        }
        a.seq.cmp(&b.seq)
    });
    v.iter().map(|f| f.seq).collect()
}

// ---- Helpers ---------------------------------------------------------

fn sort_line(c: &mut Client, cmd: &str) -> String {
    let lines = c.ok(cmd);
    assert_eq!(lines.len(), 2, "{cmd}: {lines:?}");
    lines[0].clone()
}

fn numbers(line: &str) -> Vec<u32> {
    line.strip_prefix("* SORT").expect("a SORT response").split_whitespace().map(|n| n.parse().unwrap()).collect()
}

const KEYS: &[&str] = &["ARRIVAL", "CC", "DATE", "FROM", "SIZE", "SUBJECT", "TO", "DISPLAYFROM", "DISPLAYTO"];

/// Every key alone and reversed, and a few combinations, seq and UID.
fn check_against_model(c: &mut Client, facts: &[Facts]) {
    let mut sets: Vec<Vec<String>> = Vec::new();
    for k in KEYS {
        sets.push(vec![k.to_string()]);
        sets.push(vec![format!("REVERSE {k}")]);
    }
    sets.push(vec!["SUBJECT".into(), "REVERSE DATE".into()]);
    sets.push(vec!["FROM".into(), "REVERSE SIZE".into(), "ARRIVAL".into()]);
    sets.push(vec!["REVERSE TO".into(), "CC".into(), "SUBJECT".into()]);
    for set in sets {
        let crit: Vec<&str> = set.iter().map(String::as_str).collect();
        let want = model_sort(facts, &crit);
        let got = numbers(&sort_line(c, &format!("SORT ({}) UTF-8 ALL", crit.join(" "))));
        assert_eq!(got, want, "SORT ({})", crit.join(" "));
        let uids: Vec<u32> = want.iter().map(|s| facts[*s as usize - 1].uid).collect();
        let got = numbers(&sort_line(c, &format!("UID SORT ({}) UTF-8 ALL", crit.join(" "))));
        assert_eq!(got, uids, "UID SORT ({})", crit.join(" "));
    }
}

// ---- Tests -----------------------------------------------------------

#[test]
fn capability_lists_sort_and_display() {
    let server = Server::start(&[]);
    let mut c = server.login("alice");
    let caps = c.ok("CAPABILITY")[0].clone();
    let words: Vec<&str> = caps.split(' ').collect();
    assert!(words.contains(&"SORT") && words.contains(&"SORT=DISPLAY"), "{caps}");
}

/// RFC 5256 section 4's examples, on a mailbox made so that the second
/// one has the RFC's answer.
#[test]
fn rfc5256_examples() {
    let m = |subject: &str, date: &str| {
        format!("From: a@example.com\r\nSubject: {subject}\r\nDate: {date}\r\n\r\nbody\r\n").into_bytes()
    };
    let msgs = vec![
        (m("Fwd: beta", "Mon, 7 Feb 1994 22:00:00 +0000"), 761_000_000),
        (m("beta", "Mon, 7 Feb 1994 21:00:00 +0000"), 761_000_100),
        (m("[list] Alpha", "Sun, 6 Feb 1994 12:00:00 +0000"), 761_000_200),
        (m("ALPHA (fwd)", "Sat, 5 Feb 1994 23:00:00 -0300"), 761_000_300),
        (m("=?UTF-8?Q?Re=3A_alpha?=", "Mon, 7 Feb 1994 08:00:00 +0100"), 761_000_400),
    ];
    let server = Server::start_seeded(&[], &seeds_of(&msgs));
    let mut c = server.login("alice");
    c.select("INBOX");
    c.send(b"A282 SORT (SUBJECT) UTF-8 SINCE 1-Feb-1994\r\n");
    assert_eq!(c.until_tagged("A282"), ["* SORT 3 4 5 1 2", "A282 OK SORT completed"]);
    c.send(b"A283 SORT (SUBJECT REVERSE DATE) UTF-8 ALL\r\n");
    assert_eq!(c.until_tagged("A283"), ["* SORT 5 3 4 1 2", "A283 OK SORT completed"]);
    c.send(b"A284 SORT (SUBJECT) US-ASCII TEXT \"not in mailbox\"\r\n");
    assert_eq!(c.until_tagged("A284"), ["* SORT", "A284 OK SORT completed"]);
    c.send(b"A285 UID SORT (REVERSE ARRIVAL) UTF-8 2:4\r\n");
    assert_eq!(c.until_tagged("A285"), ["* SORT 4 3 2", "A285 OK UID SORT completed"]);
}

/// RFC 5957: DISPLAYFROM sorts by the display name, or the address when
/// there is none; encoded words are decoded first.
#[test]
fn display_keys() {
    let m = |from: &str| format!("From: {from}\r\nTo: {from}\r\nSubject: x\r\n\r\nbody\r\n").into_bytes();
    let msgs = vec![
        (m("Zoe <adam@example.com>"), 1),
        (m("bob@example.com"), 2),
        (m("=?UTF-8?Q?=C3=89mile?= <zed@example.com>"), 3),
        (m("\"\" <carl@example.com>"), 4),
        (m("Anne <yves@example.com>"), 5),
    ];
    let server = Server::start_seeded(&[], &seeds_of(&msgs));
    let mut c = server.login("alice");
    c.select("INBOX");
    // ANNE, BOB@EXAMPLE.COM, CARL@EXAMPLE.COM, E\u{301}MILE, ZOE
    assert_eq!(sort_line(&mut c, "SORT (DISPLAYFROM) UTF-8 ALL"), "* SORT 5 2 4 3 1");
    assert_eq!(sort_line(&mut c, "SORT (REVERSE DISPLAYTO) UTF-8 ALL"), "* SORT 1 3 4 2 5");
    // FROM is the local part: adam, bob, carl, yves, zed.
    assert_eq!(sort_line(&mut c, "SORT (FROM) UTF-8 ALL"), "* SORT 1 2 4 5 3");
}

#[test]
fn corpus_against_model() {
    let msgs = corpus_messages();
    let facts: Vec<Facts> = msgs.iter().enumerate().map(|(i, (d, t))| facts(i as u32 + 1, d, *t)).collect();
    let server = Server::start_seeded(&[], &seeds_of(&msgs));
    let mut c = server.login("alice");
    c.select("INBOX");
    check_against_model(&mut c, &facts);
}

/// Deterministic pseudo-random numbers for the generated mailbox.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((self.0 >> 33) % n as u64) as usize
    }
}

/// A generated mailbox: replies, forwards, list tags, encoded words,
/// display names, zones, messages without Date.
pub fn generated(n: usize) -> Vec<(Vec<u8>, i64)> {
    let bases = [
        "Meeting notes",
        "=?UTF-8?Q?R=C3=A9union_d=27=C3=A9quipe?=",
        "budget 2027",
        "=?ISO-8859-1?Q?=C9t=E9?=",
        "Ärger im Büro",
        "[only a tag]",
        "",
    ];
    let prefixes =
        ["", "Re: ", "RE: Re: ", "Fwd: ", "[list] ", "[list] Re: ", "Re [x]: ", "Fw:", "re:  [list]  ", "[a][b] "];
    let froms = [
        "Alice Example <alice@example.com>",
        "bob@example.org",
        "=?UTF-8?B?SsO2cmcgTcO8bGxlcg==?= <joerg@example.de>",
        "\"Zed, Z.\" <zed@example.net>",
        "carol@example.com (Carol C)",
        "<dave@example.com>",
    ];
    let zones = ["+0000", "-0800", "+0530", "+1300", "GMT"];
    let mut r = Lcg(12);
    (0..n)
        .map(|i| {
            let base = bases[r.next(bases.len())];
            let mut subject = format!("{}{}", prefixes[r.next(prefixes.len())], base);
            match r.next(6) {
                0 => subject.push_str(" (fwd)"),
                1 => subject = format!("[Fwd: {subject}]"),
                _ => {}
            }
            let mut h = format!("From: {}\r\n", froms[r.next(froms.len())]);
            if r.next(4) > 0 {
                h.push_str(&format!("To: {}\r\n", froms[r.next(froms.len())]));
            }
            if r.next(3) == 0 {
                h.push_str(&format!("Cc: {}, {}\r\n", froms[r.next(froms.len())], froms[0]));
            }
            h.push_str(&format!("Subject: {subject}\r\n"));
            if r.next(5) > 0 {
                h.push_str(&format!(
                    "Date: Tue, {} Mar 2026 {:02}:{:02}:00 {}\r\n",
                    1 + r.next(28),
                    r.next(24),
                    r.next(60),
                    zones[r.next(zones.len())]
                ));
            }
            h.push_str(&format!("Message-ID: <m{i}@example.com>\r\n\r\n"));
            h.push_str(&"body line\r\n".repeat(1 + r.next(30)));
            (h.into_bytes(), 1_770_000_000 + r.next(1000) as i64 * 60)
        })
        .collect()
}

#[test]
fn generated_mailbox_against_model() {
    // Over 256 messages, so the first SORT reads the files on several threads.
    let msgs = generated(300);
    let facts: Vec<Facts> = msgs.iter().enumerate().map(|(i, (d, t))| facts(i as u32 + 1, d, *t)).collect();
    let server = Server::start_seeded(&[], &seeds_of(&msgs));
    let mut c = server.login("alice");
    c.select("INBOX");
    check_against_model(&mut c, &facts);
    // The search part: only the messages that match, in key order.
    let want: Vec<u32> =
        model_sort(&facts, &["SUBJECT"]).into_iter().filter(|s| facts[*s as usize - 1].size > 150).collect();
    assert_eq!(numbers(&sort_line(&mut c, "SORT (SUBJECT) UTF-8 LARGER 150")), want);
    // After an expunge the numbers move and the order still holds.
    c.ok("STORE 1:10 +FLAGS (\\Deleted)");
    c.ok("EXPUNGE");
    let rest: Vec<Facts> =
        facts[10..].iter().enumerate().map(|(i, f)| Facts { seq: i as u32 + 1, ..f.clone() }).collect();
    assert_eq!(numbers(&sort_line(&mut c, "SORT (DATE) UTF-8 ALL")), model_sort(&rest, &["DATE"]));
}

#[test]
fn base_subjects_of_the_model_and_the_server_agree_on_the_rules() {
    // The model itself, on the RFC's rules (so a shared mistake shows).
    assert_eq!(model_base_subject("Re: [list] Fwd: hello (fwd)"), "HELLO");
    assert_eq!(model_base_subject("[Fwd: Re: hi]"), "HI");
    assert_eq!(model_base_subject("[only]"), "[ONLY]");
    assert_eq!(model_base_subject("Re hello"), "RE HELLO");
}

#[test]
fn hostile_input() {
    let msgs = generated(5);
    let server = Server::start_seeded(&[], &seeds_of(&msgs));
    let mut c = server.login("alice");
    c.send(b"n1 SORT (DATE) UTF-8 ALL\r\n");
    assert!(c.until_tagged("n1").last().unwrap().starts_with("n1 BAD"));
    c.select("INBOX");
    for (tag, cmd) in [
        ("b1", "SORT (BOGUS) UTF-8 ALL"),
        ("b2", "SORT () UTF-8 ALL"),
        ("b3", "SORT (DATE) ALL"),
        ("b4", "SORT DATE UTF-8 ALL"),
        ("b5", "SORT (REVERSE) UTF-8 ALL"),
        ("b6", "SORT (DATE) UTF-8"),
        ("b7", "SORT (DATE) UTF-8 BOGUSKEY"),
        ("b8", "UID SORT (SUBJECT REVERSE REVERSE DATE) UTF-8 ALL"),
    ] {
        c.send(format!("{tag} {cmd}\r\n").as_bytes());
        let lines = c.until_tagged(tag);
        assert_eq!(lines.len(), 1, "{cmd}: {lines:?}");
        assert!(lines[0].starts_with(&format!("{tag} BAD ")), "{cmd}: {lines:?}");
    }
    c.send(b"c1 SORT (DATE) X-UNKNOWN-CHARSET ALL\r\n");
    assert_eq!(c.until_tagged("c1"), ["c1 NO [BADCHARSET (UTF-8 US-ASCII)] Unsupported charset"]);
    // Still alive and well.
    assert_eq!(sort_line(&mut c, "SORT (ARRIVAL) UTF-8 ALL").split(' ').count(), 7);
}

/// A second SORT (and THREAD) reads the cached header fields, not the
/// files: the files are changed behind the server's back (same names and
/// sizes, which maildir files never do) and the order stays. A search that
/// must read the body reads the file, and its header with it.
#[test]
fn second_sort_and_thread_come_from_the_cache() {
    let m = |subject: &str| format!("From: a@example.com\r\nSubject: {subject}\r\n\r\nbody\r\n").into_bytes();
    let msgs = vec![(m("aaa"), 1_000_000), (m("bbb"), 1_000_100)];
    let server = Server::start_seeded(&[], &seeds_of(&msgs));
    let mut c = server.login("alice");
    c.select("INBOX");
    assert_eq!(sort_line(&mut c, "SORT (SUBJECT) UTF-8 ALL"), "* SORT 1 2");
    let cur = server.maildir("alice").join("cur");
    let mut files: Vec<_> = std::fs::read_dir(&cur).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    std::fs::write(&files[0], m("zzz")).unwrap();
    assert_eq!(sort_line(&mut c, "SORT (SUBJECT) UTF-8 ALL"), "* SORT 1 2", "from the cache");
    assert_eq!(sort_line(&mut c, "THREAD ORDEREDSUBJECT UTF-8 ALL"), "* THREAD (1)(2)", "from the cache");
    assert_eq!(sort_line(&mut c, "SORT (SUBJECT) UTF-8 BODY body"), "* SORT 2 1", "from the file");
}

/// A whole-mailbox SORT is kept for the same SORT of an unchanged view;
/// another session's APPEND and EXPUNGE, other criteria and another search
/// are sorted afresh.
#[test]
fn a_kept_whole_mailbox_order_follows_every_change() {
    let m = |subject: &str, date: &str| {
        format!("From: a@example.com\r\nDate: {date}\r\nSubject: {subject}\r\n\r\nbody\r\n").into_bytes()
    };
    let msgs = vec![
        (m("bbb", "Mon, 1 Jan 2018 10:00:00 +0000"), 1_000_000),
        (m("aaa", "Tue, 2 Jan 2018 10:00:00 +0000"), 1_000_100),
        (m("ccc", "Wed, 3 Jan 2018 10:00:00 +0000"), 1_000_200),
    ];
    let server = Server::start_seeded(&[], &seeds_of(&msgs));
    let mut a = server.login("alice");
    a.select("INBOX");
    assert_eq!(sort_line(&mut a, "SORT (DATE) UTF-8 ALL"), "* SORT 1 2 3");
    assert_eq!(sort_line(&mut a, "SORT (DATE) UTF-8 ALL"), "* SORT 1 2 3");
    assert_eq!(sort_line(&mut a, "SORT (SUBJECT) UTF-8 ALL"), "* SORT 2 1 3");
    assert_eq!(sort_line(&mut a, "SORT (REVERSE DATE) UTF-8 ALL"), "* SORT 3 2 1");
    // Another session adds the oldest message of all and expunges "aaa".
    let mut b = server.login("alice");
    b.append("INBOX", "", &m("ddd", "Sun, 1 Jan 2017 10:00:00 +0000"));
    a.ok("NOOP");
    assert_eq!(sort_line(&mut a, "SORT (DATE) UTF-8 ALL"), "* SORT 4 1 2 3");
    b.select("INBOX");
    b.ok("STORE 2 +FLAGS.SILENT (\\Deleted)");
    b.ok("EXPUNGE");
    a.ok("NOOP");
    assert_eq!(sort_line(&mut a, "SORT (DATE) UTF-8 ALL"), "* SORT 3 1 2");
    assert_eq!(sort_line(&mut a, "SORT (DATE) UTF-8 SUBJECT ccc"), "* SORT 2");
    // The UID form of the same order, then one more message.
    assert_eq!(sort_line(&mut a, "UID SORT (DATE) UTF-8 ALL"), "* SORT 4 1 3");
    b.append("INBOX", "", &m("eee", "Sat, 1 Jan 2000 10:00:00 +0000"));
    a.ok("NOOP");
    assert_eq!(sort_line(&mut a, "UID SORT (DATE) UTF-8 ALL"), "* SORT 5 4 1 3");
}

/// A header far longer than one read (the server reads headers in
/// growing chunks, never the body): the Subject at its end still counts.
#[test]
fn long_headers_are_read_to_their_end() {
    let pad: String = (0..2000).map(|i| format!("X-Pad-{i}: {}\r\n", "p".repeat(20))).collect();
    let long = format!("From: a@example.com\r\n{pad}Subject: aaa\r\n\r\nbody\r\n").into_bytes();
    let short = b"From: a@example.com\r\nSubject: mmm\r\n\r\nSubject: zzz\r\n".to_vec();
    let lf = b"From: a@example.com\nSubject: bbb\n\nbody\n".to_vec();
    let msgs = vec![(short, 1), (long, 2), (lf, 3)];
    let server = Server::start_seeded(&[], &seeds_of(&msgs));
    let mut c = server.login("alice");
    c.select("INBOX");
    assert_eq!(sort_line(&mut c, "SORT (SUBJECT) UTF-8 ALL"), "* SORT 2 3 1");
    assert_eq!(sort_line(&mut c, "THREAD ORDEREDSUBJECT UTF-8 ALL"), "* THREAD (1)(2)(3)");
}

//! Issue 24, Must show 1: on a generated corpus (words in several
//! charsets and transfer encodings, encoded headers, HTML, attachments,
//! encapsulated messages, flags, sizes, dates), 1,000 random UID SEARCH
//! commands (words, substrings, mixed case, non-ASCII strings sent in
//! UTF-8, ISO-8859-1 and KOI8-R, HEADER fields, AND/OR/NOT with FLAGGED,
//! LARGER, SINCE...) answer exactly the same UIDs from a server that uses
//! the search index as from a second process on the same maildir started
//! with --no-search-index, which reads every message.

mod support;

use base64::Engine;
use support::{Client, Seed, Server};

const MESSAGES: usize = 120;
const QUERIES: usize = 1000;

/// A small deterministic generator (SplitMix64), so a failure replays.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len())]
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

const ASCII: &[&str] = &[
    "zanzibar",
    "harbour",
    "meeting",
    "invoice",
    "quarterly",
    "report",
    "lunch",
    "budget",
    "project",
    "kangaroo",
    "paris",
    "weekly",
    "summary",
    "alpha",
    "gamma",
    "Delta",
    "ticket",
    "Reminder",
];
const LATIN: &[&str] = &["café", "naïve", "Müller", "straße", "façade", "smörgåsbord", "Zürich", "élan"];
const CYRILLIC: &[&str] = &["привет", "Москва", "отчёт", "встреча"];
const JAPANESE: &[&str] = &["日本語", "東京", "会議", "報告書"];
const PEOPLE: &[(&str, &str)] = &[
    ("Ann Example", "ann@example.org"),
    ("Bob Builder", "bob@builder.net"),
    ("José Müller", "jose@example.de"),
    ("Иван Петров", "ivan@example.ru"),
    ("", "noreply@shop.example.com"),
    ("Carl \"The Boss\"", "carl@corp.example"),
];

/// How a text part is written.
#[derive(Clone, Copy)]
enum Enc {
    Ascii,
    Utf8Bit,
    Utf8Qp,
    Utf8B64,
    Latin1Qp,
    Latin1Bit,
    Koi8r,
    Iso2022jp,
}

const ENCS: &[Enc] =
    &[Enc::Ascii, Enc::Utf8Bit, Enc::Utf8Qp, Enc::Utf8B64, Enc::Latin1Qp, Enc::Latin1Bit, Enc::Koi8r, Enc::Iso2022jp];

/// Words a text in this encoding can hold.
fn words_for(rng: &mut Rng, enc: Enc, n: usize) -> Vec<String> {
    let extra: &[&str] = match enc {
        Enc::Ascii => &[],
        Enc::Latin1Qp | Enc::Latin1Bit => LATIN,
        Enc::Koi8r => CYRILLIC,
        Enc::Iso2022jp => JAPANESE,
        Enc::Utf8Bit | Enc::Utf8Qp | Enc::Utf8B64 => &["café", "привет", "東京", "straße", "Москва"],
    };
    (0..n)
        .map(|_| if !extra.is_empty() && rng.chance(30) { rng.pick(extra) } else { rng.pick(ASCII) }.to_string())
        .collect()
}

fn qp(bytes: &[u8]) -> String {
    let mut out = String::new();
    let mut col = 0;
    for &b in bytes {
        let piece = if b == b' ' || (b.is_ascii_graphic() && b != b'=') {
            (b as char).to_string()
        } else {
            format!("={b:02X}")
        };
        if col + piece.len() > 72 {
            out.push_str("=\r\n");
            col = 0;
        }
        col += piece.len();
        out.push_str(&piece);
    }
    out
}

fn b64_lines(bytes: &[u8]) -> String {
    let s = base64::engine::general_purpose::STANDARD.encode(bytes);
    s.as_bytes().chunks(76).map(|c| format!("{}\r\n", std::str::from_utf8(c).unwrap())).collect()
}

fn encode_with(label: &str, text: &str) -> Vec<u8> {
    let enc = encoding_rs::Encoding::for_label(label.as_bytes()).unwrap();
    enc.encode(text).0.into_owned()
}

/// A text part: its MIME header lines and body.
fn text_part(rng: &mut Rng, subtype: &str) -> (String, Vec<u8>) {
    let enc = *rng.pick(ENCS);
    let n = 5 + rng.below(40);
    let mut text = words_for(rng, enc, n).join(" ");
    if subtype == "html" {
        text = format!("<html><body><p>{}</p><b>{}</b> &amp; more</body></html>", text, rng.pick(ASCII));
    }
    let ct = |cs: &str| format!("Content-Type: text/{subtype}; charset={cs}\r\n");
    match enc {
        Enc::Ascii => (ct("us-ascii"), text.into_bytes()),
        Enc::Utf8Bit => (ct("utf-8") + "Content-Transfer-Encoding: 8bit\r\n", text.into_bytes()),
        Enc::Utf8Qp => {
            (ct("utf-8") + "Content-Transfer-Encoding: quoted-printable\r\n", qp(text.as_bytes()).into_bytes())
        }
        Enc::Utf8B64 => {
            (ct("utf-8") + "Content-Transfer-Encoding: base64\r\n", b64_lines(text.as_bytes()).into_bytes())
        }
        Enc::Latin1Qp => (
            ct("iso-8859-1") + "Content-Transfer-Encoding: quoted-printable\r\n",
            qp(&encode_with("iso-8859-1", &text)).into_bytes(),
        ),
        Enc::Latin1Bit => (ct("iso-8859-1") + "Content-Transfer-Encoding: 8bit\r\n", encode_with("iso-8859-1", &text)),
        Enc::Koi8r => (ct("koi8-r") + "Content-Transfer-Encoding: 8bit\r\n", encode_with("koi8-r", &text)),
        Enc::Iso2022jp => {
            (ct("iso-2022-jp") + "Content-Transfer-Encoding: 7bit\r\n", encode_with("iso-2022-jp", &text))
        }
    }
}

/// A header value, sometimes as RFC 2047 encoded words.
fn header_words(rng: &mut Rng, text: &str) -> String {
    if text.is_ascii() && rng.chance(70) {
        return text.to_string();
    }
    if rng.chance(50) {
        format!("=?UTF-8?B?{}?=", base64::engine::general_purpose::STANDARD.encode(text))
    } else if text.chars().all(|c| (c as u32) < 256) {
        let q: String = encode_with("iso-8859-1", text)
            .iter()
            .map(|&b| if b.is_ascii_alphanumeric() { (b as char).to_string() } else { format!("={b:02X}") })
            .collect();
        format!("=?ISO-8859-1?Q?{q}?=")
    } else {
        format!("=?UTF-8?B?{}?=", base64::engine::general_purpose::STANDARD.encode(text))
    }
}

fn address(rng: &mut Rng) -> String {
    let (name, mail) = *rng.pick(PEOPLE);
    if name.is_empty() {
        return mail.to_string();
    }
    let shown = header_words(rng, name);
    if shown == name && name.contains('"') {
        return format!("\"{}\" <{mail}>", name.replace('"', "\\\""));
    }
    format!("{shown} <{mail}>")
}

fn body(rng: &mut Rng, depth: usize) -> (String, Vec<u8>) {
    match rng.below(if depth > 0 { 2 } else { 5 }) {
        0 | 1 => text_part(rng, "plain"),
        2 => {
            let (h1, b1) = text_part(rng, "plain");
            let (h2, b2) = text_part(rng, "html");
            multipart("alternative", &[(h1, b1), (h2, b2)])
        }
        3 => {
            let (h1, b1) = text_part(rng, "plain");
            let secret = words_for(rng, Enc::Ascii, 4).join(" ");
            let att = (
                "Content-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=x.bin\r\nContent-Transfer-Encoding: base64\r\n".to_string(),
                b64_lines(secret.as_bytes()).into_bytes(),
            );
            let (h3, b3) = text_part(rng, "plain");
            let att_text = (h3.replace("\r\n", "\r\nContent-Disposition: attachment; filename=notes.txt\r\n"), b3);
            multipart("mixed", &[(h1, b1), att, att_text])
        }
        _ => {
            let (h1, b1) = text_part(rng, "plain");
            let inner = message(rng, depth + 1);
            multipart("mixed", &[(h1, b1), ("Content-Type: message/rfc822\r\n".into(), inner)])
        }
    }
}

fn multipart(subtype: &str, parts: &[(String, Vec<u8>)]) -> (String, Vec<u8>) {
    let boundary = format!("b-{subtype}-{}", parts.len());
    let mut out = Vec::new();
    for (h, b) in parts {
        out.extend_from_slice(format!("--{boundary}\r\n{h}\r\n").as_bytes());
        out.extend_from_slice(b);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("MIME-Version: 1.0\r\nContent-Type: multipart/{subtype}; boundary=\"{boundary}\"\r\n"), out)
}

fn message(rng: &mut Rng, depth: usize) -> Vec<u8> {
    let mut h = String::new();
    h.push_str(&format!("From: {}\r\n", address(rng)));
    h.push_str(&format!("To: {}\r\n", address(rng)));
    if rng.chance(40) {
        h.push_str(&format!("Cc: {}, {}\r\n", address(rng), address(rng)));
    }
    if rng.chance(25) {
        h.push_str(&format!("Bcc: {}\r\n", address(rng)));
    }
    let n = 1 + rng.below(4);
    let enc = *rng.pick(&[Enc::Ascii, Enc::Utf8Bit, Enc::Latin1Bit]);
    let subject = words_for(rng, enc, n).join(" ");
    h.push_str(&format!("Subject: {}\r\n", header_words(rng, &subject)));
    h.push_str(&format!("Date: Mon, {} Mar 2024 10:00:00 +0000\r\n", 1 + rng.below(28)));
    h.push_str(&format!("Message-ID: <{}.{}@gen.example>\r\n", rng.next() % 100_000, depth));
    if rng.chance(50) {
        let tag = rng_word(rng);
        h.push_str(&format!("X-Tag: {}\r\n", header_words(rng, tag)));
    }
    let (mime, body) = body(rng, depth);
    let mut out = (h + &mime + "\r\n").into_bytes();
    out.extend_from_slice(&body);
    out
}

fn rng_word(rng: &mut Rng) -> &'static str {
    if rng.chance(30) {
        LATIN[rng.below(LATIN.len())]
    } else {
        ASCII[rng.below(ASCII.len())]
    }
}

/// A search string: a word, part of one, two words, in mixed case.
fn needle(rng: &mut Rng) -> String {
    let pool: &[&str] = match rng.below(10) {
        0 => LATIN,
        1 => CYRILLIC,
        2 => JAPANESE,
        3 => &["ann@example", "builder.net", "Müller", "Петров", "gen.example", "multipart", "text/html", "boss"],
        4 => &["nothing-here", "zz", "qq", "xyzzy"],
        _ => ASCII,
    };
    let word: Vec<char> = rng.pick(pool).chars().collect();
    let mut s: Vec<char> = match rng.below(4) {
        0 => word.clone(),
        1 => {
            let start = rng.below(word.len());
            let len = 1 + rng.below(word.len() - start);
            word[start..start + len].to_vec()
        }
        2 => format!("{} {}", word.iter().collect::<String>(), rng.pick(ASCII)).chars().collect(),
        _ => word[..word.len().min(3)].to_vec(),
    };
    for c in s.iter_mut() {
        if rng.chance(40) {
            let flipped: String =
                if c.is_uppercase() { c.to_lowercase().collect() } else { c.to_uppercase().collect() };
            if flipped.chars().count() == 1 {
                *c = flipped.chars().next().unwrap();
            }
        }
    }
    s.into_iter().collect()
}

/// A search command in pieces: syntax, and strings the charset encodes.
enum Piece {
    Syntax(String),
    Str(String),
}

/// One search key with its strings.
fn key(rng: &mut Rng, depth: usize, out: &mut Vec<Piece>) {
    let text_keys = ["TEXT", "BODY", "SUBJECT", "FROM", "TO", "CC", "BCC", "HEADER X-Tag", "HEADER Message-ID"];
    match rng.below(if depth > 1 { 6 } else { 10 }) {
        0..=5 => {
            out.push(Piece::Syntax(format!("{} ", rng.pick(&text_keys))));
            out.push(Piece::Str(needle(rng)));
        }
        6 => {
            out.push(Piece::Syntax("OR ".into()));
            key(rng, depth + 1, out);
            out.push(Piece::Syntax(" ".into()));
            key(rng, depth + 1, out);
        }
        7 => {
            out.push(Piece::Syntax("NOT ".into()));
            key(rng, depth + 1, out);
        }
        8 => {
            let other = ["FLAGGED", "UNSEEN", "LARGER 1500", "SMALLER 900", "SINCE 5-Jan-2005", "BEFORE 3-Jan-2005"];
            out.push(Piece::Syntax(rng.pick(&other).to_string()));
        }
        _ => {
            out.push(Piece::Syntax("(".into()));
            key(rng, depth + 1, out);
            out.push(Piece::Syntax(" ".into()));
            key(rng, depth + 1, out);
            out.push(Piece::Syntax(")".into()));
        }
    }
}

/// The command `UID SEARCH CHARSET cs ...`: strings quoted when plain
/// ASCII, else LITERAL+ in `charset`, or all in UTF-8 when the charset
/// cannot hold one of them.
fn command(pieces: &[Piece], charset: &str) -> Vec<u8> {
    let holds = |s: &str| {
        let enc = encoding_rs::Encoding::for_label(charset.as_bytes()).unwrap();
        !enc.encode(s).2
    };
    let all_held = pieces.iter().all(|p| match p {
        Piece::Str(s) => holds(s),
        Piece::Syntax(_) => true,
    });
    let charset = if all_held { charset } else { "UTF-8" };
    let mut out = format!("UID SEARCH CHARSET {charset} ").into_bytes();
    for p in pieces {
        match p {
            Piece::Syntax(s) => out.extend_from_slice(s.as_bytes()),
            Piece::Str(s) if s.is_ascii() && !s.contains(['"', '\\']) => {
                out.extend_from_slice(format!("\"{s}\"").as_bytes())
            }
            Piece::Str(s) => {
                let bytes = if charset == "UTF-8" { s.as_bytes().to_vec() } else { encode_with(charset, s) };
                out.extend_from_slice(format!("{{{}+}}\r\n", bytes.len()).as_bytes());
                out.extend_from_slice(&bytes);
            }
        }
    }
    out
}

fn uids(c: &mut Client, cmd: &[u8]) -> Vec<u32> {
    let tag = c.next_tag();
    let mut line = format!("{tag} ").into_bytes();
    line.extend_from_slice(cmd);
    line.extend_from_slice(b"\r\n");
    c.send(&line);
    let lines = c.until_tagged(&tag);
    let done = lines.last().unwrap();
    assert!(done.starts_with(&format!("{tag} OK")), "{} -> {done}", String::from_utf8_lossy(cmd));
    support::searched(&lines)
}

#[test]
fn indexed_search_answers_exactly_what_the_scan_answers() {
    let mut rng = Rng(0x5eed_2024);
    let corpus: Vec<(Vec<u8>, String, i64)> = (0..MESSAGES)
        .map(|_| {
            let info = match rng.below(4) {
                0 => "S",
                1 => "FS",
                2 => "F",
                _ => "",
            };
            (message(&mut rng, 0), info.to_string(), 1_104_537_600 + rng.below(10) as i64 * 86_400)
        })
        .collect();
    let seeds: Vec<Seed> = corpus.iter().map(|(d, i, t)| Seed { data: d, info: i, mtime: *t }).collect();
    let indexed = Server::start_seeded(&[], &seeds);
    let scanning = Server::start_beside(&indexed, &["--no-search-index"]);
    let (mut a, mut b) = (indexed.login("alice"), scanning.login("alice"));
    a.ok("SELECT INBOX");
    b.ok("EXAMINE INBOX");
    let all = uids(&mut a, b"UID SEARCH ALL");
    assert_eq!(all.len(), MESSAGES);
    let mut nonempty = 0;
    for i in 0..QUERIES {
        let charset = *rng.pick(&["UTF-8", "UTF-8", "ISO-8859-1", "KOI8-R"]);
        let mut pieces = Vec::new();
        key(&mut rng, 0, &mut pieces);
        if rng.chance(30) {
            pieces.push(Piece::Syntax(" ".into()));
            key(&mut rng, 0, &mut pieces);
        }
        let cmd = command(&pieces, charset);
        let (x, y) = (uids(&mut a, &cmd), uids(&mut b, &cmd));
        assert_eq!(x, y, "query {i}: {}", String::from_utf8_lossy(&cmd));
        if !x.is_empty() && x.len() < MESSAGES {
            nonempty += 1;
        }
    }
    // The queries are worth something: many select some messages, not all.
    assert!(nonempty > QUERIES / 4, "only {nonempty} queries found a strict subset");
    // And the index was used: no query fell back to reading every message,
    // and it holds every message.
    assert!(!indexed.log().contains("search index of"), "{}", indexed.log());
    let db = rusqlite::Connection::open(indexed.maildir("alice").join("tegami-search.db")).unwrap();
    let n: i64 = db.query_row("SELECT count(*) FROM indexed", [], |r| r.get(0)).unwrap();
    assert_eq!(n as usize, MESSAGES);
}

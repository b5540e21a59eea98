//! Issue 12, BINARY (RFC 3516): FETCH BINARY[part]<partial>, BINARY.PEEK
//! and BINARY.SIZE decode base64 and quoted-printable parts byte-exact
//! (the test encodes them itself), refuse other encodings with
//! `[UNKNOWN-CTE]`, and send data holding NUL or a bare CR or LF as a
//! `~{n}` literal8 (issue 21 item 1: a decoded text part is not changed);
//! APPEND takes `~{n}` literals whose NUL octets are stored and fetched back.

mod support;

use base64::Engine;
use support::{Client, Seed, Server};

/// Every octet value, twice: NUL, bare CR and LF, 8-bit.
fn binary_original() -> Vec<u8> {
    (0..512u32).map(|i| (i % 256) as u8).collect()
}

/// The text of the quoted-printable part, decoded (UTF-8, one long line).
fn qp_original() -> Vec<u8> {
    format!("Grüße aus Köln = 5 € {}\r\nzweite Zeile\r\n", "lang ".repeat(30)).into_bytes()
}

/// base64 in lines of 76 characters, as MIME writes it.
fn base64_lines(data: &[u8]) -> Vec<u8> {
    let text = base64::engine::general_purpose::STANDARD.encode(data);
    let mut out = Vec::new();
    for chunk in text.as_bytes().chunks(76) {
        out.extend_from_slice(chunk);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// A quoted-printable encoder written for this test: every octet that is
/// not printable ASCII, `=` and a blank at a line end as `=XX`; soft line breaks before 76.
fn quoted_printable(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for line in text.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let mut width = 0;
        for (i, &b) in line.iter().enumerate() {
            // A blank at a line end is encoded: decoders drop bare ones.
            let last = i + 1 == line.len();
            let enc = if (33..=126).contains(&b) && b != b'=' || b == b' ' && !last {
                vec![b]
            } else {
                format!("={b:02X}").into_bytes()
            };
            if width + enc.len() > 75 {
                out.extend_from_slice(b"=\r\n");
                width = 0;
            }
            width += enc.len();
            out.extend_from_slice(&enc);
        }
        out.extend_from_slice(b"\r\n");
    }
    // The text's last CRLF is followed by the one before the boundary.
    out
}

fn message() -> Vec<u8> {
    let mut m = b"From: a@example.org\r\nSubject: parts\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"zz\"\r\n\r\n--zz\r\n\
Content-Type: text/plain; charset=us-ascii\r\n\r\nplain seven bit\r\n--zz\r\n\
Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        .to_vec();
    m.extend_from_slice(&base64_lines(&binary_original()));
    m.extend_from_slice(
        b"--zz\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n",
    );
    m.extend_from_slice(&quoted_printable(&qp_original()));
    m.extend_from_slice(
        b"--zz\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: x-uuencode\r\n\r\nbegin 644 x\r\n--zz--\r\n",
    );
    m
}

/// `head` followed by `data` as one literal and `)` CRLF: a FETCH response.
fn response(head: &str, literal8: bool, data: &[u8]) -> Vec<u8> {
    let mut v = head.as_bytes().to_vec();
    if literal8 {
        v.push(b'~');
    }
    v.extend_from_slice(format!("{{{}}}\r\n", data.len()).as_bytes());
    v.extend_from_slice(data);
    v.extend_from_slice(b")\r\n");
    v
}

fn start() -> (Server, Client) {
    let m = message();
    let server = Server::start_seeded(&[], &[Seed { data: &m, info: "", mtime: 1_000_000_000 }]);
    let mut c = server.login("alice");
    c.select("INBOX");
    (server, c)
}

#[test]
fn base64_and_quoted_printable_parts_are_decoded_byte_exact() {
    let (_server, mut c) = start();
    let caps = c.ok("CAPABILITY")[0].clone();
    assert!(caps.split(' ').any(|w| w == "BINARY"), "{caps}");
    let bin = binary_original();
    // Decoded data with NUL in it comes as a literal8.
    let r = c.cmd_bytes("FETCH 1 (BINARY.PEEK[2])");
    assert_eq!(r[0], response("* 1 FETCH (BINARY[2] ", true, &bin));
    assert!(r[1].ends_with(b" OK FETCH completed\r\n"));
    // Without NUL: an ordinary literal (RFC 3516 4.4's SHOULD).
    let r = c.cmd_bytes("FETCH 1 (BINARY.PEEK[3])");
    assert_eq!(r[0], response("* 1 FETCH (BINARY[3] ", false, &qp_original()));
    // BINARY.SIZE agrees with what BINARY sends.
    let r = c.cmd("FETCH 1 (BINARY.SIZE[2] BINARY.SIZE[3] BINARY.SIZE[1])");
    let want =
        format!("* 1 FETCH (BINARY.SIZE[2] {} BINARY.SIZE[3] {} BINARY.SIZE[1] 15)", bin.len(), qp_original().len());
    assert_eq!(r[0], want);
    // A partial counts decoded octets; the response names its origin.
    let r = c.cmd_bytes("FETCH 1 (BINARY.PEEK[2]<250.10>)");
    assert_eq!(r[0], response("* 1 FETCH (BINARY[2]<250> ", true, &bin[250..260]));
    // A cut without NUL of a part that holds NUL is a literal8 too: the
    // part's domain decides (issue 21 item 1).
    let r = c.cmd_bytes("FETCH 1 (BINARY.PEEK[2]<1.5>)");
    assert_eq!(r[0], response("* 1 FETCH (BINARY[2]<1> ", true, &bin[1..6]));
    // A cut of the quoted-printable text is a plain literal.
    let r = c.cmd_bytes("FETCH 1 (BINARY.PEEK[3]<1.5>)");
    assert_eq!(r[0], response("* 1 FETCH (BINARY[3]<1> ", false, &qp_original()[1..6]));
    // 7bit goes as it is, the same octets as BODY[1].
    let r = c.cmd_bytes("FETCH 1 (BINARY.PEEK[1] BODY.PEEK[1])");
    assert_eq!(r[0], b"* 1 FETCH (BINARY[1] {15}\r\nplain seven bit BODY[1] {15}\r\nplain seven bit)\r\n");
    // BINARY[] is the message as stored; a missing part is empty.
    let r = c.cmd_bytes("FETCH 1 (BINARY.PEEK[] BINARY.PEEK[9])");
    let mut want = response("* 1 FETCH (BINARY[] ", false, &message());
    want.truncate(want.len() - 3);
    want.extend_from_slice(b" BINARY[9] {0}\r\n)\r\n");
    assert_eq!(r[0], want);
}

#[test]
fn unknown_encodings_are_refused_and_binary_sets_seen() {
    let (_server, mut c) = start();
    for item in ["BINARY[4]", "BINARY.PEEK[4]", "BINARY.SIZE[4]"] {
        let r = c.cmd(&format!("FETCH 1 ({item})"));
        assert_eq!(r.len(), 1, "no FETCH response before the NO: {r:?}");
        assert!(r[0].contains(" NO [UNKNOWN-CTE] "), "{item}: {r:?}");
    }
    assert_eq!(c.ok("FETCH 1 FLAGS")[0], "* 1 FETCH (FLAGS (\\Recent))", "a refused BINARY does not set \\Seen");
    c.ok("FETCH 1 BINARY.PEEK[1]");
    assert_eq!(c.ok("FETCH 1 FLAGS")[0], "* 1 FETCH (FLAGS (\\Recent))");
    let r = c.ok("FETCH 1 BINARY[1]");
    assert_eq!(r[0], "* 1 FETCH (BINARY[1] {15}\r\nplain seven bit FLAGS (\\Seen \\Recent))");
    for bad in ["BINARY[1.TEXT]", "BINARY[0]", "BINARY[1]<5>", "BINARY.SIZE[1]<0.1>", "PREVIEW (FAST)"] {
        let r = c.cmd(&format!("FETCH 1 ({bad})"));
        assert!(r[0].contains(" BAD "), "{bad}: {r:?}");
    }
}

#[test]
fn append_of_literal8_keeps_nul_octets() {
    let (server, mut c) = start();
    let body = binary_original();
    let mut msg =
        b"Subject: raw\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\n".to_vec();
    msg.extend_from_slice(&body);
    // A synchronizing literal8...
    c.send(format!("a1 APPEND INBOX ~{{{}}}\r\n", msg.len()).as_bytes());
    assert!(c.line().starts_with('+'));
    c.send(&msg);
    c.send(b"\r\n");
    let r = c.until_tagged("a1");
    assert!(r.last().unwrap().starts_with("a1 OK [APPENDUID "), "{r:?}");
    // ...and a non-synchronizing one, with flags.
    c.send(format!("a2 APPEND INBOX (\\Seen) ~{{{}+}}\r\n", msg.len()).as_bytes());
    c.send(&msg);
    c.send(b"\r\n");
    assert!(c.until_tagged("a2").last().unwrap().starts_with("a2 OK "));
    // An ordinary literal may not carry NUL.
    c.send(format!("a3 APPEND INBOX {{{}+}}\r\n", msg.len()).as_bytes());
    c.send(&msg);
    c.send(b"\r\n");
    let r = c.until_tagged("a3");
    assert!(r.last().unwrap().starts_with("a3 NO [UNKNOWN-CTE] "), "{r:?}");
    c.ok("NOOP");
    // Stored as sent.
    let cur = server.maildir("alice").join("cur");
    let new = server.maildir("alice").join("new");
    let stored: Vec<Vec<u8>> = [cur, new]
        .iter()
        .flat_map(|d| std::fs::read_dir(d).unwrap())
        .map(|e| std::fs::read(e.unwrap().path()).unwrap())
        .filter(|d| d.starts_with(b"Subject: raw"))
        .collect();
    assert_eq!(stored, vec![msg.clone(), msg.clone()]);
    for n in [2, 3] {
        let r = c.cmd_bytes(&format!("FETCH {n} (BINARY.PEEK[1])"));
        assert_eq!(r[0], response(&format!("* {n} FETCH (BINARY[1] "), true, &body));
        let r = c.cmd_bytes(&format!("FETCH {n} (BINARY.PEEK[])"));
        assert_eq!(r[0], response(&format!("* {n} FETCH (BINARY[] "), true, &msg));
        let r = c.cmd(&format!("FETCH {n} (BINARY.SIZE[1] BINARY.SIZE[])"));
        assert_eq!(r[0], format!("* {n} FETCH (BINARY.SIZE[1] {} BINARY.SIZE[] {})", body.len(), msg.len()));
    }
    // BODY[] may not carry NUL: sent as 0x80 in an ordinary literal.
    let r = c.cmd_bytes("FETCH 2 (BODY.PEEK[1])");
    assert!(r[0].starts_with(b"* 2 FETCH (BODY[1] {"), "{:?}", String::from_utf8_lossy(&r[0]));
    assert!(!r[0].contains(&0), "no NUL in BODY[]");
    assert!(r[0].contains(&0x80));
}

/// APPENDLIMIT (RFC 7889): the capability and the STATUS item give the
/// server's --max-literal, and an APPEND beyond it is refused.
#[test]
fn appendlimit_is_the_literal_limit() {
    let m = message();
    let server = Server::start_seeded(&["--max-literal", "5000"], &[Seed { data: &m, info: "", mtime: 1_000_000_000 }]);
    let mut c = server.login("alice");
    let caps = c.ok("CAPABILITY")[0].clone();
    assert!(caps.split(' ').any(|w| w == "APPENDLIMIT=5000"), "{caps}");
    assert_eq!(c.ok("STATUS INBOX (APPENDLIMIT MESSAGES)")[0], "* STATUS INBOX (APPENDLIMIT 5000 MESSAGES 1)");
    c.send(b"a1 APPEND INBOX {5001}\r\n");
    let r = c.until_tagged("a1");
    assert!(r.last().unwrap().starts_with("a1 NO [TOOBIG] "), "{r:?}");
    c.append("INBOX", "", &vec![b'x'; 5000]);
    assert_eq!(c.ok("STATUS INBOX (MESSAGES)")[0], "* STATUS INBOX (MESSAGES 2)");
}

/// A `~{n}` literal large enough to be streamed into the mailbox keeps its
/// NUL octets too, and comes back whole as a literal8 (sent straight from
/// the mapped file).
#[test]
fn large_literal8_is_streamed_and_fetched_back() {
    let (server, mut c) = start();
    let body: Vec<u8> = (0..400 * 1024u32).map(|i| (i.wrapping_mul(2654435761) >> 24) as u8).collect();
    assert!(body.contains(&0));
    let mut msg =
        b"Subject: big raw\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: binary\r\n\r\n"
            .to_vec();
    msg.extend_from_slice(&body);
    c.send(format!("a1 APPEND INBOX ~{{{}}}\r\n", msg.len()).as_bytes());
    assert!(c.line().starts_with('+'));
    c.send(&msg);
    c.send(b"\r\n");
    let r = c.until_tagged("a1");
    assert!(r.last().unwrap().starts_with("a1 OK [APPENDUID "), "{r:?}");
    c.ok("NOOP");
    let r = c.cmd_bytes("FETCH 2 (BINARY.PEEK[1])");
    assert_eq!(r[0], response("* 2 FETCH (BINARY[1] ", true, &body));
    let r = c.cmd_bytes("FETCH 2 (BINARY.PEEK[])");
    assert_eq!(r[0], response("* 2 FETCH (BINARY[] ", true, &msg));
    let stored = std::fs::read_dir(server.maildir("alice").join("new"))
        .unwrap()
        .chain(std::fs::read_dir(server.maildir("alice").join("cur")).unwrap())
        .map(|e| std::fs::read(e.unwrap().path()).unwrap())
        .find(|d| d.starts_with(b"Subject: big raw"));
    assert_eq!(stored.as_deref(), Some(msg.as_slice()));
}

/// A multipart message whose fifth part is the conformance suite's text
/// part: base64 that decodes to 30 octets with a bare CR and a bare LF.
/// Part 2 is base64 of clean CRLF text.
fn text_parts_message() -> Vec<u8> {
    b"From: a@example.org\r\nSubject: text parts\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\n\
Content-Type: text/plain; charset=us-ascii\r\n\r\nfirst\r\n--b1\r\n\
Content-Type: text/plain; charset=us-ascii\r\nContent-Transfer-Encoding: base64\r\n\r\n\
Y2xlYW4gdGV4dA0Kb24gdHdvIGxpbmVzDQo=\r\n--b1\r\n\
Content-Type: text/plain\r\n\r\nthird\r\n--b1\r\n\
Content-Type: text/plain\r\n\r\nfourth\r\n--b1\r\n\
Content-Type: text/x-myown; charset=us-ascii\r\nContent-Transfer-Encoding: base64\r\n\r\n\
YWJjZGVmZw1oaWprbA0KbW5vCnBxcnN0dXZxeHl6\r\n--b1--\r\n"
        .to_vec()
}

/// Issue 21 item 1: a decoded text part keeps its bare CR and LF (RFC 3516
/// returns the content as it decodes), so BINARY.SIZE counts 30 octets and
/// the data, of the "binary" domain, comes as a `~{n}` literal8, whole and
/// every cut of it; decoded text that is clean CRLF text stays a `{n}`.
#[test]
fn decoded_text_with_bare_line_ends_is_sent_exactly() {
    let m = text_parts_message();
    let server = Server::start_seeded(&[], &[Seed { data: &m, info: "", mtime: 1_000_000_000 }]);
    let mut c = server.login("alice");
    c.select("INBOX");
    let r = c.cmd_bytes("FETCH 1 (BINARY.SIZE[5] BINARY.PEEK[5])");
    assert_eq!(
        r[0],
        b"* 1 FETCH (BINARY.SIZE[5] 30 BINARY[5] ~{30}\r\nabcdefg\rhijkl\r\nmno\npqrstuvqxyz)\r\n",
        "{:?}",
        String::from_utf8_lossy(&r[0])
    );
    let r = c.cmd_bytes("FETCH 1 (BINARY.PEEK[5]<10.10>)");
    assert_eq!(r[0], b"* 1 FETCH (BINARY[5]<10> ~{10}\r\njkl\r\nmno\np)\r\n", "{:?}", String::from_utf8_lossy(&r[0]));
    let r = c.cmd_bytes("FETCH 1 (BINARY.PEEK[5]<15.100>)");
    assert_eq!(
        r[0],
        b"* 1 FETCH (BINARY[5]<15> ~{15}\r\nmno\npqrstuvqxyz)\r\n",
        "{:?}",
        String::from_utf8_lossy(&r[0])
    );
    // The part's domain decides, not the cut's: clean octets of it are a
    // literal8 too (as Dovecot's conformance suite expects).
    let r = c.cmd_bytes("FETCH 1 (BINARY.PEEK[5]<0.7> BINARY.PEEK[5]<8.7>)");
    assert_eq!(
        r[0],
        b"* 1 FETCH (BINARY[5]<0> ~{7}\r\nabcdefg BINARY[5]<8> ~{7}\r\nhijkl\r\n)\r\n",
        "{:?}",
        String::from_utf8_lossy(&r[0])
    );
    // Clean decoded text: an ordinary literal, sizes agree.
    let r = c.cmd_bytes("FETCH 1 (BINARY.SIZE[2] BINARY.PEEK[2])");
    assert_eq!(
        r[0],
        b"* 1 FETCH (BINARY.SIZE[2] 26 BINARY[2] {26}\r\nclean text\r\non two lines\r\n)\r\n",
        "{:?}",
        String::from_utf8_lossy(&r[0])
    );
    let r = c.cmd_bytes("FETCH 1 (BINARY.PEEK[2]<6.100>)");
    assert_eq!(r[0], b"* 1 FETCH (BINARY[2]<6> {20}\r\ntext\r\non two lines\r\n)\r\n");
    // BODY[5] is the encoded part as stored, untouched by the fix.
    let r = c.cmd_bytes("FETCH 1 (BODY.PEEK[5])");
    assert_eq!(r[0], b"* 1 FETCH (BODY[5] {40}\r\nYWJjZGVmZw1oaWprbA0KbW5vCnBxcnN0dXZxeHl6)\r\n");
}

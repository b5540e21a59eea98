//! Issue 20: whole-message literals take several paths on their way out
//! (converted into the response queue, written from a read buffer with
//! `writev`, copied out of a mapped file), in clear text and under TLS.
//! Every path must send exactly the octets of the message as RFC 3501
//! wants them: bare LFs as CRLF, NUL as 0x80, partials cut from that.

mod support;

use support::{Client, Seed, Server};

/// A message of about `size` octets with `eol` line ends; `nul` puts a NUL
/// into its body.
fn message(size: usize, eol: &str, nul: bool) -> Vec<u8> {
    let mut m = format!("From: a@example.org{eol}Subject: {size}{eol}{eol}");
    let mut i = 0;
    while m.len() < size {
        m.push_str(&format!("line {i} of a message long enough to leave the queue{eol}"));
        i += 1;
    }
    let mut m = m.into_bytes();
    if nul {
        let at = m.len() / 2;
        m[at] = 0;
    }
    m
}

/// What the client must receive for `msg`: bare LFs as CRLF, NUL as 0x80.
fn as_sent(msg: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for (i, &b) in msg.iter().enumerate() {
        if b == b'\n' && (i == 0 || msg[i - 1] != b'\r') {
            out.push(b'\r');
        }
        out.push(if b == 0 { 0x80 } else { b });
    }
    out
}

/// The messages: small, queued, read and over 64 kB, mapped (over 1 MB),
/// each with LF and with CRLF line ends, some with a NUL.
fn messages() -> Vec<Vec<u8>> {
    let mut v = Vec::new();
    for size in [300, 40_000, 200_000, 1_500_000] {
        for eol in ["\n", "\r\n"] {
            v.push(message(size, eol, false));
        }
    }
    v.push(message(200_000, "\n", true));
    v.push(message(1_500_000, "\r\n", true));
    // Mixed: CRLF lines with one bare LF.
    let mut mixed = message(150_000, "\r\n", false);
    mixed.extend_from_slice(b"bare\nend\r\n");
    v.push(mixed);
    // CRLFs that straddle every 4 kB boundary, and one bare LF: the
    // conversion goes a piece at a time and must look back across pieces.
    let mut straddling = b"a".to_vec();
    for _ in 0..60 {
        straddling.extend_from_slice(&[b'b'; 4094]);
        straddling.extend_from_slice(b"\r\n");
    }
    straddling.extend_from_slice(b"bare\nend\r\n");
    v.push(straddling);
    v
}

/// Fetches every message with `item` (one command for all, so literals
/// follow each other in one response stream) and checks each literal.
fn check(c: &mut Client, msgs: &[Vec<u8>], item: &str, name: &str, cut: impl Fn(&[u8]) -> &[u8]) {
    let r = c.cmd_bytes(&format!("UID FETCH 1:* ({item})"));
    assert!(
        r.last().unwrap().ends_with(b"OK UID FETCH completed\r\n"),
        "{:?}",
        String::from_utf8_lossy(&r[r.len() - 1])
    );
    assert_eq!(r.len(), msgs.len() + 1);
    for (i, (resp, msg)) in r.iter().zip(msgs).enumerate() {
        let want = cut(&as_sent(msg)).to_vec();
        let mut head = format!("* {} FETCH (UID {} {name} {{{}}}\r\n", i + 1, i + 1, want.len()).into_bytes();
        let mut expected = std::mem::take(&mut head);
        expected.extend_from_slice(&want);
        expected.extend_from_slice(b")\r\n");
        assert!(resp == &expected, "message {} ({} octets) differs for {item}", i + 1, msg.len());
    }
}

fn check_all(c: &mut Client, msgs: &[Vec<u8>]) {
    c.ok("SELECT INBOX");
    check(c, msgs, "UID BODY.PEEK[]", "BODY[]", |b| b);
    // RFC822 sets \Seen, which the seeds already have: no FLAGS follow.
    check(c, msgs, "UID RFC822", "RFC822", |b| b);
    check(c, msgs, "UID BODY.PEEK[]<100.70000>", "BODY[]<100>", |b| &b[100.min(b.len())..70_100.min(b.len())]);
}

fn seeds(msgs: &[Vec<u8>]) -> Vec<Seed<'_>> {
    msgs.iter().map(|m| Seed { data: m, info: "S", mtime: 1_700_000_000 }).collect()
}

#[test]
fn whole_messages_go_out_exactly_in_clear_text() {
    let msgs = messages();
    let server = Server::start_seeded(&[], &seeds(&msgs));
    let mut c = server.login("alice");
    check_all(&mut c, &msgs);
}

#[test]
fn whole_messages_go_out_exactly_under_tls() {
    let msgs = messages();
    let server = Server::start_seeded(&[], &seeds(&msgs));
    let mut c = server.connect_tls();
    c.ok("LOGIN alice wonderland");
    check_all(&mut c, &msgs);
}

#[test]
fn a_small_fetch_buffer_still_sends_whole_messages_exactly() {
    // --max-fetch-buffer below one message: the conversion writes the
    // queue out in the middle of a literal.
    let msgs = messages();
    let server = Server::start_seeded(&["--max-fetch-buffer", "4096"], &seeds(&msgs));
    let mut c = server.login("alice");
    check_all(&mut c, &msgs);
}

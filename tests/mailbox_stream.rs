//! APPEND literals of 256 kB and more are streamed from the connection
//! into the mailbox's tmp/ instead of being held in memory; the protocol
//! must look the same as for small ones.

mod support;

use support::Server;

fn big(n: usize, tag: &str) -> Vec<u8> {
    let mut m = format!("From: a@example.org\r\nSubject: {tag}\r\n\r\n").into_bytes();
    while m.len() < n {
        m.extend_from_slice(format!("{tag} filler line {:08}\r\n", m.len()).as_bytes());
    }
    m
}

fn cur_contents(server: &Server) -> Vec<Vec<u8>> {
    let mut v: Vec<Vec<u8>> = std::fs::read_dir(server.maildir("alice").join("cur"))
        .unwrap()
        .map(|e| std::fs::read(e.unwrap().path()).unwrap())
        .collect();
    v.sort();
    v
}

#[test]
fn multiappend_mixing_streamed_and_small_literals() {
    let server = Server::start(&[]);
    let mut c = server.login("alice");
    c.ok("SELECT INBOX");
    let (a, b, d) = (big(600_000, "first"), b"Subject: small\r\n\r\nhi\r\n".to_vec(), big(300_000, "third"));
    let mut cmd = format!("m1 APPEND INBOX (\\Seen) {{{}+}}\r\n", a.len()).into_bytes();
    cmd.extend_from_slice(&a);
    cmd.extend_from_slice(format!(" {{{}+}}\r\n", b.len()).as_bytes());
    cmd.extend_from_slice(&b);
    cmd.extend_from_slice(format!(" (\\Flagged) {{{}}}\r\n", d.len()).as_bytes());
    c.send(&cmd);
    let cont = c.line();
    assert!(cont.starts_with("+ "), "synchronizing literal gets its continuation: {cont}");
    c.send(&d);
    c.send(b"\r\n");
    let lines = c.until_tagged("m1");
    let done = lines.last().unwrap();
    assert!(done.starts_with("m1 OK [APPENDUID "), "{lines:?}");
    assert!(done.contains(" 1:3] "), "{done}");
    let mut want = vec![a, b, d];
    want.sort();
    assert_eq!(cur_contents(&server), want);
    let f = c.ok("FETCH 1:3 FLAGS");
    assert!(f[0].contains("\\Seen") && f[2].contains("\\Flagged") && !f[1].contains("\\Seen"), "{f:?}");
    assert!(std::fs::read_dir(server.maildir("alice").join("tmp")).unwrap().next().is_none(), "tmp/ is empty");
}

#[test]
fn a_refused_streamed_append_keeps_the_connection_in_step() {
    let server = Server::start(&[]);
    let mut c = server.login("alice");
    let m = big(400_000, "lost");
    // Synchronizing: refused before the client sends anything.
    c.send(format!("r1 APPEND Nowhere {{{}}}\r\n", m.len()).as_bytes());
    let r = c.line();
    assert!(r.starts_with("r1 NO [TRYCREATE]"), "{r}");
    // LITERAL+: the octets come anyway and are skipped.
    let mut cmd = format!("r2 APPEND Nowhere {{{}+}}\r\n", m.len()).into_bytes();
    cmd.extend_from_slice(&m);
    cmd.extend_from_slice(b"\r\n");
    c.send(&cmd);
    let r = c.until_tagged("r2");
    assert!(r.last().unwrap().starts_with("r2 NO [TRYCREATE]"), "{r:?}");
    c.ok("NOOP");
    // Not logged in: a literal that large is not even read (issue 10,
    // --max-preauth-command): the answer, BYE, and the connection ends.
    let mut anon = server.connect();
    let mut cmd = format!("a1 APPEND INBOX {{{}+}}\r\n", m.len()).into_bytes();
    cmd.extend_from_slice(&m);
    cmd.extend_from_slice(b"\r\n");
    anon.send_unchecked(&cmd);
    let r = anon.until_tagged("a1");
    assert!(r.last().unwrap().starts_with("a1 NO [TOOBIG]"), "{r:?}");
    assert!(anon.line().starts_with("* BYE "));
    assert!(cur_contents(&server).is_empty());
}

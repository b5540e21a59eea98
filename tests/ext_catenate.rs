//! Issue 12, CATENATE (RFC 4469) with URL-PARTIAL (RFC 5550): APPEND builds
//! a message from literals and URLs to parts of messages already stored, as
//! in RFC 4469 section 4's example; bad URLs are `NO [BADURL url]` and
//! store nothing.

mod support;

use support::Server;

const M1_HEADER: &str = "From: a@example.org\r\nSubject: draft\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n";
const M1_PART_MIME: &str = "Content-Type: text/plain; charset=us-ascii\r\n\r\n";
const M1_PART_BODY: &str = "The first draft's text.";
const M2: &str = "From: b@example.org\r\nSubject: forwarded\r\n\r\nAttached message body.\r\n";

fn m1() -> String {
    format!("{M1_HEADER}--b\r\n{M1_PART_MIME}{M1_PART_BODY}\r\n--b--\r\n")
}

#[test]
fn catenate_builds_a_message_from_literals_and_urls() {
    let server = Server::start(&[]);
    let mut c = server.login("alice");
    let caps = c.ok("CAPABILITY")[0].clone();
    for cap in ["CATENATE", "URL-PARTIAL"] {
        assert!(caps.split(' ').any(|w| w == cap), "{cap}: {caps}");
    }
    // Drafts is made with the account (SPECIAL-USE).
    c.append("Drafts", "", m1().as_bytes());
    c.append("Drafts", "", M2.as_bytes());
    let sel = c.select("Drafts");
    let v = support::Client::code(&sel, "UIDVALIDITY").unwrap();
    let url = |rest: &str| format!("\"/Drafts;UIDVALIDITY={v}/;UID={rest}\"");
    // RFC 4469 section 4, with literals this test sends as LITERAL+.
    let t1 = "\r\n--b\r\n";
    let t2 = "\r\n--b\r\nContent-Type: message/rfc822\r\n\r\n";
    let t3 = "\r\n--b--\r\n";
    let cmd = format!(
        "a1 APPEND Drafts (\\Seen \\Draft $MDNSent) CATENATE (URL {} TEXT {{{}+}}\r\n{t1} URL {} URL {} TEXT {{{}+}}\r\n{t2} URL {} TEXT {{{}+}}\r\n{t3})\r\n",
        url("1/;SECTION=HEADER"),
        t1.len(),
        url("1/;SECTION=1.MIME"),
        url("1/;SECTION=1"),
        t2.len(),
        url("2"),
        t3.len(),
    );
    c.send(cmd.as_bytes());
    let r = c.until_tagged("a1");
    assert!(r.last().unwrap().starts_with(&format!("a1 OK [APPENDUID {v} 3] ")), "{r:?}");
    let want = format!("{M1_HEADER}{t1}{M1_PART_MIME}{M1_PART_BODY}{t2}{M2}{t3}");
    c.ok("NOOP");
    let f = c.ok("UID FETCH 3 (FLAGS BODY.PEEK[])");
    assert_eq!(
        f[0],
        format!("* 3 FETCH (UID 3 FLAGS (\\Seen \\Draft $MDNSent \\Recent) BODY[] {{{}}}\r\n{want})", want.len())
    );
    // The new message's second part is the whole of message 2.
    assert_eq!(c.ok("UID FETCH 3 BODY.PEEK[2]")[0], format!("* 3 FETCH (UID 3 BODY[2] {{{}}}\r\n{M2})", M2.len()));
    // URL-PARTIAL: octets of a section; a synchronizing URL literal.
    c.send(format!("a2 APPEND INBOX CATENATE (URL {} TEXT {{2}}\r\n", url("2/;PARTIAL=6.13")).as_bytes());
    assert!(c.line().starts_with('+'));
    c.send(b"!\n)\r\n");
    let r = c.until_tagged("a2");
    assert!(r.last().unwrap().starts_with("a2 OK "), "{r:?}");
    c.select("INBOX");
    assert_eq!(c.ok("FETCH 1 BODY.PEEK[]")[0], "* 1 FETCH (BODY[] {16}\r\nb@example.org!\r\n)");
}

#[test]
fn bad_urls_are_refused_and_store_nothing() {
    let server = Server::start(&[]);
    let mut c = server.login("alice");
    c.append("INBOX", "", M2.as_bytes());
    let sel = c.select("INBOX");
    let v: u32 = support::Client::code(&sel, "UIDVALIDITY").unwrap().parse().unwrap();
    for url in [
        format!("/INBOX;UIDVALIDITY={}/;UID=1", v + 1),
        "/INBOX/;UID=9".to_string(),
        "/Nowhere/;UID=1".to_string(),
        "imap://alice@localhost/INBOX/;UID=1".to_string(),
        "/INBOX/;UID=1/;SECTION=BOGUS".to_string(),
    ] {
        let r = c.cmd(&format!("APPEND INBOX CATENATE (TEXT {{3+}}\r\nabc URL \"{url}\")"));
        assert!(r.last().unwrap().contains(&format!(" NO [BADURL {url}] ")), "{url}: {r:?}");
    }
    let r = c.cmd("APPEND INBOX CATENATE ()");
    assert!(r.last().unwrap().contains(" BAD "), "{r:?}");
    let r = c.cmd("APPEND INBOX CATENATE (FOO \"x\")");
    assert!(r.last().unwrap().contains(" BAD "), "{r:?}");
    // The URL works, so nothing else stopped the appends above.
    c.ok("APPEND INBOX CATENATE (URL \"/INBOX/;UID=1\")");
    assert_eq!(c.ok("SEARCH ALL")[0], "* SEARCH 1 2");
    assert_eq!(c.ok("FETCH 2 BODY.PEEK[]")[0], format!("* 2 FETCH (BODY[] {{{}}}\r\n{M2})", M2.len()));
}

/// MULTIAPPEND: a CATENATE message before one whose literal is large
/// enough to be streamed to the mailbox, and one after it.
#[test]
fn catenate_in_a_multiappend_with_a_streamed_literal() {
    let server = Server::start(&[]);
    let mut c = server.login("alice");
    c.append("INBOX", "", M2.as_bytes());
    let big = format!("Subject: big\r\n\r\n{}\r\n", "x".repeat(300 * 1024));
    c.send(
        format!("a1 APPEND INBOX CATENATE (URL \"/INBOX/;UID=1\" TEXT {{4+}}\r\nmore) {{{}+}}\r\n", big.len())
            .as_bytes(),
    );
    c.send(big.as_bytes());
    c.send(b" CATENATE (TEXT {6+}\r\nlast\r\n URL \"/INBOX/;UID=1/;SECTION=HEADER\")\r\n");
    let r = c.until_tagged("a1");
    assert!(r.last().unwrap().starts_with("a1 OK [APPENDUID ") && r.last().unwrap().contains(" 2:4] "), "{r:?}");
    c.select("INBOX");
    assert_eq!(c.ok("FETCH 2 BODY.PEEK[]")[0], format!("* 2 FETCH (BODY[] {{{}}}\r\n{M2}more)", M2.len() + 4));
    assert_eq!(c.ok("FETCH 3 RFC822.SIZE")[0], format!("* 3 FETCH (RFC822.SIZE {})", big.len()));
    let header = &M2[..M2.find("\r\n\r\n").unwrap() + 4];
    let want = format!("last\r\n{header}");
    assert_eq!(c.ok("FETCH 4 BODY.PEEK[]")[0], format!("* 4 FETCH (BODY[] {{{}}}\r\n{want})", want.len()));
}

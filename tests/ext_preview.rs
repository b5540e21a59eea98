//! Issue 12, PREVIEW (RFC 8970): FETCH PREVIEW and PREVIEW (LAZY) give up
//! to 200 characters of plain text: the text/plain alternative of a
//! multipart/alternative, an HTML-only message without its markup, bodies
//! decoded from base64 and quoted-printable and from their charsets; the
//! previews are kept in the mailbox's `tegami.cache`.
//! Issue 21 item 8: RFC 8970's example exchange, and the draft forms
//! Dovecot still answers, `SNIPPET (FUZZY)` and `PREVIEW (FUZZY)`
//! (capabilities SNIPPET=FUZZY and PREVIEW=FUZZY).

mod support;

use support::{Seed, Server};

const ALTERNATIVE: &[u8] = b"From: a@example.org\r\nSubject: alt\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/alternative; boundary=\"b1\"\r\n\r\n--b1\r\n\
Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n\
Gr=FC=DFe aus\r\n\r\n   K=F6ln!\r\n> quoted reply\r\n--b1\r\n\
Content-Type: text/html; charset=utf-8\r\n\r\n<p>HTML version</p>\r\n--b1--\r\n";

/// "<p>Caf&eacute; &amp; <b>Kuchen</b></p>" and more, in base64 UTF-8.
const HTML_ONLY: &[u8] = b"From: a@example.org\r\nSubject: html\r\nContent-Type: text/html; charset=utf-8\r\n\
Content-Transfer-Encoding: base64\r\n\r\n\
PGh0bWw+PGhlYWQ+PHRpdGxlPlRpdGxlPC90aXRsZT48c3R5bGU+cCB7IGNvbG9yOiByZWQgfTwv\r\n\
c3R5bGU+PC9oZWFkPjxib2R5PjxwPkNhZiZlYWN1dGU7ICZhbXA7IDxiPkt1Y2hlbjwvYj48L3A+\r\n\
PCEtLSBoaWRkZW4gLS0+PHA+ZsO8ciAmIzgzNjQ7NSZuYnNwO2hldXRlPC9wPjwvYm9keT48L2h0\r\nbWw+\r\n";

/// koi8-r text in base64 inside a multipart/mixed, after an image.
const ENCODED: &[u8] = b"From: a@example.org\r\nSubject: =?koi8-r?B?8NLJ18XU?=\r\n\
Content-Type: multipart/mixed; boundary=m\r\n\r\n--m\r\nContent-Type: image/png\r\n\
Content-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n--m\r\n\
Content-Type: text/plain; charset=koi8-r\r\nContent-Transfer-Encoding: base64\r\n\r\n\
8NLJ18XUIMnaIO3P08vX2SEK\r\n--m--\r\n";

const NO_TEXT: &[u8] =
    b"Subject: picture\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n";

#[test]
fn previews_of_alternative_html_and_encoded_messages() {
    let long = format!("Subject: long\r\n\r\n{}\r\n", "wort ".repeat(100));
    let seeds: Vec<Seed> = [ALTERNATIVE, HTML_ONLY, ENCODED, NO_TEXT, long.as_bytes()]
        .into_iter()
        .map(|data| Seed { data, info: "", mtime: 1_000_000_000 })
        .collect();
    let server = Server::start_seeded(&[], &seeds);
    let mut c = server.login("alice");
    let caps = c.ok("CAPABILITY")[0].clone();
    assert!(caps.split(' ').any(|w| w == "PREVIEW"), "{caps}");
    c.select("INBOX");
    let want_alt = "Grüße aus Köln!";
    let want_html = "Café & Kuchen für €5 heute";
    let want_encoded = "Привет из Москвы!";
    let want_long = "wort ".repeat(40).trim_end().to_string();
    assert_eq!(want_long.chars().count(), 199);
    let literal = |s: &str| format!("{{{}}}\r\n{s}", s.len());
    for item in ["PREVIEW", "PREVIEW (LAZY)"] {
        let r = c.ok(&format!("FETCH 1:5 ({item})"));
        assert_eq!(r[0], format!("* 1 FETCH (PREVIEW {})", literal(want_alt)), "{item}");
        assert_eq!(r[1], format!("* 2 FETCH (PREVIEW {})", literal(want_html)));
        assert_eq!(r[2], format!("* 3 FETCH (PREVIEW {})", literal(want_encoded)));
        assert_eq!(r[3], "* 4 FETCH (PREVIEW \"\")");
        assert_eq!(r[4], format!("* 5 FETCH (PREVIEW \"{want_long}\")"));
    }
    // 200 characters at most, cut at a character.
    let r = c.ok("UID FETCH 5 (PREVIEW FLAGS)");
    assert_eq!(r[0], format!("* 5 FETCH (UID 5 PREVIEW \"{want_long}\" FLAGS (\\Recent))"));
    // PREVIEW does not set \Seen; as the single item it takes modifiers.
    let r = c.ok("FETCH 2 PREVIEW (CHANGEDSINCE 1)");
    assert!(r.iter().any(|l| l.starts_with("* 2 FETCH (PREVIEW {") && l.contains(" MODSEQ (")), "{r:?}");
    assert_eq!(c.ok("FETCH 2 PREVIEW (LAZY)")[0], format!("* 2 FETCH (PREVIEW {})", literal(want_html)));
    assert_eq!(c.ok("FETCH 2 FLAGS")[0], "* 2 FETCH (FLAGS (\\Recent))");
    // Kept in the cache beside the mailbox.
    let cache = server.maildir("alice").join("tegami.cache");
    support::eventually("the previews in tegami.cache", || {
        let data = std::fs::read(&cache).unwrap_or_default();
        [want_alt, want_html, want_encoded].iter().all(|w| data.windows(w.len()).any(|win| win == w.as_bytes()))
    });
    for bad in ["PREVIEW (LAZY", "PREVIEW (SLOW)", "PREVIEW ()"] {
        let r = c.cmd(&format!("FETCH 1 ({bad})"));
        assert!(r.last().unwrap().contains(" BAD "), "{bad}: {r:?}");
    }
}

const LOREM: &[u8] = b"From: a@example.org\r\nSubject: lorem\r\n\r\n\
Lorem ipsum dolor sit amet, consectetur adipiscing elit.\r\n\
Curabitur aliquam turpis et ante dictum, et pulvinar dui congue.\r\n\
Maecenas hendrerit, lorem non imperdiet pellentesque, nulla ligula\r\n\
nullam in ipsum, at viverra lectus velit sed nisi.\r\n";

/// RFC 8970 section 5's exchange (its text and sizes are the example's
/// own; the preview is the first 200 characters with white space runs as
/// one space), then the same previews in the draft forms.
#[test]
fn rfc8970_example_and_the_fuzzy_draft_forms() {
    let seeds: Vec<Seed> =
        [LOREM, NO_TEXT].into_iter().map(|data| Seed { data, info: "", mtime: 1_000_000_000 }).collect();
    let server = Server::start_seeded(&[], &seeds);
    let mut c = server.login("alice");
    let caps = c.ok("CAPABILITY")[0].clone();
    for cap in ["PREVIEW", "PREVIEW=FUZZY", "SNIPPET=FUZZY"] {
        assert!(caps.split(' ').any(|w| w == cap), "{cap}: {caps}");
    }
    c.select("INBOX");
    let want = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. Curabitur aliquam turpis et ante dictum, \
et pulvinar dui congue. Maecenas hendrerit, lorem non imperdiet pellentesque, nulla ligula nullam in i";
    assert_eq!(want.chars().count(), 200);
    let size = LOREM.len();
    let r = c.cmd_bytes("FETCH 1 (RFC822.SIZE PREVIEW)");
    assert_eq!(r[0], format!("* 1 FETCH (RFC822.SIZE {size} PREVIEW \"{want}\")\r\n").as_bytes());
    let r = c.cmd_bytes("FETCH 2 PREVIEW (LAZY)");
    assert_eq!(r[0], b"* 2 FETCH (PREVIEW \"\")\r\n");
    // The draft forms, with the same text.
    for (cmd, item) in [
        ("FETCH 1 (SNIPPET (FUZZY))", "SNIPPET"),
        ("FETCH 1 SNIPPET (LAZY=FUZZY)", "SNIPPET"),
        ("FETCH 1 (PREVIEW (FUZZY) UID)", "PREVIEW"),
        ("FETCH 1 PREVIEW (LAZY=FUZZY)", "PREVIEW"),
    ] {
        let r = c.cmd_bytes(cmd);
        let uid = if cmd.contains("UID") { " UID 1" } else { "" };
        assert_eq!(String::from_utf8_lossy(&r[0]), format!("* 1 FETCH ({item} (FUZZY \"{want}\"){uid})\r\n"), "{cmd}");
    }
    let r = c.cmd_bytes("UID FETCH 2 (SNIPPET (FUZZY))");
    assert_eq!(r[0], b"* 2 FETCH (UID 2 SNIPPET (FUZZY \"\"))\r\n");
    for bad in ["SNIPPET (LAZY)", "SNIPPET (FOO)", "SNIPPET ()", "PREVIEW (FUZZY FOO)", "SNIPPET (FUZZY"] {
        let r = c.cmd(&format!("FETCH 1 ({bad})"));
        assert!(r.last().unwrap().contains(" BAD "), "{bad}: {r:?}");
    }
    // No \Seen from any of them.
    assert_eq!(c.ok("FETCH 1 FLAGS")[0], "* 1 FETCH (FLAGS (\\Recent))");
}

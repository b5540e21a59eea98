//! Issue 21, item 5: URLAUTH=BINARY (RFC 5524). URLFETCH's parenthesised
//! form `(url BINARY)`, `(url BODYPARTSTRUCTURE)`, `(url BODY)` and their
//! combinations answer the URL followed by one parenthesised item each
//! (section 5: `urldata-ext = url-full 1*(SP "(" url-metadata-el ")")`),
//! byte for byte: the RFC's own text example (`(BINARY {28}` of "Si vis
//! pacem, para bellum."), a base64 part decoded, a part holding NUL as a
//! `~{n}` literal8, an unknown encoding as `(BINARY NIL)` beside its
//! structure (the RFC's X-BLURDYBLOOP example), `NIL` for a URL that
//! does not verify, and BAD for parameters RFC 5524 forbids.

mod support;

use support::{Client, Server};

/// The text part: 30 octets with a bare CR and a bare LF.
const ODD_TEXT: &str = "abcdefg\rhijkl\r\nmno\npqrstuvqxyz";
/// An image with NUL octets (ASCII otherwise, so the transcript is exact).
const IMAGE: &[u8] = b"PNG\0\0\0\rIHDR\0\0\0\x01";

/// A message of four parts: RFC 5524's text example, a base64 image
/// holding NUL, the base64 text, and an encoding nobody knows.
fn message() -> String {
    use base64::Engine;
    let image = base64::engine::general_purpose::STANDARD.encode(IMAGE);
    let text = base64::engine::general_purpose::STANDARD.encode(ODD_TEXT);
    format!(
        "From: alice@example.org\r\nSubject: binary parts\r\nMIME-Version: 1.0\r\n\
         Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n\
         --b\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\nSi vis pacem, para bellum.\r\n\r\n\
         --b\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n\r\n{image}\r\n\
         --b\r\nContent-Type: text/x-myown; charset=us-ascii\r\nContent-Transfer-Encoding: base64\r\n\r\n{text}\r\n\
         --b\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: x-blurdybloop\r\n\r\nzzzz\r\n\
         --b--\r\n"
    )
}

/// A server (SHA512-CRYPT accounts) where alice has the message in INBOX;
/// returns alice's session and the INBOX's UIDVALIDITY.
fn setup() -> (Server, Client, String) {
    let server = Server::start_hashed(&[]);
    let mut alice = server.login("alice");
    let r = alice.append("INBOX", "", message().as_bytes());
    assert!(r.last().unwrap().contains(" OK "), "{r:?}");
    let v = Client::code(&alice.select("INBOX"), "UIDVALIDITY").unwrap();
    (server, alice, v)
}

/// GENURLAUTH for `section` (and `partial`, if any) of message 1, for any
/// logged-in user (`authuser`); returns the full URL.
fn url(alice: &mut Client, v: &str, section: &str) -> String {
    let rump = format!("imap://alice@example.com/INBOX;UIDVALIDITY={v}/;UID=1/;SECTION={section};URLAUTH=authuser");
    let r = alice.ok(&format!("GENURLAUTH \"{rump}\" INTERNAL"));
    r[0].strip_prefix("* GENURLAUTH \"").and_then(|l| l.strip_suffix('"')).unwrap().to_string()
}

/// Sends `URLFETCH args` and checks the whole answer, tagged line too.
fn exchange(c: &mut Client, args: &str, want: &str) {
    let r = c.cmd(&format!("URLFETCH {args}"));
    let tag = r.last().unwrap().split(' ').next().unwrap().to_string();
    assert_eq!(r, [want.to_string(), format!("{tag} OK URLFETCH completed")], "URLFETCH {args}");
}

#[test]
fn capability_advertises_urlauth_binary_beside_urlauth() {
    let (server, _alice, _) = setup();
    let mut bob = server.login("bob");
    let caps = bob.ok("CAPABILITY")[0].clone();
    let words: Vec<&str> = caps.split(' ').collect();
    assert!(words.contains(&"URLAUTH") && words.contains(&"URLAUTH=BINARY"), "{caps}");
    // Wherever URLAUTH is: also in the CAPABILITY before login.
    let mut c = server.connect();
    let pre = c.ok("CAPABILITY")[0].clone();
    assert!(pre.split(' ').any(|w| w == "URLAUTH") && pre.split(' ').any(|w| w == "URLAUTH=BINARY"), "{pre}");
}

/// RFC 5524 section 4's text example, and the same part as BODY, bare,
/// and `(url)` without parameters (which is RFC 4467's form).
#[test]
fn the_rfcs_text_example_and_the_plain_forms() {
    let (server, mut alice, v) = setup();
    let u = url(&mut alice, &v, "1");
    let mut bob = server.login("bob");
    let text = "Si vis pacem, para bellum.\r\n";
    exchange(&mut bob, &format!("(\"{u}\" BINARY)"), &format!("* URLFETCH \"{u}\" (BINARY {{28}}\r\n{text})"));
    exchange(&mut bob, &format!("(\"{u}\" BODY)"), &format!("* URLFETCH \"{u}\" (BODY {{28}}\r\n{text})"));
    exchange(&mut bob, &format!("(\"{u}\")"), &format!("* URLFETCH \"{u}\" {{28}}\r\n{text}"));
    exchange(
        &mut bob,
        &format!("(\"{u}\" BODYPARTSTRUCTURE)"),
        &format!(
            "* URLFETCH \"{u}\" (BODYPARTSTRUCTURE (\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 28 1 NIL NIL NIL NIL))"
        ),
    );
}

/// A base64 part decoded, with its structure first: the image's NULs go
/// in a literal8, the text with a bare CR and LF too, and a
/// partial URL cuts the decoded octets.
#[test]
fn base64_parts_decoded_nul_in_literal8() {
    use base64::Engine;
    let (server, mut alice, v) = setup();
    let (image, text) = (url(&mut alice, &v, "2"), url(&mut alice, &v, "3"));
    let mut bob = server.login("bob");
    let encoded_len = 4 * IMAGE.len().div_ceil(3);
    exchange(
        &mut bob,
        &format!("(\"{image}\" BODYPARTSTRUCTURE BINARY)"),
        &format!(
            "* URLFETCH \"{image}\" (BODYPARTSTRUCTURE (\"image\" \"png\" NIL NIL NIL \"base64\" {encoded_len} NIL NIL NIL NIL)) (BINARY ~{{{}}}\r\n{})",
            IMAGE.len(),
            String::from_utf8_lossy(IMAGE)
        ),
    );
    // The order of the parameters does not change the order of the items.
    let r = bob.ok(&format!("URLFETCH (\"{image}\" BINARY BODYPARTSTRUCTURE)"));
    assert!(r[0].starts_with(&format!("* URLFETCH \"{image}\" (BODYPARTSTRUCTURE (\"image\" ")), "{r:?}");
    exchange(
        &mut bob,
        &format!("(\"{text}\" BINARY)"),
        &format!("* URLFETCH \"{text}\" (BINARY ~{{30}}\r\n{ODD_TEXT})"),
    );
    // RFC 4467's form and BODY: the part as stored, base64.
    let stored = base64::engine::general_purpose::STANDARD.encode(IMAGE);
    exchange(&mut bob, &format!("\"{image}\""), &format!("* URLFETCH \"{image}\" {{{encoded_len}}}\r\n{stored}"));
    exchange(
        &mut bob,
        &format!("(\"{image}\" BODY)"),
        &format!("* URLFETCH \"{image}\" (BODY {{{encoded_len}}}\r\n{stored})"),
    );
    let cut = url(&mut alice, &v, "3/;PARTIAL=10.10");
    exchange(
        &mut bob,
        &format!("(\"{cut}\" BINARY)"),
        &format!("* URLFETCH \"{cut}\" (BINARY ~{{10}}\r\njkl\r\nmno\np)"),
    );
}

/// RFC 5524 section 4's X-BLURDYBLOOP example: the structure, and NIL for
/// what cannot be decoded; a URL that does not verify is NIL as a whole;
/// several URLs of either form in one response.
#[test]
fn unknown_encoding_and_unverified_urls_are_nil() {
    let (server, mut alice, v) = setup();
    let (odd, first) = (url(&mut alice, &v, "4"), url(&mut alice, &v, "1"));
    let mut bob = server.login("bob");
    exchange(
        &mut bob,
        &format!("(\"{odd}\" BODYPARTSTRUCTURE BINARY)"),
        &format!(
            "* URLFETCH \"{odd}\" (BODYPARTSTRUCTURE (\"application\" \"octet-stream\" NIL NIL NIL \"x-blurdybloop\" 4 NIL NIL NIL NIL)) (BINARY NIL)"
        ),
    );
    let forged = first.replace(";SECTION=1;", ";SECTION=2;");
    exchange(&mut bob, &format!("(\"{forged}\" BINARY)"), &format!("* URLFETCH \"{forged}\" NIL"));
    exchange(
        &mut bob,
        &format!("(\"{forged}\" BODYPARTSTRUCTURE BINARY) \"{first}\" (\"{first}\" BINARY)"),
        &format!(
            "* URLFETCH \"{forged}\" NIL \"{first}\" {{28}}\r\nSi vis pacem, para bellum.\r\n \"{first}\" (BINARY {{28}}\r\nSi vis pacem, para bellum.\r\n)"
        ),
    );
    // After RESETKEY every URL of the mailbox is NIL, extended or not.
    alice.ok("RESETKEY INBOX");
    exchange(&mut bob, &format!("(\"{first}\" BINARY)"), &format!("* URLFETCH \"{first}\" NIL"));
}

/// Parameters RFC 5524 forbids (BODY with BINARY, one twice) and unknown
/// or unbalanced ones are a tagged BAD that names the problem; the
/// connection goes on.
#[test]
fn forbidden_parameters_are_bad() {
    let (server, mut alice, v) = setup();
    let u = url(&mut alice, &v, "1");
    let mut bob = server.login("bob");
    for (args, why) in [
        (format!("(\"{u}\" BODY BINARY)"), "URLFETCH cannot ask for both BODY and BINARY of one URL"),
        (format!("(\"{u}\" BINARY BINARY)"), "A URLFETCH parameter is given twice for one URL"),
        (format!("(\"{u}\" SNIPPET)"), "Unknown URLFETCH parameter (known: BODYPARTSTRUCTURE, BODY, BINARY)"),
        (format!("(\"{u}\" BINARY"), "Missing the closing parenthesis of a URLFETCH argument"),
    ] {
        let r = bob.cmd(&format!("URLFETCH {args}"));
        let tag = r[0].split(' ').next().unwrap().to_string();
        assert_eq!(r, [format!("{tag} BAD {why}")], "URLFETCH {args}");
    }
    exchange(
        &mut bob,
        &format!("(\"{u}\" BINARY)"),
        &format!("* URLFETCH \"{u}\" (BINARY {{28}}\r\nSi vis pacem, para bellum.\r\n)"),
    );
}

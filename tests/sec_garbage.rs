//! Issue 19 item 7: garbage on the clear-text port ends the connection. A
//! TLS ClientHello (what Thunderbird's certificate dialog sends to port
//! 143) is answered by a close at once, as Dovecot does; three bad
//! commands in a row before login end the connection too, which also
//! stops a browser's cross-protocol POST before its body; after login a
//! few bad commands do not.

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

use support::Server;

/// The first flight of a real TLS client: its ClientHello record.
fn client_hello() -> Vec<u8> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(rustls::RootCertStore::empty())
        .with_no_client_auth();
    let mut conn = rustls::ClientConnection::new(Arc::new(config), "localhost".try_into().unwrap()).unwrap();
    let mut hello = Vec::new();
    while conn.wants_write() {
        conn.write_tls(&mut hello).unwrap();
    }
    assert_eq!(&hello[..2], b"\x16\x03", "a TLS handshake record");
    hello
}

/// A raw connection with its greeting read.
fn connect(server: &Server) -> BufReader<TcpStream> {
    let sock = TcpStream::connect(server.plain).unwrap();
    let mut r = BufReader::new(sock);
    let mut greeting = String::new();
    r.read_line(&mut greeting).unwrap();
    assert!(greeting.starts_with("* OK "), "{greeting}");
    r
}

/// Everything the server sends until it closes; panics when the read
/// times out instead (the server did not close: the timeout is only the
/// test's guard, the close must come from the server).
fn until_closed(r: &mut BufReader<TcpStream>) -> String {
    r.get_ref().set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut rest = Vec::new();
    match r.read_to_end(&mut rest) {
        Ok(_) => String::from_utf8_lossy(&rest).into_owned(),
        Err(e) => panic!("the server did not close the connection ({e}); got {:?}", String::from_utf8_lossy(&rest)),
    }
}

#[test]
fn a_tls_client_hello_on_the_clear_text_port_is_answered_by_a_close() {
    let server = Server::start(&[]);
    let hello = client_hello();
    let mut r = connect(&server);
    r.get_mut().write_all(&hello).unwrap();
    assert_eq!(until_closed(&mut r), "* BYE This is an IMAP server: closing\r\n");
    // The same for its first two octets alone: no line break is awaited.
    let mut r = connect(&server);
    r.get_mut().write_all(&hello[..2]).unwrap();
    assert_eq!(until_closed(&mut r), "* BYE This is an IMAP server: closing\r\n");
    assert!(server.log().contains("not IMAP (a TLS handshake on the clear-text port): closing"), "{}", server.log());
    server.login("alice").ok("NOOP");
}

#[test]
fn three_bad_commands_in_a_row_before_login_end_the_connection() {
    let server = Server::start(&[]);
    let mut r = connect(&server);
    r.get_mut().write_all(b"a1 FROB\r\na2 FROB\r\n").unwrap();
    let mut two = String::new();
    for _ in 0..2 {
        r.read_line(&mut two).unwrap();
    }
    assert_eq!(two, "a1 BAD Unknown command FROB\r\na2 BAD Unknown command FROB\r\n");
    r.get_mut().write_all(b"a3 FROB\r\na4 NOOP\r\n").unwrap();
    assert_eq!(until_closed(&mut r), "a3 BAD Unknown command FROB\r\n* BYE Too many invalid commands\r\n");
    // A good command in between starts the count again.
    let mut c = server.connect();
    for _ in 0..3 {
        assert!(c.cmd("FROB").last().unwrap().contains(" BAD "));
        assert!(c.cmd("FROB").last().unwrap().contains(" BAD "));
        c.ok("NOOP");
    }
}

/// A web page can make a browser POST to port 143; the request line and
/// headers are bad commands, and the connection ends before the body, so
/// the IMAP commands in it never run.
#[test]
fn a_cross_protocol_http_post_ends_before_its_body() {
    let server = Server::start(&[]);
    let body = "x LOGIN alice wonderland\r\ny CREATE pwned\r\n";
    let request = format!(
        "POST / HTTP/1.1\r\nHost: 127.0.0.1:143\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let mut r = connect(&server);
    r.get_mut().write_all(request.as_bytes()).unwrap();
    let answer = until_closed(&mut r);
    assert!(answer.ends_with("* BYE Too many invalid commands\r\n"), "{answer}");
    assert_eq!(answer.lines().count(), 4, "{answer}");
    assert!(!server.maildir("alice").join(".pwned").exists());
}

#[test]
fn after_login_bad_commands_do_not_end_the_session() {
    let server = Server::start(&[]);
    let mut c = server.login("alice");
    for _ in 0..10 {
        assert!(c.cmd("FROB").last().unwrap().contains(" BAD "));
    }
    c.send(b"z NOOP\0\r\n");
    assert!(c.line().starts_with("z BAD "));
    c.ok("NOOP");
}

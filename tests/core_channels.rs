//! Issue 2, item 4: the Maximum Number of Channels (`--max-channels`).

mod support;

use support::{Client, Server};

fn assert_refused(c: &mut Client) {
    assert!(c.greeting.starts_with("* BYE "), "{}", c.greeting);
    assert!(c.greeting.contains("Maximum Number of Channels"), "{}", c.greeting);
    assert!(c.closed(), "the refused connection is closed at once");
}

#[test]
fn a_fourth_connection_gets_bye_and_a_freed_channel_is_reused() {
    let server = Server::start(&["--max-channels", "3"]);
    let mut a = server.connect();
    let mut b = server.login("bob");
    let c = server.connect_tls();
    for s in [&a.greeting, &b.greeting, &c.greeting] {
        assert!(s.starts_with("* OK "), "{s}");
    }
    // Over the cap, on either port.
    assert_refused(&mut server.connect());
    assert_refused(&mut server.connect_tls());
    assert_refused(&mut server.connect());
    // The open sessions are not disturbed.
    a.ok("NOOP");
    b.ok("NOOP");
    // One logs out; its channel goes to the next connection.
    a.ok("LOGOUT");
    assert!(a.closed());
    let mut d = server.connect();
    assert!(d.greeting.starts_with("* OK "), "after a logout: {}", d.greeting);
    d.ok("LOGIN alice wonderland");
    assert_refused(&mut server.connect());
    // A connection dropped without LOGOUT frees its channel as well.
    // The server learns of the drop only when it reads the end of stream,
    // so the test tries again until then (a synchronisation, not a timing).
    drop(b);
    let mut e = (0..200)
        .map(|_| {
            let c = server.connect();
            if !c.greeting.starts_with("* OK ") {
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            c
        })
        .find(|c| c.greeting.starts_with("* OK "))
        .expect("the dropped connection's channel is never freed");
    e.ok("NOOP");
    assert!(server.log().contains("refused: Maximum Number of Channels (3) reached"), "{}", server.log());
}

#[test]
fn refusals_on_the_tls_port_are_said_inside_tls() {
    let server = Server::start(&["-c", "1"]);
    let mut only = server.connect_tls();
    only.ok("LOGIN alice wonderland");
    // Our rustls client only reads the BYE if it came inside TLS.
    let mut refused = server.connect_tls();
    assert_refused(&mut refused);
    only.ok("LOGOUT");
    assert!(only.closed());
    server.connect_tls().ok("LOGIN bob builder");
}

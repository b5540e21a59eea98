//! Issue 19 item 9: clear text is refused where Dovecot refuses it. By
//! default (Dovecot's `disable_plaintext_auth = yes`) a password may cross
//! an unencrypted connection only when the client's address is the
//! server's own; `--allow-cleartext-login` lifts the rule and
//! `--no-cleartext-login` refuses even the server's own address.

mod support;

use std::net::Ipv4Addr;

use support::{Client, Server};

/// Another host, as far as the rule goes: a loopback address that is not
/// the server's (which listens on 127.0.0.1).
const OTHER: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 2);
const SAME: Ipv4Addr = Ipv4Addr::new(127, 0, 0, 1);

const PRIVACY: &str =
    "NO [PRIVACYREQUIRED] Clear-text login is disabled on unencrypted connections: use STARTTLS first";

/// The capability list the greeting carries.
fn greeting_caps(c: &Client) -> Vec<String> {
    let inner = c.greeting.split_once("[CAPABILITY ").expect("capabilities in the greeting").1;
    inner.split_once(']').unwrap().0.split(' ').map(String::from).collect()
}

/// The tagged result of `text`, tag cut off.
fn result(c: &mut Client, text: &str) -> String {
    c.cmd(text).last().unwrap().split_once(' ').unwrap().1.to_string()
}

/// Clear-text login is refused on `c`: advertised, and tried both ways.
fn assert_refused(c: &mut Client) {
    let caps = greeting_caps(c);
    assert!(caps.contains(&"LOGINDISABLED".to_string()), "{caps:?}");
    assert!(!caps.iter().any(|c| c == "AUTH=PLAIN" || c == "AUTH=LOGIN"), "{caps:?}");
    assert!(caps.contains(&"STARTTLS".to_string()), "{caps:?}");
    assert_eq!(result(c, "LOGIN alice wonderland"), PRIVACY);
    assert_eq!(result(c, "AUTHENTICATE PLAIN AGFsaWNlAHdvbmRlcmxhbmQ="), PRIVACY);
    let caps = c.cmd("CAPABILITY");
    assert!(caps[0].contains(" LOGINDISABLED") && !caps[0].contains("AUTH=PLAIN"), "{caps:?}");
}

/// Clear-text login works on `c`.
fn assert_allowed(c: &mut Client) {
    let caps = greeting_caps(c);
    assert!(!caps.contains(&"LOGINDISABLED".to_string()), "{caps:?}");
    assert!(caps.contains(&"AUTH=PLAIN".to_string()), "{caps:?}");
    c.ok("LOGIN alice wonderland");
}

#[test]
fn another_host_is_refused_clear_text_by_default_and_allowed_after_starttls() {
    let server = Server::start_hashed(&[]);
    let mut c = Client::plain_from(OTHER, server.plain);
    assert_refused(&mut c);
    c.starttls(&server.cert());
    let caps = c.cmd("CAPABILITY");
    assert!(!caps[0].contains("LOGINDISABLED") && caps[0].contains("AUTH=PLAIN"), "{caps:?}");
    c.ok("LOGIN alice wonderland");
    // AUTHENTICATE PLAIN as well, on a new connection.
    let mut c = Client::plain_from(OTHER, server.plain);
    c.starttls(&server.cert());
    c.ok("AUTHENTICATE PLAIN AGFsaWNlAHdvbmRlcmxhbmQ=");
    // The TLS port is encrypted from the start.
    server.connect_tls().ok("LOGIN alice wonderland");
    assert!(server.log().contains("login alice"), "{}", server.log());
}

#[test]
fn the_servers_own_address_may_log_in_in_clear_text_by_default() {
    let server = Server::start_hashed(&[]);
    assert_allowed(&mut Client::plain_from(SAME, server.plain));
    Client::plain_from(SAME, server.plain).ok("AUTHENTICATE PLAIN AGFsaWNlAHdvbmRlcmxhbmQ=");
}

#[test]
fn allow_cleartext_login_lets_another_host_log_in_in_clear_text() {
    let server = Server::start_hashed(&["--allow-cleartext-login"]);
    assert_allowed(&mut Client::plain_from(OTHER, server.plain));
    assert_allowed(&mut Client::plain_from(SAME, server.plain));
}

#[test]
fn no_cleartext_login_refuses_even_the_servers_own_address() {
    for flags in [&["--no-cleartext-login"][..], &["--no-cleartext-login", "--allow-cleartext-login"]] {
        let server = Server::start_hashed(flags);
        assert_refused(&mut Client::plain_from(SAME, server.plain));
        assert_refused(&mut Client::plain_from(OTHER, server.plain));
        let mut c = Client::plain_from(SAME, server.plain);
        c.starttls(&server.cert());
        c.ok("LOGIN alice wonderland");
    }
}

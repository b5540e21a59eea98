//! Issue 21, Fix 7(d): a client that closes its socket during IDLE or
//! halfway through a command is how clients quit, not a problem: the
//! record is written at the low-level level (label `LOW`), never at
//! Problems or Major, which fail2ban and administrators read.

mod support;

use support::{eventually, Client, Server};

const QUIT: &str = "connection closed in the middle of a command";

/// Logs in, enters IDLE and closes the socket without DONE.
fn quit_in_idle(server: &Server) {
    let mut c = server.login("alice");
    c.select("INBOX");
    c.send(b"i1 IDLE\r\n");
    assert_eq!(c.line(), "+ idling");
    drop(c);
}

/// The records of the log that mention a client quitting.
fn quit_records(server: &Server) -> Vec<String> {
    server.log().lines().filter(|l| l.contains(QUIT)).map(str::to_string).collect()
}

#[test]
fn closing_during_idle_or_a_command_is_logged_below_problems() {
    let server = Server::start_hashed(&["--log-level", "low-level"]);
    quit_in_idle(&server);
    // Halfway through a command line, and inside an announced literal.
    let mut raw = Client::plain(server.plain);
    raw.send(b"h1 NOO");
    drop(raw);
    let mut c = server.login("alice");
    c.send(b"a1 APPEND INBOX {20+}\r\nFrom: x");
    drop(c);
    eventually("three quit records", || quit_records(&server).len() == 3);
    for r in quit_records(&server) {
        // `STAMP LABEL IMAP-nnnnn ...`: the label is the level.
        assert_eq!(r.split_whitespace().nth(1), Some("LOW"), "{r}");
    }
    // No record of a closed or reset connection above low-level.
    let loud =
        |l: &&str| (l.contains(" PROBLEM ") || l.contains(" MAJOR ")) && (l.contains("closed") || l.contains("reset"));
    assert_eq!(server.log().lines().filter(loud).count(), 0, "{}", server.log());
}

#[test]
fn at_problems_level_a_quitting_client_leaves_no_record() {
    let server = Server::start_hashed(&["--log-level", "problems"]);
    quit_in_idle(&server);
    // Round trips on other connections give the server time to read the
    // end of stream; the level itself is shown by the test above.
    for _ in 0..5 {
        server.login("alice").ok("NOOP");
    }
    assert_eq!(quit_records(&server), Vec::<String>::new(), "{}", server.log());
}

//! Issue 10, Must show 5: LOGOUT answers `* BYE` and the tagged OK and
//! nothing else, even when other sessions changed the selected mailbox
//! (Dovecot's state-tracking stress tester counts anything more as an error).

mod support;

use support::{message, Server};

#[test]
fn logout_sends_only_bye_and_ok_with_changes_pending() {
    let server = Server::start(&[]);
    let mut writer = server.login("alice");
    for s in ["one", "two", "three"] {
        writer.append("INBOX", "", &message(s));
    }
    let mut control = server.login("alice");
    let mut leaving = server.login("alice");
    control.select("INBOX");
    leaving.select("INBOX");
    // Another session expunges one message, flags one, and adds one.
    writer.select("INBOX");
    writer.ok("STORE 1 +FLAGS (\\Deleted)");
    writer.ok("EXPUNGE");
    writer.ok("STORE 1 +FLAGS (\\Flagged)");
    writer.append("INBOX", "", &message("four"));
    // The changes are pending for both sessions: the control one is told.
    let noop = control.ok("NOOP");
    assert!(noop.contains(&"* 1 EXPUNGE".to_string()), "{noop:?}");
    assert!(noop.iter().any(|l| l.starts_with("* 1 FETCH (UID 2 FLAGS (\\Flagged")), "{noop:?}");
    assert!(noop.contains(&"* 3 EXISTS".to_string()), "{noop:?}");
    // LOGOUT tells nothing of them.
    let bye = leaving.cmd("LOGOUT");
    assert_eq!(bye.len(), 2, "{bye:?}");
    assert_eq!(bye[0], "* BYE Logging out");
    assert!(bye[1].ends_with(" OK LOGOUT completed"), "{bye:?}");
    assert!(leaving.closed());
}

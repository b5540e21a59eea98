//! Issue 12, SAVEDATE (RFC 8514): FETCH SAVEDATE and the SAVEDBEFORE,
//! SAVEDON, SAVEDSINCE and SAVEDATESUPPORTED search keys. The save date is
//! when the message's file was made in the mailbox (the time that starts
//! its maildir name), not its INTERNALDATE.

mod support;

use support::{Seed, Server};

#[test]
fn save_dates_of_seeded_appended_and_copied_messages() {
    let a = b"Subject: a\r\n\r\nbody\r\n".to_vec();
    // Seeded files are named 1100000000.M0P1..., 1100000001.M1P1...:
    // saved on 2004-11-09 at 11:33:20 and :21 UTC, INTERNALDATE 1990.
    let seeds = [Seed { data: &a, info: "", mtime: 650_000_000 }, Seed { data: &a, info: "S", mtime: 650_000_000 }];
    let server = Server::start_seeded(&[], &seeds);
    let mut c = server.login("alice");
    let caps = c.ok("CAPABILITY")[0].clone();
    assert!(caps.split(' ').any(|w| w == "SAVEDATE"), "{caps}");
    c.select("INBOX");
    let f = c.ok("FETCH 1:2 (SAVEDATE INTERNALDATE)");
    assert_eq!(f[0], "* 1 FETCH (SAVEDATE \"09-Nov-2004 11:33:20 +0000\" INTERNALDATE \"07-Aug-1990 03:33:20 +0000\")");
    assert_eq!(f[1], "* 2 FETCH (SAVEDATE \"09-Nov-2004 11:33:21 +0000\" INTERNALDATE \"07-Aug-1990 03:33:20 +0000\")");
    // An APPEND with an old INTERNALDATE is saved now.
    let msg = "Subject: new\r\n\r\nx\r\n";
    c.send(format!("a1 APPEND INBOX \"01-Jan-2000 00:00:00 +0000\" {{{}+}}\r\n{msg}\r\n", msg.len()).as_bytes());
    c.until_tagged("a1");
    c.ok("NOOP");
    assert_eq!(c.ok("SEARCH SAVEDON 9-Nov-2004")[0], "* SEARCH 1 2");
    assert_eq!(c.ok("SEARCH SAVEDBEFORE 1-Jan-2005")[0], "* SEARCH 1 2");
    assert_eq!(c.ok("SEARCH SAVEDSINCE 1-Jan-2020")[0], "* SEARCH 3");
    assert_eq!(c.ok("SEARCH SINCE 1-Jan-2020")[0], "* SEARCH", "INTERNALDATE is another date");
    assert_eq!(c.ok("SEARCH SAVEDATESUPPORTED")[0], "* SEARCH 1 2 3");
    assert_eq!(c.ok("UID SEARCH SAVEDSINCE 1-Jan-2005 SEEN")[0], "* SEARCH");
    // A copy is saved in its new mailbox when it is copied.
    c.ok("CREATE Other");
    c.ok("COPY 1 Other");
    c.select("Other");
    assert_eq!(c.ok("SEARCH SAVEDSINCE 1-Jan-2020")[0], "* SEARCH 1");
    c.send(b"b1 SEARCH SAVEDON 31-Foo-2004\r\n");
    assert!(c.until_tagged("b1")[0].starts_with("b1 BAD "));
}

//! Issue 12, STATUS=SIZE (RFC 8438): STATUS and LIST-STATUS SIZE are the
//! sum of the messages' RFC822.SIZE, also for files written with LF line
//! ends and no `,W=` size in their names (which are smaller on disk).

mod support;

use support::{Seed, Server};

#[test]
fn status_size_is_the_sum_of_rfc822_sizes() {
    // LF line ends: 3 lines each, so RFC822.SIZE is the length plus 3.
    let a = b"Subject: a\n\nbody\n".to_vec();
    let b = b"Subject: bb\n\nbody two\n".to_vec();
    let seeds = [Seed { data: &a, info: "", mtime: 1_000_000 }, Seed { data: &b, info: "S", mtime: 1_000_100 }];
    let server = Server::start_seeded(&[], &seeds);
    let mut c = server.login("alice");
    let caps = c.ok("CAPABILITY")[0].clone();
    assert!(caps.split(' ').any(|w| w == "STATUS=SIZE"), "{caps}");
    let want = a.len() + 3 + b.len() + 3;
    assert_eq!(c.ok("STATUS INBOX (MESSAGES SIZE)")[0], format!("* STATUS INBOX (MESSAGES 2 SIZE {want})"));
    let lines = c.ok("LIST \"\" INBOX RETURN (STATUS (SIZE))");
    assert_eq!(lines[1], format!("* STATUS INBOX (SIZE {want})"), "{lines:?}");
    // The same as FETCH says, message by message.
    c.select("INBOX");
    let f = c.ok("FETCH 1:* RFC822.SIZE");
    let sum: usize =
        f[..2].iter().map(|l| l.trim_end_matches(')').rsplit(' ').next().unwrap().parse::<usize>().unwrap()).sum();
    assert_eq!(sum, want);
    // Again (from the cache), and after an APPEND.
    let msg = "Subject: c\r\n\r\nthird\r\n";
    c.send(format!("a1 APPEND INBOX {{{}+}}\r\n{msg}\r\n", msg.len()).as_bytes());
    c.until_tagged("a1");
    assert_eq!(c.ok("STATUS INBOX (SIZE)")[0], format!("* STATUS INBOX (SIZE {})", want + msg.len()));
    c.send(b"b1 STATUS INBOX (SIZE BOGUS)\r\n");
    assert!(c.until_tagged("b1")[0].starts_with("b1 BAD "));
}

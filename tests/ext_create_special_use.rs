//! Issue 12, CREATE-SPECIAL-USE (RFC 6154 section 3): CREATE with
//! `(USE (\Attr))` gives the mailbox that special use, shown in LIST and
//! kept across RENAME and restarts; an attribute tegami does not support
//! is `NO [USEATTR]` and creates nothing (RFC 6154 section 5.2's examples).

mod support;

use support::Server;

#[test]
fn rfc_6154_create_examples() {
    let mut server = Server::start(&[]);
    let mut c = server.login("alice");
    let caps = c.ok("CAPABILITY")[0].clone();
    assert!(caps.split(' ').any(|w| w == "CREATE-SPECIAL-USE"), "{caps}");
    // 5.2: a supported use.
    let r = c.ok("CREATE MySpecial (USE (\\Sent))");
    assert!(r.last().unwrap().contains(" OK "), "{r:?}");
    assert_eq!(c.ok("LIST \"\" MySpecial")[0], "* LIST (\\HasNoChildren \\Sent) \"/\" MySpecial");
    assert_eq!(c.ok("LIST (SPECIAL-USE) \"\" My*")[0], "* LIST (\\HasNoChildren \\Sent) \"/\" MySpecial");
    // 5.2: an unsupported one; nothing is created.
    let r = c.cmd("CREATE \"Important Messages\" (USE (\\Flagged))");
    assert!(r.last().unwrap().contains(" NO [USEATTR] \\Flagged "), "{r:?}");
    assert_eq!(c.ok("LIST \"\" Important*").len(), 1);
    // 5.2: two uses at once.
    c.ok("CREATE Both (USE (\\Drafts \\Sent))");
    assert_eq!(c.ok("LIST \"\" Both")[0], "* LIST (\\HasNoChildren \\Drafts \\Sent) \"/\" Both");
    // One unsupported attribute among supported ones fails it all.
    let r = c.cmd("CREATE Mixed (USE (\\Sent \\All))");
    assert!(r.last().unwrap().contains(" NO [USEATTR] \\All "), "{r:?}");
    assert_eq!(c.ok("LIST \"\" Mixed").len(), 1);
    // Attribute case does not matter; the use moves with RENAME.
    c.ok("CREATE Old (USE (\\archive))");
    c.ok("RENAME Old Older");
    assert_eq!(c.ok("LIST \"\" Older")[0], "* LIST (\\HasNoChildren \\Archive) \"/\" Older");
    // Bad syntax is BAD.
    let r = c.cmd("CREATE X (USE (Sent))");
    assert!(r.last().unwrap().contains(" BAD "), "{r:?}");
    let r = c.cmd("CREATE X (BOGUS (\\Sent))");
    assert!(r.last().unwrap().contains(" BAD "), "{r:?}");
    drop(c);
    server.restart(&[]);
    let mut c = server.login("alice");
    assert_eq!(c.ok("LIST \"\" MySpecial")[0], "* LIST (\\HasNoChildren \\Sent) \"/\" MySpecial");
    // DELETE takes the use along: a new mailbox of that name has none.
    c.ok("DELETE MySpecial");
    c.ok("CREATE MySpecial");
    assert_eq!(c.ok("LIST \"\" MySpecial")[0], "* LIST (\\HasNoChildren) \"/\" MySpecial");
}

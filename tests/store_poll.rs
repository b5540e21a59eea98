//! Issue 9, "Must show" 5 (second half): a session whose mailbox cannot be
//! watched (here a folder whose `new/` is missing when it is selected)
//! polls instead, says so in the log, and still sees an MTA's delivery in
//! IDLE within its poll interval and at its next command.

mod support;

use std::fs;

use support::{message, Server};

#[test]
fn unwatchable_mailbox_falls_back_to_polling() {
    let server = Server::start(&[]);
    let mut c = server.login("alice");
    c.ok("CREATE Lists");
    let folder = server.maildir("alice").join(".Lists");
    fs::remove_dir(folder.join("new")).unwrap();
    c.select("Lists");
    assert!(server.log().contains("/new: ") && server.log().contains("its sessions poll instead"), "{}", server.log());
    // The MTA makes new/ and delivers (tmp/, then a rename): no watch sees it.
    let deliver = |n: u32| {
        fs::create_dir_all(folder.join("new")).unwrap();
        let name = format!("1700000000.M{n}P1.mta");
        fs::write(folder.join("tmp").join(&name), message(&format!("list mail {n}"))).unwrap();
        fs::rename(folder.join("tmp").join(&name), folder.join("new").join(&name)).unwrap();
    };
    deliver(1);
    let l = c.ok("NOOP");
    assert_eq!(l[0], "* 1 EXISTS", "{l:?}");
    // In IDLE: the poll finds the next one (the eventually-deadline of
    // support::Client's reads is far above the poll interval).
    let tag = c.next_tag();
    c.send(format!("{tag} IDLE\r\n").as_bytes());
    assert!(c.line().starts_with("+ "));
    deliver(2);
    let got = c.read_until(|l| l.ends_with(" EXISTS"));
    assert_eq!(got.last().unwrap(), "* 2 EXISTS");
    c.send(b"DONE\r\n");
    c.until_tagged(&tag);
}

//! Issue 12, OBJECTID against a real Dovecot: the MAILBOXID tegami gives is
//! the mailbox GUID `doveadm mailbox status guid` reads from the same
//! maildir, and EMAILID is derived from the message GUID `doveadm fetch
//! guid` reads (a file's base name, or for a COPY the original's GUID that
//! tegami writes into the uid list record), so ids agree with Dovecot's
//! view of the same files.

mod support;

use sha1::{Digest, Sha1};
use support::dovecot::Dovecot;
use support::Server;

/// What this test asks of the private Dovecot.
trait Guids {
    fn guids(&self, mailbox: &str) -> Vec<(u32, String)>;
}

impl Guids for Dovecot {
    /// `uid guid` pairs of a mailbox as Dovecot reads them.
    fn guids(&self, mailbox: &str) -> Vec<(u32, String)> {
        let text = self.doveadm(&["fetch", "-u", "alice", "uid guid", "mailbox", mailbox]);
        let mut out = Vec::new();
        let mut uid = None;
        for line in text.lines() {
            if let Some(u) = line.strip_prefix("uid: ") {
                uid = u.trim().parse().ok();
            } else if let Some(g) = line.strip_prefix("guid: ") {
                out.push((uid.take().expect("uid before guid"), g.trim().to_string()));
            }
        }
        out
    }
}

fn email_id_of(guid: &str) -> String {
    let digest = Sha1::digest(guid.as_bytes());
    let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
    format!("M{hex}")
}

#[test]
fn dovecot_reads_the_same_mailbox_and_message_guids() {
    let server = Server::start(&[]);
    let mut c = server.login("alice");
    let created = c.ok("CREATE box");
    let line = created.last().unwrap();
    let rest = &line[line.find("[MAILBOXID (").expect("MAILBOXID") + 12..];
    let id = &rest[..rest.find(")]").unwrap()];
    c.append("INBOX", "", &support::message("one"));
    c.append("INBOX", "", &support::message("two"));
    c.select("INBOX");
    c.ok("COPY 2 box");
    let inbox_ids = c.ok("UID FETCH 1:* (EMAILID)");
    c.ok("UNSELECT");
    c.select("box");
    let box_ids = c.ok("UID FETCH 1:* (EMAILID)");
    c.ok("LOGOUT");
    let dovecot = Dovecot::start(server.dir.path(), &["alice"], "");
    let status = dovecot.doveadm(&["mailbox", "status", "-u", "alice", "guid", "box"]);
    assert_eq!(status.trim(), format!("box guid={id}"));
    let inbox = dovecot.guids("INBOX");
    assert_eq!(inbox.len(), 2, "{inbox:?}");
    for (uid, guid) in &inbox {
        let want = format!("* {uid} FETCH (UID {uid} EMAILID ({}))", email_id_of(guid));
        assert!(inbox_ids.contains(&want), "{want} in {inbox_ids:?}");
    }
    // The copy has its original's GUID for Dovecot too.
    let copied = dovecot.guids("box");
    assert_eq!(copied, vec![(1, inbox[1].1.clone())]);
    assert_eq!(box_ids[0], format!("* 1 FETCH (UID 1 EMAILID ({}))", email_id_of(&inbox[1].1)));
}

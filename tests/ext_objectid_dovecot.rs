//! Issue 12, OBJECTID against a real Dovecot: the MAILBOXID tegami gives is
//! the mailbox GUID `doveadm mailbox status guid` reads from the same
//! maildir, and EMAILID is derived from the message GUID `doveadm fetch
//! guid` reads (a file's base name, or for a COPY the original's GUID that
//! tegami writes into the uid list record), so ids agree with Dovecot's
//! view of the same files.

mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};

use sha1::{Digest, Sha1};
use support::Server;

/// A private Dovecot (no protocols, only what doveadm needs) over the
/// test's homes; killed on drop.
struct Dovecot {
    child: Child,
    conf: PathBuf,
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Dovecot {
    fn start(dir: &Path) -> Dovecot {
        let d = dir.join("dovecot");
        std::fs::create_dir_all(d.join("run")).unwrap();
        std::fs::create_dir_all(d.join("state")).unwrap();
        for p in [dir.to_path_buf(), d.clone()] {
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        // doveadm works as the mail user (nobody): it must reach the files.
        Command::new("chmod").args(["-R", "a+rwX"]).arg(dir.join("home")).status().unwrap();
        let home = dir.join("home/alice");
        std::fs::write(d.join("passwd"), format!("alice:{{PLAIN}}x:65534:65534::{}::\n", home.display())).unwrap();
        let conf = d.join("dovecot.conf");
        std::fs::write(
            &conf,
            format!(
                "base_dir = {0}/run\nstate_dir = {0}/state\nlog_path = {0}/dovecot.log\nprotocols =\n\
                 mail_location = maildir:~/Maildir\n\
                 passdb {{\n  driver = passwd-file\n  args = {0}/passwd\n}}\n\
                 userdb {{\n  driver = passwd-file\n  args = {0}/passwd\n}}\n",
                d.display()
            ),
        )
        .unwrap();
        let child = Command::new("/usr/sbin/dovecot")
            .args(["-F", "-c"])
            .arg(&conf)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("dovecot (install dovecot-imapd with contrib/test)");
        let me = Dovecot { child, conf };
        support::eventually("Dovecot's auth socket", || d.join("run/auth-userdb").exists());
        me
    }

    fn doveadm(&self, args: &[&str]) -> String {
        let out = Command::new("doveadm").arg("-c").arg(&self.conf).args(args).output().expect("doveadm");
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(out.status.success(), "doveadm {args:?}: {text}");
        text
    }

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
    let dovecot = Dovecot::start(server.dir.path());
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

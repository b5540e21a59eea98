//! Issue 11, Must show 7 against a real Dovecot: rights that `doveadm acl
//! set` writes are what tegami enforces, and the `dovecot-acl` file that
//! tegami's SETACL writes is what `doveadm acl get` reads and what
//! `doveadm acl set` itself would have written.

mod share_common;
mod support;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Child, Command};

use share_common::{login, start, untagged, ACCOUNTS};

/// A private Dovecot (no protocols, only its auth service for doveadm)
/// over the test's homes; killed on drop.
struct Dovecot {
    child: Child,
    conf: std::path::PathBuf,
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
        // Dovecot's auth runs as its own user and doveadm as the mail user:
        // both must reach the test's files.
        for p in [dir.to_path_buf(), d.clone()] {
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        Command::new("chmod").args(["-R", "a+rwX"]).arg(dir.join("home")).status().unwrap();
        let passwd: String = ACCOUNTS
            .iter()
            .map(|u| format!("{u}:{{PLAIN}}x:65534:65534::{}::\n", dir.join("home").join(u).display()))
            .collect();
        std::fs::write(d.join("passwd"), passwd).unwrap();
        let conf = d.join("dovecot.conf");
        std::fs::write(
            &conf,
            format!(
                "base_dir = {0}/run\nstate_dir = {0}/state\nlog_path = {0}/dovecot.log\nprotocols =\n\
                 mail_location = maildir:~/Maildir\nmail_plugins = acl\n\
                 passdb {{\n  driver = passwd-file\n  args = {0}/passwd\n}}\n\
                 userdb {{\n  driver = passwd-file\n  args = {0}/passwd\n}}\n\
                 plugin {{\n  acl = vfile\n}}\n",
                d.display()
            ),
        )
        .unwrap();
        let dovecot = ["/usr/sbin/dovecot", "dovecot"].iter().find(|p| Path::new(p).exists()).unwrap_or(&"dovecot");
        let child = Command::new(dovecot)
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
}

#[test]
fn tegami_and_dovecot_read_each_others_acls() {
    let server = start();
    let mut b = login(&server, "bob");
    b.ok("CREATE Team");
    for u in ["alice", "carol", "eve"] {
        login(&server, u).ok("LOGOUT");
    }
    let dovecot = Dovecot::start(server.dir.path());
    let acl_file = server.dir.path().join("home/bob/Maildir/.Team/dovecot-acl");

    // Dovecot writes, tegami enforces.
    dovecot.doveadm(&["acl", "set", "-u", "bob", "Team", "user=alice", "lookup", "read", "write-seen"]);
    dovecot.doveadm(&["acl", "set", "-u", "bob", "Team", "anyone", "lookup"]);
    let mut a = login(&server, "alice");
    assert_eq!(untagged(&a.ok("MYRIGHTS ~bob/Team")), ["* MYRIGHTS ~bob/Team lrs"]);
    let mut e = login(&server, "eve");
    assert_eq!(untagged(&e.ok("MYRIGHTS ~bob/Team")), ["* MYRIGHTS ~bob/Team l"]);
    let by_dovecot = std::fs::read_to_string(&acl_file).unwrap();
    // Without an owner line the owner holds every right, in both.
    assert!(!by_dovecot.contains("owner"), "{by_dovecot}");
    let owner = dovecot.doveadm(&["acl", "rights", "-u", "bob", "Team"]);
    assert!(owner.contains("admin") && owner.contains("expunge"), "{owner}");
    assert_eq!(untagged(&b.ok("MYRIGHTS Team")), ["* MYRIGHTS Team lrswipkxteacd"]);

    // tegami writes the same file for the same rights...
    b.ok("DELETEACL Team alice");
    b.ok("DELETEACL Team anyone");
    b.ok("SETACL Team alice lrs");
    b.ok("SETACL Team anyone l");
    assert_eq!(std::fs::read_to_string(&acl_file).unwrap(), by_dovecot);

    // ...and Dovecot reads what tegami writes.
    b.ok("SETACL Team carol lri");
    b.ok("SETACL Team -eve l");
    let got = dovecot.doveadm(&["acl", "get", "-u", "bob", "Team"]);
    let rows: Vec<String> = got.lines().skip(1).map(|l| l.split_whitespace().collect::<Vec<_>>().join(" ")).collect();
    assert!(rows.contains(&"user=alice lookup read write-seen".to_string()), "{got}");
    assert!(rows.contains(&"user=carol insert lookup read".to_string()), "{got}");
    assert!(rows.contains(&"user=eve -lookup".to_string()), "{got}");
    assert!(rows.contains(&"anyone lookup".to_string()), "{got}");
    let rights = dovecot.doveadm(&["acl", "rights", "-u", "bob", "Team"]);
    assert!(rights.contains("admin"), "{rights}");
    // A change by Dovecot reaches a session of tegami at its next command.
    let mut c = login(&server, "carol");
    assert_eq!(untagged(&c.ok("MYRIGHTS ~bob/Team")), ["* MYRIGHTS ~bob/Team lri"]);
    dovecot.doveadm(&["acl", "set", "-u", "bob", "Team", "user=carol", "lookup", "read", "write"]);
    assert_eq!(untagged(&c.ok("MYRIGHTS ~bob/Team")), ["* MYRIGHTS ~bob/Team lrw"]);
    dovecot.doveadm(&["acl", "delete", "-u", "bob", "Team", "user=carol"]);
    assert_eq!(untagged(&c.ok("MYRIGHTS ~bob/Team")), ["* MYRIGHTS ~bob/Team l"]);
    assert!(e.cmd("MYRIGHTS ~bob/Team").last().unwrap().contains("NO [NONEXISTENT]"));
}

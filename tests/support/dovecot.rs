//! A private Dovecot over a test's homes, with no protocols: only its auth
//! service, for `doveadm` to read and write the same maildirs as tegami.
//! Killed on drop.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// The running Dovecot and its configuration file.
pub struct Dovecot {
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
    /// Starts Dovecot in `dir/dovecot` for `users` (homes in `dir/home`),
    /// with `extra` appended to its configuration (plugins).
    pub fn start(dir: &Path, users: &[&str], extra: &str) -> Dovecot {
        let d = dir.join("dovecot");
        std::fs::create_dir_all(d.join("run")).unwrap();
        std::fs::create_dir_all(d.join("state")).unwrap();
        // Dovecot's auth runs as its own user and doveadm as the mail user
        // (nobody): both must reach the test's files.
        for p in [dir.to_path_buf(), d.clone()] {
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        Command::new("chmod").args(["-R", "a+rwX"]).arg(dir.join("home")).status().unwrap();
        let passwd: String = users
            .iter()
            .map(|u| format!("{u}:{{PLAIN}}x:65534:65534::{}::\n", dir.join("home").join(u).display()))
            .collect();
        std::fs::write(d.join("passwd"), passwd).unwrap();
        let conf = d.join("dovecot.conf");
        std::fs::write(
            &conf,
            format!(
                "base_dir = {0}/run\nstate_dir = {0}/state\nlog_path = {0}/dovecot.log\nprotocols =\n\
                 mail_location = maildir:~/Maildir\n\
                 passdb {{\n  driver = passwd-file\n  args = {0}/passwd\n}}\n\
                 userdb {{\n  driver = passwd-file\n  args = {0}/passwd\n}}\n{extra}",
                d.display()
            ),
        )
        .unwrap();
        let dovecot = ["/usr/sbin/dovecot", "dovecot"].iter().find(|p| Path::new(p).exists()).unwrap_or(&"dovecot");
        let child = Command::new(dovecot)
            .args(["-F", "-c"])
            .arg(&conf)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("dovecot (install dovecot-imapd with contrib/test)");
        let me = Dovecot { child, conf };
        super::eventually("Dovecot's auth socket", || d.join("run/auth-userdb").exists());
        me
    }

    /// Runs `doveadm args` against this Dovecot; its output, which must be
    /// a success.
    pub fn doveadm(&self, args: &[&str]) -> String {
        let out = Command::new("doveadm").arg("-c").arg(&self.conf).args(args).output().expect("doveadm");
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(out.status.success(), "doveadm {args:?}: {text}");
        text
    }
}

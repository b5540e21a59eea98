//! What the shared-mailbox tests (tests/share_*.rs) have in common: a
//! server whose accounts look like an administrator's (SHA512-CRYPT
//! hashes, homes), with the account `public` for `~public/...`.
#![allow(dead_code)]

use std::sync::OnceLock;

use crate::support::{Client, Server};

/// The accounts: alice, bob, carol, eve and public.
pub const ACCOUNTS: &[&str] = &["alice", "bob", "carol", "eve", "public"];

/// Every account's password (one hash made once for all).
pub const PASSWORD: &str = "s3cret-pw";

fn hash() -> &'static str {
    static H: OnceLock<String> = OnceLock::new();
    H.get_or_init(|| tegami::auth::hash_password("SHA512-CRYPT", PASSWORD.as_bytes()).unwrap())
}

/// Starts a server with the accounts of [`ACCOUNTS`].
pub fn start() -> Server {
    Server::start_with(&[], |d| {
        let mut passwd = String::new();
        for u in ACCOUNTS {
            let home = d.join("home").join(u);
            // The test process's own ids: run as root, a session takes its
            // account's uid, and these files are the test process's.
            passwd.push_str(&format!(
                "{u}:{}:{}::{}::userdb_quota_rule=*:storage=100M:messages=1000\n",
                hash(),
                crate::support::own_ids(),
                home.display()
            ));
        }
        std::fs::write(d.join("passwd"), passwd).unwrap();
    })
}

/// A logged-in session of `user`.
pub fn login(server: &Server, user: &str) -> Client {
    let mut c = server.connect();
    c.ok(&format!("LOGIN {user} \"{PASSWORD}\""));
    c
}

/// The untagged lines of a command's answer.
pub fn untagged(lines: &[String]) -> Vec<String> {
    lines.iter().filter(|l| l.starts_with("* ")).cloned().collect()
}

/// The tagged line without its tag.
pub fn result(lines: &[String]) -> String {
    let last = lines.last().unwrap();
    last.split_once(' ').unwrap().1.to_string()
}

/// Whether a command's answer is OK.
pub fn ok(lines: &[String]) -> bool {
    result(lines).starts_with("OK")
}

/// A small message.
pub fn message(subject: &str) -> Vec<u8> {
    crate::support::message(subject)
}

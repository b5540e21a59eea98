//! `tegami index`: builds the search index of an account's mailboxes
//! again from their messages, and says what that took.

use std::time::Instant;

use crate::fts::{build, db};
use crate::store::Store;

/// The usage line.
pub const SYNOPSIS: &str = "index -u USERS [-m TEMPLATE] ACCOUNT [MAILBOX]";

/// The man page paragraph.
pub const DOC: &str = "Builds the full-text search index (the file tegami-search.db beside each mailbox) of MAILBOX of ACCOUNT, or of all its mailboxes, again from the messages, and prints per mailbox the messages indexed, the seconds it took and the index's size in bytes. The server keeps the index current by itself and builds a missing or damaged one on the next SEARCH; this is for a first build ahead of the users' searches or after --no-search-index was in use. Options come before ACCOUNT. Safe while the server runs: SQLite's locks keep one consistent index.";

/// Runs `tegami index ARGS`.
pub fn run(args: &[String]) -> Result<String, String> {
    let (account, maildir, rest) = match super::account_command(args, SYNOPSIS, DOC)? {
        super::AccountCommand::Help(help) => return Ok(help),
        super::AccountCommand::Run { account, maildir, rest } => (account, maildir, rest),
    };
    let store = Store::without_watcher();
    let mail = store.account(maildir);
    let names: Vec<String> = match rest.as_slice() {
        [] => mail.list().map_err(|e| e.to_string())?.into_iter().filter(|m| m.selectable).map(|m| m.name).collect(),
        [one] => vec![one.clone()],
        _ => return Err(format!("usage: tegami {SYNOPSIS}")),
    };
    let mut out = String::new();
    for name in names {
        if !mail.exists(&name).map_err(|e| e.to_string())? {
            return Err(format!("{} has no mailbox {name:?}", account.user));
        }
        let mailbox = mail.open(&name).map_err(|e| format!("{name}: {e}"))?;
        out.push_str(&one(&name, &mailbox)?);
    }
    Ok(out)
}

/// Rebuilds one mailbox's index: `NAME: N messages indexed in S s, B bytes`.
fn one(name: &str, mailbox: &crate::store::MailboxShared) -> Result<String, String> {
    let start = Instant::now();
    // New messages stay in new/ (a server's session moves them): they get
    // their UIDs all the same.
    let snapshot = mailbox.sync_keeping_new().map_err(|e| format!("{name}: {e}"))?;
    let path = db::path(mailbox.dir());
    db::Index::remove(&path);
    let mut index = db::Index::open(mailbox.dir(), snapshot.uidvalidity).map_err(|e| format!("{name}: {e}"))?;
    super::give_to_dir_owner(&path)?;
    let uids: Vec<u32> = snapshot.entries.iter().map(|e| e.uid).collect();
    let added = build::add(&mut index, mailbox, &uids, None).map_err(|e| format!("{name}: {e}"))?;
    let bytes = index.bytes().map_err(|e| format!("{name}: {e}"))?;
    let seconds = start.elapsed().as_secs_f64();
    Ok(format!("{name}: {} messages indexed in {seconds:.2} s, index {bytes} bytes\n", added.added))
}

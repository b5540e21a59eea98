//! `tegami service -u USERS [-m TEMPLATE] ACCOUNT MAILBOX list | show UID |
//! clear UID`: the administrator's repair tool for hidden `$Service`
//! messages, which IMAP clients can neither see nor select. `list` names
//! them, `show` prints one as it is stored, `clear` removes the keyword so
//! that the message comes back to every client as a new message (under a
//! new UID). It works on the maildir directly, beside a running server.

use std::io::Read;
use std::path::Path;
use std::sync::Arc;

use crate::mail::flags::flag_list;
use crate::mime::header;
use crate::store::{MailboxShared, Store};

/// Synopsis for `--help` and the man page.
pub const SYNOPSIS: &str = "service -u USERS [-m TEMPLATE] ACCOUNT MAILBOX list | show UID | clear UID";

/// The paragraph of the man page.
pub const DOC: &str = "Lists, shows or reveals the hidden messages of a mailbox: those with the $Service keyword, \
which IMAP never shows (system messages such as an account's settings). list prints one line per message: \
UID, size, flags and subject; show UID prints the message as stored; clear UID removes $Service, and the \
message reappears to every client as a new message under a new UID, which clear prints. MAILBOX is a name \
as the account sees it (INBOX, Archive/2026). USERS and TEMPLATE are the server's -u and -m.";

/// Runs the subcommand on the arguments after `service`.
pub fn run(args: &[String]) -> Result<String, String> {
    let mut opts = getopts::Options::new();
    opts.reqopt("u", "users", "passwd-file", "FILE");
    opts.optopt("m", "mail", "maildir template", "TEMPLATE");
    let m = opts.parse(args).map_err(|e| format!("{e}\nusage: tegami {SYNOPSIS}"))?;
    let template = m.opt_str("m").unwrap_or_else(|| "%h/Maildir".into());
    let users = m.opt_str("u").unwrap_or_default();
    let usage = || format!("usage: tegami {SYNOPSIS}");
    let (name, mailbox, action, uid) = match m.free.as_slice() {
        [n, b, a] if a == "list" => (n, b, a.as_str(), None),
        [n, b, a, u] if a == "show" || a == "clear" => {
            (n, b, a.as_str(), Some(u.parse::<u32>().map_err(|_| format!("not a UID: {u:?}\n{}", usage()))?))
        }
        _ => return Err(usage()),
    };
    let (_, root) = super::account(Path::new(&users), &template, name)?;
    if !root.is_dir() {
        return Err(format!("the maildir of {name} ({}) does not exist", root.display()));
    }
    let account = Store::without_watcher().account(root);
    let mb = account.open(mailbox).map_err(|e| format!("{mailbox}: {e}"))?;
    let result = match (action, uid) {
        ("show", Some(uid)) => show(&mb, mailbox, uid),
        ("clear", Some(uid)) => match mb.reveal(uid) {
            Ok(Some(new)) => Ok(format!("{mailbox}: hidden message {uid} is visible again as UID {new}\n")),
            Ok(None) => Err(format!("{mailbox}: no hidden message with UID {uid}")),
            Err(e) => Err(format!("{mailbox}: {e}")),
        },
        _ => list(&mb, mailbox),
    };
    give_to_maildir_owner(&mb);
    result
}

/// `list`: one line per hidden message.
fn list(mb: &Arc<MailboxShared>, mailbox: &str) -> Result<String, String> {
    let (hidden, keywords) = mb.hidden().map_err(|e| format!("{mailbox}: {e}"))?;
    if hidden.is_empty() {
        return Ok(format!("{mailbox}: no hidden messages\n"));
    }
    let mut out = String::new();
    for e in &hidden {
        let subject = mb.hidden_path(e.uid).ok().flatten().and_then(|p| subject_of(&p)).unwrap_or_default();
        out.push_str(&format!("{} {} ({}) {subject}\n", e.uid, e.size, flag_list(&e.flags, &keywords, false)));
    }
    Ok(out)
}

/// `show UID`: the message as stored.
fn show(mb: &Arc<MailboxShared>, mailbox: &str, uid: u32) -> Result<String, String> {
    let path = mb
        .hidden_path(uid)
        .map_err(|e| format!("{mailbox}: {e}"))?
        .ok_or_else(|| format!("{mailbox}: no hidden message with UID {uid}"))?;
    let data = crate::store::atomic::read(&path).map_err(|e| format!("reading {}: {e}", path.display()))?;
    Ok(String::from_utf8_lossy(&data).into_owned())
}

/// The Subject of a message file, unfolded, from its first 64 KiB.
fn subject_of(path: &Path) -> Option<String> {
    let mut buf = Vec::new();
    crate::store::atomic::open_regular(path).ok()?.take(64 * 1024).read_to_end(&mut buf).ok()?;
    let end = header::header_end(&buf, 0, buf.len());
    let value = header::first(&buf[..end], b"Subject")?;
    Some(String::from_utf8_lossy(&header::unfold(value)).trim().to_string())
}

/// When run as root, the bookkeeping files the command may have rewritten
/// go back to the mailbox's owner, so the server (`-U`) can replace them.
fn give_to_maildir_owner(mb: &MailboxShared) {
    use std::os::unix::fs::MetadataExt;
    // SAFETY: geteuid has no preconditions and cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        return;
    }
    let Ok(meta) = std::fs::metadata(mb.dir()) else { return };
    for file in ["dovecot-uidlist", "dovecot-keywords", crate::store::modseq::FILE] {
        let _ = std::os::unix::fs::chown(mb.dir().join(file), Some(meta.uid()), Some(meta.gid()));
    }
}

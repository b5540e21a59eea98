//! The `subscriptions` file at the account root, in Dovecot's format.
//!
//! Dovecot 2.2 and later read and write version 2: a header line `V\t2`
//! and an empty line, then one mailbox per line with its levels joined by
//! tabs, each level "tab-escaped" (`\x01` becomes `\x011`, tab `\x01t`,
//! CR `\x01r`, LF `\x01n`). Older files have no header and one name per
//! line in Maildir++ storage form (levels joined with `.`); both are read,
//! version 2 is written.

use std::io;
use std::path::Path;

use parking_lot::Mutex;

use super::error::{Result, StoreError};
use super::lock::DotLock;
use super::name;

/// File name at the account root.
pub const FILE: &str = "subscriptions";
const V2_HEADER: &str = "V\t2\n\n";

/// Serializes the writers of this process (the dotlock covers others).
static WRITERS: Mutex<()> = Mutex::new(());

/// The subscribed names (with `/` between levels), in file order.
pub fn read(root: &Path) -> Result<Vec<String>> {
    let text = match super::atomic::read_to_string(&root.join(FILE)) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(StoreError::io("reading subscriptions", e)),
    };
    Ok(parse(&text))
}

/// Parses either version of the file.
pub fn parse(text: &str) -> Vec<String> {
    match text.strip_prefix(V2_HEADER) {
        Some(body) => body
            .lines()
            .filter(|l| !l.is_empty())
            .map(|l| l.split('\t').map(tab_unescape).collect::<Vec<_>>().join("/"))
            .collect(),
        None => text
            .lines()
            .filter(|l| !l.is_empty())
            .map(|l| {
                if name::is_inbox(l) {
                    return "INBOX".to_string();
                }
                let dir = format!(".{l}");
                name::name_of_dir(&dir).unwrap_or_else(|| l.to_string())
            })
            .collect(),
    }
}

/// The file's text (version 2) for a list of names.
pub fn render(names: &[String]) -> String {
    let mut out = V2_HEADER.to_string();
    for n in names {
        let levels: Vec<String> = n.split('/').map(tab_escape).collect();
        out.push_str(&levels.join("\t"));
        out.push('\n');
    }
    out
}

/// Subscribes (`true`) or unsubscribes a name; the mailbox need not exist.
pub fn set(root: &Path, mailbox: &str, subscribed: bool) -> Result<()> {
    let mailbox = check(mailbox)?;
    let _guard = WRITERS.lock();
    let lock = DotLock::acquire_for(&root.join(FILE))?;
    let mut names = read(root)?;
    let present = names.contains(&mailbox);
    match (subscribed, present) {
        (true, false) => names.push(mailbox),
        (false, true) => names.retain(|n| *n != mailbox),
        _ => return Ok(()),
    }
    lock.commit(render(&names).as_bytes())
}

/// Names may refer to mailboxes that do not exist (or, later, to other
/// accounts' `~user/...`), so only what the file cannot hold is refused.
fn check(mailbox: &str) -> Result<String> {
    if mailbox.is_empty() || mailbox.len() > name::MAX_NAME_BYTES {
        return Err(StoreError::InvalidName("bad length".into()));
    }
    if mailbox.chars().any(|c| c.is_control()) {
        return Err(StoreError::InvalidName("control characters are not allowed".into()));
    }
    if mailbox.split('/').any(str::is_empty) {
        return Err(StoreError::InvalidName("empty hierarchy level".into()));
    }
    // No mailbox can ever have such a level, here or in another account.
    if mailbox.split('/').any(|l| l == "." || l == "..") {
        return Err(StoreError::InvalidName("\".\" and \"..\" are not mailbox names".into()));
    }
    let mut levels: Vec<&str> = mailbox.split('/').collect();
    if name::is_inbox(levels[0]) {
        levels[0] = "INBOX";
    }
    Ok(levels.join("/"))
}

fn tab_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\x01' => out.push_str("\x011"),
            '\t' => out.push_str("\x01t"),
            '\r' => out.push_str("\x01r"),
            '\n' => out.push_str("\x01n"),
            c => out.push(c),
        }
    }
    out
}

fn tab_unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\x01' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('1') => out.push('\x01'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('n') => out.push('\n'),
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn both_formats() {
        assert_eq!(parse("V\t2\n\nINBOX\na\tb\nx.y\n"), vec!["INBOX", "a/b", "x.y"]);
        assert_eq!(parse("INBOX\nSent\na.b\nc\\2ed\n"), vec!["INBOX", "Sent", "a/b", "c.d"]);
        let names = vec!["a/b".to_string(), "tab\there".to_string()];
        assert_eq!(parse(&render(&names)), names);
    }

    #[test]
    fn subscribe_unsubscribe() {
        let dir = tempfile::tempdir().unwrap();
        set(dir.path(), "inbox", true).unwrap();
        set(dir.path(), "a/b", true).unwrap();
        set(dir.path(), "a/b", true).unwrap();
        set(dir.path(), "~user/x", true).unwrap();
        assert_eq!(read(dir.path()).unwrap(), vec!["INBOX", "a/b", "~user/x"]);
        set(dir.path(), "a/b", false).unwrap();
        assert_eq!(read(dir.path()).unwrap(), vec!["INBOX", "~user/x"]);
        let text = fs::read_to_string(dir.path().join(FILE)).unwrap();
        assert!(text.starts_with("V\t2\n\n"));
        assert!(!dir.path().join("subscriptions.lock").exists());
        assert!(set(dir.path(), "a//b", true).is_err());
        assert!(set(dir.path(), "../x", true).is_err());
        assert!(set(dir.path(), "a/../../b", true).is_err());
    }
}

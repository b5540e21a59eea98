//! Mailbox aliases: an account shows a foreign mailbox (`~bob/Projects`)
//! under a name of its own (`Team`), for clients that ignore namespaces
//! and subscriptions. Kept in the sidecar file `tegami-aliases` at the
//! account's maildir root, one `NAME<TAB>TARGET` line each.

use std::io;
use std::path::Path;

/// The sidecar file at the maildir root.
pub const FILE: &str = "tegami-aliases";

/// One alias: its name in the account and the foreign name it stands for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Alias {
    /// The name the account sees (levels joined with `/`).
    pub name: String,
    /// The foreign mailbox, `~user/...`.
    pub target: String,
}

/// The aliases of the account at `root` (none without the file).
pub fn read(root: &Path) -> Vec<Alias> {
    let Ok(text) = crate::store::atomic::read_to_string(&root.join(FILE)) else { return Vec::new() };
    text.lines()
        .filter_map(|l| l.split_once('\t'))
        .filter(|(n, t)| check_name(n).is_ok() && check_target(t).is_ok())
        .map(|(n, t)| Alias { name: n.to_string(), target: t.to_string() })
        .collect()
}

/// Writes the aliases (tmp file, fsync, rename).
pub fn write(root: &Path, aliases: &[Alias]) -> io::Result<()> {
    let text: String = aliases.iter().map(|a| format!("{}\t{}\n", a.name, a.target)).collect();
    crate::store::atomic::replace(&root.join(FILE), text.as_bytes())
}

/// Whether `name` could be an alias at all: INBOX and the names under it
/// never are ([`check_name`]), so resolving them skips the read of the
/// file (SELECT, STATUS and APPEND of INBOX are most commands of a busy
/// session: issue 20).
pub fn may_be_alias(name: &str) -> bool {
    !crate::store::name::is_inbox(name.split('/').next().unwrap_or(name))
}

/// Checks an alias name: an ordinary personal mailbox name, not INBOX.
pub fn check_name(name: &str) -> Result<(), String> {
    if name.starts_with('~') {
        return Err("an alias name cannot begin with ~ (that is the other users' namespace)".into());
    }
    let levels = crate::store::name::validate(name).map_err(|e| e.to_string())?;
    if levels[0] == "INBOX" {
        return Err("INBOX cannot be an alias".into());
    }
    Ok(())
}

/// Checks an alias target: `~user/mailbox` with a valid user part and
/// mailbox name (so no `..`, no control characters); aliases cannot name
/// aliases, since only personal names are aliases.
pub fn check_target(target: &str) -> Result<(), String> {
    let rest = target.strip_prefix('~').ok_or("the target must be a foreign mailbox, ~user/mailbox")?;
    let (user, mailbox) = rest.split_once('/').ok_or("the target must be ~user/mailbox")?;
    check_user(user)?;
    crate::store::name::validate(mailbox).map_err(|e| e.to_string())?;
    Ok(())
}

/// Checks the user part of `~user/...`.
pub fn check_user(user: &str) -> Result<(), String> {
    if user.is_empty() || user.len() > 255 {
        return Err("empty or overlong user name after ~".into());
    }
    if user == "." || user == ".." || user.starts_with('.') {
        return Err("\".\" and \"..\" are not user names".into());
    }
    if user.chars().any(|c| c.is_control() || c == '/' || c == '\\' || c.is_whitespace()) {
        return Err("control characters, white space, \"/\" and \"\\\" are not allowed in a user name".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_skipped_as_aliases_are_never_aliases() {
        for n in ["INBOX", "inbox", "InBox/Sub", "INBOX/a/b"] {
            assert!(!may_be_alias(n), "{n}");
            assert!(check_name(n).is_err(), "{n} is skipped, so it must never be an alias");
        }
        for n in ["Team", "INBOXes", "Lists/INBOX"] {
            assert!(may_be_alias(n), "{n}");
            assert!(check_name(n).is_ok(), "{n}");
        }
    }

    #[test]
    fn hostile_targets_are_refused() {
        for t in ["~bob/../x", "~../x", "~bob/../../etc", "bob/x", "~/x", "~bob", "~a\nb/x", "~bob/a/./b"] {
            assert!(check_target(t).is_err(), "{t:?}");
        }
        assert!(check_target("~bob/Projects").is_ok());
        assert!(check_name("~bob").is_err());
        assert!(check_name("INBOX").is_err());
    }
}

//! `tegami alias`: mailbox aliases of an account (see [`crate::alias`]).

use crate::alias::{self, Alias};
use crate::store::Store;

/// The usage line.
pub const SYNOPSIS: &str = "alias -u USERS [-m TEMPLATE] ACCOUNT (add NAME ~USER/MAILBOX | remove NAME | list)";

/// The man page paragraph.
pub const DOC: &str = "Manages the mailbox aliases of ACCOUNT, kept in tegami-aliases at its maildir root: an alias shows a foreign mailbox (~USER/MAILBOX, ~public/MAILBOX) under NAME as an ordinary mailbox, for clients that ignore namespaces and subscriptions; it behaves as the target, with the rights the target's ACL gives ACCOUNT, and answers NO [NONEXISTENT] while the target is gone. An alias cannot name another alias, INBOX, or a mailbox the account has; names with .. or control characters are refused.";

/// Runs `tegami alias ARGS`.
pub fn run(args: &[String]) -> Result<String, String> {
    let (account, maildir, rest) = match super::account_command(args, SYNOPSIS, DOC)? {
        super::AccountCommand::Help(help) => return Ok(help),
        super::AccountCommand::Run { account, maildir, rest } => (account, maildir, rest),
    };
    if !maildir.is_dir() {
        return Err(format!("the maildir of {} ({}) does not exist yet", account.user, maildir.display()));
    }
    let mut aliases = alias::read(&maildir);
    let words: Vec<&str> = rest.iter().map(String::as_str).collect();
    match words.as_slice() {
        ["list"] => Ok(aliases.iter().map(|a| format!("{}\t{}\n", a.name, a.target)).collect()),
        ["add", name, target] => {
            alias::check_name(name).map_err(|e| format!("alias name refused: {e}"))?;
            alias::check_target(target).map_err(|e| format!("alias target refused: {e}"))?;
            let mail = Store::without_watcher().account(maildir.clone());
            if mail.exists(name).unwrap_or(false) {
                return Err(format!("{} already has a mailbox {name:?}", account.user));
            }
            if aliases.iter().any(|a| a.name == *name) {
                return Err(format!("{} already has an alias {name:?}", account.user));
            }
            aliases.push(Alias { name: name.to_string(), target: target.to_string() });
            alias::write(&maildir, &aliases).map_err(|e| format!("cannot write the aliases: {e}"))?;
            super::give_to_dir_owner(&maildir.join(alias::FILE))?;
            Ok(format!("{}: {name} -> {target}\n", account.user))
        }
        ["remove", name] => {
            let before = aliases.len();
            aliases.retain(|a| a.name != *name);
            if aliases.len() == before {
                return Err(format!("{} has no alias {name:?}", account.user));
            }
            alias::write(&maildir, &aliases).map_err(|e| format!("cannot write the aliases: {e}"))?;
            super::give_to_dir_owner(&maildir.join(alias::FILE))?;
            Ok(format!("{}: alias {name} removed\n", account.user))
        }
        _ => Err(format!("usage: tegami {SYNOPSIS}")),
    }
}

//! `tegami acl`: sets the rights of one identifier on a mailbox of an
//! account, for clients without an ACL dialog (Thunderbird).

use crate::acl;
use crate::store::{Store, StoreError};

/// The usage line.
pub const SYNOPSIS: &str = "acl -u USERS [-m TEMPLATE] ACCOUNT MAILBOX IDENTIFIER RIGHTS";

/// The man page paragraph.
pub const DOC: &str = "Sets the rights IDENTIFIER holds on MAILBOX of ACCOUNT, as SETACL does, in the mailbox's dovecot-acl file (which Dovecot reads too). IDENTIFIER is a user name, anyone, authenticated, or one of these with a leading - for rights taken away. RIGHTS are RFC 4314 letters (lrswipkxtea, and c and d of RFC 2086): as given they replace the identifier's rights, after + they are added, after - they are removed; \"\" removes the entry. Options come before ACCOUNT. The other user then finds the mailbox as ~ACCOUNT/MAILBOX (~public/... for the account public).";

/// Runs `tegami acl ARGS`.
pub fn run(args: &[String]) -> Result<String, String> {
    let (account, maildir, rest) = match super::account_command(args, SYNOPSIS, DOC)? {
        super::AccountCommand::Help(help) => return Ok(help),
        super::AccountCommand::Run { account, maildir, rest } => (account, maildir, rest),
    };
    let [mailbox, id, rights] = rest.as_slice() else {
        return Err(format!("usage: tegami {SYNOPSIS}"));
    };
    let (negative, who) = acl::identifier(id, &account.user).map_err(|e| format!("identifier refused: {e}"))?;
    let change = acl::change(rights).map_err(|e| format!("rights refused: {e}"))?;
    let store = Store::without_watcher();
    let mail = store.account(maildir);
    let dir = mail.mailbox_dir(mailbox).map_err(|e: StoreError| e.to_string())?;
    if !mail.exists(mailbox).map_err(|e| e.to_string())? {
        return Err(format!("{} has no mailbox {mailbox:?}", account.user));
    }
    let mut current = acl::read(&dir).map_err(|e| format!("cannot read the ACL: {e}"))?.unwrap_or_default();
    current.apply(negative, &who, Some(change));
    acl::write(&dir, &current).map_err(|e| format!("cannot write {}: {e}", dir.join(acl::FILE).display()))?;
    super::give_to_dir_owner(&dir.join(acl::FILE))?;
    Ok(format!("{}:\n{}", dir.join(acl::FILE).display(), acl::render(&current)))
}

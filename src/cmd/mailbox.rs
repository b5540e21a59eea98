//! CREATE, DELETE, RENAME, SUBSCRIBE and UNSUBSCRIBE.

use super::{Outcome, Reply};
use crate::acl::Right;
use crate::client::Ctx;
use crate::mail::names::{self, store_error};
use crate::mail::resolve::{self, Target};
use crate::proto::command::Mailbox;
use crate::proto::response::Code;

/// CREATE (RFC 3501 6.3.3): intermediate levels are created as needed; a
/// trailing delimiter is dropped.
pub fn create(s: &mut Ctx<'_>, mailbox: &Mailbox, special_use: &[String]) -> Outcome {
    let name = names::decode_for(&s.dialect(), mailbox)?;
    // RFC 6154 3: CREATE-SPECIAL-USE; uses tegami knows, else NO [USEATTR]
    // and nothing is made.
    let mut uses = Vec::new();
    for attr in special_use {
        let u = crate::store::SpecialUse::from_attr(attr)
            .ok_or_else(|| Reply::no(Code::UseAttr, format!("\\{attr} is not a special use this server supports")))?;
        if !uses.contains(&u) {
            uses.push(u);
        }
    }
    let name = name.strip_suffix(names::DELIMITER).unwrap_or(&name).to_string();
    if name.eq_ignore_ascii_case("INBOX") {
        return Err(Reply::no(Code::AlreadyExists, "INBOX always exists"));
    }
    let target = resolve::target(&s.scope()?, &name)?;
    need_parent(s, &target)?;
    target.account.create(&target.name).map_err(store_error)?;
    if !uses.is_empty() {
        let dir = target.account.mailbox_dir(&target.name).map_err(store_error)?;
        if let Err(e) = crate::store::special_use::set(&dir, &uses) {
            log::warn!("{} CREATE {name}: cannot record its special use: {e}", s.tag());
            let _ = target.account.delete(&target.name);
            return Err(crate::mail::names::server_bug(&format!("cannot record the special use: {e}")));
        }
    }
    inherit_acl(s, &target);
    log::error!("{} created mailbox {name}", s.tag());
    // RFC 8474 4.1: the new mailbox's id in the tagged OK.
    let id = target.account.open(&target.name).and_then(|mb| mb.mailbox_id()).map_err(store_error)?;
    Ok(Reply::ok_code(Code::MailboxId(id), "CREATE completed"))
}

/// DELETE (RFC 3501 6.3.4): refused for INBOX and for a mailbox with
/// inferiors; deleting the selected mailbox is refused too.
pub fn delete(s: &mut Ctx<'_>, mailbox: &Mailbox) -> Outcome {
    let name = names::decode_for(&s.dialect(), mailbox)?;
    if name == "INBOX" {
        return Err(Reply::no(Code::Cannot, "INBOX cannot be deleted"));
    }
    if s.state.view().is_some_and(|v| v.name == name) {
        return Err(Reply::no(Code::InUse, "Cannot delete the selected mailbox: close it first"));
    }
    let target = resolve::target(&s.scope()?, &name)?;
    target.need(Right::Delete)?;
    target.account.delete(&target.name).map_err(|e| named(e, &name))?;
    // Its messages no longer count.
    target.quota(s.shared).recount();
    log::error!("{} deleted mailbox {name}", s.tag());
    Ok("DELETE completed".into())
}

/// RENAME (RFC 3501 6.3.5): inferiors move along; RENAME INBOX moves its
/// messages and leaves INBOX empty.
pub fn rename(s: &mut Ctx<'_>, from: &Mailbox, to: &Mailbox) -> Outcome {
    let (from, to) = (names::decode_for(&s.dialect(), from)?, names::decode_for(&s.dialect(), to)?);
    if to == "INBOX" {
        return Err(Reply::no(Code::AlreadyExists, "INBOX always exists"));
    }
    let (old, new) = (resolve::target(&s.scope()?, &from)?, resolve::target(&s.scope()?, &to)?);
    old.need(Right::Delete)?;
    if old.account.root() != new.account.root() {
        return Err(Reply::no(Code::Cannot, "A mailbox cannot be renamed into another account"));
    }
    need_parent(s, &new)?;
    old.account.rename(&old.name, &new.name).map_err(|e| named(e, &from))?;
    log::error!("{} renamed mailbox {from} to {to}", s.tag());
    Ok("RENAME completed".into())
}

/// CREATE and RENAME need `k` on the parent of the new name (on INBOX for
/// a top-level one); in one's own account there is nothing to check.
fn need_parent(s: &Ctx<'_>, target: &Target) -> Result<(), Reply> {
    if target.own {
        return Ok(());
    }
    let parent = target.name.rsplit_once('/').map_or("INBOX", |(p, _)| p);
    let rights = target.rights_at(s.state.user()?, parent);
    if !rights.has(Right::Lookup) {
        return Err(resolve::nonexistent(&target.display));
    }
    if !rights.has(Right::Create) {
        return Err(Reply::no(Code::NoPerm, "You lack the right \"k\" on the parent mailbox"));
    }
    Ok(())
}

/// A new mailbox starts with its parent's ACL, as in Dovecot, so whoever
/// could create it below a shared mailbox can also use it.
fn inherit_acl(s: &Ctx<'_>, target: &Target) {
    let Some((parent, _)) = target.name.rsplit_once('/') else { return };
    let (Ok(from), Ok(to)) = (target.account.mailbox_dir(parent), target.account.mailbox_dir(&target.name)) else {
        return;
    };
    match crate::acl::read(&from) {
        Ok(Some(acl)) => {
            if let Err(e) = crate::acl::write(&to, &acl) {
                log::warn!("{} cannot give {} its parent's ACL: {e}", s.tag(), target.display);
            }
        }
        Ok(None) => {}
        Err(e) => log::warn!("{} cannot read the ACL of {parent}: {e}", s.tag()),
    }
}

/// A store error about a mailbox, named as the client named it.
fn named(e: crate::store::StoreError, display: &str) -> Reply {
    match e {
        crate::store::StoreError::NotFound(_) => resolve::nonexistent(display),
        e => store_error(e),
    }
}

/// SUBSCRIBE (RFC 3501 6.3.6). Names that do not exist may be subscribed,
/// as RFC 3501 allows and clients use for shared folders.
pub fn subscribe(s: &mut Ctx<'_>, mailbox: &Mailbox) -> Outcome {
    let name = names::decode_for(&s.dialect(), mailbox)?;
    s.state.user()?.mail.subscribe(&name).map_err(store_error)?;
    Ok("SUBSCRIBE completed".into())
}

/// UNSUBSCRIBE (RFC 3501 6.3.7).
pub fn unsubscribe(s: &mut Ctx<'_>, mailbox: &Mailbox) -> Outcome {
    let name = names::decode_for(&s.dialect(), mailbox)?;
    let mail = &s.state.user()?.mail;
    if !mail.subscriptions().map_err(store_error)?.contains(&name) {
        return Err(Reply::no(Code::NonExistent, "Not subscribed to this mailbox"));
    }
    mail.unsubscribe(&name).map_err(store_error)?;
    Ok("UNSUBSCRIBE completed".into())
}

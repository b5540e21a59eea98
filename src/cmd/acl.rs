//! SETACL, DELETEACL, GETACL, LISTRIGHTS and MYRIGHTS (RFC 4314 section 3),
//! on the `dovecot-acl` files of [`crate::acl`].

use super::{Outcome, Reply};
use crate::acl::{self, Acl, Right};
use crate::client::Ctx;
use crate::mail::names::{self, store_error};
use crate::mail::resolve::{self, Target};
use crate::proto::command::Mailbox;
use crate::proto::untagged::Response;
use crate::store::StoreError;

/// The mailbox of an ACL command, with `a` checked.
fn administered(s: &Ctx<'_>, mailbox: &Mailbox) -> Result<Target, Reply> {
    let name = names::decode_for(&s.dialect(), mailbox)?;
    let t = resolve::target(&s.scope()?, &name)?;
    t.need(Right::Admin)?;
    if !t.exists() {
        return Err(resolve::nonexistent(&name));
    }
    Ok(t)
}

fn text(raw: &[u8], what: &str) -> Result<String, Reply> {
    String::from_utf8(raw.to_vec()).map_err(|_| Reply::bad(format!("Invalid {what}: not UTF-8")))
}

fn current(t: &Target) -> Result<Acl, Reply> {
    let dir = t.dir()?;
    let read = acl::read(&dir).map_err(|e| store_error(StoreError::io("reading the ACL", e)))?;
    // As Dovecot does, a new file holds no owner line: the owner's rights
    // are implicit (all of them) until an entry for the owner is set.
    Ok(read.unwrap_or_default())
}

fn save(s: &Ctx<'_>, t: &Target, acl: &Acl) -> Result<(), Reply> {
    let dir = t.dir()?;
    acl::write(&dir, acl).map_err(|e| store_error(StoreError::io("writing the ACL", e)))?;
    log::error!("{} ACL of {} is now: {}", s.tag(), t.display, acl::render(acl).trim_end().replace('\n', ", "));
    Ok(())
}

fn identifier(t: &Target, raw: &[u8]) -> Result<(bool, acl::Who), Reply> {
    let id = text(raw, "identifier")?;
    acl::identifier(&id, &t.owner.user).map_err(|e| Reply::bad(format!("Invalid identifier: {e}")))
}

/// SETACL (RFC 4314 3.1), with `+`/`-` modifiers.
pub fn setacl(s: &mut Ctx<'_>, mailbox: &Mailbox, id: &[u8], rights: &[u8]) -> Outcome {
    let t = administered(s, mailbox)?;
    let (negative, who) = identifier(&t, id)?;
    let change = acl::change(&text(rights, "rights")?).map_err(|e| Reply::bad(format!("Invalid rights: {e}")))?;
    let mut acl = current(&t)?;
    acl.apply(negative, &who, Some(change));
    save(s, &t, &acl)?;
    Ok("SETACL completed".into())
}

/// DELETEACL (RFC 4314 3.2).
pub fn deleteacl(s: &mut Ctx<'_>, mailbox: &Mailbox, id: &[u8]) -> Outcome {
    let t = administered(s, mailbox)?;
    let (negative, who) = identifier(&t, id)?;
    let mut acl = current(&t)?;
    acl.apply(negative, &who, None);
    save(s, &t, &acl)?;
    Ok("DELETEACL completed".into())
}

/// GETACL (RFC 4314 3.3): `* ACL mailbox identifier rights ...`.
pub fn getacl(s: &mut Ctx<'_>, mailbox: &Mailbox) -> Outcome {
    let t = administered(s, mailbox)?;
    let acl = current(&t)?;
    let mut entries = Vec::new();
    if !acl.entries.iter().any(|e| e.who == acl::Who::Owner && !e.negative) {
        // The owner's implicit rights, first, so clients show them.
        let rights = acl::rights_of(Some(&acl), &t.owner.user, true);
        entries.push((t.owner.user.clone(), rights.wire()));
    }
    for e in acl.entries.iter().filter(|e| !matches!(e.who, acl::Who::Other(_))) {
        entries.push((e.imap_identifier(&t.owner.user), e.rights.wire()));
    }
    s.respond(Response::Acl { mailbox: t.display.clone(), entries });
    Ok("GETACL completed".into())
}

/// LISTRIGHTS (RFC 4314 3.4): the owner always holds `l` and `a`; every
/// other right may be granted on its own.
pub fn listrights(s: &mut Ctx<'_>, mailbox: &Mailbox, id: &[u8]) -> Outcome {
    let t = administered(s, mailbox)?;
    let (_, who) = identifier(&t, id)?;
    let owner = who == acl::Who::Owner;
    s.respond(Response::ListRights { mailbox: t.display.clone(), identifier: id.to_vec(), owner });
    Ok("LISTRIGHTS completed".into())
}

/// MYRIGHTS (RFC 4314 3.5).
pub fn myrights(s: &mut Ctx<'_>, mailbox: &Mailbox) -> Outcome {
    let name = names::decode_for(&s.dialect(), mailbox)?;
    let t = resolve::target(&s.scope()?, &name)?;
    if !t.rights.has(Right::Lookup) || !t.exists() {
        return Err(resolve::nonexistent(&name));
    }
    s.respond(Response::MyRights { mailbox: t.display.clone(), rights: t.rights.wire() });
    Ok("MYRIGHTS completed".into())
}

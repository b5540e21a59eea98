//! CREATE, DELETE, RENAME, SUBSCRIBE and UNSUBSCRIBE.

use super::names::{self, store_error};
use super::{Outcome, Reply};
use crate::proto::command::Mailbox;
use crate::session::Session;

/// CREATE (RFC 3501 6.3.3): intermediate levels are created as needed; a
/// trailing delimiter is dropped.
pub fn create(s: &mut Session, mailbox: &Mailbox) -> Outcome {
    let name = names::decode(mailbox)?;
    let name = name.strip_suffix(names::DELIMITER).unwrap_or(&name).to_string();
    if name.eq_ignore_ascii_case("INBOX") {
        return Err(Reply::No("[ALREADYEXISTS] INBOX always exists".into()));
    }
    s.user()?.mail.create(&name).map_err(store_error)?;
    log::error!("{} created mailbox {name}", s.tag());
    Ok("CREATE completed".into())
}

/// DELETE (RFC 3501 6.3.4): refused for INBOX and for a mailbox with
/// inferiors; deleting the selected mailbox is refused too.
pub fn delete(s: &mut Session, mailbox: &Mailbox) -> Outcome {
    let name = names::decode(mailbox)?;
    if name == "INBOX" {
        return Err(Reply::No("[CANNOT] INBOX cannot be deleted".into()));
    }
    if s.view.as_ref().is_some_and(|v| v.name == name) {
        return Err(Reply::No("[INUSE] Cannot delete the selected mailbox: close it first".into()));
    }
    s.user()?.mail.delete(&name).map_err(store_error)?;
    // Its messages no longer count.
    super::quota::own(s)?.recount();
    log::error!("{} deleted mailbox {name}", s.tag());
    Ok("DELETE completed".into())
}

/// RENAME (RFC 3501 6.3.5): inferiors move along; RENAME INBOX moves its
/// messages and leaves INBOX empty.
pub fn rename(s: &mut Session, from: &Mailbox, to: &Mailbox) -> Outcome {
    let (from, to) = (names::decode(from)?, names::decode(to)?);
    if to == "INBOX" {
        return Err(Reply::No("[ALREADYEXISTS] INBOX always exists".into()));
    }
    s.user()?.mail.rename(&from, &to).map_err(store_error)?;
    log::error!("{} renamed mailbox {from} to {to}", s.tag());
    Ok("RENAME completed".into())
}

/// SUBSCRIBE (RFC 3501 6.3.6). Names that do not exist may be subscribed,
/// as RFC 3501 allows and clients use for shared folders.
pub fn subscribe(s: &mut Session, mailbox: &Mailbox) -> Outcome {
    let name = names::decode(mailbox)?;
    s.user()?.mail.subscribe(&name).map_err(store_error)?;
    Ok("SUBSCRIBE completed".into())
}

/// UNSUBSCRIBE (RFC 3501 6.3.7).
pub fn unsubscribe(s: &mut Session, mailbox: &Mailbox) -> Outcome {
    let name = names::decode(mailbox)?;
    let mail = &s.user()?.mail;
    if !mail.subscriptions().map_err(store_error)?.contains(&name) {
        return Err(Reply::No(format!("[NONEXISTENT] Not subscribed to {}", names::encoded(&name))));
    }
    mail.unsubscribe(&name).map_err(store_error)?;
    Ok("UNSUBSCRIBE completed".into())
}

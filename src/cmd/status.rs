//! STATUS (RFC 3501 6.3.10) with the CommuniGate items INTERNALSIZE,
//! OLDEST and UNSEENMEDIA, and SIZE (RFC 8438 STATUS=SIZE).

use super::{Outcome, Reply};
use crate::client::Ctx;
use crate::mail::names::{self, store_error};
use crate::mail::status::{counts, status_items_limited};
use crate::proto::command::{Mailbox, StatusItem};
use crate::store::StoreError;

/// STATUS.
pub fn status(s: &mut Ctx<'_>, mailbox: &Mailbox, items: &[StatusItem]) -> Outcome {
    let name = names::decode_for(&s.dialect(), mailbox)?;
    if items.is_empty() {
        return Err(Reply::bad("STATUS needs at least one item"));
    }
    if items.contains(&StatusItem::HighestModSeq) {
        // RFC 7162 3.1: a CONDSTORE enabling command.
        s.condstore_on();
    }
    let target = crate::mail::resolve::target(&s.scope()?, &name)?;
    target.need(crate::acl::Right::Read)?;
    let st = counts(&target.account, &target.name, items).map_err(|e| match e {
        StoreError::NotFound(_) => crate::mail::resolve::nonexistent(&name),
        e => store_error(e),
    })?;
    let items = status_items_limited(&st, items, Some(s.shared.config.max_literal)).join(" ");
    s.respond(crate::proto::untagged::Response::Status { name, items });
    Ok("STATUS completed".into())
}

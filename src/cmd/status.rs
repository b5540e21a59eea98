//! STATUS (RFC 3501 6.3.10) with the CommuniGate items INTERNALSIZE,
//! OLDEST and UNSEENMEDIA.

use super::names::{self, store_error};
use super::{Outcome, Reply};
use crate::proto::command::{Mailbox, StatusItem};
use crate::proto::datetime::DateTime;
use crate::session::Session;
use crate::store::Status;

/// The `name value` pairs of the items, in the order asked. OLDEST is
/// left out when the mailbox is empty; items tegami cannot answer are
/// left out too.
pub fn status_items(st: &Status, items: &[StatusItem]) -> Vec<String> {
    let mut out = Vec::new();
    for &item in items {
        let value = match item {
            StatusItem::Messages => st.messages.to_string(),
            StatusItem::Recent => st.recent.to_string(),
            StatusItem::UidNext => st.uidnext.to_string(),
            StatusItem::UidValidity => st.uidvalidity.to_string(),
            StatusItem::Unseen => st.unseen.to_string(),
            StatusItem::Size | StatusItem::InternalSize => st.size.to_string(),
            StatusItem::UnseenMedia => st.unseen_media.to_string(),
            StatusItem::Oldest => match st.oldest {
                Some(t) => format!("\"{}\"", DateTime::from_unix(t, 0)),
                None => continue,
            },
            StatusItem::HighestModSeq => st.highest_modseq.to_string(),
            StatusItem::Deleted | StatusItem::AppendLimit => continue,
        };
        out.push(format!("{} {value}", item.name()));
    }
    out
}

/// STATUS.
pub fn status(s: &mut Session, mailbox: &Mailbox, items: &[StatusItem]) -> Outcome {
    let name = names::decode(mailbox)?;
    if items.is_empty() {
        return Err(Reply::Bad("STATUS needs at least one item".into()));
    }
    if items.contains(&StatusItem::HighestModSeq) {
        // RFC 7162 3.1: a CONDSTORE enabling command.
        super::select::condstore_on(s);
    }
    let st = s.user()?.mail.status(&name).map_err(store_error)?;
    let line = format!("STATUS {} ({})", names::encoded(&name), status_items(&st, items).join(" "));
    s.untagged(&line);
    Ok("STATUS completed".into())
}

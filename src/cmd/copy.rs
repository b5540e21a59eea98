//! COPY, UID COPY (RFC 3501 6.4.7, COPYUID from RFC 4315), MOVE and UID
//! MOVE (RFC 6851). Copies keep flags and INTERNALDATE; the store links
//! the files where the file system allows.

use super::append::uid_set;
use super::names::{self, store_error};
use super::target::{resolve, saved_for};
use super::{Outcome, Reply};
use crate::proto::command::{Certificate, Mailbox};
use crate::proto::sequence::SequenceSet;
use crate::session::Session;
use crate::store::StoreError;

/// COPY / UID COPY, and with `remove` MOVE / UID MOVE.
pub fn copy(
    s: &mut Session,
    uid: bool,
    set: &SequenceSet,
    mailbox: &Mailbox,
    remove: bool,
    encrypted: Option<&Certificate>,
) -> Outcome {
    if encrypted.is_some() {
        return Err(Reply::No("[CANNOT] COPY ... ENCRYPTED (S/MIME) is not available yet".into()));
    }
    let name = names::decode(mailbox)?;
    let dest = match s.user()?.mail.open(&name) {
        Ok(mb) => mb,
        Err(StoreError::NotFound(_)) => {
            return Err(Reply::No(format!("[TRYCREATE] Mailbox does not exist: {}", names::encoded(&name))))
        }
        Err(e) => return Err(store_error(e)),
    };
    let saved = saved_for(s, set);
    let view = s.view_mut()?;
    if remove && view.read_only {
        return Err(Reply::No("[READ-ONLY] The mailbox is read-only".into()));
    }
    let targets = resolve(view, set, uid, &saved)?;
    let uids: Vec<u32> = targets.iter().map(|&i| view.uids[i]).collect();
    let verb = match (uid, remove) {
        (false, false) => "COPY",
        (true, false) => "UID COPY",
        (false, true) => "MOVE",
        (true, true) => "UID MOVE",
    };
    if uids.is_empty() {
        return Ok(format!("{verb} completed (no messages)"));
    }
    let (validity, pairs) = view.mailbox().copy_to(&uids, &dest).map_err(store_error)?;
    let code = if pairs.is_empty() {
        String::new()
    } else {
        let from: Vec<u32> = pairs.iter().map(|p| p.0).collect();
        let to: Vec<u32> = pairs.iter().map(|p| p.1).collect();
        format!("[COPYUID {validity} {} {}] ", uid_set(&from), uid_set(&to))
    };
    log::error!("{} {verb} {} messages to {name}", s.tag(), pairs.len());
    if !remove {
        return Ok(format!("{code}{verb} completed"));
    }
    let moved: Vec<u32> = pairs.iter().map(|p| p.0).collect();
    let view = s.view_mut()?;
    view.mailbox().expunge(&moved).map_err(store_error)?;
    // RFC 6851: COPYUID goes in an untagged OK before the EXPUNGEs, which
    // the view update after this command sends.
    if !code.is_empty() {
        s.untagged(&format!("OK {code}Moved"));
    }
    Ok(format!("{verb} completed"))
}

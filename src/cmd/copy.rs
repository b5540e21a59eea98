//! COPY, UID COPY (RFC 3501 6.4.7, COPYUID from RFC 4315), MOVE and UID
//! MOVE (RFC 6851). Copies keep flags and INTERNALDATE; the store links
//! the files where the file system allows.

use std::collections::HashMap;

use super::append::uid_set;
use super::names::{self, store_error};
use super::quota::own;
use super::target::resolve;
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
    let quota = own(s)?;
    let view = s.view_mut()?;
    if remove && view.read_only {
        return Err(Reply::No("[READ-ONLY] The mailbox is read-only".into()));
    }
    let targets = resolve(view, set, uid)?;
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
    // A MOVE inside the account leaves the usage as it was, and is not
    // checked (the CommuniGate manual); a COPY must fit.
    let before = view.mailbox().snapshot();
    let sizes: HashMap<u32, u64> =
        uids.iter().map(|&u| (u, before.find(u).or_else(|| view.snapshot.find(u)).map_or(0, |e| e.size))).collect();
    let size_of = |uid: &u32| sizes.get(uid).copied().unwrap_or(0);
    if !remove {
        quota.check(uids.iter().map(size_of).sum(), uids.len() as u64).map_err(store_error)?;
    }
    let (validity, pairs) = view.mailbox().copy_to(&uids, &dest).map_err(store_error)?;
    let copied: u64 = pairs.iter().map(|p| size_of(&p.0)).sum();
    let code = if pairs.is_empty() {
        String::new()
    } else {
        let from: Vec<u32> = pairs.iter().map(|p| p.0).collect();
        let to: Vec<u32> = pairs.iter().map(|p| p.1).collect();
        format!("[COPYUID {validity} {} {}] ", uid_set(&from), uid_set(&to))
    };
    log::error!("{} {verb} {} messages to {name}", s.tag(), pairs.len());
    if !remove {
        quota.record(copied as i64, pairs.len() as i64);
        return Ok(format!("{code}{verb} completed"));
    }
    let moved: Vec<u32> = pairs.iter().map(|p| p.0).collect();
    let view = s.view_mut()?;
    match view.mailbox().expunge(&moved) {
        // Copies whose originals were already gone did add to the usage.
        Ok(removed) => {
            let kept: u64 = moved.iter().filter(|u| !removed.contains(u)).map(size_of).sum();
            quota.record(kept as i64, (moved.len() - removed.len()) as i64);
        }
        Err(e) => {
            quota.record(copied as i64, pairs.len() as i64);
            return Err(store_error(e));
        }
    }
    // RFC 6851: COPYUID goes in an untagged OK before the EXPUNGEs, which
    // the view update after this command sends.
    if !code.is_empty() {
        s.untagged(&format!("OK {code}Moved"));
    }
    Ok(format!("{verb} completed"))
}

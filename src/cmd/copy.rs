//! COPY, UID COPY (RFC 3501 6.4.7, COPYUID from RFC 4315), MOVE and UID
//! MOVE (RFC 6851). Copies keep flags and INTERNALDATE; the store links
//! the files where the file system allows. With CommuniGate's `ENCRYPTED
//! certificateData` each copy is instead a new S/MIME message encrypted to
//! that certificate (see [`crate::smime`]).

use std::collections::HashMap;
use std::sync::Arc;

use super::{Outcome, Reply};
use crate::client::Ctx;
use crate::mail::names::{self, store_error};
use crate::mail::resolve::Target;
use crate::mail::target::{resolve, saved_for};
use crate::proto::command::{Certificate, Mailbox};
use crate::proto::response::{Code, Status};
use crate::proto::sequence::SequenceSet;
use crate::proto::untagged::Response;
use crate::quota::AccountQuota;
use crate::smime::{self, CertError, Recipient};
use crate::store::mailbox::MailboxShared;
use crate::store::{FlagOp, StoreError};

/// Where a COPY or MOVE goes: the resolved destination, opened, and the
/// quota it is charged to.
struct Destination {
    target: Target,
    name: String,
    mailbox: Arc<MailboxShared>,
    quota: AccountQuota,
    /// The destination is in the account of the selected mailbox.
    same_account: bool,
}

/// COPY / UID COPY, and with `remove` MOVE / UID MOVE.
pub fn copy(
    s: &mut Ctx<'_>,
    uid: bool,
    set: &SequenceSet,
    mailbox: &Mailbox,
    remove: bool,
    encrypted: Option<&Certificate>,
) -> Outcome {
    // The certificate is checked before anything is copied.
    let recipient = match encrypted {
        Some(cert) => Some(recipient(s, cert)?),
        None => None,
    };
    let to = destination(s, mailbox, remove)?;
    let saved = saved_for(s.state.saved(), set);
    let view = s.state.view_mut()?;
    if remove && view.read_only {
        return Err(Reply::no(Code::ReadOnly, "The mailbox is read-only"));
    }
    let targets = resolve(&view.uids, set, uid, &saved)?;
    let uids: Vec<u32> = targets.iter().map(|&i| view.uids[i]).collect();
    let verb = match (uid, remove) {
        (false, false) => "COPY",
        (true, false) => "UID COPY",
        (false, true) => "MOVE",
        (true, true) => "UID MOVE",
    };
    if uids.is_empty() {
        return Ok(Reply::ok(format!("{verb} completed (no messages)")));
    }
    // A MOVE inside the account leaves the usage as it was, and is not
    // checked (the CommuniGate manual); a COPY must fit. Encrypted copies
    // are larger than their originals (base64 of the CMS structure): the
    // check uses an estimate, the usage records their real sizes.
    let before = view.mailbox().snapshot();
    let sizes: HashMap<u32, u64> =
        uids.iter().map(|&u| (u, before.find(u).or_else(|| view.snapshot.find(u)).map_or(0, |e| e.size))).collect();
    let size_of = |uid: &u32| sizes.get(uid).copied().unwrap_or(0);
    if !remove || !to.same_account {
        let needed: u64 = match &recipient {
            Some(_) => uids.iter().map(|u| smime::message::size_estimate(size_of(u))).sum(),
            None => uids.iter().map(size_of).sum(),
        };
        to.quota.check(needed, uids.len() as u64).map_err(store_error)?;
    }
    let (validity, pairs, copied) = match &recipient {
        Some(r) => encrypted_copies(view.mailbox(), &uids, &to.mailbox, r)?,
        None => {
            let (validity, pairs) = view.mailbox().copy_to(&uids, &to.mailbox).map_err(store_error)?;
            let copied: u64 = pairs.iter().map(|p| size_of(&p.0)).sum();
            (validity, pairs, copied)
        }
    };
    drop_forbidden_flags(&to, &pairs)?;
    let copyuid = (!pairs.is_empty())
        .then(|| Code::CopyUid(validity, pairs.iter().map(|p| p.0).collect(), pairs.iter().map(|p| p.1).collect()));
    match &recipient {
        Some(r) => log::error!(
            "{} {verb} {} messages to {}, encrypted to {} ({})",
            s.tag(),
            pairs.len(),
            to.name,
            r.subject(),
            r.key_description()
        ),
        None => log::error!("{} {verb} {} messages to {}", s.tag(), pairs.len(), to.name),
    }
    if !remove {
        to.quota.record(copied as i64, pairs.len() as i64);
        return Ok(Reply::new(Status::Ok, copyuid, format!("{verb} completed")));
    }
    remove_originals(s, &to, &pairs, copied, size_of)?;
    // RFC 6851: COPYUID goes in an untagged OK before the EXPUNGEs, which
    // the view update after this command sends.
    if let Some(code) = copyuid {
        s.respond(Response::Condition(Reply::ok_code(code, "Moved")));
    }
    Ok(Reply::ok(format!("{verb} completed")))
}

/// Resolves and opens the destination of a COPY or MOVE (`i` needed
/// there, and for MOVE `t` and `e` on the selected mailbox); TRYCREATE
/// when it is missing from the user's own account.
fn destination(s: &Ctx<'_>, mailbox: &Mailbox, remove: bool) -> Result<Destination, Reply> {
    let name = names::decode_for(&s.dialect(), mailbox)?;
    let (target, mailbox) = crate::mail::resolve::for_insert(&s.scope()?, &name)?;
    // Charged to the account that holds the destination.
    let quota = target.quota(s.shared);
    let same_account = s.state.access().is_none_or(|a| a.account.root() == target.account.root());
    let source_rights = crate::mail::resolve::selected_rights(s.state.access());
    if remove
        && !(source_rights.has(crate::acl::Right::DeleteMessages) && source_rights.has(crate::acl::Right::Expunge))
    {
        return Err(Reply::no(Code::NoPerm, "MOVE needs the rights \"t\" and \"e\" on this mailbox"));
    }
    Ok(Destination { target, name, mailbox, quota, same_account })
}

/// RFC 4314 4: a copy keeps only the system flags the user may set in
/// the destination (\Seen needs "s", \Deleted "t", the others "w").
/// Keywords need "w" as well: without it they are dropped too.
fn drop_forbidden_flags(to: &Destination, pairs: &[(u32, u32)]) -> Result<(), Reply> {
    let mask = to.target.flag_mask();
    if mask == u8::MAX || pairs.is_empty() {
        return Ok(());
    }
    let copies: Vec<u32> = pairs.iter().map(|p| p.1).collect();
    let keywords =
        if mask & crate::store::filename::FLAGGED == 0 { keywords_of(&to.mailbox, &copies) } else { Vec::new() };
    let keywords: Vec<&str> = keywords.iter().map(String::as_str).collect();
    to.mailbox.store_flags(&copies, FlagOp::Remove, !mask, &keywords).map_err(store_error)?;
    Ok(())
}

/// MOVE's second half: the originals of the copies are expunged and the
/// quotas of both sides brought up to date.
fn remove_originals(
    s: &mut Ctx<'_>,
    to: &Destination,
    pairs: &[(u32, u32)],
    copied: u64,
    size_of: impl Fn(&u32) -> u64,
) -> Result<(), Reply> {
    let moved: Vec<u32> = pairs.iter().map(|p| p.0).collect();
    if !to.same_account {
        // Into another account: that one gains, the selected one loses.
        to.quota.record(copied as i64, pairs.len() as i64);
        let source = crate::mail::resolve::selected_quota(&s.scope()?, s.state.access());
        let view = s.state.view_mut()?;
        let removed = view.mailbox().expunge(&moved).map_err(store_error)?;
        let gone: u64 = removed.iter().map(&size_of).sum();
        source.record(-(gone as i64), -(removed.len() as i64));
        return Ok(());
    }
    let view = s.state.view_mut()?;
    match view.mailbox().expunge(&moved) {
        // Copies whose originals were already gone did add to the usage.
        // (For plain copies, copied minus removed is the size of the copies
        // whose originals were gone; encrypted ones also add their growth.)
        Ok(removed) => {
            let gone: u64 = removed.iter().map(&size_of).sum();
            to.quota.record(copied as i64 - gone as i64, (pairs.len() - removed.len()) as i64);
            Ok(())
        }
        Err(e) => {
            to.quota.record(copied as i64, pairs.len() as i64);
            Err(store_error(e))
        }
    }
}

/// The recipient of `ENCRYPTED cert`: the certificate sent, or for `*` the
/// account's own (see [`smime::own`]). Base64 that does not decode is BAD;
/// a certificate that cannot be used is NO with the reason.
fn recipient(s: &Ctx<'_>, cert: &Certificate) -> Result<Recipient, Reply> {
    let result = match cert {
        Certificate::Own => match smime::own::load(s.state.user()?.mail.root()) {
            Ok(Some(r)) => Ok(r),
            Ok(None) => return Err(Reply::no(Code::Cannot, "no S/MIME certificate for this account")),
            Err(e) => Err(e),
        },
        Certificate::Base64(data) => Recipient::from_command(data),
    };
    result.map_err(|e| match e {
        CertError::Syntax(t) => Reply::bad(t),
        CertError::Unusable(t) => Reply::no(Code::Cannot, t),
    })
}

/// What a copy made: the destination's UIDVALIDITY, (source UID, new UID)
/// pairs, and the bytes the new files take.
type Copied = (u32, Vec<(u32, u32)>, u64);

/// COPY ... ENCRYPTED: each message still there is read, encrypted to
/// `recipient` and appended to `dest` with the original's flags, keywords
/// and INTERNALDATE; returns the destination's UIDVALIDITY and (source
/// UID, new UID) pairs, as [`MailboxShared::copy_to`] does, and the bytes
/// the copies take. Every copy is
/// on disk (fsynced) when this returns, so MOVE may then expunge. On a
/// failure the copies made so far are removed again (RFC 3501 6.4.7).
fn encrypted_copies(
    source: &MailboxShared,
    uids: &[u32],
    dest: &MailboxShared,
    recipient: &Recipient,
) -> Result<Copied, Reply> {
    let mut pairs = Vec::with_capacity(uids.len());
    let mut validity = None;
    let mut bytes = 0;
    for &uid in uids {
        match encrypted_copy(source, uid, dest, recipient) {
            Ok(Some((v, new, size))) => {
                validity = Some(v);
                pairs.push((uid, new));
                bytes += size;
            }
            Ok(None) => {} // expunged meanwhile, as copy_to skips it
            Err(reply) => {
                let made: Vec<u32> = pairs.iter().map(|p: &(u32, u32)| p.1).collect();
                if !made.is_empty() {
                    if let Err(e) = dest.expunge(&made) {
                        log::warn!("removing {} partial encrypted copies failed: {e}", made.len());
                    }
                }
                return Err(reply);
            }
        }
    }
    let validity = match validity {
        Some(v) => v,
        None => dest.status().map_err(store_error)?.uidvalidity,
    };
    Ok((validity, pairs, bytes))
}

/// One message of [`encrypted_copies`]: (UIDVALIDITY, new UID, its size),
/// or `None` when the message is gone.
fn encrypted_copy(
    source: &MailboxShared,
    uid: u32,
    dest: &MailboxShared,
    recipient: &Recipient,
) -> Result<Option<(u32, u32, u64)>, Reply> {
    use std::io::Read;
    use std::time::{Duration, UNIX_EPOCH};
    let Some((mut file, entry)) = source.open_message(uid).map_err(store_error)? else {
        return Ok(None);
    };
    let mut original = Vec::new();
    file.read_to_end(&mut original).map_err(|e| store_error(StoreError::io(format!("reading message {uid}"), e)))?;
    let copy = smime::message::encrypted_copy(recipient, &original)
        .map_err(|e| crate::mail::names::server_bug(&format!("S/MIME encryption failed: {e}")))?;
    let keywords = source.snapshot().keywords_of(&entry);
    let keywords: Vec<&str> = keywords.iter().map(String::as_str).collect();
    let date = UNIX_EPOCH + Duration::from_secs(source.internal_date(&entry).max(0) as u64);
    let (validity, new) = dest.append_bytes(&copy, entry.flags.system, &keywords, Some(date)).map_err(store_error)?;
    Ok(Some((validity, new, copy.len() as u64)))
}

/// The keywords any of `uids` carries in `mb`.
fn keywords_of(mb: &crate::store::MailboxShared, uids: &[u32]) -> Vec<String> {
    let disk = mb.snapshot();
    let bits = uids.iter().filter_map(|&u| disk.find(u)).fold(0, |acc, e| acc | e.flags.keywords);
    disk.keywords.names_of(bits)
}

//! What STATUS and LIST-STATUS report of a mailbox: its counts (with the
//! exact RFC822.SIZE total for SIZE, RFC 8438) and the `name value` pairs
//! of the items asked for.

use crate::proto::command::StatusItem;
use crate::proto::datetime::DateTime;
use crate::store::{cache, Account, MailboxShared, Status, StoreError};

/// The `name value` pairs of the items, in the order asked. OLDEST is
/// left out when the mailbox is empty; items tegami cannot answer are
/// left out too.
pub fn status_items(st: &Status, items: &[StatusItem]) -> Vec<String> {
    status_items_limited(st, items, None)
}

/// [`status_items`], with APPENDLIMIT (RFC 7889) answered as `limit`
/// when it is known (the server's largest literal).
pub fn status_items_limited(st: &Status, items: &[StatusItem], limit: Option<u64>) -> Vec<String> {
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
            StatusItem::AppendLimit => match limit {
                Some(l) => l.to_string(),
                None => continue,
            },
            StatusItem::Deleted => st.deleted.to_string(),
            StatusItem::MailboxId => match &st.mailbox_id {
                Some(id) => format!("({id})"),
                None => continue,
            },
        };
        out.push(format!("{} {value}", item.name()));
    }
    out
}

/// The counts of a mailbox for STATUS and LIST-STATUS. When SIZE or
/// INTERNALSIZE is asked for, the size is the exact sum of RFC822.SIZE
/// (RFC 8438 asks for at least that sum; a file without `,W=` in its name
/// has fewer octets than its CRLF form), from the file names, the cache,
/// or, once, the files.
pub fn counts(account: &Account, name: &str, items: &[StatusItem]) -> Result<Status, StoreError> {
    let mb = account.open(name)?;
    let mut st = mb.status()?;
    if items.iter().any(|i| matches!(i, StatusItem::Size | StatusItem::InternalSize)) {
        st.size = rfc822_total(&mb);
    }
    if items.contains(&StatusItem::MailboxId) {
        st.mailbox_id = Some(mb.mailbox_id()?);
    }
    Ok(st)
}

/// The sum of RFC822.SIZE over the mailbox's messages.
fn rfc822_total(mb: &MailboxShared) -> u64 {
    let snap = mb.snapshot();
    let mut total = 0;
    let mut wrote = false;
    for e in snap.entries.iter() {
        if let Some(v) = e.vsize {
            total += v;
            continue;
        }
        let stamp = cache::stamp(e.base(), e.size);
        let cached = mb
            .with_cache(|c| c.get(e.uid, crate::mail::cached::SIZE, stamp))
            .and_then(|v| std::str::from_utf8(&v).ok().and_then(|v| v.parse::<u64>().ok()));
        total += match cached {
            Some(v) => v,
            None => match mb.open_message(e.uid) {
                Ok(Some((mut f, _))) => {
                    let mut data = Vec::new();
                    match std::io::Read::read_to_end(&mut f, &mut data) {
                        Ok(_) => {
                            let v = crate::fetch::rfc822_size(&data) as u64;
                            mb.with_cache(|c| c.put(e.uid, crate::mail::cached::SIZE, stamp, v.to_string().as_bytes()));
                            wrote = true;
                            v
                        }
                        Err(_) => e.size,
                    }
                }
                // Gone meanwhile: what its name said.
                _ => e.size,
            },
        };
    }
    if wrote {
        mb.with_cache(|c| c.flush());
    }
    total
}

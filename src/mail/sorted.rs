//! SORT's order (RFC 5256, SORT=DISPLAY RFC 5957) of the messages a search
//! program finds in a view: what SORT answers and what CONTEXT=SORT's kept
//! contexts (RFC 5267) sort again with after each command. The header
//! keys come from the cached header fields and are kept in the mailbox's
//! memo, so a second SORT opens no file.

use std::sync::Arc;

use super::messages::{self, Want};
use super::View;
use crate::proto::command::{SortCriterion, SortKey};
use crate::proto::response::Reply;
use crate::search::Program;
use crate::sort::memo::{self, Memo};
use crate::sort::{self, Item, KeySet, Keys};

/// The messages that satisfy `program`, as (sequence number, UID) in the
/// order of `criteria`; CONTEXT=SORT's kept contexts (RFC 5267) sort again
/// through here.
pub fn sorted(
    view: &View,
    kept: &Memo,
    program: &Program,
    criteria: &[SortCriterion],
) -> Result<Vec<(u32, u32)>, Reply> {
    let needs = |k: &[SortKey]| criteria.iter().any(|c| k.contains(&c.key));
    let want = Want {
        internal_date: needs(&[SortKey::Arrival]),
        header: needs(&[
            SortKey::Date,
            SortKey::From,
            SortKey::To,
            SortKey::Cc,
            SortKey::Subject,
            SortKey::DisplayFrom,
            SortKey::DisplayTo,
        ]),
    };
    let (mailbox, exists) = (view.mailbox, view.uids.len());
    let table = kept.table(mailbox);
    let mut memo = table.lock();
    // Only the header keys the criteria name are made (and kept).
    let wanted = KeySet::of(criteria);
    let known = |uid: u32, stamp: u64| memo.get(&uid).is_some_and(|(st, k)| *st == stamp && k.made.covers(wanted));
    let found = messages::find(view, program, want, &known)?;
    // Header keys: kept from an earlier SORT, or made now and kept.
    let keys: Vec<Arc<Keys>> = found
        .iter()
        .map(|m| match memo.get(&m.uid) {
            Some((st, k)) if *st == m.stamp && m.header.is_empty() && k.made.covers(wanted) => k.clone(),
            kept => {
                // Keys made for an earlier SORT of the same file stay made.
                let before = kept.filter(|(st, _)| *st == m.stamp).map_or(KeySet::default(), |(_, k)| k.made);
                let k = Arc::new(Keys::of_only(&m.header, wanted.union(before)));
                if want.header && !m.header.is_empty() {
                    memo.insert(m.uid, (m.stamp, k.clone()));
                }
                k
            }
        })
        .collect();
    memo::trim(&mut memo, exists, |u| view.uids.binary_search(&u).is_ok());
    drop(memo);
    // DATE falls back to the INTERNALDATE, read only where it is needed.
    let mut dates: Vec<i64> = found.iter().map(|m| m.internal_date).collect();
    if needs(&[SortKey::Date]) && !want.internal_date {
        let missing: Vec<usize> = (0..found.len()).filter(|&i| keys[i].date.is_none()).collect();
        let uids: Vec<u32> = missing.iter().map(|&i| found[i].uid).collect();
        for (i, d) in missing.into_iter().zip(messages::internal_dates(view, &uids)) {
            dates[i] = d;
        }
    }
    let items: Vec<Item<'_>> = found
        .iter()
        .zip(&keys)
        .zip(&dates)
        .map(|((m, k), &d)| Item { seq: m.seq, internal_date: d, size: m.size, keys: k })
        .collect();
    let order = sort::sort(criteria, &items);
    Ok(order.iter().map(|&i| (found[i].seq, found[i].uid)).collect())
}

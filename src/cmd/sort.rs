//! SORT and UID SORT (RFC 5256), with the DISPLAYFROM and DISPLAYTO keys
//! of SORT=DISPLAY (RFC 5957) and ESORT's return options (RFC 5267), SAVE
//! included (RFC 5182). The search runs as SEARCH's does; the keys come
//! from the cached header fields, so a second SORT opens no file.

use super::{Outcome, Reply};
use crate::mail::messages::{self, program, Want};
use crate::proto::command::{SearchKey, SearchReturn, SortCriterion, SortKey};
use crate::proto::untagged::Response;
use crate::search::context::Context;
use crate::search::Program;
use crate::session::Session;
use crate::sort::{self, memo, Item, KeySet, Keys};
use std::sync::Arc;

/// SORT / UID SORT.
pub fn sort(
    s: &mut Session,
    tag: &str,
    uid: bool,
    returns: Option<&[SearchReturn]>,
    criteria: &[SortCriterion],
    charset: &str,
    key: &SearchKey,
) -> Outcome {
    if criteria.is_empty() {
        return Err(Reply::bad("SORT needs at least one sort criterion"));
    }
    if returns.is_some_and(|r| r.contains(&SearchReturn::Update)) {
        s.contexts().map_or(Ok(()), |c| c.check_tag(tag))?;
    }
    let save = returns.is_some_and(|r| r.contains(&SearchReturn::Save));
    let whole = matches!(key, SearchKey::All);
    let run = program(s.saved(), key, Some(charset)).and_then(|p| Ok((sorted_kept(s, &p, criteria, whole)?, p)));
    let (order, prog) = match run {
        Ok(o) => o,
        Err(e) => {
            if save {
                s.set_saved(Vec::new());
            }
            return Err(e);
        }
    };
    let numbers: Vec<u32> = order.iter().map(|&(seq, u)| if uid { u } else { seq }).collect();
    let line = match returns {
        None => Some(Response::Sort(numbers)),
        Some(r) => {
            if save {
                let uids: Vec<u32> = order.iter().map(|&(_, u)| u).collect();
                s.set_saved(saved_result(r, &uids));
            }
            (r != [SearchReturn::Save]).then(|| Response::Esearch(esort_response(tag, uid, r, &numbers)))
        }
    };
    if let Some(line) = line {
        s.respond(line);
    }
    if returns.is_some_and(|r| r.contains(&SearchReturn::Update)) {
        let results = order.iter().map(|&(_, u)| u).collect();
        let kept = Context { tag: tag.to_string(), uid, program: prog, criteria: Some(criteria.to_vec()), results };
        let kept = s.selected_mut().map(|sel| sel.contexts.keep(kept, Some(sel.view.snapshot.counter)));
        if let Some(Err(refusal)) = kept {
            s.respond(Response::Condition(refusal));
        }
    }
    Ok(if uid { "UID SORT completed".into() } else { "SORT completed".into() })
}

/// [`sorted`], answered from the mailbox's kept order when `whole` (the
/// search is `ALL`) and neither the view nor the criteria changed since.
fn sorted_kept(
    s: &mut Session,
    program: &Program,
    criteria: &[SortCriterion],
    whole: bool,
) -> Result<Vec<(u32, u32)>, Reply> {
    if !whole {
        return sorted(s, program, criteria);
    }
    let view = s.view_mut()?;
    let mailbox = view.mailbox().clone();
    let state = memo::view_state(view.snapshot.counter, &view.uids);
    if let Some(order) = s.shared.sort_memo.order(&mailbox, state, criteria) {
        return Ok(order.as_ref().clone());
    }
    let order = sorted(s, program, criteria)?;
    let kept = memo::Order { state, criteria: criteria.to_vec(), order: Arc::new(order.clone()) };
    s.shared.sort_memo.keep_order(&mailbox, kept);
    Ok(order)
}

/// The messages that satisfy `program`, as (sequence number, UID) in the
/// order of `criteria`; CONTEXT=SORT's kept contexts (RFC 5267) sort again
/// through here.
pub fn sorted(s: &mut Session, program: &Program, criteria: &[SortCriterion]) -> Result<Vec<(u32, u32)>, Reply> {
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
    let view = s.view_mut()?;
    let (mailbox, exists) = (view.mailbox().clone(), view.uids.len());
    let table = s.shared.sort_memo.table(&mailbox);
    let mut memo = table.lock();
    // Only the header keys the criteria name are made (and kept).
    let wanted = KeySet::of(criteria);
    let known = |uid: u32, stamp: u64| memo.get(&uid).is_some_and(|(st, k)| *st == stamp && k.made.covers(wanted));
    let found = messages::find(&s.view_mut()?.messages(), program, want, &known)?;
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
    if let Some(view) = s.view() {
        memo::trim(&mut memo, exists, |u| view.seq_of(u).is_some());
    }
    drop(memo);
    // DATE falls back to the INTERNALDATE, read only where it is needed.
    let mut dates: Vec<i64> = found.iter().map(|m| m.internal_date).collect();
    if needs(&[SortKey::Date]) && !want.internal_date {
        let missing: Vec<usize> = (0..found.len()).filter(|&i| keys[i].date.is_none()).collect();
        let uids: Vec<u32> = missing.iter().map(|&i| found[i].uid).collect();
        for (i, d) in missing.into_iter().zip(messages::internal_dates(&s.view_mut()?.messages(), &uids)) {
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

/// The ESEARCH response of a SORT RETURN (RFC 5267 3.2): MIN and MAX are
/// the first and last message in sort order, ALL is every message in sort
/// order (runs only where the order ascends by one); an empty list of
/// options means ALL. MIN, MAX and ALL are left out when nothing matched.
pub fn esort_response(tag: &str, uid: bool, returns: &[SearchReturn], sorted: &[u32]) -> String {
    let mut out = crate::search::esearch_head(tag, uid);
    let want = |r: SearchReturn| {
        if crate::search::asks_no_result(returns) {
            r == SearchReturn::All
        } else {
            returns.contains(&r)
        }
    };
    if let (true, Some(n)) = (want(SearchReturn::Min), sorted.first()) {
        out.push_str(&format!(" MIN {n}"));
    }
    if let (true, Some(n)) = (want(SearchReturn::Max), sorted.last()) {
        out.push_str(&format!(" MAX {n}"));
    }
    if want(SearchReturn::Count) {
        out.push_str(&format!(" COUNT {}", sorted.len()));
    }
    if want(SearchReturn::All) && !sorted.is_empty() {
        out.push_str(" ALL ");
        out.push_str(&sort::ordered_set(sorted));
    }
    // RFC 5267 4.4: positions in sort order, the set in sort order too.
    if let Some(&SearchReturn::Partial(lo, hi)) = returns.iter().find(|r| matches!(r, SearchReturn::Partial(..))) {
        let window = crate::search::window(sorted, lo, hi);
        out.push_str(&crate::search::partial_item(lo, hi, &sort::ordered_set(window)));
    }
    out
}

/// What SORT RETURN (SAVE ...) keeps (RFC 5182 2.4, RFC 5267): every
/// match, or only the first and/or last in sort order when MIN and/or MAX
/// come without ALL or COUNT; as sorted UIDs.
fn saved_result(returns: &[SearchReturn], sorted_uids: &[u32]) -> Vec<u32> {
    use SearchReturn as R;
    let has = |r| returns.contains(&r);
    let mut v = if has(R::All) || has(R::Count) || !(has(R::Min) || has(R::Max)) {
        sorted_uids.to_vec()
    } else {
        let mut v = Vec::new();
        if let (true, Some(&n)) = (has(R::Min), sorted_uids.first()) {
            v.push(n);
        }
        if let (true, Some(&n)) = (has(R::Max), sorted_uids.last()) {
            v.push(n);
        }
        v
    };
    v.sort_unstable();
    v.dedup();
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use SearchReturn as R;

    #[test]
    fn esort_lines() {
        let sorted = [5, 3, 4, 1, 2, 9];
        assert_eq!(esort_response("A", false, &[], &sorted), "ESEARCH (TAG \"A\") ALL 5,3:4,1:2,9");
        assert_eq!(
            esort_response("A", true, &[R::Min, R::Max, R::Count, R::All], &sorted),
            "ESEARCH (TAG \"A\") UID MIN 5 MAX 9 COUNT 6 ALL 5,3:4,1:2,9"
        );
        assert_eq!(esort_response("A", false, &[R::Min, R::Max, R::Count], &[]), "ESEARCH (TAG \"A\") COUNT 0");
        assert_eq!(saved_result(&[R::Save, R::Min], &sorted), vec![5]);
        assert_eq!(saved_result(&[R::Save, R::Max, R::Min], &sorted), vec![5, 9]);
        assert_eq!(saved_result(&[R::Save], &sorted), vec![1, 2, 3, 4, 5, 9]);
    }
}

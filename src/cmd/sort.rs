//! SORT and UID SORT (RFC 5256), with the DISPLAYFROM and DISPLAYTO keys
//! of SORT=DISPLAY (RFC 5957) and ESORT's return options (RFC 5267), SAVE
//! included (RFC 5182). The search runs as SEARCH's does; the keys come
//! from the cached header fields, so a second SORT opens no file.

use super::{Outcome, Reply};
use crate::client::Ctx;
use crate::mail::messages::program;
use crate::proto::command::{SearchKey, SearchReturn, SortCriterion};
use crate::proto::untagged::Response;
use crate::search::context::Context;
use crate::search::Program;
use crate::sort::{self, memo};
use std::sync::Arc;

/// SORT / UID SORT.
pub fn sort(
    s: &mut Ctx<'_>,
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
        s.state.contexts().map_or(Ok(()), |c| c.check_tag(tag))?;
    }
    let save = returns.is_some_and(|r| r.contains(&SearchReturn::Save));
    let whole = matches!(key, SearchKey::All);
    let run = program(s.state.saved(), key, Some(charset)).and_then(|p| Ok((sorted_kept(s, &p, criteria, whole)?, p)));
    let (order, prog) = match run {
        Ok(o) => o,
        Err(e) => {
            if save {
                s.state.set_saved(Vec::new());
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
                s.state.set_saved(saved_result(r, &uids));
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
        let kept = s.state.selected_mut().map(|sel| sel.contexts.keep(kept, Some(sel.view.snapshot.counter)));
        if let Some(Err(refusal)) = kept {
            s.respond(Response::Condition(refusal));
        }
    }
    Ok(if uid { "UID SORT completed".into() } else { "SORT completed".into() })
}

/// [`sorted`], answered from the mailbox's kept order when `whole` (the
/// search is `ALL`) and neither the view nor the criteria changed since.
fn sorted_kept(
    s: &mut Ctx<'_>,
    program: &Program,
    criteria: &[SortCriterion],
    whole: bool,
) -> Result<Vec<(u32, u32)>, Reply> {
    if !whole {
        return sorted(s, program, criteria);
    }
    let view = s.state.view_mut()?;
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

/// The messages of the selected mailbox that satisfy `program`, in the
/// order of `criteria` (see `mail::sorted`).
fn sorted(s: &mut Ctx<'_>, program: &Program, criteria: &[SortCriterion]) -> Result<Vec<(u32, u32)>, Reply> {
    let view = s.state.view_mut()?;
    crate::mail::sorted(&view.messages(), &s.shared.sort_memo, program, criteria)
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

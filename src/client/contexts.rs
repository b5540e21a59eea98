//! CONTEXT=SEARCH and CONTEXT=SORT updates (RFC 5267 section 4), part of
//! the session's sync after each command: each time the view moves on,
//! every kept search (and sort) runs again over the view and the
//! difference is told in `ESEARCH (TAG "x") ADDTO (...)` and
//! `REMOVEFROM (...)` responses. Removals go out before the view's own
//! responses, so that message numbers are still valid before EXPUNGE
//! (RFC 5267 4.3.4), additions after them, after EXISTS (4.3.3).

use super::Ctx;
use crate::proto::untagged::Response;
use crate::search::{esearch_head, sequence_set_string};

impl Ctx<'_> {
    /// Queues the responses for others' changes to the selected mailbox
    /// with the RFC 5267 context updates around them: REMOVEFROM before the
    /// view's EXPUNGEs (while the numbers they use still hold), ADDTO after
    /// its EXISTS.
    ///
    /// Nothing goes out once the user may no longer read the mailbox (the
    /// caller then closes it, see `resolve::refresh_selected`). The rights
    /// are looked at before the view moves on (that look is the one of the
    /// command's start unless asked for again, see `resolve::recheck_selected`)
    /// and again after when anything is to be told, so a message that came
    /// after they went is never told, however the two raced.
    pub fn sync_view(&mut self, expunge_ok: bool) {
        let s = self;
        if !s.selected_readable() {
            return;
        }
        let before = before_update(s);
        let responses = s.view_updates(expunge_ok);
        // Only what moved on needs the second look: with nothing to tell, the
        // look at the start of the command stands.
        let contexts_move = s
            .state
            .selected()
            .is_some_and(|sel| !sel.contexts.list.is_empty() && sel.view.snapshot.counter != sel.contexts.seen);
        if !responses.is_empty() || contexts_move {
            s.recheck_selected();
        }
        if !s.selected_readable() {
            return;
        }
        let (first, last) = after_update(s, before);
        for l in first {
            s.respond(Response::Esearch(l));
        }
        for r in responses {
            s.respond(r);
        }
        for l in last {
            s.respond(Response::Esearch(l));
        }
    }
}

/// What must be known before the view moves on: its UIDs by sequence
/// number, when a context counts in message numbers (for REMOVEFROM of
/// messages about to be expunged). `None` when nothing is needed.
fn before_update(s: &Ctx) -> Option<Vec<u32>> {
    let selected = s.state.selected()?;
    if selected.contexts.list.iter().all(|c| c.uid) {
        return None;
    }
    Some(selected.view.uids.clone())
}

/// After the view moved on: runs every context again and returns the
/// REMOVEFROM responses (to go before the view's responses) and the ADDTO
/// responses (to go after them).
fn after_update(s: &mut Ctx, before: Option<Vec<u32>>) -> (Vec<String>, Vec<String>) {
    let (mut first, mut last) = (Vec::new(), Vec::new());
    // RFC 5267 4.3: updates end when the mailbox is no longer selected
    // (the contexts went with the selected state).
    let Some(selected) = s.state.selected_mut() else { return (first, last) };
    let counter = selected.view.snapshot.counter;
    if selected.contexts.list.is_empty() || counter == selected.contexts.seen {
        return (first, last);
    }
    let mut contexts = std::mem::take(&mut selected.contexts);
    contexts.seen = counter;
    for c in &mut contexts.list {
        let now = match &c.criteria {
            None => s
                .state
                .view_mut()
                .and_then(|v| crate::mail::messages::find(&v.messages(), &c.program, Default::default(), &|_, _| false))
                .map(|found| found.iter().map(|m| m.uid).collect::<Vec<u32>>()),
            Some(criteria) => s
                .state
                .view_mut()
                .and_then(|v| crate::mail::sorted(&v.messages(), &s.shared.sort_memo, &c.program, criteria))
                .map(|o| o.iter().map(|&(_, u)| u).collect()),
        };
        let Ok(now) = now else {
            log::warn!("{} search context {} could not be evaluated; it is kept as it was", s.tag(), c.tag);
            continue;
        };
        let Some(view) = s.state.view() else { break };
        let old_seq = |u: u32| match &before {
            Some(uids) => uids.binary_search(&u).map_or(0, |i| i as u32 + 1),
            None => 0,
        };
        let new_seq = |u: u32| view.seq_of(u).unwrap_or(0);
        let (removed, added) = diff(&c.results, &now, c.criteria.is_some());
        let head = esearch_head(&c.tag, c.uid);
        if !removed.is_empty() {
            let pairs = render(&removed, |u| if c.uid { u } else { old_seq(u) }, c.criteria.is_some(), true);
            first.push(format!("{head} REMOVEFROM ({pairs})"));
        }
        if !added.is_empty() {
            let pairs = render(&added, |u| if c.uid { u } else { new_seq(u) }, c.criteria.is_some(), false);
            last.push(format!("{head} ADDTO ({pairs})"));
        }
        c.results = now;
    }
    if let Some(selected) = s.state.selected_mut() {
        selected.contexts = contexts;
    }
    (first, last)
}

/// A context position and a UID.
type Pair = (u32, u32);

/// What left and joined a result, as (position, UID) pairs to be applied
/// in order: positions 1-based in the result at the time each pair is
/// applied for a sorted result, 0 for a SEARCH result (RFC 5267 4.3.3 and
/// 4.3.4 allow 0 there: the client keeps mailbox order).
fn diff(old: &[u32], now: &[u32], sorted: bool) -> (Vec<Pair>, Vec<Pair>) {
    use std::collections::HashSet;
    let in_now: HashSet<u32> = now.iter().copied().collect();
    let in_old: HashSet<u32> = old.iter().copied().collect();
    let mut removed = Vec::new();
    // Removed in the order they stood: each one's position counts the
    // removals before it (the earlier ones have gone already).
    let mut gone = 0u32;
    for (i, &u) in old.iter().enumerate() {
        if !in_now.contains(&u) {
            removed.push((if sorted { i as u32 + 1 - gone } else { 0 }, u));
            gone += 1;
        }
    }
    // Sort keys never change, so what stays keeps its relative order:
    // inserting at each new position in ascending order rebuilds `now`.
    let added = now
        .iter()
        .enumerate()
        .filter(|(_, u)| !in_old.contains(u))
        .map(|(i, &u)| (if sorted { i as u32 + 1 } else { 0 }, u))
        .collect();
    (removed, added)
}

/// `pos set pos set ...`: a run of pairs that continue one another (the
/// same position over and over for removals, consecutive positions for
/// additions) becomes one pair whose set keeps the result's order.
fn render(pairs: &[(u32, u32)], number: impl Fn(u32) -> u32, sorted: bool, removal: bool) -> String {
    if !sorted {
        let numbers: Vec<u32> = pairs.iter().map(|&(_, u)| number(u)).collect();
        return format!("0 {}", sequence_set_string(&numbers));
    }
    let mut groups: Vec<(u32, Vec<u32>)> = Vec::new();
    for &(pos, u) in pairs {
        let continues = match groups.last() {
            Some((start, _)) if removal => pos == *start,
            Some((start, members)) => pos == *start + members.len() as u32,
            None => false,
        };
        match groups.last_mut() {
            Some((_, members)) if continues => members.push(number(u)),
            _ => groups.push((pos, vec![number(u)])),
        }
    }
    groups.iter().map(|(p, m)| format!("{p} {}", crate::sort::ordered_set(m))).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_contexts_use_position_zero_and_mailbox_order() {
        let (removed, added) = diff(&[3, 4, 15, 20], &[3, 15, 20, 32768, 32769], false);
        assert_eq!(render(&removed, |u| u, false, true), "0 4");
        assert_eq!(render(&added, |u| u, false, false), "0 32768:32769");
    }

    #[test]
    fn sorted_contexts_count_positions_as_the_client_applies_them() {
        // Sorted 9,5,7,2; 5 and 7 leave: both at position 2 in turn.
        let (removed, added) = diff(&[9, 5, 7, 2], &[9, 2], true);
        assert_eq!(render(&removed, |u| u, true, true), "2 5,7");
        // 9 and 7 leave 9,5,7,2: 9 at 1, then 7 at 2 (5 moved up).
        let (gone, _) = diff(&[9, 5, 7, 2], &[5, 2], true);
        assert_eq!(render(&gone, |u| u, true, true), "1 9 2 7");
        // 2734:2735 becomes 2731:2735 (RFC 5267 4.3.3's example).
        let (_, added2) = diff(&[2734, 2735], &[2731, 2732, 2733, 2734, 2735], true);
        assert_eq!(render(&added2, |u| u, true, false), "1 2731:2733");
        assert!(added.is_empty());
        // Joiners apart from each other are separate pairs.
        let (_, added3) = diff(&[10, 20], &[5, 10, 15, 20], true);
        assert_eq!(render(&added3, |u| u, true, false), "1 5 3 15");
    }
}

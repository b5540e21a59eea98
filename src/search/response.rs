//! SEARCH (RFC 3501 7.2.5) and ESEARCH (RFC 4731) response texts, without
//! the leading `* ` and the CRLF, which the response writer adds.

use crate::proto::command::SearchReturn;
use crate::proto::response::write_string;

/// `SEARCH 1 2 3` (or just `SEARCH` when nothing matched), numbers in the
/// order given.
pub fn search_response(hits: &[u32]) -> String {
    let mut out = String::from("SEARCH");
    for h in hits {
        out.push(' ');
        out.push_str(&h.to_string());
    }
    out
}

/// `hits` as a compact sequence set: sorted, duplicates dropped, runs as
/// ranges (`1:3,5`). Empty for no hits.
pub fn sequence_set_string(hits: &[u32]) -> String {
    let mut v = hits.to_vec();
    v.sort_unstable();
    v.dedup();
    let mut out = String::new();
    let mut i = 0;
    while i < v.len() {
        let start = v[i];
        let mut end = start;
        while i + 1 < v.len() && v[i + 1] == end + 1 {
            i += 1;
            end = v[i];
        }
        if !out.is_empty() {
            out.push(',');
        }
        if start == end {
            out.push_str(&start.to_string());
        } else {
            out.push_str(&format!("{start}:{end}"));
        }
        i += 1;
    }
    out
}

/// `ESEARCH (TAG "x") [UID]`: the start of every ESEARCH response, of
/// SEARCH and of SORT RETURN alike.
pub fn esearch_head(tag: &str, uid: bool) -> String {
    let mut head = Vec::from(&b"ESEARCH (TAG "[..]);
    write_string(&mut head, tag.as_bytes());
    head.push(b')');
    // A tag is ASTRING-CHARs (ASCII), so the quoted form is always UTF-8.
    let mut out = String::from_utf8_lossy(&head).into_owned();
    if uid {
        out.push_str(" UID");
    }
    out
}

/// `ESEARCH (TAG "x") [UID] [MIN n] [MAX n] [COUNT n] [ALL set]` for the
/// requested return options; an empty list means ALL (RFC 4731 3.1). MIN,
/// MAX and ALL are left out when nothing matched; COUNT is always given
/// when asked for. SAVE adds nothing here; when it is the only option the
/// handler sends no ESEARCH response at all (RFC 5182 2.4).
pub fn esearch_response(tag: &str, uid: bool, returns: &[SearchReturn], hits: &[u32]) -> String {
    let mut out = esearch_head(tag, uid);
    let want = |r: SearchReturn| {
        if asks_no_result(returns) && !returns.contains(&SearchReturn::Save) {
            r == SearchReturn::All
        } else {
            returns.contains(&r)
        }
    };
    let min = hits.iter().min();
    let max = hits.iter().max();
    if let (true, Some(n)) = (want(SearchReturn::Min), min) {
        out.push_str(&format!(" MIN {n}"));
    }
    if let (true, Some(n)) = (want(SearchReturn::Max), max) {
        out.push_str(&format!(" MAX {n}"));
    }
    if want(SearchReturn::Count) {
        let mut v = hits.to_vec();
        v.sort_unstable();
        v.dedup();
        out.push_str(&format!(" COUNT {}", v.len()));
    }
    if want(SearchReturn::All) && !hits.is_empty() {
        out.push_str(" ALL ");
        out.push_str(&sequence_set_string(hits));
    }
    // RFC 5267 4.4: SEARCH results count in mailbox order.
    if let Some(&SearchReturn::Partial(lo, hi)) = returns.iter().find(|r| matches!(r, SearchReturn::Partial(..))) {
        let mut v = hits.to_vec();
        v.sort_unstable();
        v.dedup();
        out.push_str(&partial_item(lo, hi, &sequence_set_string(window(&v, lo, hi))));
    }
    out
}

/// True when `returns` names no result option (MIN, MAX, COUNT, ALL,
/// PARTIAL), only SAVE, CONTEXT or UPDATE: the answer is then ALL (RFC
/// 4731 3.1, RFC 5267 4.3: UPDATE interacts with no other option).
pub fn asks_no_result(returns: &[SearchReturn]) -> bool {
    returns.iter().all(|r| matches!(r, SearchReturn::Save | SearchReturn::Context | SearchReturn::Update))
}

/// Results `lo` to `hi` (1-based, inclusive) of `results`; fewer, or
/// none, where the range runs past the end (RFC 5267 4.4).
pub fn window<T>(results: &[T], lo: u32, hi: u32) -> &[T] {
    let start = (lo as usize).saturating_sub(1).min(results.len());
    let end = (hi as usize).min(results.len());
    &results[start..end.max(start)]
}

/// ` PARTIAL (lo:hi set)`, or ` PARTIAL (lo:hi NIL)` for an empty set.
pub fn partial_item(lo: u32, hi: u32, set: &str) -> String {
    let set = if set.is_empty() { "NIL" } else { set };
    format!(" PARTIAL ({lo}:{hi} {set})")
}

/// What `RETURN (SAVE ...)` stores (RFC 5182 2.1): the hits, or only the
/// lowest and/or highest when MIN and/or MAX are asked for without ALL or
/// COUNT.
pub fn saved_result(returns: &[SearchReturn], hits: &[u32]) -> Vec<u32> {
    use SearchReturn as R;
    let has = |r| returns.contains(&r);
    if has(R::All) || has(R::Count) || !(has(R::Min) || has(R::Max)) {
        let mut v = hits.to_vec();
        v.sort_unstable();
        v.dedup();
        return v;
    }
    let mut v = Vec::new();
    if let (true, Some(&n)) = (has(R::Min), hits.iter().min()) {
        v.push(n);
    }
    if let (true, Some(&n)) = (has(R::Max), hits.iter().max()) {
        if !v.contains(&n) {
            v.push(n);
        }
    }
    v
}

/// The mod-sequence an ESEARCH answer reports (RFC 4731 3.2, RFC 7162
/// 3.1.5): the highest of the messages it returns. With ALL, COUNT or no
/// result option that is every hit; otherwise only the MIN and/or MAX
/// message and the PARTIAL window. `hits` pairs each number with its
/// mod-sequence; None when nothing is returned.
pub fn returned_modseq(returns: &[SearchReturn], hits: &[(u32, u64)]) -> Option<u64> {
    use SearchReturn as R;
    let has = |r| returns.contains(&r);
    if has(R::All) || has(R::Count) || asks_no_result(returns) {
        return hits.iter().map(|h| h.1).max();
    }
    let mut picked: Vec<(u32, u64)> = Vec::new();
    if has(R::Min) {
        picked.extend(hits.iter().min_by_key(|h| h.0).copied());
    }
    if has(R::Max) {
        picked.extend(hits.iter().max_by_key(|h| h.0).copied());
    }
    if let Some(&R::Partial(lo, hi)) = returns.iter().find(|r| matches!(r, R::Partial(..))) {
        let mut v = hits.to_vec();
        v.sort_unstable_by_key(|h| h.0);
        v.dedup_by_key(|h| h.0);
        picked.extend_from_slice(window(&v, lo, hi));
    }
    picked.iter().map(|h| h.1).max()
}

//! SORT and UID SORT (RFC 5256), with the DISPLAYFROM and DISPLAYTO keys
//! of SORT=DISPLAY (RFC 5957). The search runs as SEARCH's does; the keys
//! come from the cached header fields, so a second SORT opens no file.

use super::messages::{self, Want};
use super::search::program;
use super::{Outcome, Reply};
use crate::proto::command::{SearchKey, SearchReturn, SortCriterion, SortKey};
use crate::session::Session;
use crate::sort::{self, Item};

/// SORT / UID SORT.
pub fn sort(
    s: &mut Session,
    uid: bool,
    returns: Option<&[SearchReturn]>,
    criteria: &[SortCriterion],
    charset: &str,
    key: &SearchKey,
) -> Outcome {
    if returns.is_some() {
        return Err(Reply::Bad("SORT RETURN (ESORT) is not supported".into()));
    }
    if criteria.is_empty() {
        return Err(Reply::Bad("SORT needs at least one sort criterion".into()));
    }
    let program = program(key, Some(charset))?;
    let needs = |k: &[SortKey]| criteria.iter().any(|c| k.contains(&c.key));
    let want = Want {
        internal_date: needs(&[SortKey::Arrival, SortKey::Date]),
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
    let found = messages::find(s, &program, want)?;
    let items: Vec<Item<'_>> = found
        .iter()
        .map(|m| Item { seq: m.seq, internal_date: m.internal_date, size: m.size, header: &m.header })
        .collect();
    let order = sort::sort(criteria, &items);
    let mut line = String::from("SORT");
    for i in order {
        line.push(' ');
        line.push_str(&if uid { found[i].uid } else { found[i].seq }.to_string());
    }
    s.untagged(&line);
    Ok(if uid { "UID SORT completed".into() } else { "SORT completed".into() })
}

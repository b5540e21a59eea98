//! What a command holds in memory for its client, counted against the
//! server-wide budget (`--max-client-memory`, see [`crate::budget`]):
//! FETCH and URLFETCH take a reservation before they load a large message,
//! and a command the budget cannot hold is answered `NO [LIMIT]` (RFC 5530).

use std::sync::Arc;

use crate::budget::{self, Budget, Reservation};
use crate::proto::response::{Code, Reply};

/// Messages up to this size are loaded without asking the budget: what one
/// session holds for them is small and fixed, and a normal session's FETCH
/// of ordinary mail never waits for hostile ones.
pub const FREE: u64 = 256 * 1024;

/// The answer when the budget has no room.
pub fn limit() -> Reply {
    Reply::no(Code::Limit, "The server's memory for clients is in use; try again later")
}

/// Reserves `size * factor` octets for a message of `size` being loaded
/// (mapped or read, plus what is made from it), waiting briefly for room;
/// nothing for a small message.
pub fn message(b: &Arc<Budget>, size: u64, factor: u64) -> Result<Option<Reservation>, Reply> {
    if size <= FREE || factor == 0 {
        return Ok(None);
    }
    let want = usize::try_from(size.saturating_mul(factor)).unwrap_or(usize::MAX);
    b.reserve(want, budget::WAIT).map(Some).ok_or_else(limit)
}

/// Adds `more` octets made for the client (a decoded BINARY part) to
/// `held`, or to a new reservation; `NO [LIMIT]` when they do not fit.
pub fn grow(b: &Arc<Budget>, held: &mut Option<Reservation>, more: usize) -> Result<(), Reply> {
    if (more as u64) <= FREE {
        return Ok(());
    }
    match held {
        Some(r) => r.try_grow(more).then_some(()).ok_or_else(limit),
        None => {
            *held = Some(b.reserve(more, budget::WAIT).ok_or_else(limit)?);
            Ok(())
        }
    }
}

/// Drops repeated items, keeping the first of each: RFC 3501 lets a server
/// answer each item once, and a line of the same item hundreds of times
/// must not cost hundreds of renderings.
pub fn dedup<T: PartialEq>(items: &mut Vec<T>) {
    let mut kept: Vec<T> = Vec::with_capacity(items.len());
    for a in items.drain(..) {
        if !kept.contains(&a) {
            kept.push(a);
        }
    }
    *items = kept;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dedup_keeps_the_first_of_each_in_order() {
        let mut v = vec![3, 1, 3, 2, 1, 3];
        dedup(&mut v);
        assert_eq!(v, [3, 1, 2]);
    }

    #[test]
    fn small_messages_take_nothing_and_large_ones_are_refused_when_full() {
        let f = FREE as usize;
        let b = Budget::new(4 * f);
        assert!(message(&b, FREE, 3).unwrap().is_none());
        let mut held = message(&b, FREE + 1, 2).unwrap();
        assert_eq!(b.used(), 2 * f + 2);
        assert!(grow(&b, &mut held, 2 * f).is_err());
        grow(&b, &mut held, 2 * f - 2).unwrap();
        assert_eq!(b.used(), 4 * f);
        drop(held);
        assert_eq!(b.used(), 0);
    }
}

//! The server-wide budget for memory held on behalf of clients
//! (`--max-client-memory`): literals read into memory, messages loaded or
//! mapped to answer FETCH and URLFETCH, values rendered from them. Each
//! holder takes a [`Reservation`] before it allocates and gives it back
//! when dropped, so a hundred hostile sessions together cannot hold more
//! than the budget; one that would pass it waits briefly, then is refused
//! (`NO [LIMIT]`) instead of allocating.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long a session waits for others to give memory back before it is
/// refused: long enough for a FETCH of a large message to be written to a
/// client on the same network, short enough not to look hung.
pub const WAIT: Duration = Duration::from_secs(10);

/// An atomic count of octets held against a fixed limit.
#[derive(Debug)]
pub struct Budget {
    limit: usize,
    used: AtomicUsize,
}

/// Octets taken from a [`Budget`], given back when dropped.
#[derive(Debug)]
pub struct Reservation {
    budget: Arc<Budget>,
    size: usize,
}

impl Budget {
    /// A budget of `limit` octets.
    pub fn new(limit: usize) -> Arc<Budget> {
        Arc::new(Budget { limit, used: AtomicUsize::new(0) })
    }

    /// Octets held now.
    pub fn used(&self) -> usize {
        self.used.load(Ordering::Relaxed)
    }

    /// The limit.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// Counts `size` more octets if they fit now.
    fn take(&self, size: usize) -> bool {
        let mut used = self.used.load(Ordering::Relaxed);
        loop {
            let Some(after) = used.checked_add(size).filter(|&a| a <= self.limit) else { return false };
            match self.used.compare_exchange_weak(used, after, Ordering::AcqRel, Ordering::Relaxed) {
                Ok(_) => return true,
                Err(now) => used = now,
            }
        }
    }

    /// Takes `size` octets if they fit now.
    pub fn try_reserve(self: &Arc<Budget>, size: usize) -> Option<Reservation> {
        self.take(size).then(|| Reservation { budget: self.clone(), size })
    }

    /// Takes `size` octets, waiting up to `wait` for others to give some
    /// back; `None` when they never fit (or could not fit at all).
    pub fn reserve(self: &Arc<Budget>, size: usize, wait: Duration) -> Option<Reservation> {
        if size > self.limit {
            return None;
        }
        let deadline = Instant::now() + wait;
        let mut pause = Duration::from_millis(1);
        loop {
            if let Some(r) = self.try_reserve(size) {
                return Some(r);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_millis(20));
        }
    }
}

impl Reservation {
    /// Octets held.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Grows the reservation by `more` octets if they fit now.
    pub fn try_grow(&mut self, more: usize) -> bool {
        let ok = self.budget.take(more);
        if ok {
            self.size += more;
        }
        ok
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        self.budget.used.fetch_sub(self.size, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reservations_count_against_the_limit_and_come_back_when_dropped() {
        let b = Budget::new(100);
        let a = b.try_reserve(60).unwrap();
        assert!(b.try_reserve(41).is_none());
        let mut c = b.try_reserve(40).unwrap();
        assert_eq!(b.used(), 100);
        assert!(!c.try_grow(1));
        drop(a);
        assert!(c.try_grow(10));
        assert_eq!((b.used(), c.size()), (50, 50));
        drop(c);
        assert_eq!(b.used(), 0);
        assert!(b.reserve(101, Duration::from_secs(5)).is_none());
        assert!(b.reserve(100, Duration::ZERO).is_some());
    }

    #[test]
    fn a_waiting_reservation_gets_what_another_gives_back() {
        let b = Budget::new(10);
        let held = b.try_reserve(10).unwrap();
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            drop(held);
        });
        assert!(b.reserve(5, Duration::from_secs(10)).is_some());
        t.join().unwrap();
    }
}

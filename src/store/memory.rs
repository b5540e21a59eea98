//! Giving freed memory back to the system.
//!
//! glibc's malloc keeps what a thread freed in that thread's arena for the
//! next allocation; it returns only the top of a heap, and only past a
//! threshold. After a sync of 100,000 messages or a `FETCH 1:*`, tens of
//! megabytes freed in the middle of the heaps stay resident, and with one
//! thread per connection every arena keeps its own. `malloc_trim` hands the
//! free pages of every arena back (`MADV_DONTNEED`). It takes a few
//! milliseconds on large heaps, so it runs only after work that took far
//! longer (see [`after_command`]), and when a session ends, at most every
//! [`SESSION_TRIM_EVERY`] (see [`after_session`]): fifty sessions of quick
//! commands leave their arenas full of freed buffers too.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Commands that ran at least this long are followed by a trim: they are
/// the ones that allocate much (whole-mailbox listings, syncs, SORT,
/// SEARCH, large literals), and a trim costs a small share of them.
pub const TRIM_AFTER: Duration = Duration::from_millis(50);

/// Returns the free pages of every malloc arena to the system.
pub fn release_freed() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks and madvises malloc's own free
    // chunks; it is thread-safe (it takes each arena's lock).
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Trims after a command that took `took` (nothing after quick ones).
pub fn after_command(took: Duration) {
    if took >= TRIM_AFTER {
        release_freed();
    }
}

/// Ending sessions trim at most this often (a thousand ending at once
/// need one trim, not a thousand).
pub const SESSION_TRIM_EVERY: Duration = Duration::from_millis(250);

/// Trims when a session has ended, unless another ending session did
/// within [`SESSION_TRIM_EVERY`].
pub fn after_session() {
    static START: OnceLock<Instant> = OnceLock::new();
    static LAST: AtomicU64 = AtomicU64::new(0);
    let now = START.get_or_init(Instant::now).elapsed().as_millis() as u64 + 1;
    let last = LAST.load(Ordering::Relaxed);
    if due(last, now) && LAST.compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed).is_ok() {
        release_freed();
    }
}

/// Whether a session ending at `now` trims, the last trim having been at
/// `last` (milliseconds on one clock; 0: never).
fn due(last: u64, now: u64) -> bool {
    last == 0 || now >= last + SESSION_TRIM_EVERY.as_millis() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ending_sessions_trim_at_most_every_quarter_second() {
        assert!(due(0, 1), "the first ending session trims");
        assert!(!due(1000, 1000) && !due(1000, 1249));
        assert!(due(1000, 1250) && due(1000, 5000));
    }

    #[test]
    fn trimming_is_safe_while_other_threads_allocate() {
        let workers: Vec<_> = (0..4)
            .map(|i| {
                std::thread::spawn(move || {
                    let mut kept = Vec::new();
                    for n in 0..200 {
                        kept.push(vec![i as u8; 64 * 1024 + n]);
                        if n % 3 == 0 {
                            kept.remove(0);
                        }
                        release_freed();
                    }
                    kept.iter().all(|v| v.iter().all(|&b| b == i as u8))
                })
            })
            .collect();
        for w in workers {
            assert!(w.join().unwrap(), "a trim must not touch live memory");
        }
    }
}

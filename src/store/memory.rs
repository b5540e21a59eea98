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

/// Sets malloc up for a server of many threads and large transient
/// buffers; call it first thing, before any thread starts. glibc gives
/// every thread an arena of its own, up to eight per core, and each keeps
/// its freed memory apart: with a thread per connection the freed memory
/// of dozens of arenas stays resident. Two arenas per core still spare
/// threads from waiting on each other. Blocks of 1 MB and more are mapped
/// and unmapped on their own (glibc would raise that threshold up to 32 MB
/// after the first such block is freed, and later large buffers would be
/// carved from, and stay in, the heap); smaller ones, message files under
/// 1 MB read whole among them, are reused from the heap.
pub fn tune() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        let arenas = libc::c_int::try_from(2 * cores).unwrap_or(8);
        // SAFETY: mallopt only sets malloc parameters; it is called before
        // other threads exist.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, arenas);
            libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_FROM);
        }
    }
}

/// Allocations of this size and more get mappings of their own.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MMAP_FROM: libc::c_int = 1024 * 1024;

/// Returns the free pages of every malloc arena to the system.
pub fn release_freed() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks and madvises malloc's own free
    // chunks; it is thread-safe (it takes each arena's lock).
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Trims after a command that took `took`: nothing after quick ones, at
/// most one trim every [`SESSION_TRIM_EVERY`] after slow ones, and one
/// after every command of [`ALWAYS_TRIM_AFTER`] or more.
pub fn after_command(took: Duration) {
    if took < TRIM_AFTER {
        return;
    }
    // Under load, many commands take 50 ms waiting for the processors, not
    // because they allocated much: at most one trim a quarter second for
    // those, every time for one that took a second or more.
    static LAST: AtomicU64 = AtomicU64::new(0);
    if took_turn(&LAST, SESSION_TRIM_EVERY, took >= ALWAYS_TRIM_AFTER) {
        release_freed();
    }
}

/// A rate limit shared by the callers of one `last` (milliseconds on this
/// module's clock of the last turn taken; 0: never): true, and the turn
/// taken, when `every` has passed since the last turn (or `now_anyway`);
/// of callers racing for one turn only one gets it.
pub fn took_turn(last: &AtomicU64, every: Duration, now_anyway: bool) -> bool {
    let now = since_start_ms();
    let prev = last.load(Ordering::Relaxed);
    (now_anyway || due_every(prev, now, every))
        && last.compare_exchange(prev, now, Ordering::Relaxed, Ordering::Relaxed).is_ok()
}

/// A command that took this long is always followed by a trim.
pub const ALWAYS_TRIM_AFTER: Duration = Duration::from_secs(1);

/// Milliseconds since the first call, plus one (so never 0).
fn since_start_ms() -> u64 {
    static START: OnceLock<Instant> = OnceLock::new();
    START.get_or_init(Instant::now).elapsed().as_millis() as u64 + 1
}

/// Ending sessions trim at most this often (a thousand ending at once
/// need one trim, not a thousand).
pub const SESSION_TRIM_EVERY: Duration = Duration::from_millis(250);

/// Trims when a session has ended, unless another ending session did
/// within [`SESSION_TRIM_EVERY`].
pub fn after_session() {
    static LAST: AtomicU64 = AtomicU64::new(0);
    if took_turn(&LAST, SESSION_TRIM_EVERY, false) {
        release_freed();
    }
}

/// Whether a session ending at `now` trims, the last trim having been at
/// `last` (milliseconds on one clock; 0: never).
#[cfg(test)]
fn due(last: u64, now: u64) -> bool {
    due_every(last, now, SESSION_TRIM_EVERY)
}

/// Whether a turn at `now` is due, the last having been at `last`.
fn due_every(last: u64, now: u64, every: Duration) -> bool {
    last == 0 || now >= last + every.as_millis() as u64
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

//! Failed-login throttling across connections, like Dovecot's auth penalty:
//! each failure from a client address, and each failure for a login name,
//! doubles the delay of the next answers, up to a cap.
//!
//! - Before a client address's attempt is checked it waits for that
//!   address's penalty (so a correct guess from a guessing address is slow
//!   too); other addresses are not slowed.
//! - A failed attempt waits in addition for the login name's penalty, so
//!   guessing one account from many addresses is slowed as well, while the
//!   account's owner logging in from elsewhere is not. The name counts
//!   whether or not the account exists, so the delay tells nothing.
//! - A successful login clears the name's penalty and, of the address's,
//!   only the failures it made for that same name: a guesser who logs in
//!   to an account of its own keeps the delay its guesses at others earned.
//! - The table has a fixed size (`--auth-penalty-table`). When it is full
//!   the entries that cost least (fewest failures, then oldest) make room;
//!   it is never cleared whole, so a flood of cheap failures from many
//!   addresses cannot wipe the delay an account's guessers earned.

use std::collections::HashMap;
use std::net::IpAddr;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

use super::policy::canonical;

/// The default delay after the first failure (`--auth-penalty`); it
/// doubles with each further one.
pub const FIRST_DELAY: Duration = Duration::from_millis(250);
/// The longest delay (Dovecot's cap is 15 seconds as well).
pub const MAX_DELAY: Duration = Duration::from_secs(15);
/// A penalty is forgotten after this long without failures.
const FORGET_AFTER: Duration = Duration::from_secs(15 * 60);
/// Entries kept at most by default (`--auth-penalty-table`).
pub const DEFAULT_ENTRIES: usize = 50_000;
/// The smallest table: one failure adds up to three entries.
const MIN_ENTRIES: usize = 16;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    /// Every failure from an address (its /64 for IPv6).
    Addr(IpAddr),
    /// Every failure for a login name, from anywhere.
    Name(String),
    /// The failures of one address for one name: what that address's own
    /// successful login for the name takes back.
    Pair(IpAddr, String),
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    last: Instant,
}

impl Entry {
    /// The failures still remembered.
    fn live(&self, now: Instant) -> u32 {
        if now.duration_since(self.last) < FORGET_AFTER {
            self.failures
        } else {
            0
        }
    }
}

/// The penalty table, shared by every session and the monitor.
#[derive(Debug)]
pub struct Penalty {
    first: Duration,
    capacity: usize,
    table: Mutex<HashMap<Key, Entry>>,
}

/// The delay for `failures` recent failures when the first one costs `first`.
pub fn delay_for(first: Duration, failures: u32) -> Duration {
    if failures == 0 {
        return Duration::ZERO;
    }
    let factor = 1u32.checked_shl(failures - 1).unwrap_or(u32::MAX);
    first.saturating_mul(factor).min(MAX_DELAY)
}

/// IPv6 clients are throttled per /64, the block one subscriber gets.
fn addr_of(ip: IpAddr) -> IpAddr {
    match canonical(ip) {
        IpAddr::V6(v6) => {
            let mut o = v6.octets();
            o[8..].fill(0);
            IpAddr::from(o)
        }
        v4 => v4,
    }
}

impl Penalty {
    /// An empty table of at most `capacity` entries; the first failure
    /// costs `first` (zero turns delays off).
    pub fn new(first: Duration, capacity: usize) -> Penalty {
        Penalty { first, capacity: capacity.max(MIN_ENTRIES), table: Mutex::new(HashMap::new()) }
    }

    fn failures(&self, key: &Key) -> u32 {
        self.table.lock().get(key).map_or(0, |e| e.live(Instant::now()))
    }

    /// How long an attempt from `ip` waits before it is checked.
    pub fn before_attempt(&self, ip: IpAddr) -> Duration {
        delay_for(self.first, self.failures(&Key::Addr(addr_of(ip))))
    }

    /// Entries held now (the monitor's statistics show it).
    pub fn len(&self) -> usize {
        self.table.lock().len()
    }

    /// True when no failure is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Records a failure from `ip` for login `name` (when one was given);
    /// returns how much longer the failed answer waits (the name's penalty).
    pub fn failed(&self, ip: IpAddr, name: Option<&str>) -> Duration {
        let now = Instant::now();
        let addr = addr_of(ip);
        let mut table = self.table.lock();
        make_room(&mut table, self.capacity, 3, now);
        let mut bump = |key: Key| {
            let e = table.entry(key).or_insert(Entry { failures: 0, last: now });
            e.failures = e.live(now).saturating_add(1);
            e.last = now;
            e.failures
        };
        bump(Key::Addr(addr));
        match name {
            Some(n) => {
                bump(Key::Pair(addr, n.to_string()));
                delay_for(self.first, bump(Key::Name(n.to_string())))
            }
            None => Duration::ZERO,
        }
    }

    /// After a successful login of `name` from `ip`: the name's penalty
    /// goes, and the address's by the failures it made for that name only.
    pub fn succeeded(&self, ip: IpAddr, name: &str) {
        let now = Instant::now();
        let addr = addr_of(ip);
        let mut table = self.table.lock();
        table.remove(&Key::Name(name.to_string()));
        let own = table.remove(&Key::Pair(addr, name.to_string())).map_or(0, |e| e.live(now));
        if let Some(e) = table.get_mut(&Key::Addr(addr)) {
            e.failures = e.live(now).saturating_sub(own);
            if e.failures == 0 {
                table.remove(&Key::Addr(addr));
            }
        }
    }
}

/// Makes room for `adding` entries in a table of at most `capacity`: the
/// forgotten ones go first, then the cheapest sixteenth (fewest failures,
/// oldest first), so a full table costs one scan per many failures and
/// the heaviest penalties stay.
fn make_room(table: &mut HashMap<Key, Entry>, capacity: usize, adding: usize, now: Instant) {
    if table.len() + adding <= capacity {
        return;
    }
    table.retain(|_, e| e.live(now) > 0);
    let excess = (table.len() + adding).saturating_sub(capacity);
    if excess == 0 {
        return;
    }
    let count = excess.max(capacity / 16).min(table.len());
    let mut ranked: Vec<(u32, Instant, &Key)> = table.iter().map(|(k, e)| (e.failures, e.last, k)).collect();
    if count < ranked.len() {
        ranked.select_nth_unstable_by_key(count, |r| (r.0, r.1));
    }
    let gone: Vec<Key> = ranked[..count].iter().map(|r| r.2.clone()).collect();
    for k in gone {
        table.remove(&k);
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_up_to_the_cap() {
        let d = |n| delay_for(FIRST_DELAY, n);
        assert_eq!(d(0), Duration::ZERO);
        assert_eq!(d(1), FIRST_DELAY);
        assert_eq!(d(2), FIRST_DELAY * 2);
        assert_eq!(d(4), FIRST_DELAY * 8);
        assert_eq!(d(10), MAX_DELAY);
        assert_eq!(d(u32::MAX), MAX_DELAY);
        assert_eq!(delay_for(Duration::ZERO, 9), Duration::ZERO);
    }

    #[test]
    fn per_address_and_per_name() {
        let p = Penalty::new(FIRST_DELAY, DEFAULT_ENTRIES);
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let b: IpAddr = "192.0.2.2".parse().unwrap();
        assert_eq!(p.failed(a, Some("alice")), FIRST_DELAY);
        assert_eq!(p.failed(a, Some("alice")), FIRST_DELAY * 2);
        assert_eq!(p.before_attempt(a), FIRST_DELAY * 2);
        assert_eq!(p.before_attempt(b), Duration::ZERO, "another address is not slowed");
        assert_eq!(p.failed(b, Some("bob")), FIRST_DELAY);
        assert_eq!(p.failed(b, Some("alice")), FIRST_DELAY * 4, "the name's penalty follows it");
        p.succeeded(a, "alice");
        assert_eq!(p.before_attempt(a), Duration::ZERO);
        assert_eq!(p.failed(a, None), Duration::ZERO);
        let v6a: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let v6b: IpAddr = "2001:db8:1:2::99".parse().unwrap();
        p.failed(v6a, None);
        assert_eq!(p.before_attempt(v6b), FIRST_DELAY, "one /64");
    }

    #[test]
    fn a_success_takes_back_only_the_failures_made_for_that_name() {
        let p = Penalty::new(FIRST_DELAY, DEFAULT_ENTRIES);
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        for _ in 0..3 {
            p.failed(a, Some("alice"));
        }
        p.failed(a, Some("mallory"));
        p.succeeded(a, "mallory");
        assert_eq!(p.before_attempt(a), FIRST_DELAY * 4, "alice's three failures stay on the address");
        assert_eq!(p.failed(a, Some("alice")), FIRST_DELAY * 8, "and on her name");
    }

    #[test]
    fn a_full_table_drops_the_cheapest_entries_and_keeps_the_heavy_ones() {
        let p = Penalty::new(FIRST_DELAY, 64);
        let alice_from: IpAddr = "192.0.2.1".parse().unwrap();
        for _ in 0..5 {
            p.failed(alice_from, Some("alice"));
        }
        for i in 0..1000u32 {
            let ip = IpAddr::from([10, 0, (i >> 8) as u8, i as u8]);
            for j in 0..3 {
                p.failed(ip, Some(&format!("ghost{i}-{j}")));
            }
            assert!(p.len() <= 64, "{}", p.len());
        }
        assert!(p.len() > 32, "never cleared whole: {}", p.len());
        assert_eq!(p.before_attempt(alice_from), FIRST_DELAY * 16);
        let elsewhere: IpAddr = "192.0.2.99".parse().unwrap();
        assert_eq!(p.failed(elsewhere, Some("alice")), FIRST_DELAY * 32, "her name's penalty survived");
    }
}

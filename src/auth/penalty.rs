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
//! - A successful login clears the penalty of its address and its name.

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
/// Entries kept at most; beyond it the oldest are dropped.
const MAX_ENTRIES: usize = 50_000;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Addr(IpAddr),
    Name(String),
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    failures: u32,
    last: Instant,
}

/// The penalty table, shared by every session.
#[derive(Debug)]
pub struct Penalty {
    first: Duration,
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
fn addr_key(ip: IpAddr) -> Key {
    match canonical(ip) {
        IpAddr::V6(v6) => {
            let mut o = v6.octets();
            o[8..].fill(0);
            Key::Addr(IpAddr::from(o))
        }
        v4 => Key::Addr(v4),
    }
}

impl Penalty {
    /// An empty table; the first failure costs `first` (zero turns delays off).
    pub fn new(first: Duration) -> Penalty {
        Penalty { first, table: Mutex::new(HashMap::new()) }
    }

    fn failures(&self, key: &Key) -> u32 {
        let table = self.table.lock();
        match table.get(key) {
            Some(e) if e.last.elapsed() < FORGET_AFTER => e.failures,
            _ => 0,
        }
    }

    /// How long an attempt from `ip` waits before it is checked.
    pub fn before_attempt(&self, ip: IpAddr) -> Duration {
        delay_for(self.first, self.failures(&addr_key(ip)))
    }

    /// Records a failure from `ip` for login `name` (when one was given);
    /// returns how much longer the failed answer waits (the name's penalty).
    pub fn failed(&self, ip: IpAddr, name: Option<&str>) -> Duration {
        let now = Instant::now();
        let mut table = self.table.lock();
        if table.len() >= MAX_ENTRIES {
            table.retain(|_, e| e.last.elapsed() < FORGET_AFTER);
            if table.len() >= MAX_ENTRIES {
                // Still full of live entries: make room rather than grow.
                table.clear();
            }
        }
        let mut bump = |key: Key| {
            let e = table.entry(key).or_insert(Entry { failures: 0, last: now });
            if e.last.elapsed() >= FORGET_AFTER {
                e.failures = 0;
            }
            e.failures = e.failures.saturating_add(1);
            e.last = now;
            e.failures
        };
        bump(addr_key(ip));
        match name {
            Some(n) => delay_for(self.first, bump(Key::Name(n.to_string()))),
            None => Duration::ZERO,
        }
    }

    /// Clears the penalties of `ip` and `name` after a successful login.
    pub fn succeeded(&self, ip: IpAddr, name: &str) {
        let mut table = self.table.lock();
        table.remove(&addr_key(ip));
        table.remove(&Key::Name(name.to_string()));
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
        let p = Penalty::new(FIRST_DELAY);
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
}

//! Connections per client address (`--max-channels-per-ip`), counted
//! where the client is known: at accept, or once a trusted front names it.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;

use parking_lot::Mutex;

use crate::auth::policy::canonical;

/// Connections per client address (`--max-channels-per-ip`).
#[derive(Clone)]
pub struct PerIp {
    max: usize,
    counts: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

/// One connection's count; dropping it gives the count back.
pub struct IpGuard {
    ip: IpAddr,
    counts: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

impl PerIp {
    /// At most `max` connections per address; 0 for no limit.
    pub fn new(max: usize) -> PerIp {
        PerIp { max, counts: Arc::default() }
    }

    /// Counts a connection from `ip`, or None when the address is at its cap.
    pub fn take(&self, ip: IpAddr) -> Option<IpGuard> {
        let ip = canonical(ip);
        let mut counts = self.counts.lock();
        let n = counts.entry(ip).or_insert(0);
        if self.max > 0 && *n >= self.max {
            return None;
        }
        *n += 1;
        Some(IpGuard { ip, counts: self.counts.clone() })
    }
}

impl Drop for IpGuard {
    fn drop(&mut self) {
        let mut counts = self.counts.lock();
        if let Some(n) = counts.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                counts.remove(&self.ip);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_address_is_capped_and_others_are_not() {
        let p = PerIp::new(2);
        let a: IpAddr = "192.0.2.1".parse().unwrap();
        let mapped: IpAddr = "::ffff:192.0.2.1".parse().unwrap();
        let g1 = p.take(a).unwrap();
        let _g2 = p.take(mapped).unwrap();
        assert!(p.take(a).is_none(), "the mapped form counts as the same address");
        assert!(p.take("192.0.2.2".parse().unwrap()).is_some());
        drop(g1);
        assert!(p.take(a).is_some());
        assert!(PerIp::new(0).take(a).is_some());
    }
}

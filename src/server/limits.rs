//! Limits the acceptor enforces before a session starts: connections per
//! client address, and the file descriptors the Maximum Number of Channels
//! needs.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;

use parking_lot::Mutex;

use crate::auth::policy::canonical;

/// Descriptors one session holds for its whole life: the socket, the
/// second handle that keeps it open until the channel is freed, the
/// monitor's handle (to end a session from the monitor), and the eventfd
/// IDLE waits on.
pub const FDS_HELD_PER_SESSION: u64 = 4;
/// Descriptors a session opens for the length of one command: a message
/// file, and a lock or list file of the mailbox.
pub const FDS_BRIEF_PER_SESSION: u64 = 2;
/// Descriptors the server needs whatever the sessions: listeners, the
/// log, inotify, the monitor, the passwd-file, stdio, with room to spare.
pub const FDS_SERVER: u64 = 64;

/// Raises the soft RLIMIT_NOFILE to the hard limit; returns the soft limit
/// now in force.
pub fn raise_nofile() -> u64 {
    let mut lim = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: getrlimit writes into the valid rlimit we pass.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } != 0 {
        return 1024;
    }
    if lim.rlim_cur < lim.rlim_max {
        let raised = libc::rlimit { rlim_cur: lim.rlim_max, rlim_max: lim.rlim_max };
        // SAFETY: setrlimit reads the valid rlimit we pass.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } == 0 {
            lim.rlim_cur = lim.rlim_max;
        }
    }
    lim.rlim_cur
}

/// Descriptors `max_channels` sessions may need at once.
pub fn fds_needed(max_channels: usize) -> u64 {
    max_channels as u64 * (FDS_HELD_PER_SESSION + FDS_BRIEF_PER_SESSION) + FDS_SERVER
}

/// How many channels `nofile` descriptors can serve.
pub fn channels_that_fit(nofile: u64) -> usize {
    (nofile.saturating_sub(FDS_SERVER) / (FDS_HELD_PER_SESSION + FDS_BRIEF_PER_SESSION)) as usize
}

/// Refuses a `--max-channels` the descriptor limit cannot serve.
pub fn check_channels(max_channels: usize, nofile: u64) -> Result<(), String> {
    let needed = fds_needed(max_channels);
    if needed <= nofile {
        return Ok(());
    }
    let fits = channels_that_fit(nofile);
    Err(format!(
        "--max-channels {max_channels} needs about {needed} file descriptors ({} a session and {FDS_SERVER} for the server), \
         but the limit is {nofile} (RLIMIT_NOFILE, already raised to its hard limit): raise it (ulimit -n, \
         LimitNOFILE= in the systemd unit) or give --max-channels {fits} or less",
        FDS_HELD_PER_SESSION + FDS_BRIEF_PER_SESSION
    ))
}

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

    #[test]
    fn the_channel_check_counts_descriptors() {
        assert!(check_channels(1000, 20000).is_ok());
        let e = check_channels(1000, 1024).unwrap_err();
        assert!(e.contains("--max-channels 160 or less"), "{e}");
    }
}

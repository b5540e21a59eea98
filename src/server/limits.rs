//! Limits the acceptor enforces before a session starts: connections per
//! client address, and the file descriptors the Maximum Number of Channels
//! needs.

// Counted where the client is known: behind a front, only once it is named.
pub use crate::origin::count::{IpGuard, PerIp};

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_channel_check_counts_descriptors() {
        assert!(check_channels(1000, 20000).is_ok());
        let e = check_channels(1000, 1024).unwrap_err();
        assert!(e.contains("--max-channels 160 or less"), "{e}");
    }
}

//! The bottom of the stream stack: the TCP socket with deadlines, TCP
//! keepalive and byte counts. Every layer above (TLS, DEFLATE) reads and
//! writes through it, so a deadline holds whatever the layers do: a TLS
//! record that trickles in one byte at a time is read by many `read()`
//! calls, and each one only gets the time left.

use std::io::{self, IoSlice, Read, Write};
use std::net::TcpStream;
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

/// A TCP socket with an absolute read deadline, an inactivity timeout, a
/// write timeout, and counters of the octets on the wire.
#[derive(Debug)]
pub struct Sock {
    tcp: TcpStream,
    /// No read may end after this instant (TLS handshake and login).
    deadline: Option<Instant>,
    /// A read may wait at most this long (autologout after login).
    idle: Option<Duration>,
    /// The timeout set on the socket now, to spare a syscall per read.
    set: Option<Option<Duration>>,
    /// Set once a write timed out: the peer does not read, so later writes
    /// (the BYE, TLS close_notify) fail at once instead of waiting again.
    stalled: bool,
    /// Octets read from the wire.
    pub wire_in: u64,
    /// Octets written to the wire.
    pub wire_out: u64,
}

/// The error a passed deadline gives.
pub fn deadline_passed() -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, "deadline passed")
}

impl Sock {
    /// Wraps a socket; `write_timeout` bounds how long one write may wait
    /// for a client that does not read (None leaves the socket's own).
    pub fn new(tcp: TcpStream, write_timeout: Option<Duration>) -> Sock {
        if write_timeout.is_some() {
            let _ = tcp.set_write_timeout(write_timeout);
        }
        Sock { tcp, deadline: None, idle: None, set: None, stalled: false, wire_in: 0, wire_out: 0 }
    }

    /// The socket.
    pub fn tcp(&self) -> &TcpStream {
        &self.tcp
    }

    /// Sets the absolute read deadline and the inactivity timeout (either
    /// may be absent).
    pub fn set_timing(&mut self, deadline: Option<Instant>, idle: Option<Duration>) {
        self.deadline = deadline;
        self.idle = idle;
    }

    /// True once a write gave up on a client that does not read.
    pub fn stalled(&self) -> bool {
        self.stalled
    }

    /// The absolute read deadline.
    pub fn deadline(&self) -> Option<Instant> {
        self.deadline
    }

    /// The longest the next read may wait; an error once the deadline has
    /// passed.
    pub fn read_budget(&self) -> io::Result<Option<Duration>> {
        let left = match self.deadline {
            Some(d) => {
                let left = d.saturating_duration_since(Instant::now());
                if left.is_zero() {
                    return Err(deadline_passed());
                }
                Some(left)
            }
            None => None,
        };
        Ok(match (left, self.idle) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        })
    }

    fn arm(&mut self) -> io::Result<()> {
        if self.deadline.is_none() && self.idle.is_none() {
            // Unmanaged: the owner (the monitor's HTTP server) sets its
            // own timeouts on the socket.
            self.set = None;
            return Ok(());
        }
        let budget = self.read_budget()?;
        // A deadline's budget changes with every read; a bare inactivity
        // timeout does not, and is set once.
        if self.deadline.is_some() || self.set != Some(budget) {
            self.tcp.set_read_timeout(budget)?;
            self.set = Some(budget);
        }
        Ok(())
    }
}

/// Turns a socket timeout (`WouldBlock` on Linux) into `TimedOut`, so the
/// session can tell a deadline from other errors.
fn timed_out(e: io::Error) -> io::Error {
    if e.kind() == io::ErrorKind::WouldBlock {
        io::Error::new(io::ErrorKind::TimedOut, "timed out")
    } else {
        e
    }
}

impl Read for Sock {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.arm()?;
        let n = self.tcp.read(buf).map_err(timed_out)?;
        self.wire_in += n as u64;
        Ok(n)
    }
}

impl Write for Sock {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.write_vectored(&[IoSlice::new(buf)])
    }

    /// One `writev` for several buffers: a response line and the literal
    /// behind it, or the TLS records rustls has ready, go out in one call.
    fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        if self.stalled {
            return Err(io::Error::new(io::ErrorKind::TimedOut, "the client stopped reading"));
        }
        match self.tcp.write_vectored(bufs) {
            Ok(n) => {
                self.wire_out += n as u64;
                Ok(n)
            }
            Err(e) => {
                let e = timed_out(e);
                if e.kind() == io::ErrorKind::TimedOut {
                    self.stalled = true;
                }
                Err(e)
            }
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        self.tcp.flush()
    }
}

/// Turns on TCP keepalive: the first probe after `idle` without traffic,
/// so a vanished client's channel is freed even when no deadline runs.
pub fn set_keepalive(tcp: &TcpStream, idle: Duration) -> io::Result<()> {
    let fd = tcp.as_raw_fd();
    let on: libc::c_int = 1;
    let secs: libc::c_int = idle.as_secs().clamp(1, i32::MAX as u64) as libc::c_int;
    let interval: libc::c_int = (secs / 4).max(1);
    let count: libc::c_int = 4;
    for (level, name, value) in [
        (libc::SOL_SOCKET, libc::SO_KEEPALIVE, on),
        (libc::IPPROTO_TCP, libc::TCP_KEEPIDLE, secs),
        (libc::IPPROTO_TCP, libc::TCP_KEEPINTVL, interval),
        (libc::IPPROTO_TCP, libc::TCP_KEEPCNT, count),
    ] {
        // SAFETY: fd is an open socket; value is a valid c_int whose size is passed.
        let r = unsafe {
            libc::setsockopt(
                fd,
                level,
                name,
                (&value as *const libc::c_int).cast(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            )
        };
        if r != 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    fn pair() -> (TcpStream, TcpStream) {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let c = TcpStream::connect(l.local_addr().unwrap()).unwrap();
        (l.accept().unwrap().0, c)
    }

    #[test]
    fn a_passed_deadline_fails_reads_with_timed_out() {
        let (server, mut client) = pair();
        let mut s = Sock::new(server, None);
        s.set_timing(Some(Instant::now() + Duration::from_millis(50)), None);
        client.write_all(b"x").unwrap();
        let mut b = [0; 4];
        assert_eq!(s.read(&mut b).unwrap(), 1);
        assert_eq!(s.wire_in, 1);
        // Nothing more comes: the read ends at the deadline, not later.
        assert_eq!(s.read(&mut b).unwrap_err().kind(), io::ErrorKind::TimedOut);
        assert_eq!(s.read(&mut b).unwrap_err().kind(), io::ErrorKind::TimedOut);
    }

    #[test]
    fn the_budget_is_the_nearer_of_deadline_and_idle() {
        let (server, _client) = pair();
        let mut s = Sock::new(server, None);
        assert_eq!(s.read_budget().unwrap(), None);
        s.set_timing(None, Some(Duration::from_secs(7)));
        assert_eq!(s.read_budget().unwrap(), Some(Duration::from_secs(7)));
        s.set_timing(Some(Instant::now() + Duration::from_secs(3)), Some(Duration::from_secs(7)));
        assert!(s.read_budget().unwrap().unwrap() <= Duration::from_secs(3));
    }

    #[test]
    fn keepalive_is_set_on_the_socket() {
        let (server, _client) = pair();
        set_keepalive(&server, Duration::from_secs(77)).unwrap();
        let mut v: libc::c_int = 0;
        let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
        // SAFETY: valid fd, v and len are valid out-parameters of the right size.
        let r = unsafe {
            libc::getsockopt(
                server.as_raw_fd(),
                libc::IPPROTO_TCP,
                libc::TCP_KEEPIDLE,
                (&mut v as *mut libc::c_int).cast(),
                &mut len,
            )
        };
        assert_eq!((r, v), (0, 77));
    }
}

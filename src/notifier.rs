//! Waiting for either client input or a change, for IDLE and NOTIFY: a
//! poll(2) on the socket and an eventfd that the store's change
//! notification, the alert hub and NOTIFY's listeners poke. A leaf: it
//! knows nothing of sessions, so what pokes a session need not import one.

use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::time::Duration;

/// An eventfd: any thread may poke it; the session polls it.
pub struct Notifier {
    fd: OwnedFd,
}

impl Notifier {
    /// A new, unpoked notifier.
    pub fn new() -> io::Result<Notifier> {
        // SAFETY: eventfd has no memory preconditions; the result is checked.
        let fd = unsafe { libc::eventfd(0, libc::EFD_NONBLOCK | libc::EFD_CLOEXEC) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: fd is a fresh descriptor we own.
        Ok(Notifier { fd: unsafe { OwnedFd::from_raw_fd(fd) } })
    }

    /// Wakes the poller (from any thread).
    pub fn notify(&self) {
        let one: u64 = 1;
        // SAFETY: writes 8 bytes from a valid u64 to our descriptor. A full
        // counter (EAGAIN) already means "poked", so the result is ignored.
        unsafe { libc::write(self.fd.as_raw_fd(), (&one as *const u64).cast(), 8) };
    }

    /// Clears the poked state.
    pub fn drain(&self) {
        let mut v: u64 = 0;
        // SAFETY: reads 8 bytes into a valid u64; EAGAIN when not poked.
        unsafe { libc::read(self.fd.as_raw_fd(), (&mut v as *mut u64).cast(), 8) };
    }
}

impl AsRawFd for Notifier {
    fn as_raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }
}

/// What ended a wait.
#[derive(Debug, PartialEq, Eq)]
pub enum Wake {
    /// The client sent something (or closed).
    Input,
    /// The notifier was poked.
    Notified,
    /// Nothing happened in time.
    Timeout,
}

/// Waits until `sock` is readable, `notifier` is poked, or `timeout`.
pub fn wait(sock: RawFd, notifier: Option<&Notifier>, timeout: Duration) -> io::Result<Wake> {
    let mut fds = [
        libc::pollfd { fd: sock, events: libc::POLLIN, revents: 0 },
        libc::pollfd { fd: notifier.map_or(-1, |n| n.as_raw_fd()), events: libc::POLLIN, revents: 0 },
    ];
    let ms = timeout.as_millis().min(i32::MAX as u128) as i32;
    loop {
        // SAFETY: fds is a valid array of two pollfd; a negative fd is ignored by poll.
        let n = unsafe { libc::poll(fds.as_mut_ptr(), 2, ms) };
        if n < 0 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
        if n == 0 {
            return Ok(Wake::Timeout);
        }
        if fds[0].revents != 0 {
            return Ok(Wake::Input);
        }
        return Ok(Wake::Notified);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{TcpListener, TcpStream};

    #[test]
    fn notifier_wakes_a_wait_and_input_wins() {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let mut client = TcpStream::connect(l.local_addr().unwrap()).unwrap();
        let (server, _) = l.accept().unwrap();
        let n = Notifier::new().unwrap();
        assert_eq!(wait(server.as_raw_fd(), Some(&n), Duration::from_millis(10)).unwrap(), Wake::Timeout);
        let n2 = std::sync::Arc::new(n);
        let poker = n2.clone();
        std::thread::spawn(move || poker.notify()).join().unwrap();
        assert_eq!(wait(server.as_raw_fd(), Some(&n2), Duration::from_secs(5)).unwrap(), Wake::Notified);
        n2.drain();
        std::io::Write::write_all(&mut client, b"DONE\r\n").unwrap();
        assert_eq!(wait(server.as_raw_fd(), Some(&n2), Duration::from_secs(5)).unwrap(), Wake::Input);
    }
}

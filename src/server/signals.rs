//! SIGTERM and SIGHUP through a self-pipe: the handler only writes the
//! signal number to a pipe; a thread reads it and does the work.
//!
//! SIGHUP reopens the `--log-file` and re-reads the certificate and key. SIGTERM stops the listeners,
//! sends `* BYE Server shutting down` to every session, waits up to
//! [`GRACE`] for them to end, and exits with status 0.

use std::io;
use std::os::fd::RawFd;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use crate::activity::Registry;
use crate::net::CertFiles;

/// How long running commands get to finish after SIGTERM.
pub const GRACE: Duration = Duration::from_secs(5);

static PIPE_WRITE: AtomicI32 = AtomicI32::new(-1);
static STOPPING: AtomicBool = AtomicBool::new(false);

/// True once SIGTERM was received: acceptors stop.
pub fn stopping() -> bool {
    STOPPING.load(Ordering::SeqCst)
}

extern "C" fn on_signal(sig: libc::c_int) {
    let b = sig as u8;
    let fd = PIPE_WRITE.load(Ordering::Relaxed);
    // SAFETY: write(2) is async-signal-safe; one byte from a valid local.
    // A full pipe already holds a wake-up, so the result is ignored.
    unsafe { libc::write(fd, (&b as *const u8).cast(), 1) };
}

/// Installs the handlers and starts the thread that acts on them.
/// `listeners` are the raw descriptors of the IMAP listeners; `sessions`
/// the server's session table, whose sessions SIGTERM ends.
pub fn start(listeners: Vec<RawFd>, certs: Option<Arc<CertFiles>>, sessions: Arc<Registry>) -> io::Result<()> {
    let mut fds = [0 as libc::c_int; 2];
    // SAFETY: fds is a valid array of two ints; the result is checked.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC | libc::O_NONBLOCK) } != 0 {
        return Err(io::Error::last_os_error());
    }
    let read_fd = fds[0];
    // The reading end blocks; only the handler's end must never block.
    // SAFETY: read_fd is the pipe's reading end we just made.
    unsafe { libc::fcntl(read_fd, libc::F_SETFL, 0) };
    PIPE_WRITE.store(fds[1], Ordering::SeqCst);
    for sig in [libc::SIGTERM, libc::SIGHUP] {
        // SAFETY: a zeroed sigaction is valid; the handler only calls
        // write(2). SA_RESTART keeps blocking calls in other threads going.
        unsafe {
            let mut sa: libc::sigaction = std::mem::zeroed();
            sa.sa_sigaction = on_signal as *const () as usize;
            sa.sa_flags = libc::SA_RESTART;
            libc::sigemptyset(&mut sa.sa_mask);
            if libc::sigaction(sig, &sa, std::ptr::null_mut()) != 0 {
                return Err(io::Error::last_os_error());
            }
        }
    }
    thread::Builder::new().name("tegami-signals".into()).spawn(move || loop {
        let mut b = 0u8;
        // SAFETY: reads one byte into a valid local from our pipe.
        let n = unsafe { libc::read(read_fd, (&mut b as *mut u8).cast(), 1) };
        if n != 1 {
            if io::Error::last_os_error().kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return;
        }
        match i32::from(b) {
            libc::SIGHUP => reload(certs.as_deref()),
            libc::SIGTERM => shut_down(&listeners, &sessions),
            _ => {}
        }
    })?;
    Ok(())
}

fn reload(certs: Option<&CertFiles>) {
    match crate::server::logger::reopen() {
        Ok(true) => log::error!("SIGHUP: log file reopened; reloading"),
        Ok(false) => log::error!("SIGHUP: reloading"),
        Err(e) => log::error!("SIGHUP: log file not reopened: {e}; reloading"),
    }
    if let Some(c) = certs {
        match c.reload() {
            Ok(()) => log::error!("TLS certificate reloaded; new connections use it"),
            Err(e) => log::error!("TLS certificate not reloaded, keeping the old one: {e}"),
        }
    }
}

fn shut_down(listeners: &[RawFd], sessions: &Registry) -> ! {
    STOPPING.store(true, Ordering::SeqCst);
    log::error!("SIGTERM: shutting down ({} sessions)", sessions.len());
    for &fd in listeners {
        // Wakes the acceptor blocked in accept(2); it sees `stopping()`.
        // SAFETY: shutdown(2) on a descriptor the listeners own.
        unsafe { libc::shutdown(fd, libc::SHUT_RDWR) };
    }
    sessions.kick_all("Server shutting down");
    let deadline = Instant::now() + GRACE;
    while !sessions.is_empty() && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(20));
    }
    let left = sessions.len();
    if left > 0 {
        log::error!("stopped with {left} sessions still busy");
    } else {
        log::error!("stopped");
    }
    // The dotlocks' files this process kept in mail directories.
    crate::store::linkfile::remove_idle();
    std::process::exit(0);
}

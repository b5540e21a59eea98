//! Listener threads and the bounded worker pool: one blocking acceptor
//! thread per listener hands each connection to the pool, which runs at most
//! the Maximum Number of Channels sessions at once.

mod behind;
pub mod limits;
pub mod logger;
pub mod pool;
mod privileges;
pub mod signals;

use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use crate::config::Config;
use crate::net::{self, Sock, Stream};
use crate::origin::Origin;
use crate::session;
use crate::shared::Shared;
use behind::{Admission, Listener};
use limits::PerIp;
use pool::{Place, Pool};

/// A bound server, ready to run.
pub struct Server {
    shared: Arc<Shared>,
    listeners: Vec<(TcpListener, Listener)>,
    pool: Pool,
    monitor: Option<TcpListener>,
    certs: Option<Arc<net::CertFiles>>,
}

/// How many over-the-cap TLS refusals may be under way at once; beyond it a
/// connection is closed without a word (it would cost a handshake).
const MAX_TLS_REFUSALS: usize = 16;

const BYE_FULL: &str = "Too many connections (Maximum Number of Channels reached), try again later";
const BYE_PER_IP: &str = "Too many connections from your address, try again later";

impl Server {
    /// Loads certificates and accounts and binds every listener, then drops
    /// privileges when `--user` asks for it.
    pub fn bind(mut config: Config) -> Result<Server, String> {
        config.apply_default_listeners();
        let nofile = limits::raise_nofile();
        if let Err(e) = limits::check_channels(config.max_channels, nofile) {
            // An explicit --max-channels the descriptors cannot serve is
            // refused; the default shrinks to what they can.
            if config.net.channels_given {
                return Err(e);
            }
            let fits = limits::channels_that_fit(nofile);
            if fits == 0 {
                return Err(e);
            }
            log::warn!("RLIMIT_NOFILE is {nofile}: Maximum Number of Channels lowered to {fits} (give --max-channels, and raise the limit, to change it)");
            config.max_channels = fits;
        }
        let (tls, certs) = match (&config.cert, &config.key) {
            (Some(c), Some(k)) => {
                let (tls, files) = net::load_backend(config.net.tls_backend, c, k)?;
                (Some(tls), Some(files))
            }
            _ => (None, None),
        };
        let mut listeners = Vec::new();
        for (addrs, kind) in Listener::all(&config) {
            for a in addrs {
                let l = TcpListener::bind(a).map_err(|e| format!("cannot listen on {a}: {e}"))?;
                listeners.push((l, kind));
            }
        }
        let monitor = match config.monitor {
            Some(a) => Some(TcpListener::bind(a).map_err(|e| format!("cannot listen on {a} (--monitor): {e}"))?),
            None => None,
        };
        match &config.run_as {
            Some(spec) => privileges::switch_to(spec)?,
            None if privileges::is_root() => log::warn!(
                "running as root without --user: each session accesses mail as its account's uid and gid \
                 (accounts without a uid or below --first-valid-uid {} cannot log in)",
                config.first_valid_uid
            ),
            None => {}
        }
        let pool = Pool::new(config.max_channels);
        let shared = Arc::new(Shared::new(config, tls)?);
        Ok(Server { shared, listeners, pool, monitor, certs })
    }

    /// The addresses bound, with whether each is implicit TLS (listeners
    /// behind HAProxy are in [`Server::haproxy_addrs`]).
    pub fn local_addrs(&self) -> Vec<(SocketAddr, bool)> {
        let direct = self.listeners.iter().filter(|(_, k)| !k.haproxy);
        direct.filter_map(|(l, k)| Some((l.local_addr().ok()?, k.tls))).collect()
    }

    /// The `--listen-haproxy` and `--listen-tls-haproxy` addresses bound,
    /// with whether each is implicit TLS.
    pub fn haproxy_addrs(&self) -> Vec<(SocketAddr, bool)> {
        let behind = self.listeners.iter().filter(|(_, k)| k.haproxy);
        behind.filter_map(|(l, k)| Some((l.local_addr().ok()?, k.tls))).collect()
    }

    /// The monitor listener's address, when `--monitor` is given.
    pub fn monitor_addr(&self) -> Option<SocketAddr> {
        self.monitor.as_ref().and_then(|l| l.local_addr().ok())
    }

    /// The state every session shares.
    pub fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// Runs the acceptor threads; returns only if every listener fails.
    pub fn run(self) -> Result<(), String> {
        let refusals = Arc::new(AtomicUsize::new(0));
        let per_ip = PerIp::new(self.shared.config.net.max_per_ip);
        let fds = self.listeners.iter().map(|(l, _)| l.as_raw_fd()).collect();
        signals::start(fds, self.certs.clone(), self.shared.monitor.clone())
            .map_err(|e| format!("cannot handle signals: {e}"))?;
        if let Some(m) = self.monitor {
            crate::monitor::http::start(m, self.shared.clone()).map_err(|e| format!("monitor: {e}"))?;
        }
        crate::authhttp::start(&self.shared)?;
        crate::agentx::start(&self.shared, signals::stopping)?;
        let mut handles = Vec::new();
        for (listener, kind) in self.listeners {
            let (shared, pool, refusals) = (self.shared.clone(), self.pool.clone(), refusals.clone());
            let per_ip = per_ip.clone();
            let h = thread::Builder::new()
                .name("tegami-accept".into())
                .spawn(move || accept_loop(listener, kind, shared, pool, per_ip, refusals))
                .map_err(|e| e.to_string())?;
            handles.push(h);
        }
        for h in handles {
            let _ = h.join();
        }
        // After SIGTERM the signal thread ends the process once sessions
        // have said goodbye.
        while signals::stopping() {
            thread::park();
        }
        Err("every listener stopped".into())
    }
}

static SESSION_COUNTER: AtomicU64 = AtomicU64::new(0);

fn accept_loop(
    listener: TcpListener,
    kind: Listener,
    shared: Arc<Shared>,
    pool: Pool,
    per_ip: PerIp,
    refusals: Arc<AtomicUsize>,
) {
    loop {
        let accepted = listener.accept();
        if signals::stopping() {
            return;
        }
        let (sock, peer) = match accepted {
            Ok(x) => x,
            Err(e) => {
                // EMFILE and friends: wait a little rather than spin.
                log::warn!("accept failed: {e}");
                thread::sleep(Duration::from_millis(100));
                continue;
            }
        };
        // The login deadline runs from here, whatever the client sends.
        let connected = Instant::now();
        let origin = match behind::admit(kind, peer, &per_ip, &shared) {
            Admission::Go(origin) => origin,
            Admission::Full => {
                refuse(sock, kind.tls, &shared, BYE_PER_IP, &refusals);
                continue;
            }
            // Closed without a word: not a proxy this listener trusts.
            Admission::Closed => continue,
        };
        if !pool.try_reserve() {
            log::warn!("[{peer}] refused: Maximum Number of Channels ({}) reached", shared.config.max_channels);
            refuse(sock, kind.tls, &shared, BYE_FULL, &refusals);
            continue;
        }
        let id = SESSION_COUNTER.fetch_add(1, Ordering::Relaxed) + 1;
        let conn = Accepted { sock, origin, kind, connected, id };
        let (shared, refusals) = (shared.clone(), refusals.clone());
        pool.run_reserved(Box::new(move |place| serve(conn, shared, refusals, place)));
    }
}

/// A connection the acceptor took, on its way to a worker.
struct Accepted {
    sock: TcpStream,
    origin: Origin,
    kind: Listener,
    /// When it was accepted: the login deadline runs from here.
    connected: Instant,
    id: u64,
}

/// Runs one accepted connection on a worker: the PROXY header when the
/// listener wants one, the TLS handshake, then the session.
fn serve(conn: Accepted, shared: Arc<Shared>, refusals: Arc<AtomicUsize>, place: &Place) {
    let Accepted { sock, mut origin, kind, connected, id } = conn;
    let net = &shared.config.net;
    let peer = origin.connected_from;
    let _ = sock.set_nodelay(true);
    if let Some(idle) = net.tcp_keepalive {
        if let Err(e) = net::sock::set_keepalive(&sock, idle) {
            log::warn!("IMAP-{id:05} [{peer}] cannot set TCP keepalive: {e}");
        }
    }
    // A second handle keeps the connection open when the session
    // drops its own: the channel is freed first, and only then does
    // the client see the close, so it may reconnect at once.
    let keep = sock.try_clone().ok();
    let mut sock = Sock::new(sock, Some(net.write_timeout));
    let login_deadline = connected + net.login_timeout;
    let counted = if kind.haproxy {
        match behind::read_header(&mut sock, &mut origin, id, &shared, login_deadline) {
            Some(counted) => counted,
            None => return,
        }
    } else {
        true
    };
    if !counted {
        // Nothing past the header was read: the refusal starts afresh.
        if let Ok(tcp) = sock.tcp().try_clone() {
            refuse(tcp, kind.tls, &shared, BYE_PER_IP, &refusals);
        }
        return;
    }
    sock.set_timing(Some(login_deadline), None);
    let stream = if kind.tls {
        let Some(tls) = shared.tls.clone() else { return };
        match Stream::accept_tls(sock, &tls) {
            Ok(s) => s,
            Err(e) => {
                log::warn!("IMAP-{id:05} [{}] TLS handshake failed: {e}", origin.client);
                return;
            }
        }
    } else {
        Stream::plain(sock)
    };
    // Both are given back before the client can see the close.
    let slot = origin.count_slot();
    let release = || {
        place.release();
        drop(slot.lock().take());
    };
    session::run(shared, stream, origin, id, &release);
    release();
    if let Some(k) = keep {
        let _ = k.shutdown(Shutdown::Write);
    }
}

/// Sends an over-a-cap BYE and closes. There is no session yet: the
/// writer renders and writes it as every session's.
fn refuse(mut sock: TcpStream, is_tls: bool, shared: &Arc<Shared>, text: &'static str, refusals: &Arc<AtomicUsize>) {
    shared.monitor.stats.refused();
    let _ = sock.set_write_timeout(Some(Duration::from_secs(2)));
    if !is_tls {
        let _ = session::writer::bye_without_session(&mut sock, text);
        return;
    }
    let Some(tls) = shared.tls.clone() else { return };
    if refusals.fetch_add(1, Ordering::SeqCst) >= MAX_TLS_REFUSALS {
        refusals.fetch_sub(1, Ordering::SeqCst);
        return;
    }
    let refusals = refusals.clone();
    let _ = thread::Builder::new().name("tegami-refuse".into()).spawn(move || {
        let mut sock = Sock::new(sock, Some(Duration::from_secs(2)));
        sock.set_timing(Some(Instant::now() + Duration::from_secs(5)), None);
        if let Ok(mut s) = Stream::accept_tls(sock, &tls) {
            let _ = session::writer::bye_without_session(&mut s, text);
            // close_notify, so the client sees an orderly end, not a
            // truncation attack.
            s.close();
        }
        refusals.fetch_sub(1, Ordering::SeqCst);
    });
}

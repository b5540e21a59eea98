//! What the server is doing: the live session table and the server
//! statistics (the manual's Monitoring section), one [`Registry`] per
//! server, held in `Shared` and passed explicitly. A leaf below the
//! session, the server and the monitor, which shows it.
//!
//! Sessions update their [`Entry`] cheaply (atomics and a small mutex that is
//! never held across I/O); the monitor takes a [`Snapshot`] when asked.

use std::collections::BTreeMap;
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

/// Every session now running, and the statistics of the whole server.
pub struct Registry {
    sessions: Mutex<BTreeMap<u64, Arc<Entry>>>,
    /// Server-wide counters.
    pub stats: Arc<Stats>,
    started: Instant,
}

/// Server-wide counters (since the start).
#[derive(Default)]
pub struct Stats {
    sessions_total: AtomicU64,
    peak: AtomicU64,
    logins: AtomicU64,
    failed_logins: AtomicU64,
    appended: AtomicU64,
    refused: AtomicU64,
    bytes_in: AtomicU64,
    bytes_out: AtomicU64,
    alerts: AtomicU64,
    referrals: AtomicU64,
    /// When the last session began, in nanoseconds after the start plus
    /// one (0: none yet): applLastInboundActivity.
    last_session: AtomicU64,
    commands: Mutex<BTreeMap<&'static str, (u64, Duration)>>,
}

impl Stats {
    /// One message stored by APPEND.
    pub fn appended(&self) {
        self.appended.fetch_add(1, Ordering::Relaxed);
    }

    /// One LOGIN refused by the monitor's own login.
    pub fn failed_login(&self) {
        self.failed_logins.fetch_add(1, Ordering::Relaxed);
    }

    /// One connection refused because the channel cap was reached.
    pub fn refused(&self) {
        self.refused.fetch_add(1, Ordering::Relaxed);
    }

    /// One `[ALERT]` of the alerts spool shown to a session.
    pub fn alert_shown(&self) {
        self.alerts.fetch_add(1, Ordering::Relaxed);
    }

    /// One login answered with a `[REFERRAL]` to another server (RFC 2221).
    pub fn referred(&self) {
        self.referrals.fetch_add(1, Ordering::Relaxed);
    }
}

/// One session's row in the table.
pub struct Entry {
    /// The session number (`IMAP-nnnnn`).
    pub id: u64,
    /// The client's address; a trusted proxy's ID may name it later.
    peer: Mutex<SocketAddr>,
    connected: Instant,
    tls: AtomicBool,
    bytes_in: AtomicU64,
    bytes_out: AtomicU64,
    failed_seen: AtomicU32,
    info: Mutex<Info>,
    kicked: Mutex<Option<String>>,
    /// A second handle on the socket, to wake a session that is to end.
    sock: Option<TcpStream>,
    /// The server's counters, which this session's add to.
    stats: Arc<Stats>,
}

#[derive(Default)]
struct Info {
    account: Option<String>,
    login_at: Option<Instant>,
    mailbox: Option<String>,
    command: Option<(&'static str, Instant)>,
}

/// A session's registration; dropping it removes the row.
pub struct Handle {
    entry: Arc<Entry>,
    registry: Arc<Registry>,
}

impl std::ops::Deref for Handle {
    type Target = Entry;
    fn deref(&self) -> &Entry {
        &self.entry
    }
}

impl Handle {
    /// Marks command `name` as running until the result is dropped.
    pub fn begin(&self, name: &'static str) -> Operation {
        self.entry.info.lock().command = Some((name, Instant::now()));
        Operation(self.entry.clone())
    }

    /// The client's address as a trusted proxy reported it (`origin`).
    pub fn set_peer(&self, peer: SocketAddr) {
        *self.entry.peer.lock() = peer;
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        self.registry.sessions.lock().remove(&self.entry.id);
    }
}

/// A running command; dropping it adds its time to the statistics.
pub struct Operation(Arc<Entry>);

impl Drop for Operation {
    fn drop(&mut self) {
        let done = self.0.info.lock().command.take();
        if let Some((name, start)) = done {
            let mut c = self.0.stats.commands.lock();
            let e = c.entry(name).or_default();
            e.0 += 1;
            e.1 += start.elapsed();
        }
    }
}

/// How long a kicked session may take to finish its command.
pub const KICK_GRACE: Duration = Duration::from_secs(5);

impl Registry {
    /// An empty table, the statistics at zero and the uptime counted from now.
    pub fn new() -> Arc<Registry> {
        Arc::new(Registry { sessions: Mutex::new(BTreeMap::new()), stats: Arc::default(), started: Instant::now() })
    }

    /// Adds a session's row; `sock` is a clone of its TCP socket.
    pub fn register(self: &Arc<Registry>, id: u64, peer: SocketAddr, sock: Option<TcpStream>, tls: bool) -> Handle {
        let entry = Arc::new(Entry {
            id,
            peer: Mutex::new(peer),
            connected: Instant::now(),
            tls: AtomicBool::new(tls),
            bytes_in: AtomicU64::new(0),
            bytes_out: AtomicU64::new(0),
            failed_seen: AtomicU32::new(0),
            info: Mutex::new(Info::default()),
            kicked: Mutex::new(None),
            sock,
            stats: self.stats.clone(),
        });
        let now = {
            let mut s = self.sessions.lock();
            s.insert(id, entry.clone());
            s.len() as u64
        };
        self.stats.sessions_total.fetch_add(1, Ordering::Relaxed);
        self.stats.peak.fetch_max(now, Ordering::Relaxed);
        let since = u64::try_from(self.started.elapsed().as_nanos()).unwrap_or(u64::MAX - 1);
        self.stats.last_session.store(since + 1, Ordering::Relaxed);
        Handle { entry, registry: self.clone() }
    }

    /// Sessions running now.
    pub fn len(&self) -> usize {
        self.sessions.lock().len()
    }

    /// True when no session runs.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Asks session `id` to end with `* BYE reason`; false if there is none.
    /// A session whose command does not finish within [`KICK_GRACE`] (a
    /// client that does not read what it asked for) is cut off.
    pub fn kick(self: &Arc<Registry>, id: u64, reason: &str) -> bool {
        let Some(e) = self.sessions.lock().get(&id).cloned() else { return false };
        e.end(reason);
        let registry = self.clone();
        let _ = std::thread::Builder::new().name("tegami-kick".into()).spawn(move || {
            std::thread::sleep(KICK_GRACE);
            let still = registry.sessions.lock().get(&id).is_some_and(|now| Arc::ptr_eq(now, &e));
            if still {
                log::warn!("IMAP-{id:05} did not end within {KICK_GRACE:?}: connection cut");
                if let Some(s) = &e.sock {
                    let _ = s.shutdown(Shutdown::Both);
                }
            }
        });
        true
    }

    /// Asks every session to end with `* BYE reason`.
    pub fn kick_all(&self, reason: &str) {
        let all: Vec<Arc<Entry>> = self.sessions.lock().values().cloned().collect();
        for e in all {
            e.end(reason);
        }
    }

    /// The table and statistics as they are now.
    pub fn snapshot(&self, max_channels: usize) -> Snapshot {
        let now = Instant::now();
        let entries: Vec<Arc<Entry>> = self.sessions.lock().values().cloned().collect();
        let sessions = entries.iter().map(|e| e.row(now)).collect();
        let st = &self.stats;
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        let uptime = now.duration_since(self.started);
        let last_session = match get(&st.last_session) {
            0 => None,
            n => Some(uptime.saturating_sub(Duration::from_nanos(n - 1))),
        };
        Snapshot {
            sessions,
            uptime,
            last_session,
            sessions_total: get(&st.sessions_total),
            peak: get(&st.peak),
            logins: get(&st.logins),
            failed_logins: get(&st.failed_logins),
            appended: get(&st.appended),
            refused: get(&st.refused),
            bytes_in: get(&st.bytes_in),
            bytes_out: get(&st.bytes_out),
            alerts: get(&st.alerts),
            referrals: get(&st.referrals),
            noticed: crate::store::mailbox::sync::noticed(),
            commands: st.commands.lock().iter().map(|(k, v)| (k.to_string(), v.0, v.1)).collect(),
            max_channels,
            password_hashes: crate::auth::hash::slow_hashes(),
            penalty_entries: 0,
        }
    }
}

impl Entry {
    /// The server's counters, which this session adds to.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }

    /// Counts octets written to the client.
    pub fn sent(&self, n: u64) {
        self.bytes_out.fetch_add(n, Ordering::Relaxed);
        self.stats.bytes_out.fetch_add(n, Ordering::Relaxed);
    }

    /// The BYE text when the session was asked to end.
    pub fn kicked(&self) -> Option<String> {
        self.kicked.lock().clone()
    }

    fn end(&self, reason: &str) {
        self.kicked.lock().get_or_insert_with(|| reason.to_string());
        // A session waiting for a command (or in IDLE) is woken by end of
        // file. One running a command (a streamed APPEND included) finishes
        // it and then sees the request; the flag is set first, so either
        // this sees the command or the session sees the flag.
        let busy = matches!(self.info.lock().command, Some((name, _)) if name != "IDLE");
        if !busy {
            if let Some(s) = &self.sock {
                let _ = s.shutdown(Shutdown::Read);
            }
        }
    }

    fn row(&self, now: Instant) -> Row {
        let info = self.info.lock();
        let state = match (info.command, &info.account, &info.mailbox) {
            (Some(("LOGIN" | "AUTHENTICATE", _)), _, _) | (None, None, _) => "Authenticating".to_string(),
            (Some(("SELECT" | "EXAMINE", _)), _, _) | (None, Some(_), None) => "selecting a mailbox".to_string(),
            (Some((c, _)), _, _) => c.to_string(),
            (None, Some(_), Some(m)) => format!("Connected to mailbox {m}"),
        };
        let peer = *self.peer.lock();
        Row {
            id: self.id,
            ip: peer.ip().to_string(),
            port: peer.port(),
            account: info.account.clone(),
            connected: now.duration_since(info.login_at.unwrap_or(self.connected)),
            since_connect: now.duration_since(self.connected),
            state,
            mailbox: info.mailbox.clone(),
            command: info.command.map(|c| c.0.to_string()),
            operation: info.command.map(|c| now.duration_since(c.1)),
            bytes_in: self.bytes_in.load(Ordering::Relaxed),
            bytes_out: self.bytes_out.load(Ordering::Relaxed),
            tls: self.tls.load(Ordering::Relaxed),
        }
    }
}

/// What a session shows the monitor after each command: plain values the
/// session fills in, so the monitor needs no knowledge of sessions.
#[derive(Debug, Clone, Copy)]
pub struct Observed<'a> {
    /// Octets read from the client so far.
    pub bytes_in: u64,
    /// Failed LOGIN/AUTHENTICATE attempts so far.
    pub failed_logins: u32,
    /// The connection is encrypted (it may have become so by STARTTLS).
    pub tls: bool,
    /// The logged-in account.
    pub account: Option<&'a str>,
    /// The selected mailbox.
    pub mailbox: Option<&'a str>,
}

/// Records what a session is doing after each command: account, mailbox,
/// TLS, octets read, failed logins.
pub fn observe(e: &Handle, seen: Observed<'_>) {
    let stats = &e.stats;
    let before = e.bytes_in.swap(seen.bytes_in, Ordering::Relaxed);
    stats.bytes_in.fetch_add(seen.bytes_in.saturating_sub(before), Ordering::Relaxed);
    let failed = seen.failed_logins;
    let counted = e.failed_seen.swap(failed, Ordering::Relaxed);
    stats.failed_logins.fetch_add(u64::from(failed.saturating_sub(counted)), Ordering::Relaxed);
    e.tls.store(seen.tls, Ordering::Relaxed);
    let (account, mailbox) = (seen.account, seen.mailbox);
    let mut info = e.info.lock();
    if info.account.as_deref() != account {
        if account.is_some() && info.account.is_none() {
            stats.logins.fetch_add(1, Ordering::Relaxed);
            info.login_at = Some(Instant::now());
        }
        info.account = account.map(str::to_string);
    }
    if info.mailbox.as_deref() != mailbox {
        info.mailbox = mailbox.map(str::to_string);
    }
}

/// One session as the table shows it.
#[derive(Debug, Clone)]
pub struct Row {
    /// The session number; the log tag is `IMAP-nnnnn`.
    pub id: u64,
    /// The client's IP address.
    pub ip: String,
    /// The client's port.
    pub port: u16,
    /// The logged-in account.
    pub account: Option<String>,
    /// Time since login (since the connection, before login).
    pub connected: Duration,
    /// Time since the connection.
    pub since_connect: Duration,
    /// The manual's state column.
    pub state: String,
    /// The selected mailbox.
    pub mailbox: Option<String>,
    /// The running command.
    pub command: Option<String>,
    /// How long the running command has taken so far.
    pub operation: Option<Duration>,
    /// Octets read from the client.
    pub bytes_in: u64,
    /// Octets written to the client.
    pub bytes_out: u64,
    /// The connection is encrypted.
    pub tls: bool,
}

impl Row {
    /// The log tag, `IMAP-00042`.
    pub fn tag(&self) -> String {
        format!("IMAP-{:05}", self.id)
    }
}

/// The table and statistics at one moment.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// Sessions now, by ID.
    pub sessions: Vec<Row>,
    /// Time since the server started.
    pub uptime: Duration,
    /// Time since the last session began, if one did.
    pub last_session: Option<Duration>,
    /// Sessions since the start.
    pub sessions_total: u64,
    /// Most sessions at once.
    pub peak: u64,
    /// Successful logins.
    pub logins: u64,
    /// Failed LOGIN/AUTHENTICATE attempts.
    pub failed_logins: u64,
    /// Messages stored by APPEND.
    pub appended: u64,
    /// Connections refused at the channel cap.
    pub refused: u64,
    /// Octets read from clients.
    pub bytes_in: u64,
    /// Octets written to clients.
    pub bytes_out: u64,
    /// `[ALERT]`s of the alerts spool shown to sessions.
    pub alerts: u64,
    /// Logins answered with a `[REFERRAL]`.
    pub referrals: u64,
    /// Messages that appeared in mailboxes without this server (an MTA
    /// writing into `new/`, another process), counted when a sync numbers them.
    pub noticed: u64,
    /// Commands finished: name, count, total time.
    pub commands: Vec<(String, u64, Duration)>,
    /// The Maximum Number of Channels.
    pub max_channels: usize,
    /// Slow password hashes computed (dummy ones for unknown names too).
    pub password_hashes: u64,
    /// Records in the failed-login penalty table.
    pub penalty_entries: usize,
}

impl Snapshot {
    /// Sessions now by state: (not logged in, logged in without a
    /// mailbox, with a mailbox selected).
    pub fn by_state(&self) -> (u64, u64, u64) {
        let mut n = (0, 0, 0);
        for r in &self.sessions {
            match (&r.account, &r.mailbox) {
                (None, _) => n.0 += 1,
                (Some(_), None) => n.1 += 1,
                (Some(_), Some(_)) => n.2 += 1,
            }
        }
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_come_and_go_and_operations_are_counted() {
        let r = Registry::new();
        let peer: SocketAddr = "192.0.2.7:4000".parse().unwrap();
        let h = r.register(990_001, peer, None, true);
        let row = |id| r.snapshot(5).sessions.into_iter().find(|s| s.id == id);
        assert_eq!(row(990_001).unwrap().state, "Authenticating");
        {
            let _op = h.begin("FETCH");
            let now = row(990_001).unwrap();
            assert_eq!((now.state.as_str(), now.ip.as_str(), now.tls), ("FETCH", "192.0.2.7", true));
            assert!(now.operation.is_some());
        }
        assert!(r.snapshot(5).commands.iter().any(|(n, c, _)| n == "FETCH" && *c >= 1));
        h.info.lock().account = Some("joe".into());
        assert_eq!(row(990_001).unwrap().state, "selecting a mailbox");
        h.info.lock().mailbox = Some("INBOX".into());
        assert_eq!(row(990_001).unwrap().state, "Connected to mailbox INBOX");
        assert!(r.kick(990_001, "bye now"));
        assert_eq!(h.kicked().as_deref(), Some("bye now"));
        drop(h);
        assert!(row(990_001).is_none());
        assert!(!r.kick(990_001, "again"));
    }
}

//! The subagent's connection to the master agent: Open and Register, then
//! answers to the master's requests, a Ping when the line has been quiet,
//! and reconnection with backoff when the master goes away.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::os::unix::net::UnixStream;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::mib::{self, Times};
use super::pdu::{self, error, kind, Header, Oid, Request, Value, HEADER_LEN};
use super::Target;
use crate::shared::Shared;

/// The first wait before reconnecting; it doubles up to [`BACKOFF_MAX`].
pub const BACKOFF_FIRST: Duration = Duration::from_secs(1);
/// The longest wait between attempts to reach the master.
pub const BACKOFF_MAX: Duration = Duration::from_secs(15);
/// A Ping is sent after this long without a PDU from the master; a
/// second quiet period without its answer ends the connection.
pub const PING_EVERY: Duration = Duration::from_secs(10);
/// How long the master has to answer Open and Register.
pub const ANSWER_WAIT: Duration = Duration::from_secs(10);

/// Why a connection ended (one log line per outage says it).
#[derive(Debug, PartialEq, Eq)]
pub struct Lost(pub String);

/// The objects served, given sysUpTime now.
pub type Source<'a> = dyn FnMut(u32) -> Vec<(Oid, Value)> + 'a;

/// One connection to the master.
pub struct Conn<S> {
    s: S,
    buf: Vec<u8>,
    session: u32,
    packet: u32,
    /// The master's sysUpTime at the last Response, and when it came.
    clock: (u32, Instant),
    /// The packet ID of a Ping not yet answered.
    pinged: Option<u32>,
}

impl<S: Read + Write> Conn<S> {
    /// A connection on a stream whose read timeout is [`PING_EVERY`].
    pub fn new(s: S) -> Conn<S> {
        Conn { s, buf: Vec::new(), session: 0, packet: 0, clock: (0, Instant::now()), pinged: None }
    }

    /// The session ID the master gave at Open.
    pub fn session(&self) -> u32 {
        self.session
    }

    /// sysUpTime now, from the master's last reading.
    fn now(&self) -> u32 {
        self.clock.0.wrapping_add(mib::ticks(self.clock.1.elapsed()))
    }

    fn send(&mut self, b: &[u8]) -> Result<(), Lost> {
        self.s.write_all(b).map_err(|e| Lost(format!("write failed: {e}")))
    }

    fn next_packet(&mut self) -> u32 {
        self.packet = self.packet.wrapping_add(1);
        self.packet
    }

    /// The next whole PDU, or None when the read timed out. A header that
    /// cannot be read ends the connection (the stream is out of step): a
    /// Close with reasonParseError is sent first.
    pub fn next_pdu(&mut self) -> Result<Option<(Header, Vec<u8>)>, Lost> {
        loop {
            if self.buf.len() >= HEADER_LEN {
                let mut h = [0u8; HEADER_LEN];
                h.copy_from_slice(&self.buf[..HEADER_LEN]);
                let header = match Header::parse(&h) {
                    Ok(header) => header,
                    Err(e) => {
                        let close = pdu::close(self.session, self.next_packet(), pdu::reason::PARSE_ERROR);
                        let _ = self.send(&close);
                        return Err(Lost(format!("malformed PDU from the master: {e}")));
                    }
                };
                let end = HEADER_LEN + header.payload_len as usize;
                if self.buf.len() >= end {
                    let payload = self.buf[HEADER_LEN..end].to_vec();
                    self.buf.drain(..end);
                    return Ok(Some((header, payload)));
                }
            }
            let mut chunk = [0u8; 4096];
            match self.s.read(&mut chunk) {
                Ok(0) => return Err(Lost("the master closed the connection".into())),
                Ok(n) => self.buf.extend_from_slice(&chunk[..n]),
                Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => return Ok(None),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(Lost(format!("read failed: {e}"))),
            }
        }
    }

    /// Sends a PDU and waits for its Response, answering the master's
    /// requests meanwhile; the Response's error code.
    fn ask(&mut self, pdu: &[u8], packet: u32, source: &mut Source<'_>) -> Result<u16, Lost> {
        self.send(pdu)?;
        let start = Instant::now();
        loop {
            match self.next_pdu()? {
                None if start.elapsed() >= ANSWER_WAIT => return Err(Lost("the master did not answer".into())),
                None => {}
                Some((h, payload)) => {
                    if let Some((p, err)) = self.handle(h, &payload, source)? {
                        if p == packet {
                            return Ok(err);
                        }
                    }
                }
            }
        }
    }

    /// Opens the session and registers the applTable row, tegami's
    /// assocTable columns and tegamiObjects.
    pub fn open(&mut self, source: &mut Source<'_>) -> Result<(), Lost> {
        let p = self.next_packet();
        let err = self.ask(&pdu::open(p, 0, &mib::TEGAMI_MIB, "tegami IMAP server"), p, source)?;
        if err != error::NONE {
            return Err(Lost(format!("the master refused Open (error {err})")));
        }
        let mut row = mib::APPL_ENTRY.to_vec();
        row.extend([mib::APPL_COLUMNS.0, mib::APPL_INDEX]);
        // range_subid 10: the column sub-identifier, up to the last column.
        let mut assoc = mib::ASSOC_ENTRY.to_vec();
        assoc.extend([mib::ASSOC_COLUMNS.0, mib::APPL_INDEX]);
        let registrations = [
            (row, Some((10, mib::APPL_COLUMNS.1))),
            (assoc, Some((10, mib::ASSOC_COLUMNS.1))),
            (mib::TEGAMI_OBJECTS.to_vec(), None),
        ];
        for (subtree, range) in registrations {
            let p = self.next_packet();
            let err = self.ask(&pdu::register(self.session, p, &subtree, range), p, source)?;
            if err != error::NONE {
                let what = if err == error::DUPLICATE_REGISTRATION { "duplicateRegistration" } else { "an error" };
                return Err(Lost(format!("the master refused to register {} ({what}, {err})", dotted(&subtree))));
            }
        }
        Ok(())
    }

    /// Answers the master until the connection ends; why it ended.
    pub fn serve(&mut self, source: &mut Source<'_>) -> Lost {
        loop {
            let got = match self.next_pdu() {
                Ok(got) => got,
                Err(lost) => return lost,
            };
            let step = match got {
                Some((h, payload)) => self.handle(h, &payload, source).map(|_| ()),
                None if self.pinged.is_some() => Err(Lost("the master did not answer a Ping".into())),
                None => {
                    let p = self.next_packet();
                    self.pinged = Some(p);
                    self.send(&pdu::ping(self.session, p))
                }
            };
            if let Err(lost) = step {
                return lost;
            }
        }
    }

    /// Handles one PDU from the master; a Response's packet ID and error
    /// are returned to whoever waits for it.
    fn handle(&mut self, h: Header, payload: &[u8], source: &mut Source<'_>) -> Result<Option<(u32, u16)>, Lost> {
        let Ok(pdu) = pdu::parse(h, payload) else {
            self.send(&pdu::response(&h, error::PARSE_ERROR, 0, &[]))?;
            return Ok(None);
        };
        let all = |c: &Self, source: &mut Source<'_>| source(c.now());
        let binds = match pdu.request {
            Request::Response { sys_uptime, error } => {
                if h.kind == kind::RESPONSE && self.session == 0 && error == error::NONE {
                    self.session = h.session;
                }
                self.clock = (sys_uptime, Instant::now());
                if self.pinged == Some(h.packet) {
                    self.pinged = None;
                }
                return Ok(Some((h.packet, error)));
            }
            Request::Close(why) => return Err(Lost(format!("the master closed the session (reason {why})"))),
            Request::Other(k) => {
                let err = if (1..=17).contains(&k) { error::PROCESSING_ERROR } else { error::PARSE_ERROR };
                return self.send(&pdu::response(&h, err, 0, &[])).map(|_| None);
            }
            _ if h.session != self.session => {
                return self.send(&pdu::response(&h, error::NOT_OPEN, 0, &[])).map(|_| None)
            }
            _ if pdu.context.is_some() => {
                return self.send(&pdu::response(&h, error::UNSUPPORTED_CONTEXT, 0, &[])).map(|_| None)
            }
            Request::Get(ranges) => {
                let all = all(self, source);
                ranges.iter().map(|r| mib::get(&all, &r.start)).collect()
            }
            Request::GetNext(ranges) => {
                let all = all(self, source);
                ranges.iter().map(|r| mib::next(&all, r)).collect()
            }
            Request::GetBulk { non_repeaters, max_repetitions, ranges } => {
                mib::bulk(&all(self, source), non_repeaters, max_repetitions, &ranges)
            }
            Request::Set(k) => {
                // Everything is read-only: TestSet fails on the first
                // varbind; the master then sends CleanupSet (no answer).
                let (err, index) = match k {
                    kind::TEST_SET => (error::NOT_WRITABLE, 1),
                    kind::COMMIT_SET => (error::GEN_ERR, 0),
                    kind::CLEANUP_SET => return Ok(None),
                    _ => (error::NONE, 0),
                };
                return self.send(&pdu::response(&h, err, index, &[])).map(|_| None);
            }
        };
        self.send(&pdu::response(&h, error::NONE, 0, &binds))?;
        Ok(None)
    }
}

/// `1.3.6.1...` for log lines.
fn dotted(oid: &[u32]) -> String {
    oid.iter().map(u32::to_string).collect::<Vec<_>>().join(".")
}

/// A stream to the master, Unix or TCP.
enum Stream {
    Unix(UnixStream),
    Tcp(TcpStream),
}

impl Read for Stream {
    fn read(&mut self, b: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Unix(s) => s.read(b),
            Stream::Tcp(s) => s.read(b),
        }
    }
}

impl Write for Stream {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        match self {
            Stream::Unix(s) => s.write(b),
            Stream::Tcp(s) => s.write(b),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn connect(target: &Target) -> io::Result<Stream> {
    let s = match target {
        Target::Unix(p) => {
            let s = UnixStream::connect(p)?;
            s.set_read_timeout(Some(PING_EVERY))?;
            s.set_write_timeout(Some(ANSWER_WAIT))?;
            Stream::Unix(s)
        }
        Target::Tcp(a) => {
            let s = TcpStream::connect(a.as_str())?;
            s.set_read_timeout(Some(PING_EVERY))?;
            s.set_write_timeout(Some(ANSWER_WAIT))?;
            s.set_nodelay(true)?;
            Stream::Tcp(s)
        }
    };
    Ok(s)
}

/// The subagent thread: connects, serves, and after a loss waits
/// [`BACKOFF_FIRST`], doubling up to [`BACKOFF_MAX`], before the next
/// attempt. One line is logged per outage, one when serving again.
pub fn run(target: Target, shared: Arc<Shared>, stopping: fn() -> bool) {
    let mut stopped_at: Option<Instant> = None;
    // applUptime stays the same number from request to request: it is
    // computed again only when the master's clock jumped (a new snmpd).
    let mut start: Option<(Instant, u32, u32)> = None;
    let mut source = move |now: u32| {
        let snap = crate::monitor::api::snapshot(&shared);
        let quiescing = stopping();
        if quiescing {
            stopped_at.get_or_insert_with(Instant::now);
        }
        let started = match start {
            Some((at, then, started)) if then.wrapping_add(mib::ticks(at.elapsed())).abs_diff(now) <= 100 => started,
            _ => {
                let started = now.saturating_sub(mib::ticks(snap.uptime));
                start = Some((Instant::now(), now, started));
                started
            }
        };
        let last_change = stopped_at.map_or(started, |at| now.saturating_sub(mib::ticks(at.elapsed())));
        mib::objects(&snap, &Times { now, started, last_change, quiescing })
    };
    let mut backoff = BACKOFF_FIRST;
    let mut outage = false;
    loop {
        let lost = match connect(&target) {
            Err(e) => Lost(format!("cannot connect: {e}")),
            Ok(stream) => {
                let mut c = Conn::new(stream);
                match c.open(&mut source) {
                    Err(lost) => lost,
                    Ok(()) => {
                        log::info!("agentx: serving statistics through {target} (session {})", c.session());
                        outage = false;
                        backoff = BACKOFF_FIRST;
                        c.serve(&mut source)
                    }
                }
            }
        };
        if !outage {
            log::warn!("agentx: master agent {target}: {}; retrying every {}s at most", lost.0, BACKOFF_MAX.as_secs());
            outage = true;
        }
        std::thread::sleep(backoff);
        backoff = (backoff * 2).min(BACKOFF_MAX);
    }
}

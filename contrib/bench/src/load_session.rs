//! One session of scenario 12: a logged-in connection looping over the
//! states of imaptest's default profile (the README's scenario 12 has
//! them), checking every response it reads.

use crate::imap::{Conn, Response};
use crate::rng::Rng;
use std::io;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Instant;

/// The mailbox COPY writes to (imaptest's `copybox`).
pub const COPYBOX: &str = "Copies";

/// Error examples kept for the report.
const SAMPLES: usize = 5;

/// What all sessions of one run share: counters, the message pool, the layout.
pub struct Run {
    /// Commands sent (and answered) before the deadline.
    pub commands: AtomicU64,
    /// Protocol errors: unexpected tagged NO/BAD, BYE, untagged NO/BAD,
    /// unparsable or out-of-range lines, broken connections.
    pub errors: AtomicU64,
    /// Tagged NO that RFC 2180 allows (a FETCH, STORE or COPY of a message
    /// another session expunged): counted, not errors.
    pub expected_no: AtomicU64,
    /// Sessions that had to log in again after a broken connection.
    pub reconnects: AtomicU64,
    /// Commands sent, per [`Kind`] (the profile's shape, for the report).
    pub by_kind: [AtomicU64; KINDS],
    /// The expected NO, per [`Kind`].
    pub no_by_kind: [AtomicU64; KINDS],
    /// The first few errors, as text.
    pub samples: Mutex<Vec<String>>,
    /// Corpus messages (CRLF) that APPEND draws from.
    pub pool: Vec<Vec<u8>>,
    /// True when every session works on one INBOX.
    pub shared: bool,
    /// The INBOX size the load keeps near.
    pub target: u32,
}

impl Run {
    /// A run with nothing counted yet.
    pub fn new(pool: Vec<Vec<u8>>, shared: bool, target: u32) -> Run {
        Run {
            commands: AtomicU64::new(0),
            errors: AtomicU64::new(0),
            expected_no: AtomicU64::new(0),
            reconnects: AtomicU64::new(0),
            by_kind: Default::default(),
            no_by_kind: Default::default(),
            samples: Mutex::new(Vec::new()),
            pool,
            shared,
            target,
        }
    }

    /// `NAME count` per kind of command, with the expected NO in brackets.
    pub fn shape(&self) -> String {
        let mut out = vec![];
        for (i, k) in KIND_NAMES.iter().enumerate() {
            let n = self.by_kind[i].load(Ordering::Relaxed);
            let no = self.no_by_kind[i].load(Ordering::Relaxed);
            out.push(if no > 0 { format!("{k} {n} ({no} NO)") } else { format!("{k} {n}") });
        }
        out.join(", ")
    }

    /// Counts one protocol error and keeps its text if it is among the first.
    pub fn error(&self, what: String) {
        self.errors.fetch_add(1, Ordering::Relaxed);
        let mut s = self.samples.lock().unwrap_or_else(|e| e.into_inner());
        if s.len() < SAMPLES {
            s.push(what.chars().take(300).collect());
        }
    }
}

/// How many [`Kind`]s there are.
pub const KINDS: usize = 11;
/// The kinds' names, in [`Kind`]'s order.
const KIND_NAMES: [&str; KINDS] =
    ["LIST", "STATUS", "SELECT", "FETCH", "FETCH2", "COPY", "STORE", "SEARCH", "DELETE", "EXPUNGE", "APPEND"];

/// The states of the loop that send a command.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    List,
    Status,
    Select,
    Fetch,
    Fetch2,
    Copy,
    Store,
    Search,
    Delete,
    Expunge,
    Append,
}

impl Kind {
    /// Whether a tagged NO can be right for this command on a mailbox
    /// other sessions expunge from: RFC 2180 4.1-4.4 lets a server refuse a
    /// FETCH, STORE or COPY naming a message expunged behind the session's
    /// back (with `NO [EXPUNGEISSUED]`, RFC 5530, as Dovecot and tegami do).
    fn may_refuse_expunged(self) -> bool {
        matches!(self, Kind::Fetch | Kind::Fetch2 | Kind::Copy | Kind::Store | Kind::Delete)
    }
}

/// Why a turn stopped early.
pub enum Halt {
    /// The run's time is up.
    Deadline,
    /// The connection broke (or the server said BYE and closed it).
    Io(io::Error),
}

impl From<io::Error> for Halt {
    fn from(e: io::Error) -> Halt {
        Halt::Io(e)
    }
}

const FETCH_ITEMS: [&str; 7] = ["UID", "FLAGS", "ENVELOPE", "INTERNALDATE", "BODY", "BODYSTRUCTURE", "RFC822.SIZE"];
const HEADER_NAMES: [&str; 7] = ["From", "To", "Cc", "Subject", "References", "In-Reply-To", "Message-ID"];
const FETCH2_ITEMS: [&str; 5] =
    ["BODY.PEEK[HEADER]", "RFC822.HEADER", "BODY.PEEK[]", "BODY.PEEK[1]", "BODY.PEEK[TEXT]"];
/// Flags and keywords STORE draws from (never `\Deleted`: that is DELETE's).
/// Few keywords: Dovecot's maildir has letters for 26 per mailbox.
const STORE_FLAGS: [&str; 7] = ["\\Seen", "\\Flagged", "\\Answered", "\\Draft", "$Label1", "Work", "$Forwarded"];
const SEARCHES: [&str; 6] = [
    "SEARCH UNSEEN",
    "SEARCH FLAGGED",
    "SEARCH DELETED",
    "SEARCH SINCE 1-Jan-2020",
    "SEARCH KEYWORD Work",
    "SEARCH SUBJECT \"re\"",
];
/// SEARCH is off in imaptest's default profile; the issue names it, so the
/// load sends one in ten turns (cheap criteria over a 30-message INBOX).
const SEARCH_CHANCE: f64 = 0.1;

/// One logged-in session and what it has measured.
pub struct Session<'a> {
    conn: Conn,
    rng: Rng,
    exists: u32,
    run: &'a Run,
    start: Instant,
    end: Instant,
    /// Per command: seconds since the start when sent, latency in ms.
    pub latencies: Vec<(f32, f32)>,
}

impl<'a> Session<'a> {
    /// A session on a connection already logged in.
    pub fn new(conn: Conn, seed: u64, run: &'a Run, start: Instant, end: Instant) -> Session<'a> {
        Session { conn, rng: Rng::new(seed), exists: 0, run, start, end, latencies: Vec::new() }
    }

    /// Replaces a broken connection (a new login; the mailbox is selected
    /// again by the next turn).
    pub fn reconnect(&mut self, conn: Conn) {
        self.conn = conn;
        self.exists = 0;
    }

    /// Ends the session.
    pub fn logout(self) {
        self.conn.logout();
    }

    /// One pass through the states, in imaptest's order with its chances.
    pub fn turn(&mut self) -> Result<(), Halt> {
        if self.rng.chance(0.5) {
            self.exec(Kind::List, "LIST \"\" *")?;
        }
        if self.rng.chance(0.5) {
            self.exec(Kind::Status, "STATUS \"INBOX\" (MESSAGES UNSEEN RECENT)")?;
        }
        self.exec(Kind::Select, "SELECT \"INBOX\"")?;
        self.fetch()?;
        self.fetch2()?;
        if self.rng.chance(0.3) {
            self.fetch2()?;
        }
        if self.rng.chance(0.33) {
            self.copy()?;
            if self.rng.chance(0.05) {
                self.copy()?;
            }
        }
        if self.rng.chance(0.5) {
            self.store()?;
        }
        if self.rng.chance(SEARCH_CHANCE) {
            let q = *self.rng.pick(&SEARCHES);
            self.exec(Kind::Search, q)?;
        }
        self.delete()?;
        self.exec(Kind::Expunge, "EXPUNGE")?;
        self.append()?;
        if self.rng.chance(0.05) {
            self.append()?;
        }
        Ok(())
    }

    /// A random range `a:b` of at most `max` messages (there is at least one).
    fn range(&mut self, max: u32) -> String {
        let len = self.rng.range(1, u64::from(max.clamp(1, self.exists)) + 1) as u32;
        let a = self.rng.range(1, u64::from(self.exists - len) + 2) as u32;
        if len == 1 {
            a.to_string()
        } else {
            format!("{a}:{}", a + len - 1)
        }
    }

    /// `count` distinct items of `from`, space-separated.
    fn some(&mut self, from: &[&str], count: usize) -> String {
        let mut picked: Vec<&str> = Vec::new();
        while picked.len() < count.min(from.len()) {
            let x = *self.rng.pick(from);
            if !picked.contains(&x) {
                picked.push(x);
            }
        }
        picked.join(" ")
    }

    fn fetch(&mut self) -> Result<(), Halt> {
        if self.exists == 0 {
            return Ok(());
        }
        let range = self.range(100);
        let n = self.rng.range(1, 5) as usize;
        let mut items = self.some(&FETCH_ITEMS, n);
        if self.rng.chance(0.25) {
            let n = self.rng.range(1, 5) as usize;
            items += &format!(" BODY.PEEK[HEADER.FIELDS ({})]", self.some(&HEADER_NAMES, n));
        }
        self.exec(Kind::Fetch, &format!("FETCH {range} ({items})"))
    }

    fn fetch2(&mut self) -> Result<(), Halt> {
        if self.exists == 0 {
            return Ok(());
        }
        let seq = self.rng.range(1, u64::from(self.exists) + 1);
        let item = *self.rng.pick(&FETCH2_ITEMS);
        self.exec(Kind::Fetch2, &format!("FETCH {seq} (UID {item})"))
    }

    fn copy(&mut self) -> Result<(), Halt> {
        if self.exists == 0 {
            return Ok(());
        }
        let range = self.range(6);
        self.exec(Kind::Copy, &format!("COPY {range} {COPYBOX}"))
    }

    fn store(&mut self) -> Result<(), Halt> {
        if self.exists == 0 {
            return Ok(());
        }
        let range = self.range((self.exists / 5).min(50));
        let sign = *self.rng.pick(&["", "+", "-"]);
        let silent = if self.rng.chance(0.5) { ".SILENT" } else { "" };
        let n = self.rng.range(1, 4) as usize;
        let flags = self.some(&STORE_FLAGS, n);
        self.exec(Kind::Store, &format!("STORE {range} {sign}FLAGS{silent} ({flags})"))
    }

    /// Marks messages `\Deleted`: one at the target size and everything
    /// above it, so each turn expunges one and appends one, as imaptest's
    /// loop does once the INBOX has reached its size.
    fn delete(&mut self) -> Result<(), Halt> {
        let over = self.exists.saturating_sub(self.run.target);
        let n = (over + 1).min(50).min(self.exists);
        if n == 0 {
            return Ok(());
        }
        let a = self.rng.range(1, u64::from(self.exists - n) + 2) as u32;
        let range = if n == 1 { a.to_string() } else { format!("{a}:{}", a + n - 1) };
        self.exec(Kind::Delete, &format!("STORE {range} +FLAGS.SILENT (\\Deleted)"))
    }

    fn append(&mut self) -> Result<(), Halt> {
        if self.exists >= self.run.target {
            return Ok(());
        }
        let n = self.rng.range(0, 3) as usize;
        let flags = self.some(&["\\Seen", "\\Flagged", "$Label1"], n);
        self.exec(Kind::Append, &flags)
    }

    /// Sends one command (for APPEND, `text` is the flag list), times it
    /// and checks what came back.
    fn exec(&mut self, kind: Kind, text: &str) -> Result<(), Halt> {
        let sent = Instant::now();
        if sent >= self.end {
            return Err(Halt::Deadline);
        }
        let r = if kind == Kind::Append {
            let i = self.rng.range(0, self.run.pool.len() as u64) as usize;
            self.conn.append_keep("INBOX", text, &self.run.pool[i], true)
        } else {
            self.conn.cmd_keep(text, true)
        };
        let r = r.map_err(|e| io::Error::new(e.kind(), format!("{kind:?} `{text}`: {e}")))?;
        let took = sent.elapsed().as_secs_f32() * 1000.0;
        self.latencies.push(((sent - self.start).as_secs_f32(), took));
        self.run.commands.fetch_add(1, Ordering::Relaxed);
        self.run.by_kind[kind as usize].fetch_add(1, Ordering::Relaxed);
        self.check(kind, text, &r);
        Ok(())
    }

    /// Counts what in `r` is a protocol error, and follows EXISTS/EXPUNGE.
    fn check(&mut self, kind: Kind, text: &str, r: &Response) {
        for l in &r.stray {
            self.run.error(format!("{kind:?} `{text}`: a line neither untagged nor tagged: {l}"));
        }
        for l in &r.lines {
            if let Err(why) = follow(&mut self.exists, l) {
                self.run.error(format!("{kind:?} `{text}`: {why}: {l}"));
            }
        }
        match r.status.as_str() {
            "OK" => {}
            "NO" if self.run.shared && kind.may_refuse_expunged() && refuses_expunged(&r.tagged) => {
                self.run.expected_no.fetch_add(1, Ordering::Relaxed);
                self.run.no_by_kind[kind as usize].fetch_add(1, Ordering::Relaxed);
            }
            _ => self.run.error(format!("{kind:?} `{text}`: {}", r.tagged)),
        }
    }
}

/// Whether a tagged NO says what RFC 5530 has for a message expunged
/// behind the session's back (`[SERVERBUG]` or a bare NO would not do).
fn refuses_expunged(tagged: &str) -> bool {
    tagged.split_once(' ').is_some_and(|(_, rest)| rest.starts_with("NO [EXPUNGEISSUED]"))
}

/// Follows one untagged line, keeping `exists` (the session's message
/// count) up to date; an error names what is wrong with the line.
fn follow(exists: &mut u32, l: &str) -> Result<(), &'static str> {
    let mut words = l.strip_prefix("* ").ok_or("not untagged")?.split(' ');
    let first = words.next().unwrap_or("");
    if let Ok(n) = first.parse::<u32>() {
        return match words.next().unwrap_or("") {
            "EXISTS" => {
                *exists = n;
                Ok(())
            }
            "RECENT" => Ok(()),
            "EXPUNGE" if n >= 1 && n <= *exists => {
                *exists -= 1;
                Ok(())
            }
            "EXPUNGE" => Err("EXPUNGE of a sequence number the session does not have"),
            "FETCH" if n >= 1 && n <= *exists => Ok(()),
            "FETCH" => Err("FETCH of a sequence number the session does not have"),
            _ => Err("unknown numbered response"),
        };
    }
    match first {
        "OK" | "FLAGS" | "LIST" | "STATUS" | "SEARCH" | "CAPABILITY" | "ENABLED" | "ESEARCH" => Ok(()),
        "NO" => Err("untagged NO"),
        "BAD" => Err("untagged BAD"),
        "BYE" => Err("BYE"),
        _ => Err("unparsable untagged response"),
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follows_exists_and_expunge() {
        let mut n = 0;
        assert_eq!(follow(&mut n, "* 30 EXISTS"), Ok(()));
        assert_eq!(follow(&mut n, "* 3 EXPUNGE"), Ok(()));
        assert_eq!(n, 29);
        assert_eq!(follow(&mut n, "* 29 FETCH (FLAGS (\\Seen))"), Ok(()));
        assert_eq!(follow(&mut n, "* OK [HIGHESTMODSEQ 4] x"), Ok(()));
    }

    #[test]
    fn flags_what_a_client_cannot_take() {
        let mut n = 5;
        assert!(follow(&mut n, "* 6 FETCH (FLAGS ())").is_err());
        assert!(follow(&mut n, "* 0 EXPUNGE").is_err());
        assert!(follow(&mut n, "* BYE going away").is_err());
        assert!(follow(&mut n, "* BAD junk").is_err());
        assert!(follow(&mut n, "* FROB 1").is_err());
        assert!(follow(&mut n, "garbage").is_err());
        assert_eq!(n, 5);
    }

    #[test]
    fn only_expungeissued_is_a_refusal_of_expunged_messages() {
        assert!(refuses_expunged("t9 NO [EXPUNGEISSUED] Some of the requested messages no longer exist"));
        assert!(!refuses_expunged("t9 NO [SERVERBUG] Some of the requested messages could not be read"));
        assert!(!refuses_expunged("t9 NO failed"));
        assert!(!refuses_expunged("t9 OK [EXPUNGEISSUED] x"));
    }

    #[test]
    fn only_refusals_of_expunged_messages_are_expected() {
        assert!(Kind::Fetch2.may_refuse_expunged());
        assert!(Kind::Delete.may_refuse_expunged());
        assert!(!Kind::Select.may_refuse_expunged());
        assert!(!Kind::Append.may_refuse_expunged());
        assert!(!Kind::Expunge.may_refuse_expunged());
    }
}

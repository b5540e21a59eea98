//! Issue 19 item 3: one command cannot take the server's memory. Fifty
//! sessions at once each send one of the worst commands the audit found
//! (URLFETCH of a 14 MB message repeated 24 times, ENVELOPE of a message
//! with a 10 MB Subject repeated 24 times, BINARY of a 14 MB part repeated
//! 24 times, a 64 MB literal in SEARCH, 170 distinct 60 KB pieces of that
//! part in one FETCH) while the server's resident memory
//! is sampled from /proc; it must stay under the bound the README states,
//! every session must get its tagged answer, and a normal session must
//! keep working meanwhile.

mod support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use support::{seed_maildir, write_hashed_passwd, Client, Seed, Server, USERS};

/// The bound the README's "Memory" section states for this test (MB).
const BOUND_MB: u64 = 400;
/// Hostile sessions at once.
const SESSIONS: usize = 50;

/// A 14 MB single-part message whose body is base64 (so BINARY decodes it).
fn big_message() -> Vec<u8> {
    let mut m = b"From: alice@example.org\r\nSubject: big\r\nMIME-Version: 1.0\r\n\
Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        .to_vec();
    let line = b"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAx\r\n";
    while m.len() < 14 * 1024 * 1024 {
        m.extend_from_slice(line);
    }
    m
}

/// A message whose Subject header is about 10 MB (folded lines).
fn big_subject() -> Vec<u8> {
    let mut m = b"From: alice@example.org\r\nSubject: s".to_vec();
    while m.len() < 10 * 1024 * 1024 {
        m.extend_from_slice(b"\r\n abcdefghijklmnopqrstuvwxyz abcdefghijklmnopqrstuvwxyz abcdefghijklmnopqr");
    }
    m.extend_from_slice(b"\r\n\r\nshort body\r\n");
    m
}

const SMALL: &[u8] = b"From: bob@example.org\r\nSubject: hello\r\n\r\nA normal message.\r\n";

/// A bare client that reads responses without keeping their literals.
struct Drain {
    r: BufReader<TcpStream>,
    w: TcpStream,
}

impl Drain {
    fn login(addr: SocketAddr) -> Drain {
        let s = TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(120))).unwrap();
        let mut d = Drain { r: BufReader::new(s.try_clone().unwrap()), w: s };
        d.line();
        d.w.write_all(format!("l LOGIN alice {}\r\ns SELECT INBOX\r\n", USERS[0].1).as_bytes()).unwrap();
        d.tagged("l");
        d.tagged("s");
        d
    }

    /// One line (literals announced at its end skipped), CRLF removed.
    fn line(&mut self) -> String {
        self.try_line().expect("connection closed")
    }

    /// One line, or `None` when the connection ended.
    fn try_line(&mut self) -> Option<String> {
        let mut buf = Vec::new();
        let n = self.r.read_until(b'\n', &mut buf).unwrap_or(0);
        if n == 0 {
            return None;
        }
        let line = String::from_utf8_lossy(&buf).trim_end().to_string();
        if let Some(n) = literal_size(&line) {
            let copied = std::io::copy(&mut (&mut self.r).take(n), &mut std::io::sink()).unwrap_or(0);
            if copied != n {
                return None;
            }
            return Some(format!("{line}...{}", self.try_line()?));
        }
        Some(line)
    }

    /// Reads up to the tagged answer; returns it (or says the connection
    /// ended first).
    fn tagged(&mut self, tag: &str) -> String {
        loop {
            let Some(l) = self.try_line() else { return format!("{tag} (connection closed)") };
            if l.starts_with(&format!("{tag} ")) {
                return l;
            }
        }
    }
}

fn literal_size(line: &str) -> Option<u64> {
    let rest = line.strip_suffix('}')?;
    let open = rest.rfind('{')?;
    rest[open + 1..].trim_end_matches('+').parse().ok()
}

/// Resident memory of `pid` now and at its peak, in kB.
fn rss(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

/// The command hostile session `i` sends, and whether it ends with a
/// literal announcement the server must refuse before reading it.
fn hostile(i: usize, url: &str) -> (String, bool) {
    match i % 5 {
        0 => (format!("h URLFETCH{}", format!(" \"{url}\"").repeat(24)), false),
        1 => (format!("h UID FETCH 2 ({})", vec!["ENVELOPE"; 24].join(" ")), false),
        2 => (format!("h UID FETCH 1 ({})", vec!["BINARY.PEEK[1]"; 24].join(" ")), false),
        3 => ("h SEARCH TEXT {67108864}".to_string(), true),
        // Distinct items, each under the size written straight from where
        // it lies: one message's response of 10 MB, flushed as it is made.
        _ => {
            let items: Vec<String> = (0..170).map(|k| format!("BINARY.PEEK[1]<{}.60000>", k * 60000)).collect();
            (format!("h UID FETCH 1 ({})", items.join(" ")), false)
        }
    }
}

/// Sends session `i`'s command and reads to its tagged answer.
fn run_hostile(addr: SocketAddr, i: usize, url: &str) -> String {
    let mut d = Drain::login(addr);
    let (cmd, literal) = hostile(i, url);
    d.w.write_all(format!("{cmd}\r\n").as_bytes()).unwrap();
    if !literal {
        return d.tagged("h");
    }
    let Some(l) = d.try_line() else { return "h (connection closed)".into() };
    if !l.starts_with('+') {
        return l;
    }
    // The server asked for the 64 MB: send it, leaving the command open
    // (no final CRLF) for a while, as the attack does.
    let chunk = vec![b'x'; 1 << 20];
    for _ in 0..64 {
        if d.w.write_all(&chunk).is_err() {
            return "h (connection closed during the literal)".into();
        }
    }
    std::thread::sleep(Duration::from_secs(2));
    let _ = d.w.write_all(b"\r\n");
    d.tagged("h")
}

#[test]
fn fifty_sessions_of_the_worst_commands_stay_under_the_stated_bound() {
    let big = big_message();
    let subject = big_subject();
    let server = Server::start_with(&[], |d| {
        write_hashed_passwd(d, USERS);
        let seeds = [
            Seed { data: &big, info: "", mtime: 1_100_000_000 },
            Seed { data: &subject, info: "", mtime: 1_100_000_000 },
            Seed { data: SMALL, info: "", mtime: 1_100_000_000 },
        ];
        seed_maildir(&d.join("home").join("alice").join("Maildir"), &seeds);
    });
    let pid = server.pid();
    let mut alice = server.login("alice");
    let v = Client::code(&alice.select("INBOX"), "UIDVALIDITY").unwrap();
    let rump = format!("imap://alice@example.com/INBOX;UIDVALIDITY={v}/;UID=1;URLAUTH=authuser");
    let r = alice.ok(&format!("GENURLAUTH \"{rump}\" INTERNAL"));
    let url = r[0].strip_prefix("* GENURLAUTH \"").and_then(|l| l.strip_suffix('"')).unwrap().to_string();
    let (base_rss, _) = rss(pid);

    let done = Arc::new(AtomicBool::new(false));
    let peak = Arc::new(AtomicU64::new(0));
    let sampler = {
        let (done, peak) = (done.clone(), peak.clone());
        std::thread::spawn(move || {
            let mut n = 0u64;
            while !done.load(Ordering::Relaxed) {
                let (now, hwm) = rss(pid);
                peak.fetch_max(now.max(hwm), Ordering::Relaxed);
                if n.is_multiple_of(50) {
                    eprintln!("server RSS {} MB, peak {} MB", now / 1024, hwm / 1024);
                }
                n += 1;
                std::thread::sleep(Duration::from_millis(20));
            }
        })
    };
    // A normal session fetches the small message over and over meanwhile.
    let normal = {
        let (done, addr) = (done.clone(), server.plain);
        std::thread::spawn(move || {
            let mut d = Drain::login(addr);
            let mut rounds = 0;
            while !done.load(Ordering::Relaxed) || rounds == 0 {
                d.w.write_all(b"n UID FETCH 3 (RFC822.SIZE BODY.PEEK[])\r\n").unwrap();
                let l = d.line();
                assert_eq!(
                    l,
                    format!("* 3 FETCH (UID 3 RFC822.SIZE {} BODY[] {{{}}}...)", SMALL.len(), SMALL.len()),
                    "round {rounds}"
                );
                assert_eq!(d.line(), "n OK UID FETCH completed", "round {rounds}");
                rounds += 1;
            }
            rounds
        })
    };
    let hostile: Vec<_> = (0..SESSIONS)
        .map(|i| {
            let (addr, url) = (server.plain, url.clone());
            std::thread::spawn(move || run_hostile(addr, i, &url))
        })
        .collect();
    let answers: Vec<String> = hostile.into_iter().map(|h| h.join().unwrap()).collect();
    done.store(true, Ordering::Relaxed);
    sampler.join().unwrap();
    let rounds = normal.join().unwrap();
    let (_, hwm) = rss(pid);
    let peak = peak.load(Ordering::Relaxed).max(hwm);
    println!("RSS before {} MB, sampled peak and VmHWM {} MB (bound {BOUND_MB} MB)", base_rss / 1024, peak / 1024);
    let mut kinds = std::collections::BTreeMap::new();
    for (i, a) in answers.iter().enumerate() {
        println!("session {i}: {a}");
        let ok = a.starts_with("h OK ") || a.starts_with("h NO [LIMIT] ") || a.starts_with("h NO [TOOBIG] ");
        assert!(ok, "session {i}: {a}");
        *kinds.entry(a.split(' ').take(3).collect::<Vec<_>>().join(" ")).or_insert(0) += 1;
    }
    println!("answers: {kinds:?}; the normal session fetched {rounds} times");
    assert!(peak / 1024 < BOUND_MB, "server RSS reached {} MB", peak / 1024);
    // The literal is refused before the server asks for it.
    assert!(answers[3].starts_with("h NO [TOOBIG] "), "{}", answers[3]);

    // A non-synchronizing literal over the limit ends the connection
    // without being read.
    let mut d = Drain::login(server.plain);
    d.w.write_all(b"p SEARCH TEXT {67108864+}\r\n").unwrap();
    let l = d.line();
    assert!(l.starts_with("p BAD ") || l.starts_with("p NO [TOOBIG] "), "{l}");
    assert!(d.line().starts_with("* BYE "));
    let mut rest = Vec::new();
    assert_eq!(d.r.read_to_end(&mut rest).unwrap_or(0), 0, "{}", String::from_utf8_lossy(&rest));
    // And the server still answers.
    alice.ok("NOOP");
}

/// Repeated items are answered once, byte for byte as a single one is;
/// a URL given twice to URLFETCH is answered once.
#[test]
fn repeated_items_and_urls_are_answered_once() {
    let msg = b"From: a@b.example\r\nSubject: hi\r\nContent-Transfer-Encoding: base64\r\n\r\naGVsbG8gd29ybGQ=\r\n";
    let server = Server::start_with(&[], |d| {
        write_hashed_passwd(d, USERS);
        let seeds = [Seed { data: msg, info: "", mtime: 1_100_000_000 }];
        seed_maildir(&d.join("home").join("alice").join("Maildir"), &seeds);
    });
    let mut c = server.login("alice");
    let v = Client::code(&c.select("INBOX"), "UIDVALIDITY").unwrap();
    let r = c.cmd_bytes(
        "UID FETCH 1 (FLAGS ENVELOPE FLAGS ENVELOPE BINARY.PEEK[1]<0.5> BINARY.PEEK[1]<0.5> BINARY.PEEK[1]<6.5> BINARY.SIZE[1] BINARY.SIZE[1])",
    );
    let envelope = "(NIL \"hi\" ((NIL NIL \"a\" \"b.example\")) ((NIL NIL \"a\" \"b.example\")) \
                    ((NIL NIL \"a\" \"b.example\")) NIL NIL NIL NIL NIL)";
    assert_eq!(
        String::from_utf8_lossy(&r[0]),
        format!(
            "* 1 FETCH (UID 1 FLAGS (\\Recent) ENVELOPE {envelope} BINARY[1]<0> {{5}}\r\nhello BINARY[1]<6> {{5}}\r\nworld \
             BINARY.SIZE[1] 11)\r\n"
        )
    );
    assert_eq!(r.len(), 2, "{r:?}");
    let rump = format!("imap://alice@example.com/INBOX;UIDVALIDITY={v}/;UID=1;URLAUTH=authuser");
    let g = c.ok(&format!("GENURLAUTH \"{rump}\" INTERNAL"));
    let url = g[0].strip_prefix("* GENURLAUTH \"").and_then(|l| l.strip_suffix('"')).unwrap().to_string();
    let r = c.cmd_bytes(&format!("URLFETCH \"{url}\" \"{url}\""));
    assert_eq!(
        String::from_utf8_lossy(&r[0]),
        format!("* URLFETCH \"{url}\" {{{}}}\r\n{}\r\n", msg.len(), String::from_utf8_lossy(msg))
    );
    assert_eq!(String::from_utf8_lossy(&r[1]), "t5 OK URLFETCH completed\r\n");
}

//! Scenario 15 (issue 24, which calls it 13): SEARCH in `big`'s INBOX
//! (100,000 messages) by TEXT, BODY, SUBJECT and FROM, each with a rare
//! and a common word, first time and again; what a search index costs to
//! build (messages/s, size beside the maildir, the server's peak RSS) and
//! the latency of another session's commands while the first search runs
//! (it builds the index where the server builds one on demand) against
//! the same stream with nothing running.

use crate::corpus::{SEARCH_NAME, SEARCH_WORD};
use crate::imap::{other, Conn, Response};
use crate::mem::Sampler;
use crate::scenarios::{emit, median, Better, Ctx, PASSWORD};
use std::fs;
use std::io;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

/// The account whose INBOX is searched (scenarios 1, 2, 10 and 11 use it too).
const USER: &str = "big";

/// Criterion, rare word, common word. In the full corpus (100,000
/// messages): `zanzibar` is in about 2 % of the bodies and `meeting` in
/// nearly every one; `Résumé` (windows-1252, quoted-printable encoded word)
/// in 1.9 % of the subjects and `the` (also inside `other`, `these`) in
/// 20 %; `Zebulon` in 2 % of the senders and `example` in every address.
const QUERIES: [(&str, &str, &str); 4] = [
    ("TEXT", SEARCH_WORD, "meeting"),
    ("BODY", SEARCH_WORD, "meeting"),
    ("SUBJECT", "Résumé", "the"),
    ("FROM", SEARCH_NAME, "example"),
];

/// Pause between two commands of the other session's stream: a client
/// clicking about, not a second load generator on a 2-core machine.
const STREAM_PAUSE: Duration = Duration::from_millis(20);
/// How long the stream runs with nothing else going on.
const QUIET_STREAM: Duration = Duration::from_secs(5);

/// How long the first SEARCH (the build) may take before the client gives up.
const BUILD_TIMEOUT: Duration = Duration::from_secs(3 * 3600);

/// Runs 15a-15v.
pub fn scenario(ctx: &Ctx) -> io::Result<()> {
    let n = ctx.sizes.big;
    let mut a = Conn::login(&ctx.addr, USER, PASSWORD)?;
    let r = a.cmd("SELECT INBOX")?;
    if !r.ok() {
        return Err(other(format!("SELECT: {}", r.tagged)));
    }
    let mut b = Conn::login(&ctx.addr, USER, PASSWORD)?;
    let r = b.cmd("SELECT INBOX")?;
    if !r.ok() {
        return Err(other(format!("SELECT (second session): {}", r.tagged)));
    }
    let mut build = None;
    let mut letter = b'a';
    for (criterion, rare, common) in QUERIES {
        for word in [rare, common] {
            for when in ["first time", "again"] {
                let id = format!("15{}", letter as char);
                letter += 1;
                let name = format!("SEARCH {criterion} \"{word}\", {n} messages, {when}");
                if build.is_none() {
                    // The very first search: the index, where the server
                    // makes one on demand, is built by it.
                    // A plugin that indexes on demand (fts-xapian about
                    // 100 messages a second) can take longer than the
                    // connection's usual read timeout.
                    a.socket().set_read_timeout(Some(BUILD_TIMEOUT))?;
                    b.socket().set_read_timeout(Some(BUILD_TIMEOUT))?;
                    let stream = Stream::start(b);
                    let m = Sampler::start(ctx.pid);
                    let (ms, r) = search(&mut a, criterion, word)?;
                    let rss = m.finish();
                    let (conn, during) = stream.finish()?;
                    b = conn;
                    report(ctx, &id, &name, ms, &r, rss);
                    build = Some((ms, rss, during));
                } else {
                    let m = Sampler::start(ctx.pid);
                    let (ms, r) = search(&mut a, criterion, word)?;
                    report(ctx, &id, &name, ms, &r, m.finish());
                }
            }
        }
    }
    let Some((build_ms, build_rss, during)) = build else {
        return Ok(());
    };
    // The same stream once every search is done and nothing runs.
    let stream = Stream::start(b);
    thread::sleep(QUIET_STREAM);
    let (b, quiet) = stream.finish()?;
    costs(ctx, n, build_ms, build_rss);
    latencies(ctx, &quiet, &during, build_rss);
    a.logout();
    b.logout();
    Ok(())
}

/// Sends one SEARCH (a literal for a non-ASCII word) and times it.
fn search(c: &mut Conn, criterion: &str, word: &str) -> io::Result<(f64, Response)> {
    let q = if word.is_ascii() {
        format!("SEARCH {criterion} \"{word}\"")
    } else {
        format!("SEARCH CHARSET UTF-8 {criterion} {{{}+}}\r\n{word}", word.len())
    };
    let t = Instant::now();
    let r = c.cmd_keep(&q, true)?;
    Ok((t.elapsed().as_secs_f64() * 1000.0, r))
}

/// One search's row: its time and hit count, or n/a with the answer.
fn report(ctx: &Ctx, id: &str, name: &str, ms: f64, r: &Response, rss: u64) {
    if r.ok() {
        let hits: usize = r.lines.iter().filter(|l| l.starts_with("* SEARCH")).map(|l| l.split(' ').count() - 2).sum();
        emit(ctx, id, name, Some(ms), "ms", Better::Lower, rss, &format!("hits={hits}"));
    } else {
        emit(ctx, id, name, None, "ms", Better::Lower, rss, &r.status);
    }
}

/// 15q-15s: the build's rate, the index's size beside the maildir and the
/// server's peak RSS while it was built. A server that left no index has
/// n/a for the first two (`index=none`).
fn costs(ctx: &Ctx, n: u32, build_ms: f64, rss: u64) {
    let maildir = ctx.home.as_ref().map(|h| Path::new(h).join(USER).join("Maildir"));
    let (messages, index, names) = maildir.as_deref().map_or((0, 0, vec![]), sizes);
    let found = index > 0;
    let note = if found {
        format!("index={}", names.join("+"))
    } else if maildir.is_none() {
        "no_--home".to_string()
    } else {
        "index=none".to_string()
    };
    let rate = found.then(|| n as f64 / (build_ms / 1000.0));
    let name = format!("index build rate: {n} messages / time of the first SEARCH (15a)");
    emit(ctx, "15q", &name, rate, "msg/s", Better::Higher, rss, &note);
    let share = (found && messages > 0).then(|| index as f64 * 100.0 / messages as f64);
    let note = format!("{note},index_MB={:.1},messages_MB={:.1}", index as f64 / 1e6, messages as f64 / 1e6);
    emit(ctx, "15r", "index size, % of the INBOX's message files", share, "%", Better::Lower, rss, &note);
    let name = "server peak RSS during the first SEARCH (the build)";
    emit(ctx, "15s", name, Some(rss as f64 / 1e6), "MB", Better::Lower, rss, "-");
}

/// Bytes of the INBOX's message files (`cur/`, `new/`) and of the search
/// index beside them: entries of the maildir's top level whose name says
/// search or xapian (tegami's `tegami-search.db`, fts-xapian's
/// `xapian-indexes`), folders (`.Drafts`, ...) left out.
fn sizes(maildir: &Path) -> (u64, u64, Vec<String>) {
    let messages = ["cur", "new"].iter().map(|d| tree_bytes(&maildir.join(d))).sum();
    let (mut index, mut names) = (0, vec![]);
    for e in fs::read_dir(maildir).into_iter().flatten().flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        let lower = name.to_lowercase();
        if !name.starts_with('.') && ["search", "xapian"].iter().any(|k| lower.contains(k)) {
            index += tree_bytes(&e.path());
            names.push(name);
        }
    }
    names.sort();
    (messages, index, names)
}

/// Apparent size of a file, or of every file below a directory.
fn tree_bytes(p: &Path) -> u64 {
    match fs::symlink_metadata(p) {
        Ok(m) if m.is_dir() => fs::read_dir(p).into_iter().flatten().flatten().map(|e| tree_bytes(&e.path())).sum(),
        Ok(m) => m.len(),
        Err(_) => 0,
    }
}

/// 15t-15v: the other session's median command latency with nothing else
/// running and during the first SEARCH, and their ratio.
fn latencies(ctx: &Ctx, quiet: &[(usize, f64)], during: &[(usize, f64)], rss: u64) {
    let note = |s: &[(usize, f64)]| {
        let of = |k: usize| median(s.iter().filter(|x| x.0 == k).map(|x| x.1).collect());
        format!("n={},noop={:.2},select={:.2},fetch={:.2}", s.len(), of(0), of(1), of(2))
    };
    // One figure for the three kinds, each weighing the same: the
    // geometric mean of their medians. (The median of the mixed samples
    // falls on one kind or the boundary between two, and jumps with it.)
    let all = |s: &[(usize, f64)]| {
        let medians: Vec<f64> = (0..3).map(|k| median(s.iter().filter(|x| x.0 == k).map(|x| x.1).collect())).collect();
        medians.iter().all(|&m| m > 0.0).then(|| medians.iter().map(|m| m.ln()).sum::<f64>().exp().cbrt())
    };
    let (q, d) = (all(quiet), all(during));
    let what = "another session's NOOP, SELECT INBOX, FETCH 1:100 (FLAGS): geometric mean of their median latencies";
    emit(ctx, "15t", &format!("{what}, nothing else running"), q, "ms", Better::Lower, 0, &note(quiet));
    emit(
        ctx,
        "15u",
        &format!("{what}, during the first SEARCH (the build)"),
        d,
        "ms",
        Better::Lower,
        rss,
        &note(during),
    );
    let ratio = match (q, d) {
        (Some(q), Some(d)) if q > 0.0 => Some(d / q),
        _ => None,
    };
    emit(
        ctx,
        "15v",
        "that latency during the build / nothing running (unhindered: 1)",
        ratio,
        "x",
        Better::Lower,
        rss,
        "-",
    );
}

/// The stream's samples: the command's kind (0 NOOP, 1 SELECT, 2 FETCH)
/// and its latency in ms.
type Samples = Vec<(usize, f64)>;

/// The other session's command stream, in a thread until told to stop.
struct Stream {
    stop: Arc<AtomicBool>,
    handle: thread::JoinHandle<io::Result<(Conn, Samples)>>,
}

impl Stream {
    /// Starts the stream on `c`, a session with the INBOX selected.
    fn start(mut c: Conn) -> Stream {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let handle = thread::spawn(move || {
            let mut samples = vec![];
            let mut k = 0usize;
            while !flag.load(Ordering::Relaxed) {
                let cmd = ["NOOP", "SELECT INBOX", "FETCH 1:100 (FLAGS)"][k % 3];
                let t = Instant::now();
                let r = c.cmd(cmd)?;
                if !r.ok() {
                    return Err(other(format!("{cmd}: {}", r.tagged)));
                }
                samples.push((k % 3, t.elapsed().as_secs_f64() * 1000.0));
                k += 1;
                thread::sleep(STREAM_PAUSE);
            }
            Ok((c, samples))
        });
        Stream { stop, handle }
    }

    /// Stops the stream; the session back and the (kind, ms) samples.
    fn finish(self) -> io::Result<(Conn, Samples)> {
        self.stop.store(true, Ordering::Relaxed);
        self.handle.join().map_err(|_| other("stream thread panicked".into()))?
    }
}

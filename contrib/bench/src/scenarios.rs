//! The scenarios of issue 5 and later ones, run against one server (12-15
//! live in `load`, `headers`, `history` and `fulltext`). Each measurement
//! prints one `RESULT` line (see [`emit`]); `bench-load table` reads them.

use crate::corpus::{SEARCH_NAME, SEARCH_WORD};
use crate::imap::{other, Conn};
use crate::mem::{self, Sampler};
use crate::rng::Rng;
use crate::sizes::Sizes;
use std::io;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Barrier, Mutex, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

/// Password of every benchmark account.
pub const PASSWORD: &str = "pw";

/// Which server and round a run is, and where to reach it.
pub struct Ctx {
    /// `tegami` or `dovecot`.
    pub server: String,
    /// Round number (A B A B ...).
    pub round: u32,
    /// `127.0.0.1:PORT`.
    pub addr: String,
    /// The server's main pid, for memory (0: unknown).
    pub pid: u32,
    /// Sizes of this run.
    pub sizes: Sizes,
    /// Scenario 12 runs its 10-minute variant (12e) instead of 12a-12d.
    pub long: bool,
    /// Scenario 12 runs only this variant (`12c`), for profiling one layout.
    pub variant: Option<String>,
    /// The directory holding the accounts' homes (`<user>/Maildir`), for
    /// scenario 15's index size (`--home`; None: not measured).
    pub home: Option<String>,
}

/// Whether a smaller or a larger value is the better one.
#[derive(Clone, Copy)]
pub enum Better {
    /// Times, memory.
    Lower,
    /// Rates.
    Higher,
}

/// Prints one result line:
/// `RESULT server=S round=R id=ID unit=U better=lower|higher value=V|na rss=BYTES note=N name=TEXT`.
#[allow(clippy::too_many_arguments)]
pub fn emit(ctx: &Ctx, id: &str, name: &str, value: Option<f64>, unit: &str, better: Better, rss: u64, note: &str) {
    let v = value.map_or("na".to_string(), |v| format!("{v:.3}"));
    let b = match better {
        Better::Lower => "lower",
        Better::Higher => "higher",
    };
    let note = if note.is_empty() { "-" } else { note };
    println!(
        "RESULT server={} round={} id={id} unit={unit} better={b} value={v} rss={rss} note={} name={name}",
        ctx.server,
        ctx.round,
        note.replace(' ', "_")
    );
}

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

/// The number of `* N EXISTS` in kept lines.
fn exists(lines: &[String]) -> Option<u32> {
    lines.iter().find_map(|l| l.strip_prefix("* ")?.strip_suffix(" EXISTS")?.parse().ok())
}

fn expect_ok(what: &str, r: &crate::imap::Response) -> io::Result<()> {
    if r.ok() {
        Ok(())
    } else {
        Err(other(format!("{what}: {}", r.tagged)))
    }
}

/// Runs the scenarios whose numbers are in `only` (all when empty).
pub fn run(ctx: &Ctx, only: &[u32]) -> io::Result<()> {
    let want = |n: u32| only.is_empty() || only.contains(&n);
    if want(1) || want(2) {
        select_big(ctx)?;
    }
    if want(3) || want(4) || want(5) {
        listing(ctx, want(3), want(4), want(5))?;
    }
    if want(6) {
        append(ctx)?;
    }
    if want(7) {
        mixed(ctx)?;
    }
    if want(8) {
        idle(ctx)?;
    }
    if want(9) {
        sort(ctx)?;
    }
    if want(10) {
        small_writes(ctx)?;
    }
    if want(11) {
        qresync(ctx)?;
    }
    if want(12) {
        crate::load::scenario(ctx)?;
    }
    if want(13) {
        crate::headers::scenario(ctx)?;
    }
    if want(14) {
        crate::history::scenario(ctx)?;
    }
    if want(15) {
        crate::fulltext::scenario(ctx)?;
    }
    Ok(())
}

/// Scenario 9: `SORT (DATE)` and `SORT (SUBJECT)` of a `mid`-sized INBOX
/// (RFC 5256), each first in a mailbox no command has read, then again in
/// a new session. The check is the count and a digest of the order, so
/// two servers that order differently show it.
fn sort(ctx: &Ctx) -> io::Result<()> {
    let n = ctx.sizes.mid;
    let keys =
        [("9a", "9b", "DATE", crate::corpus::SORT_USERS[0]), ("9c", "9d", "SUBJECT", crate::corpus::SORT_USERS[1])];
    for (first, again, key, user) in keys {
        for (id, when) in [(first, "first time"), (again, "again")] {
            let mut c = Conn::login(&ctx.addr, user, PASSWORD)?;
            expect_ok("SELECT", &c.cmd("SELECT INBOX")?)?;
            let q = format!("SORT ({key}) UTF-8 ALL");
            let m = Sampler::start(ctx.pid);
            let t = Instant::now();
            let r = c.cmd_keep(&q, true)?;
            let v = ms(t);
            let name = format!("{q}, {n} messages, {when}");
            if r.ok() {
                let line = r.lines.iter().find(|l| l.starts_with("* SORT")).map_or("", String::as_str);
                let order: Vec<&str> = line.split(' ').skip(2).collect();
                // FNV-1a over the order: equal digests, equal orders.
                let digest = order.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, x| {
                    x.bytes().chain([b' ']).fold(h, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3))
                });
                let note = format!("sorted={},order={:08x}", order.len(), digest >> 32);
                emit(ctx, id, &name, Some(v), "ms", Better::Lower, m.finish(), &note);
            } else {
                emit(ctx, id, &name, None, "ms", Better::Lower, m.finish(), &r.status);
            }
            c.logout();
        }
    }
    Ok(())
}

/// The median of some samples.
pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

/// Scenario 10: one small change in the big INBOX (selected), against the
/// same in an empty folder of the same account: APPEND of a 200-byte
/// message, `UID STORE +FLAGS (\Deleted)` on it, `UID EXPUNGE` of it; the
/// median of 15 repetitions each.
fn small_writes(ctx: &Ctx) -> io::Result<()> {
    const REPS: usize = 15;
    let n = ctx.sizes.big;
    let mut c = Conn::login(&ctx.addr, "big", PASSWORD)?;
    // The folder may be left from an earlier round of the same copy.
    let _ = c.cmd("CREATE Bench10")?;
    for (mailbox, suffix, what) in
        [("INBOX", "", format!("{n}-message INBOX")), ("Bench10", "e", "an empty folder".into())]
    {
        expect_ok("SELECT", &c.cmd(&format!("SELECT {mailbox}"))?)?;
        let m = Sampler::start(ctx.pid);
        let (mut app, mut sto, mut exp) = (Vec::new(), Vec::new(), Vec::new());
        let mut failed = 0;
        for k in 0..REPS {
            let msg = small_message(900_000 + k as u64, 200);
            let t = Instant::now();
            let r = c.append(mailbox, "", &msg)?;
            app.push(ms(t));
            let Some(uid) = r.append_uid().filter(|_| r.ok()) else {
                failed += 1;
                continue;
            };
            let t = Instant::now();
            let ok1 = c.cmd(&format!("UID STORE {uid} +FLAGS (\\Deleted)"))?.ok();
            sto.push(ms(t));
            let t = Instant::now();
            let ok2 = c.cmd(&format!("UID EXPUNGE {uid}"))?.ok();
            exp.push(ms(t));
            failed += usize::from(!ok1) + usize::from(!ok2);
        }
        let rss = m.finish();
        let note = format!("failed={failed}");
        for (id, op, v) in [
            ("a", "APPEND of one 200-byte message", app),
            ("b", "UID STORE +FLAGS (\\Deleted) of one message", sto),
            ("c", "UID EXPUNGE of one message", exp),
        ] {
            emit(
                ctx,
                &format!("10{id}{suffix}"),
                &format!("{op} in {what}"),
                Some(median(v)),
                "ms",
                Better::Lower,
                rss,
                &note,
            );
        }
    }
    c.logout();
    Ok(())
}

/// Scenario 11: a QRESYNC client comes back to the big INBOX after 100
/// flag changes and 10 expunges by another session: the timed
/// `SELECT INBOX (QRESYNC (uidvalidity modseq))` and what it sent.
fn qresync(ctx: &Ctx) -> io::Result<()> {
    let mut a = Conn::login(&ctx.addr, "big", PASSWORD)?;
    let r = a.cmd("ENABLE QRESYNC")?;
    if !r.ok() {
        emit(
            ctx,
            "11",
            "QRESYNC resync after 100 flag changes and 10 expunges",
            None,
            "ms",
            Better::Lower,
            0,
            "no_QRESYNC",
        );
        return Ok(());
    }
    let r = a.cmd_keep("SELECT INBOX (CONDSTORE)", true)?;
    expect_ok("SELECT", &r)?;
    let code = |lines: &[String], name: &str| -> Option<u64> {
        lines.iter().find_map(|l| l.split(&format!("[{name} ")).nth(1)?.split(']').next()?.parse().ok())
    };
    let (Some(validity), Some(modseq)) = (code(&r.lines, "UIDVALIDITY"), code(&r.lines, "HIGHESTMODSEQ")) else {
        return Err(other("SELECT gave no UIDVALIDITY or HIGHESTMODSEQ".into()));
    };
    let exists = exists(&r.lines).unwrap_or(0);
    a.logout();
    let mut b = Conn::login(&ctx.addr, "big", PASSWORD)?;
    expect_ok("SELECT", &b.cmd("SELECT INBOX")?)?;
    let step = (exists / 120).max(1);
    for k in 0..100 {
        expect_ok("STORE", &b.cmd(&format!("STORE {} +FLAGS (\\Flagged)", 1 + k * step))?)?;
    }
    for k in 0..10 {
        expect_ok("STORE", &b.cmd(&format!("STORE {} +FLAGS (\\Deleted)", 2 + (100 + k) * step))?)?;
    }
    expect_ok("EXPUNGE", &b.cmd("EXPUNGE")?)?;
    b.logout();
    let mut a = Conn::login(&ctx.addr, "big", PASSWORD)?;
    expect_ok("ENABLE", &a.cmd("ENABLE QRESYNC")?)?;
    let m = Sampler::start(ctx.pid);
    let t = Instant::now();
    let r = a.cmd_keep(&format!("SELECT INBOX (QRESYNC ({validity} {modseq}))"), true)?;
    let v = ms(t);
    expect_ok("SELECT (QRESYNC)", &r)?;
    let fetched = r.lines.iter().filter(|l| l.contains(" FETCH ")).count();
    let vanished: usize = r
        .lines
        .iter()
        .filter_map(|l| l.strip_prefix("* VANISHED (EARLIER) "))
        .flat_map(|set| set.split(','))
        .map(|part| match part.split_once(':') {
            Some((lo, hi)) => hi.parse::<usize>().unwrap_or(0).saturating_sub(lo.parse().unwrap_or(0)) + 1,
            None => 1,
        })
        .sum();
    let note = format!("fetched={fetched},vanished={vanished},bytes={}", r.bytes);
    emit(
        ctx,
        "11",
        "QRESYNC resync after 100 flag changes and 10 expunges",
        Some(v),
        "ms",
        Better::Lower,
        m.finish(),
        &note,
    );
    a.logout();
    Ok(())
}

/// Logs in as `big`, times a SELECT of its INBOX and reports it as `id`;
/// returns the session.
fn timed_select(ctx: &Ctx, id: &str, name: &str) -> io::Result<Conn> {
    let mut c = Conn::login(&ctx.addr, "big", PASSWORD)?;
    let m = Sampler::start(ctx.pid);
    let t = Instant::now();
    let r = c.cmd_keep("SELECT INBOX", true)?;
    let v = ms(t);
    expect_ok("SELECT", &r)?;
    let note = format!("exists={}", exists(&r.lines).unwrap_or(0));
    emit(ctx, id, name, Some(v), "ms", Better::Lower, m.finish(), &note);
    Ok(c)
}

/// Scenarios 1 and 2: SELECT of the big INBOX first and again, then the
/// resync `UID FETCH 1:* (UID FLAGS)`.
fn select_big(ctx: &Ctx) -> io::Result<()> {
    let n = ctx.sizes.big;
    let c = timed_select(ctx, "1a", &format!("SELECT {n}-message INBOX, first time"))?;
    c.logout();
    let mut c = timed_select(ctx, "1b", &format!("SELECT {n}-message INBOX, again"))?;

    let m = Sampler::start(ctx.pid);
    let t = Instant::now();
    let r = c.cmd("UID FETCH 1:* (UID FLAGS)")?;
    let v = ms(t);
    expect_ok("UID FETCH", &r)?;
    let note = format!("fetched={}", r.untagged);
    emit(
        ctx,
        "2",
        &format!("UID FETCH 1:* (UID FLAGS), {n} messages"),
        Some(v),
        "ms",
        Better::Lower,
        m.finish(),
        &note,
    );
    c.logout();
    Ok(())
}

/// Scenarios 3, 4, 5 on the mid-sized INBOX: the webmail listing first and
/// again, whole bodies, and SEARCH.
fn listing(ctx: &Ctx, s3: bool, s4: bool, s5: bool) -> io::Result<()> {
    let n = ctx.sizes.mid;
    const ITEMS: &str = "FETCH 1:* (ENVELOPE BODYSTRUCTURE INTERNALDATE RFC822.SIZE)";
    let mut c = Conn::login(&ctx.addr, "mid", PASSWORD)?;
    expect_ok("SELECT", &c.cmd("SELECT INBOX")?)?;
    if s3 {
        for (id, when) in [("3a", "first time"), ("3b", "again")] {
            if id == "3b" {
                c.logout();
                c = Conn::login(&ctx.addr, "mid", PASSWORD)?;
                expect_ok("SELECT", &c.cmd("SELECT INBOX")?)?;
            }
            let m = Sampler::start(ctx.pid);
            let t = Instant::now();
            let r = c.cmd(ITEMS)?;
            let v = ms(t);
            expect_ok("FETCH", &r)?;
            let note = format!("fetched={},bytes={}", r.untagged, r.bytes);
            let name = format!("FETCH 1:* (ENVELOPE BODYSTRUCTURE INTERNALDATE RFC822.SIZE), {n} messages, {when}");
            emit(ctx, id, &name, Some(v), "ms", Better::Lower, m.finish(), &note);
        }
    }
    if s4 {
        let k = ctx.sizes.bodies.min(n);
        let m = Sampler::start(ctx.pid);
        let t = Instant::now();
        let r = c.cmd(&format!("UID FETCH 1:{k} BODY.PEEK[]"))?;
        let secs = t.elapsed().as_secs_f64();
        expect_ok("UID FETCH BODY.PEEK[]", &r)?;
        let mb = r.literal_bytes as f64 / 1e6;
        let note = format!("fetched={},MB={mb:.1}", r.untagged);
        emit(
            ctx,
            "4",
            &format!("UID FETCH 1:{k} BODY.PEEK[] (whole messages)"),
            Some(mb / secs),
            "MB/s",
            Better::Higher,
            m.finish(),
            &note,
        );
    }
    if s5 {
        let queries = [
            ("5a", format!("SEARCH TEXT \"{SEARCH_WORD}\""), "first time"),
            ("5b", format!("SEARCH TEXT \"{SEARCH_WORD}\""), "again"),
            ("5c", format!("SEARCH FROM \"{SEARCH_NAME}\""), "first time"),
            ("5d", format!("SEARCH FROM \"{SEARCH_NAME}\""), "again"),
        ];
        for (id, q, when) in queries {
            let m = Sampler::start(ctx.pid);
            let t = Instant::now();
            let r = c.cmd_keep(&q, true)?;
            let v = ms(t);
            let name = format!("{q}, {n} messages, {when}");
            if r.ok() {
                let hits = r.lines.iter().find(|l| l.starts_with("* SEARCH")).map_or(0, |l| l.split(' ').count() - 2);
                emit(ctx, id, &name, Some(v), "ms", Better::Lower, m.finish(), &format!("hits={hits}"));
            } else {
                // n/a, with the status and response code as the check: NO [CANNOT].
                let code = r.tagged.find('[').and_then(|a| Some(&r.tagged[a..=a + r.tagged[a..].find(']')?]));
                let answer = format!("{} {}", r.status, code.unwrap_or(""));
                emit(ctx, id, &name, None, "ms", Better::Lower, m.finish(), &answer);
            }
        }
    }
    c.logout();
    Ok(())
}

/// A message of about `size` bytes, CRLF line endings.
pub fn small_message(seq: u64, size: usize) -> Vec<u8> {
    let mut rng = Rng::new(seq);
    let mut m = format!(
        "From: Bench Sender <sender@example.org>\r\nTo: Bench <bench@example.org>\r\nSubject: load message {seq}\r\nDate: Mon, 3 Mar 2025 10:00:00 +0000\r\nMessage-ID: <load.{seq}@bench.example>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
    );
    while m.len() < size {
        for _ in 0..10 {
            m += ["lorem ", "ipsum ", "dolor ", "sit ", "amet ", "consectetur ", "adipiscing ", "elit "]
                [rng.range(0, 8) as usize];
        }
        m += "\r\n";
    }
    m.into_bytes()
}

/// Scenario 6: APPEND of small messages from several connections.
fn append(ctx: &Ctx) -> io::Result<()> {
    let (total, conns) = (ctx.sizes.appends, ctx.sizes.append_conns);
    let per = total / conns;
    let barrier = Arc::new(Barrier::new(conns as usize + 1));
    let failures = Arc::new(AtomicU32::new(0));
    let mut handles = vec![];
    for i in 0..conns {
        let (addr, barrier, failures) = (ctx.addr.clone(), barrier.clone(), failures.clone());
        handles.push(thread::spawn(move || -> io::Result<()> {
            let mut c = Conn::login(&addr, "app", PASSWORD)?;
            let msgs: Vec<Vec<u8>> = (0..per).map(|k| small_message((i * per + k) as u64, 4096)).collect();
            barrier.wait();
            for m in msgs {
                if !c.append("INBOX", "\\Seen", &m)?.ok() {
                    failures.fetch_add(1, Ordering::Relaxed);
                }
            }
            c.logout();
            Ok(())
        }));
    }
    let m = Sampler::start(ctx.pid);
    barrier.wait();
    let t = Instant::now();
    for h in handles {
        h.join().map_err(|_| other("append thread panicked".into()))??;
    }
    let secs = t.elapsed().as_secs_f64();
    let note = format!("failed={}", failures.load(Ordering::Relaxed));
    let name = format!("APPEND {} messages of 4 kB from {conns} connections", per * conns);
    emit(ctx, "6", &name, Some((per * conns) as f64 / secs), "msg/s", Better::Higher, m.finish(), &note);
    Ok(())
}

/// Scenario 7: two sessions on each of the mixed-load mailboxes doing
/// SELECT, FETCH FLAGS, STORE, APPEND, EXPUNGE and NOOP for a fixed time.
fn mixed(ctx: &Ctx) -> io::Result<()> {
    let s = &ctx.sizes;
    let sessions = s.mix_mailboxes * 2;
    let deadline_len = Duration::from_secs(s.mix_seconds as u64);
    let barrier = Arc::new(Barrier::new(sessions as usize + 1));
    let commands = Arc::new(AtomicU64::new(0));
    let refused = Arc::new(AtomicU64::new(0));
    let start: Arc<OnceLock<Instant>> = Arc::new(OnceLock::new());
    let processes_before = if ctx.pid != 0 { mem::tree(ctx.pid).len() } else { 0 };
    let mut handles = vec![];
    for i in 0..sessions {
        let (user, folder) = s.mix_mailbox(i / 2);
        let n0 = s.mix_messages;
        let (addr, barrier, commands, refused, start) =
            (ctx.addr.clone(), barrier.clone(), commands.clone(), refused.clone(), start.clone());
        handles.push(thread::Builder::new().stack_size(256 * 1024).spawn(move || -> io::Result<()> {
            let mut c = Conn::login(&addr, &user, PASSWORD)?;
            let mut rng = Rng::new(1000 + i as u64);
            let msg = small_message(i as u64, 4096);
            barrier.wait();
            let end = *start.wait() + deadline_len;
            let count = |r: io::Result<crate::imap::Response>| -> io::Result<crate::imap::Response> {
                let r = r?;
                commands.fetch_add(1, Ordering::Relaxed);
                if !r.ok() {
                    refused.fetch_add(1, Ordering::Relaxed);
                }
                Ok(r)
            };
            let mut k = 0u64;
            while Instant::now() < end {
                if k.is_multiple_of(5) {
                    count(c.cmd(&format!("SELECT {folder}")))?;
                }
                k += 1;
                count(c.cmd("FETCH 1:* (FLAGS)"))?;
                let seq = rng.range(1, n0 as u64 + 1);
                let sign = if rng.chance(0.5) { '+' } else { '-' };
                count(c.cmd(&format!("STORE {seq} {sign}FLAGS (\\Flagged)")))?;
                let r = count(c.append(folder, "", &msg))?;
                if let Some(uid) = r.append_uid() {
                    count(c.cmd(&format!("UID STORE {uid} +FLAGS.SILENT (\\Deleted)")))?;
                    count(c.cmd(&format!("UID EXPUNGE {uid}")))?;
                }
                count(c.cmd("NOOP"))?;
            }
            c.logout();
            Ok(())
        })?);
    }
    let m = Sampler::start(ctx.pid);
    barrier.wait();
    // Every session is logged in and waits for `start`: no process of the
    // server's tree is starting or exiting, so this reading is clean.
    let cpu_before = (ctx.pid != 0).then(|| mem::tree_cpu_seconds(ctx.pid));
    let t = Instant::now();
    let _ = start.set(t);
    let mut errors = vec![];
    for h in handles {
        match h.join() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => errors.push(e.to_string()),
            Err(_) => errors.push("panic".into()),
        }
    }
    let secs = t.elapsed().as_secs_f64();
    let rss = m.finish();
    let cpu = cpu_before.map(|before| settled_cpu_seconds(ctx.pid, processes_before) - before);
    if let Some(e) = errors.first() {
        eprintln!("bench-load: scenario 7 on {}: {} sessions failed, first: {e}", ctx.server, errors.len());
    }
    let note = format!(
        "commands={},refused={},failed_sessions={}",
        commands.load(Ordering::Relaxed),
        refused.load(Ordering::Relaxed),
        errors.len()
    );
    let name = format!("mixed load, {sessions} sessions on {} accounts, {}s", s.mix_accounts, s.mix_seconds);
    emit(ctx, "7", &name, Some(commands.load(Ordering::Relaxed) as f64 / secs), "cmd/s", Better::Higher, rss, &note);
    let done = commands.load(Ordering::Relaxed);
    let per_1000 = cpu.filter(|_| done > 0).map(|c| c * 1000.0 / done as f64);
    let note = cpu.map_or("-".into(), |c| format!("cpu_s={c:.2},commands={done}"));
    emit(
        ctx,
        "7c",
        "server CPU seconds (user+sys, all processes) per 1000 commands of 7",
        per_1000,
        "s",
        Better::Lower,
        rss,
        &note,
    );
    Ok(())
}

/// The server tree's CPU seconds once the sessions' processes are gone:
/// waits (at most 10 s) until the tree is back to the processes it had
/// before the sessions logged in, and a little more for the master to reap
/// the last ones, so every exited process is counted in its parent's
/// children's time (see [`mem::tree_cpu_seconds`]).
pub fn settled_cpu_seconds(pid: u32, processes_before: usize) -> f64 {
    let t = Instant::now();
    while mem::tree(pid).len() > processes_before && t.elapsed() < Duration::from_secs(10) {
        thread::sleep(Duration::from_millis(100));
    }
    thread::sleep(Duration::from_millis(300));
    mem::tree_cpu_seconds(pid)
}

/// Scenario 8: many connections idling on one INBOX; the server's memory,
/// and how long one APPEND takes to reach every one of them as EXISTS.
fn idle(ctx: &Ctx) -> io::Result<()> {
    let n = ctx.sizes.idlers;
    let (base, base_pss) = if ctx.pid != 0 { (mem::tree_rss(ctx.pid), mem::tree_pss(ctx.pid)) } else { (0, 0) };
    let ready = Arc::new(AtomicU32::new(0));
    let failed = Arc::new(AtomicU32::new(0));
    let sent: Arc<OnceLock<Instant>> = Arc::new(OnceLock::new());
    let latencies = Arc::new(Mutex::new(Vec::new()));
    let exists0 = ctx.sizes.idle_messages;
    let mut handles = vec![];
    let setup = Instant::now();
    for i in 0..n {
        // At most 16 logins in flight, so neither server's accept queue overflows.
        while i > ready.load(Ordering::Relaxed) + failed.load(Ordering::Relaxed) + 16 {
            thread::sleep(Duration::from_millis(1));
        }
        let (addr, ready, failed, sent, latencies) =
            (ctx.addr.clone(), ready.clone(), failed.clone(), sent.clone(), latencies.clone());
        handles.push(thread::Builder::new().stack_size(128 * 1024).spawn(move || {
            let go = || -> io::Result<()> {
                let mut c = Conn::login(&addr, "idle", PASSWORD)?;
                expect_ok("SELECT", &c.cmd("SELECT INBOX")?)?;
                let tag = c.idle()?;
                ready.fetch_add(1, Ordering::Relaxed);
                c.socket().set_read_timeout(Some(Duration::from_secs(180)))?;
                loop {
                    let l = c.read_line()?;
                    let l = String::from_utf8_lossy(&l);
                    let count = l
                        .strip_prefix("* ")
                        .and_then(|r| r.trim_end().strip_suffix(" EXISTS"))
                        .and_then(|v| v.parse::<u32>().ok());
                    if count.is_some_and(|v| v > exists0) {
                        let at = sent.get().map_or(f64::NAN, |t| ms(*t));
                        latencies.lock().unwrap_or_else(|e| e.into_inner()).push(at);
                        break;
                    }
                }
                c.done(&tag)?;
                c.logout();
                Ok(())
            };
            if let Err(e) = go() {
                if failed.fetch_add(1, Ordering::Relaxed) == 0 {
                    eprintln!("bench-load: idle connection: {e}");
                }
            }
        })?);
    }
    while ready.load(Ordering::Relaxed) + failed.load(Ordering::Relaxed) < n
        && setup.elapsed() < Duration::from_secs(300)
    {
        thread::sleep(Duration::from_millis(5));
    }
    let setup_secs = setup.elapsed().as_secs_f64();
    thread::sleep(Duration::from_secs(1));
    let idling = ready.load(Ordering::Relaxed);
    let (rss, pss) = if ctx.pid != 0 { (mem::tree_rss(ctx.pid), mem::tree_pss(ctx.pid)) } else { (0, 0) };
    let note = format!("idling={idling},setup_s={setup_s:.1}", setup_s = setup_secs);
    emit(
        ctx,
        "8a",
        &format!("{n} connections in IDLE: server RSS, all processes"),
        Some(rss as f64 / 1e6),
        "MB",
        Better::Lower,
        rss,
        &note,
    );
    let per = rss.saturating_sub(base) as f64 / idling.max(1) as f64 / 1e3;
    emit(
        ctx,
        "8b",
        "RSS per idle connection (RSS with them minus RSS before, divided)",
        Some(per),
        "kB",
        Better::Lower,
        rss,
        &note,
    );
    emit(
        ctx,
        "8c",
        &format!("{n} connections in IDLE: server PSS (shared pages split between processes)"),
        Some(pss as f64 / 1e6),
        "MB",
        Better::Lower,
        rss,
        &note,
    );
    let per_pss = pss.saturating_sub(base_pss) as f64 / idling.max(1) as f64 / 1e3;
    emit(
        ctx,
        "8d",
        "PSS per idle connection (PSS with them minus PSS before, divided)",
        Some(per_pss),
        "kB",
        Better::Lower,
        rss,
        &note,
    );

    let mut c = Conn::login(&ctx.addr, "idle", PASSWORD)?;
    let msg = small_message(99, 4096);
    let m = Sampler::start(ctx.pid);
    let _ = sent.set(Instant::now());
    let r = c.append("INBOX", "", &msg)?;
    expect_ok("APPEND", &r)?;
    for h in handles {
        let _ = h.join();
    }
    let lat = latencies.lock().unwrap_or_else(|e| e.into_inner()).clone();
    let worst = lat.iter().cloned().fold(f64::NAN, f64::max);
    let note = format!("notified={}/{n}", lat.len());
    let value = (lat.len() as u32 == n).then_some(worst);
    let m_rss = m.finish();
    emit(
        ctx,
        "8e",
        &format!("one APPEND reaching all {n} IDLE connections as EXISTS"),
        value,
        "ms",
        Better::Lower,
        m_rss,
        &note,
    );
    let mut sorted: Vec<f64> = lat.iter().cloned().filter(|v| v.is_finite()).collect();
    sorted.sort_by(|a, b| a.total_cmp(b));
    let median = (sorted.len() as u32 == n).then(|| sorted[sorted.len() / 2]);
    emit(ctx, "8f", &format!("the same, median over the {n} connections"), median, "ms", Better::Lower, m_rss, &note);
    c.logout();
    Ok(())
}

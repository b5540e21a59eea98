//! Scenario 12: sustained mixed load in the shape of Dovecot's imaptest
//! default profile. Persistent sessions (one LOGIN each) loop over the
//! states of [`crate::load_session`] for a fixed time, 10 and 50 of them,
//! each on its own account or all on one INBOX; the run reports commands
//! per second, the server's CPU per 1,000 commands, protocol errors, and
//! the median latency of the first and the last tenth of the run.

use crate::corpus::{self, Generator, SHARED_USERS};
use crate::imap::{other, Conn};
use crate::load_session::{Halt, Run, Session};
use crate::mem::{self, Sampler};
use crate::scenarios::{emit, median, settled_cpu_seconds, Better, Ctx, PASSWORD};
use std::io;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Barrier, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

/// Messages larger than this are left out of the APPEND pool: imaptest
/// appends from an mbox of ordinary mail, and one 10 MB attachment in a
/// loop of small commands would measure the disk, not the server.
const POOL_MAX_BYTES: usize = 200_000;

/// One run of the scenario: its id, sessions, layout and length.
struct Variant {
    id: &'static str,
    sessions: u32,
    shared: bool,
    seconds: u32,
    /// Account of the one-INBOX layout, or the first `load<i>` account.
    shared_user: &'static str,
    first_account: u32,
}

/// Runs scenario 12: 12a-12d, or with `--long` the 10-minute 12e alone.
pub fn scenario(ctx: &Ctx) -> io::Result<()> {
    let s = &ctx.sizes;
    let pool = Arc::new(message_pool(400));
    let variants = if ctx.long {
        vec![Variant {
            id: "12e",
            sessions: 10,
            shared: true,
            seconds: s.load_long_seconds,
            shared_user: SHARED_USERS[2],
            first_account: 0,
        }]
    } else {
        let v = |id, sessions, shared, shared_user, first_account| Variant {
            id,
            sessions,
            shared,
            seconds: s.load_seconds,
            shared_user,
            first_account,
        };
        vec![
            v("12a", 10, false, "", 0),
            v("12b", 10, true, SHARED_USERS[0], 0),
            v("12c", 50, false, "", 10),
            v("12d", 50, true, SHARED_USERS[1], 0),
        ]
    };
    for v in variants.iter().filter(|v| ctx.variant.as_ref().is_none_or(|id| id == v.id)) {
        if !v.shared && v.first_account + v.sessions > s.load_accounts {
            return Err(other(format!("scenario {} needs more load accounts than the corpus has", v.id)));
        }
        run_variant(ctx, v, &pool)?;
    }
    Ok(())
}

/// Corpus messages with CRLF line endings, for APPEND.
fn message_pool(count: u32) -> Vec<Vec<u8>> {
    let mut gen = Generator::new(77, count);
    (0..count)
        .map(|n| gen.message(n).bytes)
        .filter(|m| m.len() <= POOL_MAX_BYTES)
        .map(|m| {
            let mut out = Vec::with_capacity(m.len() + m.len() / 20);
            for &b in &m {
                if b == b'\n' {
                    out.push(b'\r');
                }
                out.push(b);
            }
            out
        })
        .collect()
}

/// Runs one variant and prints its rows.
fn run_variant(ctx: &Ctx, v: &Variant, pool: &Arc<Vec<Vec<u8>>>) -> io::Result<()> {
    let run = Arc::new(Run::new(pool.to_vec(), v.shared, ctx.sizes.load_messages));
    let length = Duration::from_secs(u64::from(v.seconds));
    let barrier = Arc::new(Barrier::new(v.sessions as usize + 1));
    let start: Arc<OnceLock<Instant>> = Arc::new(OnceLock::new());
    let processes_before = if ctx.pid != 0 { mem::tree(ctx.pid).len() } else { 0 };
    let mut handles = vec![];
    for i in 0..v.sessions {
        let user = if v.shared { v.shared_user.to_string() } else { corpus::load_user(v.first_account + i) };
        let (addr, run, barrier, start) = (ctx.addr.clone(), run.clone(), barrier.clone(), start.clone());
        let seed = 5000 + u64::from(i) + 1000 * u64::from(ctx.round);
        handles.push(
            thread::Builder::new()
                .stack_size(256 * 1024)
                .spawn(move || session(&addr, &user, seed, &run, &barrier, &start, length))?,
        );
    }
    let m = Sampler::start(ctx.pid);
    barrier.wait();
    // Every session has logged in. Dovecot's login processes exit after
    // handing a session over; let them be reaped so the reading is clean.
    thread::sleep(Duration::from_millis(500));
    let cpu_before = (ctx.pid != 0).then(|| mem::tree_cpu_seconds(ctx.pid));
    // The load client's own CPU, to tell whether it, not the server, was
    // the bound on the shared machine.
    let client_before = mem::tree_cpu_seconds(std::process::id());
    let t0 = Instant::now();
    let _ = start.set(t0);
    let mut samples: Vec<(f32, f32)> = vec![];
    for h in handles {
        match h.join() {
            Ok(l) => samples.extend(l),
            Err(_) => run.error("a session thread panicked".into()),
        }
    }
    let client = mem::tree_cpu_seconds(std::process::id()) - client_before;
    let rss = m.finish();
    let cpu = cpu_before.map(|before| settled_cpu_seconds(ctx.pid, processes_before) - before);
    report(ctx, v, &run, &samples, (cpu, client), rss);
    Ok(())
}

/// One session's life: log in, wait for the start, loop until the end
/// (logging in again after a broken connection), log out. Returns the
/// latencies it measured.
fn session(
    addr: &str,
    user: &str,
    seed: u64,
    run: &Run,
    barrier: &Barrier,
    start: &OnceLock<Instant>,
    length: Duration,
) -> Vec<(f32, f32)> {
    let first = Conn::login(addr, user, PASSWORD);
    barrier.wait();
    let t0 = *start.wait();
    let end = t0 + length;
    let conn = match first {
        Ok(c) => c,
        Err(e) => {
            run.error(format!("LOGIN {user}: {e}"));
            return vec![];
        }
    };
    let mut s = Session::new(conn, seed, run, t0, end);
    loop {
        match s.turn() {
            Ok(()) => {}
            Err(Halt::Deadline) => break,
            Err(Halt::Io(e)) => {
                run.error(format!("connection of {user}: {e}"));
                // Log in again and go on, so one failure does not end the
                // session's share of the load; give up at the deadline.
                loop {
                    if Instant::now() >= end {
                        return s.latencies;
                    }
                    match Conn::login(addr, user, PASSWORD) {
                        Ok(c) => {
                            run.reconnects.fetch_add(1, Ordering::Relaxed);
                            s.reconnect(c);
                            break;
                        }
                        Err(_) => thread::sleep(Duration::from_millis(100)),
                    }
                }
            }
        }
    }
    let lat = std::mem::take(&mut s.latencies);
    s.logout();
    lat
}

/// Median latency (ms) of the commands sent in `[from, to)` of the run.
fn median_between(samples: &[(f32, f32)], from: f32, to: f32) -> Option<f64> {
    let v: Vec<f64> = samples.iter().filter(|(at, _)| *at >= from && *at < to).map(|(_, l)| f64::from(*l)).collect();
    (!v.is_empty()).then(|| median(v))
}

/// Prints the rows of one variant, and the first errors on stderr.
/// `cpu` is the server's CPU seconds (when its pid is known) and the
/// client's own.
fn report(ctx: &Ctx, v: &Variant, run: &Run, samples: &[(f32, f32)], cpu: (Option<f64>, f64), rss: u64) {
    let (cpu, client) = cpu;
    let (id, secs) = (v.id, v.seconds as f32);
    let layout = if v.shared { "all on one INBOX" } else { "each on its own account" };
    let commands = run.commands.load(Ordering::Relaxed);
    let errors = run.errors.load(Ordering::Relaxed);
    let note = format!(
        "commands={commands},errors={errors},expected_no={},reconnects={}",
        run.expected_no.load(Ordering::Relaxed),
        run.reconnects.load(Ordering::Relaxed)
    );
    let rate = Some(commands as f64 / f64::from(v.seconds));
    let name = format!("imaptest-like load, {} sessions {layout}, {}s", v.sessions, v.seconds);
    emit(ctx, id, &name, rate, "cmd/s", Better::Higher, rss, &note);
    let per_1000 = cpu.filter(|_| commands > 0).map(|c| c * 1e6 / commands as f64);
    let cpu_note = cpu.map_or("-".into(), |c| format!("cpu_s={c:.2},commands={commands},client_cpu_s={client:.2}"));
    let name = format!("server CPU ms (user+sys, all processes) per 1000 commands of {id}");
    emit(ctx, &format!("{id}c"), &name, per_1000, "ms", Better::Lower, rss, &cpu_note);
    let name = format!("protocol errors in {id} (unexpected NO/BAD, BYE, unparsable)");
    emit(ctx, &format!("{id}e"), &name, Some(errors as f64), "count", Better::Lower, rss, &note);
    let first = median_between(samples, 0.0, secs / 10.0);
    let last = median_between(samples, secs * 0.9, f32::INFINITY);
    let name = format!("median command latency of {id}, first tenth of the run");
    emit(ctx, &format!("{id}f"), &name, first, "ms", Better::Lower, rss, "-");
    let name = format!("median command latency of {id}, last tenth of the run");
    emit(ctx, &format!("{id}l"), &name, last, "ms", Better::Lower, rss, "-");
    let growth = first.zip(last).filter(|(f, _)| *f > 0.0).map(|(f, l)| l / f);
    let name = format!("last tenth's median latency / first tenth's, {id} (flat: 1)");
    emit(ctx, &format!("{id}x"), &name, growth, "x", Better::Lower, rss, "-");
    eprintln!("bench-load: {id} on {}, commands: {}", ctx.server, run.shape());
    if errors > 0 {
        eprintln!("bench-load: scenario {id} on {}: {errors} protocol errors, the first:", ctx.server);
        for e in run.samples.lock().unwrap_or_else(|e| e.into_inner()).iter() {
            eprintln!("    {e}");
        }
    }
}

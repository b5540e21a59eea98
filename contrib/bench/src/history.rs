//! Scenario 14, the bench line of issue 20's must-show 3: in a small INBOX
//! (50 messages), the latency of `STORE +FLAGS` and of APPEND while the
//! mailbox is fresh, and again after a long history of expunges (append
//! and expunge cycles), to show whether a change costs more in a mailbox
//! that has lived.

use crate::corpus::HISTORY_USER;
use crate::imap::{other, Conn};
use crate::mem::Sampler;
use crate::scenarios::{emit, median, small_message, Better, Ctx, PASSWORD};
use std::io;
use std::time::Instant;

/// Timed repetitions of each command.
const REPS: usize = 30;
/// Appends sent together (pipelined) in one cycle of the history.
const BATCH: usize = 50;

/// The medians (ms) of the STORE and APPEND timings of one measurement.
struct Timings {
    store: f64,
    append: f64,
    failed: usize,
}

/// Runs 14a-14f.
pub fn scenario(ctx: &Ctx) -> io::Result<()> {
    let n = ctx.sizes.hist_messages;
    let k = ctx.sizes.hist_expunges;
    let m = Sampler::start(ctx.pid);
    let fresh = measure(ctx, 0)?;
    let mut c = Conn::login(&ctx.addr, HISTORY_USER, PASSWORD)?;
    expect_ok("SELECT", &c.cmd("SELECT INBOX")?.status)?;
    let t = Instant::now();
    let mut done = 0;
    while done < k {
        done += cycle(&mut c, done, (k - done).min(BATCH as u32))?;
    }
    let build_s = t.elapsed().as_secs_f64();
    c.logout();
    let after = measure(ctx, 1)?;
    let rss = m.finish();
    let note = |t: &Timings| format!("failed={},history_build_s={build_s:.1}", t.failed);
    let rows = [
        ("14a", format!("STORE +FLAGS (\\Flagged) in a {n}-message INBOX, fresh"), fresh.store, &fresh),
        ("14b", format!("STORE +FLAGS (\\Flagged) in that INBOX after {k} expunges"), after.store, &after),
        ("14c", format!("APPEND of a 200-byte message to a {n}-message INBOX, fresh"), fresh.append, &fresh),
        ("14d", format!("APPEND of a 200-byte message to that INBOX after {k} expunges"), after.append, &after),
    ];
    for (id, name, v, t) in rows {
        emit(ctx, id, &name, Some(v), "ms", Better::Lower, rss, &note(t));
    }
    let growth = |a: f64, b: f64| (a > 0.0).then(|| b / a);
    let name = format!("STORE after {k} expunges / fresh (flat: 1)");
    emit(ctx, "14e", &name, growth(fresh.store, after.store), "x", Better::Lower, rss, "-");
    let name = format!("APPEND after {k} expunges / fresh (flat: 1)");
    emit(ctx, "14f", &name, growth(fresh.append, after.append), "x", Better::Lower, rss, "-");
    Ok(())
}

fn expect_ok(what: &str, status: &str) -> io::Result<()> {
    if status == "OK" {
        Ok(())
    } else {
        Err(other(format!("scenario 14: {what} answered {status}")))
    }
}

/// The medians of `REPS` timed `STORE n +FLAGS (\Flagged)` (each on a
/// message just unflagged, so every one is a change) and `REPS` timed
/// APPENDs (each expunged again, untimed, so the INBOX keeps its size).
fn measure(ctx: &Ctx, pass: u64) -> io::Result<Timings> {
    let n = ctx.sizes.hist_messages.max(1);
    let mut c = Conn::login(&ctx.addr, HISTORY_USER, PASSWORD)?;
    expect_ok("SELECT", &c.cmd("SELECT INBOX")?.status)?;
    let (mut store, mut append, mut failed) = (vec![], vec![], 0);
    for i in 0..REPS {
        let seq = i as u32 % n + 1;
        failed += usize::from(!c.cmd(&format!("STORE {seq} -FLAGS.SILENT (\\Flagged)"))?.ok());
        let t = Instant::now();
        let ok = c.cmd(&format!("STORE {seq} +FLAGS (\\Flagged)"))?.ok();
        store.push(t.elapsed().as_secs_f64() * 1000.0);
        failed += usize::from(!ok);
    }
    for i in 0..REPS {
        let msg = small_message(700_000 + pass * 1000 + i as u64, 200);
        let t = Instant::now();
        let r = c.append("INBOX", "", &msg)?;
        append.push(t.elapsed().as_secs_f64() * 1000.0);
        let Some(uid) = r.append_uid().filter(|_| r.ok()) else {
            failed += 1;
            continue;
        };
        failed += usize::from(!c.cmd(&format!("UID STORE {uid} +FLAGS.SILENT (\\Deleted)"))?.ok());
        failed += usize::from(!c.cmd(&format!("UID EXPUNGE {uid}"))?.ok());
    }
    c.logout();
    Ok(Timings { store: median(store), append: median(append), failed })
}

/// One cycle of the history: `count` APPENDs sent together, then the new
/// messages marked `\Deleted` and expunged. Returns `count`.
fn cycle(c: &mut Conn, done: u32, count: u32) -> io::Result<u32> {
    let mut tags = vec![];
    for i in 0..count {
        let msg = small_message(800_000 + u64::from(done + i), 200);
        tags.push(c.send_append("INBOX", "", &msg)?);
    }
    let mut uids = vec![];
    for tag in tags {
        let r = c.read_response(&tag, false)?;
        expect_ok("APPEND", &r.status)?;
        uids.push(r.append_uid().ok_or_else(|| other("APPEND without APPENDUID".into()))?);
    }
    let set = uids.iter().map(u32::to_string).collect::<Vec<_>>().join(",");
    expect_ok("UID STORE", &c.cmd(&format!("UID STORE {set} +FLAGS.SILENT (\\Deleted)"))?.status)?;
    expect_ok("UID EXPUNGE", &c.cmd(&format!("UID EXPUNGE {set}"))?.status)?;
    Ok(count)
}

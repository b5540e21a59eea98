//! Scenario 13: the folder sync of Thunderbird, its header download of a
//! whole INBOX, first time (nothing of the server's own yet) and again in
//! a new session.

use crate::corpus::HEADER_USER;
use crate::imap::Conn;
use crate::mem::Sampler;
use crate::scenarios::{emit, Better, Ctx, PASSWORD};
use std::io;
use std::time::Instant;

/// The command, as Thunderbird sends it (its case included).
pub const HEADER_FETCH: &str = "UID fetch 1:* (UID RFC822.SIZE FLAGS BODY.PEEK[HEADER.FIELDS (From To Cc Bcc Subject Date Message-ID Priority X-Priority References Newsgroups In-Reply-To Content-Type Reply-To Received)])";

/// Runs 13a (first time) and 13b (again, a new session).
pub fn scenario(ctx: &Ctx) -> io::Result<()> {
    let n = ctx.sizes.mid;
    for (id, when) in [("13a", "first time"), ("13b", "again")] {
        let mut c = Conn::login(&ctx.addr, HEADER_USER, PASSWORD)?;
        let r = c.cmd("SELECT INBOX")?;
        let name = format!("Thunderbird's header download (UID FETCH 1:* UID RFC822.SIZE FLAGS 15 header fields), {n} messages, {when}");
        if !r.ok() {
            emit(ctx, id, &name, None, "ms", Better::Lower, 0, &r.status);
            continue;
        }
        let m = Sampler::start(ctx.pid);
        let t = Instant::now();
        let r = c.cmd(HEADER_FETCH)?;
        let v = t.elapsed().as_secs_f64() * 1000.0;
        let rss = m.finish();
        if r.ok() {
            let note = format!("fetched={},bytes={}", r.untagged, r.bytes);
            emit(ctx, id, &name, Some(v), "ms", Better::Lower, rss, &note);
        } else {
            emit(ctx, id, &name, None, "ms", Better::Lower, rss, &r.status);
        }
        c.logout();
    }
    Ok(())
}

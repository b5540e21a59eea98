//! COMPRESS (RFC 4978): after the tagged OK, both directions of the
//! connection are raw deflate, under everything else the session writes.

use std::io;

use super::Reply;
use crate::proto::response::Code;
use crate::session::Session;

/// `COMPRESS DEFLATE`: answers in clear, then turns the stream's deflate
/// layer on. A second one is refused with `NO [COMPRESSIONACTIVE]`
/// (RFC 5530 3), an unknown mechanism with BAD.
pub fn compress(s: &mut Session, tag: &str, mechanism: &str) -> io::Result<()> {
    if !mechanism.eq_ignore_ascii_case("DEFLATE") {
        s.complete(
            tag,
            Err(Reply::bad(format!(
                "Unknown compression mechanism{} (only DEFLATE)",
                crate::proto::response::shown(mechanism)
            ))),
        );
        return Ok(());
    }
    if s.conn.get_ref().is_compressed() {
        s.complete(tag, Err(Reply::no(Code::CompressionActive, "DEFLATE is already active")));
        return Ok(());
    }
    s.complete(tag, Ok("DEFLATE active".into()));
    s.flush()?;
    // Whatever the client sent right behind the command is already
    // compressed: it goes to the inflater, not to the command reader.
    let pending = s.conn.take_buffered();
    s.conn.get_mut().start_deflate(pending);
    log::trace!("{} [{}] COMPRESS=DEFLATE started", s.tag(), s.peer);
    Ok(())
}

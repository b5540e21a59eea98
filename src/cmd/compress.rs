//! COMPRESS (RFC 4978): after the tagged OK, both directions of the
//! connection are raw deflate, under everything else the session writes.
//! The handler checks the request; the session switches the stream.

use super::{Done, Effect, Reply};
use crate::client::Ctx;
use crate::proto::response::Code;

/// `COMPRESS DEFLATE`: the session answers in clear, then turns the
/// stream's deflate layer on (`session::effects`). A second one is refused
/// with `NO [COMPRESSIONACTIVE]` (RFC 5530 3), an unknown mechanism with
/// BAD.
pub fn compress(s: &mut Ctx<'_>, tag: &str, mechanism: &str) -> Done {
    if !mechanism.eq_ignore_ascii_case("DEFLATE") {
        s.complete(
            tag,
            Err(Reply::bad(format!(
                "Unknown compression mechanism{} (only DEFLATE)",
                crate::proto::response::shown(mechanism)
            ))),
        );
        return Done::Completed;
    }
    if s.out.is_compressed() {
        s.complete(tag, Err(Reply::no(Code::CompressionActive, "DEFLATE is already active")));
        return Done::Completed;
    }
    Done::Effect(Effect::Compress)
}

//! IDLE (RFC 2177): the command changes how the connection is read, so the
//! handler only asks for it; the session's loop (`session::idle`) sends
//! changes the moment they happen until DONE.

use super::{Done, Effect};

/// IDLE: the session idles, then answers.
pub fn idle() -> Done {
    Done::Effect(Effect::Idle)
}

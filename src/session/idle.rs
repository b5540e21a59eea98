//! What IDLE waits with: the leaf module [`crate::notifier`], named here
//! too so the session's commands find it beside the session.

pub use crate::notifier::{wait, Notifier, Wake};

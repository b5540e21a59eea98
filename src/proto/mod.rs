//! The IMAP protocol layer: framing, grammar, response encoding. Knows nothing of files.

pub mod command;
pub mod datetime;
pub mod metadata;
pub mod notify;
pub mod parse;
pub mod reader;
pub mod response;
pub mod section;
pub mod sequence;
pub mod untagged;
pub mod url;
pub use crate::mutf7 as utf7;

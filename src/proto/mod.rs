//! The IMAP protocol layer: framing, grammar, response encoding. Knows nothing of files.

pub mod args;
pub mod command;
pub mod datetime;
pub mod metadata;
pub mod notify;
pub mod parse;
pub mod reader;
pub mod response;
pub mod search_key;
pub mod section;
pub mod sequence;
pub mod table;
pub mod untagged;
pub mod url;
pub use crate::mutf7 as utf7;

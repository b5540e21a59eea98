//! Byte-range MIME tree of a message (RFC 2045, 2046) for IMAP FETCH.
//!
//! [`scan`] walks a message once and records, for every part, where its
//! header and body lie in the original buffer, with the content headers that
//! BODYSTRUCTURE needs. Nothing is decoded or copied; the buffer is usually a
//! memory-mapped maildir file. [`decode`] has the few decoding helpers that
//! SEARCH needs (RFC 2047 words, transfer encodings, charsets).

pub mod crlf;
pub mod decode;
pub mod header;
pub mod params;
pub mod scan;

pub use decode::{decode_rfc2047, decoded_body_text, decoded_header_text};
pub use scan::{scan, Kind, Part, MAX_DEPTH, MAX_PARTS};

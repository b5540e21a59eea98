//! The RFC 8474 `objectid` grammar, shared by the parser (SEARCH EMAILID)
//! and the store (ids it reads back from its files).

/// Whether `s` is an `objectid`: 1*255(ALPHA / DIGIT / "_" / "-").
pub fn is_objectid(s: &[u8]) -> bool {
    !s.is_empty() && s.len() <= 255 && s.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-')
}

//! Mailbox names between the wire (modified UTF-7, RFC 3501 5.1.3) and the
//! store (UTF-8 with `/` between levels), and store errors as replies.

use crate::proto::command::Mailbox;
use crate::proto::response::Code;
use crate::proto::response::Reply;
use crate::proto::untagged::{write_mailbox, Dialect};
use crate::proto::utf7;
use crate::store::{SpecialUse, StoreError};

/// The hierarchy delimiter.
pub const DELIMITER: char = '/';

/// Decodes a mailbox name from an IMAP4rev1 client (modified UTF-7).
pub fn decode(m: &Mailbox) -> Result<String, Reply> {
    decode_for(&Dialect::default(), m)
}

/// Decodes a mailbox name from the client: UTF-8 once the session enabled
/// UTF8=ACCEPT or IMAP4rev2 (RFC 6855 3, RFC 9051 5.1), modified UTF-7
/// otherwise. A name that is not valid in its encoding gets NO (no such
/// mailbox can exist), not BAD: the command itself was well-formed.
pub fn decode_for(d: &Dialect, m: &Mailbox) -> Result<String, Reply> {
    if m.is_inbox() {
        return Ok("INBOX".into());
    }
    let name = if d.utf8_names() {
        String::from_utf8(m.0.clone()).map_err(|_| Reply::no(Code::Cannot, "Invalid mailbox name: not UTF-8"))?
    } else {
        utf7::decode(&m.0).map_err(|e| Reply::no(Code::Cannot, format!("Invalid mailbox name: it has {}", e.0)))?
    };
    // Refused before anything else sees it: no reply, log line or file
    // name can then carry a line break or a display trick of the client's.
    if name.chars().any(utf7::is_control_like) {
        return Err(Reply::no(Code::Cannot, "Invalid mailbox name: control characters are not allowed"));
    }
    // INBOX is case-insensitive, also as the first level of a path.
    if name.get(..6).is_some_and(|p| p.eq_ignore_ascii_case("INBOX/")) {
        return Ok(format!("INBOX{}", &name[5..]));
    }
    Ok(name)
}

/// A mailbox name for the client as a string, in the session's dialect.
pub fn encoded_for(d: &Dialect, name: &str) -> String {
    let mut v = Vec::new();
    write_mailbox(d, &mut v, name);
    String::from_utf8_lossy(&v).into_owned()
}

/// A mailbox name for an IMAP4rev1 client as a string.
pub fn encoded(name: &str) -> String {
    encoded_for(&Dialect::default(), name)
}

/// The one mapping from store errors to tagged replies with RFC 5530 codes.
/// The texts are the server's own words: no name the client sent and no
/// path or OS error goes back (those go to the log).
pub fn store_error(e: StoreError) -> Reply {
    match e {
        StoreError::NotFound(_) => Reply::no(Code::NonExistent, "Mailbox does not exist"),
        StoreError::AlreadyExists(_) => Reply::no(Code::AlreadyExists, "Mailbox already exists"),
        StoreError::HasChildren(_) => {
            Reply::no(Code::Cannot, "The mailbox has inferior mailboxes: delete or move them first")
        }
        StoreError::InvalidName(why) => Reply::no(Code::Cannot, format!("Invalid mailbox name: {why}")),
        StoreError::TooLong => Reply::no(Code::Limit, "Mailbox name too long for the file system"),
        StoreError::PermissionDenied(what) => {
            log::warn!("permission denied: {what}");
            Reply::no(Code::NoPerm, "Permission denied")
        }
        StoreError::NoSpace => Reply::no(Code::Limit, "The server's disk is full"),
        StoreError::OverQuota => Reply::no(Code::OverQuota, "Quota exceeded"),
        StoreError::TooManyKeywords => Reply::no(Code::Limit, "Too many keywords in this mailbox (26 at most)"),
        e @ (StoreError::Corrupt(_) | StoreError::Io(..)) => server_bug(&e),
    }
}

/// `NO [SERVERBUG]` with a fixed text and an id; the details (paths, OS
/// errors) go only to the log, under the same id, for the administrator.
pub fn server_bug(detail: &dyn std::fmt::Display) -> Reply {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    // Process id and a counter: unique in the log, meaningless outside it.
    let id = format!("{:x}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
    log::warn!("internal error {id}: {detail}");
    Reply::no(Code::ServerBug, format!("Internal error {id}, see the server log"))
}

/// The LIST attribute of a special use (RFC 6154), as `\\Sent`.
pub fn special_use_attr(u: SpecialUse) -> &'static str {
    match u {
        SpecialUse::Drafts => "\\Drafts",
        SpecialUse::Sent => "\\Sent",
        SpecialUse::Trash => "\\Trash",
        SpecialUse::Junk => "\\Junk",
        SpecialUse::Archive => "\\Archive",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inbox_prefix_is_case_insensitive() {
        assert_eq!(decode(&Mailbox(b"inbox/Sub".to_vec())).unwrap(), "INBOX/Sub");
        assert_eq!(decode(&Mailbox(b"INBOX".to_vec())).unwrap(), "INBOX");
    }

    #[test]
    fn names_round_trip_through_utf7() {
        let n = decode(&Mailbox(b"Entw&APw-rfe".to_vec())).unwrap();
        assert_eq!(n, "Entwürfe");
        assert_eq!(encoded(&n), "Entw&APw-rfe");
        assert_eq!(encoded("a b"), "\"a b\"");
    }

    #[test]
    fn shared_names_reach_the_resolver() {
        assert_eq!(decode(&Mailbox(b"~bob/INBOX".to_vec())).unwrap(), "~bob/INBOX");
    }
}

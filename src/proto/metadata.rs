//! GETMETADATA and SETMETADATA (RFC 5464 section 4) as typed commands, and
//! the entry name rules of its section 3.2.

use crate::proto::args::Mailbox;

/// Longest entry name accepted, in octets: deep or long names are refused
/// before any storage sees them.
pub const MAX_ENTRY_NAME: usize = 1024;

/// `DEPTH` of GETMETADATA (RFC 5464 4.2.2).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Depth {
    /// `0`: the entry itself (the default).
    Zero,
    /// `1`: the entry and its children.
    One,
    /// `infinity`: the entry and everything below it.
    Infinity,
}

/// A METADATA command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MetadataCommand {
    /// `GETMETADATA [options] mailbox entries`.
    Get {
        /// The mailbox; empty for the server's entries.
        mailbox: Mailbox,
        /// `MAXSIZE`: values longer than this are left out.
        max_size: Option<u64>,
        /// `DEPTH`.
        depth: Depth,
        /// Entry names, checked and lowercased.
        entries: Vec<String>,
    },
    /// `SETMETADATA mailbox (entry value ...)`; `None` deletes.
    Set {
        /// The mailbox; empty for the server's entries.
        mailbox: Mailbox,
        /// Entry names (checked, lowercased) and their new values.
        values: Vec<(String, Option<Vec<u8>>)>,
    },
}

/// Checks an entry name (RFC 5464 3.2): a slash-separated path under
/// `/private` or `/shared`, without `*`, `%`, controls, `//` or a final
/// `/`; returned lowercased, since entry names are case-insensitive.
pub fn entry_name(raw: &[u8]) -> Result<String, String> {
    if raw.len() > MAX_ENTRY_NAME {
        return Err(format!("Entry name too long (limit {MAX_ENTRY_NAME} octets)"));
    }
    let name = std::str::from_utf8(raw).map_err(|_| "Entry name is not UTF-8".to_string())?;
    if name.chars().any(|c| c.is_control()) {
        return Err("Entry name holds control characters".into());
    }
    if name.contains(['*', '%']) {
        return Err("Entry name holds a wildcard (* or %)".into());
    }
    if name.contains("//") || name.ends_with('/') {
        return Err("Entry name has an empty component".into());
    }
    let name = name.to_lowercase();
    let scoped = ["/private", "/shared"]
        .iter()
        .any(|root| name.strip_prefix(root).is_some_and(|rest| rest.is_empty() || rest.starts_with('/')));
    if !scoped {
        return Err("Entry name must begin with /private or /shared".into());
    }
    Ok(name)
}

/// Whether `name` is `/private` or below it (else it is under `/shared`).
pub fn is_private(name: &str) -> bool {
    name == "/private" || name.starts_with("/private/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_names_are_checked_and_lowercased() {
        assert_eq!(entry_name(b"/Shared/Comment").unwrap(), "/shared/comment");
        assert_eq!(entry_name(b"/private").unwrap(), "/private");
        for bad in [&b"/shared/"[..], b"/shared//a", b"/other/a", b"/sharedx", b"comment", b"/shared/a*", b"/private/%"]
        {
            assert!(entry_name(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
        assert!(entry_name(b"/shared/a\x01").is_err());
        assert!(entry_name(&[b'/'; 2000]).unwrap_err().contains("too long"));
        assert!(is_private("/private/x") && !is_private("/shared/x"));
    }
}

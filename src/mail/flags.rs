//! Message flags between the wire (`\Seen`, keywords) and the store's
//! file-name letters.

use crate::proto::command::Flag;
use crate::proto::response::Reply;
use crate::store::filename::{DRAFT, FLAGGED, PASSED, REPLIED, SEEN, TRASHED};

pub use crate::session::flags::{all_flags, flag_list, mailbox_flags, FORWARDED, SPECIAL};

/// Splits flags of a STORE or APPEND into store bits and keyword names.
/// `\Recent` and unknown `\` flags cannot be set (RFC 3501 2.3.2).
pub fn to_store(flags: &[Flag]) -> Result<(u8, Vec<String>), Reply> {
    let mut system = 0;
    let mut keywords = Vec::new();
    for f in flags {
        match f {
            Flag::Seen => system |= SEEN,
            Flag::Answered => system |= REPLIED,
            Flag::Flagged => system |= FLAGGED,
            Flag::Deleted => system |= TRASHED,
            Flag::Draft => system |= DRAFT,
            Flag::Keyword(k) if k.eq_ignore_ascii_case(FORWARDED) => system |= PASSED,
            Flag::Keyword(k) => {
                if !keywords.contains(k) {
                    keywords.push(k.clone())
                }
            }
            Flag::Extension(x) => {
                return Err(Reply::bad(format!(
                    "The flag{} cannot be set by a client",
                    crate::proto::response::shown(&format!("\\{x}"))
                )))
            }
        }
    }
    Ok((system, keywords))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recent_cannot_be_stored() {
        assert!(to_store(&[Flag::Extension("Recent".into())]).is_err());
        let (bits, kw) =
            to_store(&[Flag::Seen, Flag::Keyword("$MDN".into()), Flag::Keyword("$forwarded".into())]).unwrap();
        assert_eq!(bits, SEEN | PASSED);
        assert_eq!(kw, vec!["$MDN".to_string()]);
    }
}

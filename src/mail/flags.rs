//! Message flags between the wire (`\Seen`, `$Forwarded`, keywords) and
//! the store's file-name letters: the session's view reports them, the
//! command handlers take them.

use crate::proto::command::Flag;
use crate::proto::response::Reply;
use crate::proto::untagged::FlagList;
use crate::store::filename::{DRAFT, FLAGGED, PASSED, REPLIED, SEEN, TRASHED};
use crate::store::keywords::Keywords;
use crate::store::Flags;

/// System flags in the order tegami lists them, with their store bits.
const SYSTEM: [(u8, &str); 5] =
    [(REPLIED, "\\Answered"), (FLAGGED, "\\Flagged"), (TRASHED, "\\Deleted"), (SEEN, "\\Seen"), (DRAFT, "\\Draft")];

/// Maildir's "passed" letter `P` is the keyword `$Forwarded` in IMAP, as in Dovecot.
pub const FORWARDED: &str = "$Forwarded";

/// The flags of a message as the client sees them, `\Recent` apart (the
/// writer leaves it out for IMAP4rev2).
pub fn message_flags(flags: &Flags, keywords: &Keywords, recent: bool) -> FlagList {
    let mut names: Vec<String> = SYSTEM.iter().filter(|(b, _)| flags.has(*b)).map(|&(_, n)| n.to_string()).collect();
    if flags.has(PASSED) {
        names.push(FORWARDED.into());
    }
    names.extend(keywords.names_of(flags.keywords));
    FlagList { names, recent, star: false }
}

/// The flags of a message as the inside of an IMAP4rev1 `FLAGS (...)` list
/// (for the admin listing, which speaks no IMAP dialect).
pub fn flag_list(flags: &Flags, keywords: &Keywords, recent: bool) -> String {
    let mut l = message_flags(flags, keywords, recent);
    if l.recent {
        l.names.push("\\Recent".into());
    }
    l.names.join(" ")
}

/// CommuniGate's special keywords, listed in FLAGS and PERMANENTFLAGS of
/// every mailbox even before a message has them: `$MDN` (a read receipt
/// was sent), `$Hidden`, `$Media` (counted by STATUS UNSEENMEDIA).
pub const SPECIAL: [&str; 3] = ["$MDN", "$Hidden", "$Media"];

/// Every flag the mailbox knows, for the FLAGS and PERMANENTFLAGS
/// responses of SELECT.
pub fn mailbox_flags(keywords: &Keywords) -> Vec<String> {
    let mut out: Vec<String> = SYSTEM.iter().map(|&(_, n)| n.to_string()).collect();
    out.push(FORWARDED.into());
    out.extend(SPECIAL.iter().map(|k| k.to_string()));
    let listed = |k: &String| k == FORWARDED || SPECIAL.iter().any(|s| s.eq_ignore_ascii_case(k));
    out.extend(keywords.all().into_iter().filter(|k| !listed(k)));
    out
}

/// [`mailbox_flags`] as the inside of a list.
pub fn all_flags(keywords: &Keywords) -> String {
    mailbox_flags(keywords).join(" ")
}

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
    fn system_flags_and_recent_render_in_order() {
        let f = Flags { system: SEEN | REPLIED | PASSED, ..Flags::default() };
        assert_eq!(flag_list(&f, &Keywords::default(), true), "\\Answered \\Seen $Forwarded \\Recent");
        assert_eq!(flag_list(&Flags::default(), &Keywords::default(), false), "");
    }

    #[test]
    fn recent_cannot_be_stored() {
        assert!(to_store(&[Flag::Extension("Recent".into())]).is_err());
        let (bits, kw) =
            to_store(&[Flag::Seen, Flag::Keyword("$MDN".into()), Flag::Keyword("$forwarded".into())]).unwrap();
        assert_eq!(bits, SEEN | PASSED);
        assert_eq!(kw, vec!["$MDN".to_string()]);
    }
}

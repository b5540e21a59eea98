//! FETCH item rendering (RFC 3501 section 7.4.2): ENVELOPE, BODY and
//! BODYSTRUCTURE, body sections and partials, as exact IMAP bytes or as byte
//! ranges of the message. Pure functions over the message bytes and its
//! [`crate::mime::Part`] tree; the session and the store are elsewhere.

pub mod address;
pub mod binary;
pub mod bodystructure;
pub mod envelope;
pub mod preview;
pub mod section;

pub use bodystructure::body_structure;
pub use envelope::envelope;
pub use section::{rfc822_header, rfc822_size, rfc822_text, section, SectionData};

use crate::proto::command::FetchAttr;

/// Whether an item sets `\Seen` (RFC 3501: every body fetch without PEEK).
pub fn sets_seen(a: &FetchAttr) -> bool {
    matches!(
        a,
        FetchAttr::Rfc822
            | FetchAttr::Rfc822Text
            | FetchAttr::BodySection { peek: false, .. }
            | FetchAttr::Binary { peek: false, .. }
    )
}

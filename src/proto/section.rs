//! The `section` of `BODY[...]` (RFC 3501 section 9, `section-spec`): shared
//! by the parser, which produces it, and the FETCH renderer, which serves it.

/// A `section-spec`: a part path such as `1.2.3` (empty for the whole
/// message) and what of that part is wanted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Section {
    /// Part numbers from the top, each 1-based; empty means the message itself.
    pub part: Vec<u32>,
    /// `None` means the whole part (`BODY[1.2]`, or `BODY[]` at the top).
    pub text: Option<SectionText>,
}

/// The `section-msgtext` or `MIME` suffix of a section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SectionText {
    /// `HEADER`: the header of the message or of the message/rfc822 part.
    Header,
    /// `HEADER.FIELDS (a b)`: only these header fields (names as sent, any case).
    HeaderFields(Vec<Vec<u8>>),
    /// `HEADER.FIELDS.NOT (a b)`: every header field but these.
    HeaderFieldsNot(Vec<Vec<u8>>),
    /// `TEXT`: the body of the message or of the message/rfc822 part.
    Text,
    /// `MIME`: the MIME header of a numbered part.
    Mime,
}

/// A `partial` `<start.length>` of a body fetch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Partial {
    /// First octet wanted, 0-based.
    pub start: u32,
    /// Greatest number of octets wanted.
    pub length: u32,
}

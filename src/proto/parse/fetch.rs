//! FETCH items and STORE arguments.

use super::lexer::{Lexer, PResult};
use crate::proto::command::{CommandBody, FetchAttr, Flag, StoreMode};
use crate::proto::response::shown;
use crate::proto::section::{Partial, Section, SectionText};

/// `FETCH set items [modifiers]` after the command name.
pub(super) fn fetch(p: &mut Lexer<'_>, uid: bool) -> PResult<CommandBody> {
    p.sp("sequence set")?;
    let set = p.sequence_set()?;
    p.sp("fetch items")?;
    let items = if p.peek() == Some(b'(') {
        p.paren_list("fetch item list", false, fetch_attr)?
    } else if p.keyword("ALL") {
        vec![FetchAttr::Flags, FetchAttr::InternalDate, FetchAttr::Rfc822Size, FetchAttr::Envelope]
    } else if p.keyword("FAST") {
        vec![FetchAttr::Flags, FetchAttr::InternalDate, FetchAttr::Rfc822Size]
    } else if p.keyword("FULL") {
        vec![FetchAttr::Flags, FetchAttr::InternalDate, FetchAttr::Rfc822Size, FetchAttr::Envelope, FetchAttr::Body]
    } else {
        vec![fetch_attr(p)?]
    };
    let (mut changed_since, mut vanished) = (None, false);
    if p.more() {
        if p.peek() != Some(b'(') {
            return Err("Several fetch items must be given in parentheses".into());
        }
        p.paren_list("fetch modifiers", false, |p| {
            if p.keyword("CHANGEDSINCE") {
                p.sp("CHANGEDSINCE value")?;
                changed_since = Some(p.number64("CHANGEDSINCE value")?);
            } else if p.keyword("VANISHED") {
                vanished = true;
            } else {
                return Err(format!("Unknown fetch modifier{}", shown(&p.atom_upper("fetch modifier")?)));
            }
            Ok(())
        })?;
        if vanished && changed_since.is_none() {
            return Err("VANISHED requires CHANGEDSINCE".to_string());
        }
    }
    p.end()?;
    Ok(CommandBody::Fetch { uid, set, items, changed_since, vanished })
}

pub(super) fn fetch_attr(p: &mut Lexer<'_>) -> PResult<FetchAttr> {
    let name = p.take_while(|b| b.is_ascii_alphanumeric() || b == b'.');
    if name.is_empty() {
        return Err(if p.at_end() { "Missing fetch item".into() } else { "Invalid fetch item".into() });
    }
    let name = String::from_utf8_lossy(name).to_ascii_uppercase();
    let simple = match name.as_str() {
        "FLAGS" => Some(FetchAttr::Flags),
        "INTERNALDATE" => Some(FetchAttr::InternalDate),
        "RFC822" => Some(FetchAttr::Rfc822),
        "RFC822.HEADER" => Some(FetchAttr::Rfc822Header),
        "RFC822.SIZE" => Some(FetchAttr::Rfc822Size),
        "RFC822.TEXT" => Some(FetchAttr::Rfc822Text),
        "UID" => Some(FetchAttr::Uid),
        "SAVEDATE" => Some(FetchAttr::SaveDate),
        "EMAILID" => Some(FetchAttr::EmailId),
        "THREADID" => Some(FetchAttr::ThreadId),
        "ENVELOPE" => Some(FetchAttr::Envelope),
        "BODYSTRUCTURE" => Some(FetchAttr::BodyStructure),
        "MODSEQ" => Some(FetchAttr::ModSeq),
        "BODY" if p.peek() != Some(b'[') => Some(FetchAttr::Body),
        // `PREVIEW (CHANGEDSINCE 1)` is the item and fetch modifiers.
        "PREVIEW" if !modifiers_follow(p) => Some(FetchAttr::Preview { lazy: false }),
        "SNIPPET" if !modifiers_follow(p) => Some(FetchAttr::Fuzzy { snippet: true }),
        _ => None,
    };
    if let Some(a) = simple {
        return Ok(a);
    }
    let attr = match name.as_str() {
        "BODY" | "BODY.PEEK" => {
            let section = section(p)?;
            let partial = partial(p)?;
            FetchAttr::BodySection { peek: name == "BODY.PEEK", section, partial }
        }
        "BINARY" | "BINARY.PEEK" => {
            let part = binary_section(p)?;
            let partial = partial(p)?;
            FetchAttr::Binary { peek: name == "BINARY.PEEK", part, partial }
        }
        "BINARY.SIZE" => FetchAttr::BinarySize { part: binary_section(p)? },
        "PREVIEW" | "SNIPPET" => preview_modifiers(p, name == "SNIPPET")?,
        _ => return Err(format!("Unknown fetch item{}", shown(&name))),
    };
    Ok(attr)
}

/// Whether PREVIEW or SNIPPET is followed by its modifiers (else a list
/// after it is the fetch modifiers: `PREVIEW (CHANGEDSINCE 1)`).
fn modifiers_follow(p: &Lexer<'_>) -> bool {
    [&b" (LAZY"[..], b" (FUZZY"].iter().any(|m| p.looking_at(m))
}

/// `[SP "(" preview-mod *(SP preview-mod) ")"]` after PREVIEW (RFC 8970
/// section 6), whose one modifier is `LAZY`; and the draft algorithm
/// `FUZZY` (or `LAZY=FUZZY`) that SNIPPET always takes and that makes
/// PREVIEW answer in the draft form, as Dovecot does.
fn preview_modifiers(p: &mut Lexer<'_>, snippet: bool) -> PResult<FetchAttr> {
    p.sp("preview modifiers")?;
    let (mut lazy, mut fuzzy) = (false, false);
    p.paren_list("preview modifiers", false, |p| {
        match p.atom_upper("preview modifier")?.as_str() {
            "LAZY" if !snippet => lazy = true,
            "FUZZY" => fuzzy = true,
            "LAZY=FUZZY" => (lazy, fuzzy) = (true, true),
            m => return Err(format!("Unknown {} modifier{}", if snippet { "SNIPPET" } else { "PREVIEW" }, shown(m))),
        }
        Ok(())
    })?;
    if snippet && !fuzzy {
        return Err("SNIPPET takes the algorithm FUZZY".into());
    }
    Ok(if fuzzy { FetchAttr::Fuzzy { snippet } } else { FetchAttr::Preview { lazy } })
}

/// `[section-spec]`.
fn section(p: &mut Lexer<'_>) -> PResult<Section> {
    p.expect(b'[', "an opening bracket after BODY")?;
    let mut sec = Section::default();
    if p.eat(b']') {
        return Ok(sec);
    }
    loop {
        if p.peek().is_some_and(|b| b.is_ascii_digit()) {
            sec.part.push(p.nz_number("section part number")?);
            if p.eat(b'.') {
                continue;
            }
            break;
        }
        let word = p.take_while(|b| b.is_ascii_alphabetic() || b == b'.');
        let word = String::from_utf8_lossy(word).to_ascii_uppercase();
        sec.text = Some(match word.as_str() {
            "HEADER" => SectionText::Header,
            "TEXT" => SectionText::Text,
            "MIME" if !sec.part.is_empty() => SectionText::Mime,
            "MIME" => return Err("MIME needs a part number, e.g. BODY[1.MIME]".into()),
            "HEADER.FIELDS" | "HEADER.FIELDS.NOT" => {
                p.sp("header field list")?;
                let fields = p.paren_list("header field list", false, |p| p.astring("header field name"))?;
                if word == "HEADER.FIELDS" {
                    SectionText::HeaderFields(fields)
                } else {
                    SectionText::HeaderFieldsNot(fields)
                }
            }
            "" => return Err("Invalid section".into()),
            w => return Err(format!("Invalid section part{}", shown(w))),
        });
        break;
    }
    p.expect(b']', "a closing bracket after the section")?;
    Ok(sec)
}

/// `[part.part...]` of BINARY.
fn binary_section(p: &mut Lexer<'_>) -> PResult<Vec<u32>> {
    p.expect(b'[', "an opening bracket after BINARY")?;
    let mut part = Vec::new();
    if p.eat(b']') {
        return Ok(part);
    }
    loop {
        part.push(p.nz_number("section part number")?);
        if !p.eat(b'.') {
            break;
        }
    }
    p.expect(b']', "a closing bracket after the section")?;
    Ok(part)
}

/// Optional `<start.length>`.
fn partial(p: &mut Lexer<'_>) -> PResult<Option<Partial>> {
    if !p.eat(b'<') {
        return Ok(None);
    }
    let start = p.number("partial start")?;
    p.expect(b'.', ". in partial <start.length>")?;
    let length = p.nz_number("partial length")?;
    p.expect(b'>', "a closing angle bracket after the partial range")?;
    Ok(Some(Partial { start, length }))
}

/// `STORE set [(UNCHANGEDSINCE n)] [+-]FLAGS[.SILENT] flags` after the name.
pub(super) fn store(p: &mut Lexer<'_>, uid: bool) -> PResult<CommandBody> {
    p.sp("sequence set")?;
    let set = p.sequence_set()?;
    p.sp("store item")?;
    let mut unchanged_since = None;
    if p.peek() == Some(b'(') {
        p.paren_list("store modifiers", false, |p| {
            if p.keyword("UNCHANGEDSINCE") {
                p.sp("UNCHANGEDSINCE value")?;
                unchanged_since = Some(p.number64("UNCHANGEDSINCE value")?);
                Ok(())
            } else {
                Err(format!("Unknown store modifier{}", shown(&p.atom_upper("store modifier")?)))
            }
        })?;
        p.sp("store item")?;
    }
    let mode = if p.eat(b'+') {
        StoreMode::Add
    } else if p.eat(b'-') {
        StoreMode::Remove
    } else {
        StoreMode::Replace
    };
    let item = p.atom_upper("store item")?;
    let silent = match item.as_str() {
        "FLAGS" => false,
        "FLAGS.SILENT" => true,
        _ => return Err(format!("Unknown store item{} (expected FLAGS, +FLAGS or -FLAGS)", shown(&item))),
    };
    p.sp("flags")?;
    let flags: Vec<Flag> = if p.peek() == Some(b'(') {
        p.flag_list()?
    } else {
        let mut v = vec![p.flag()?];
        while p.more() {
            v.push(p.flag()?);
        }
        v
    };
    p.end()?;
    Ok(CommandBody::Store { uid, set, unchanged_since, mode, silent, flags })
}

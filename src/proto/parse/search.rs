//! SEARCH, SORT and THREAD: search keys, return options, charsets.

use super::lexer::{Lexer, PResult};
use crate::proto::command::{
    CommandBody, ModSeqEntry, SearchKey, SearchReturn, SortCriterion, SortKey, ThreadAlgorithm,
};
use crate::proto::datetime::Date;
use crate::proto::response::shown;

/// `SEARCH [RETURN (...)] [CHARSET x] keys` after the name.
pub(super) fn search(p: &mut Lexer<'_>, uid: bool) -> PResult<CommandBody> {
    p.sp("search criteria")?;
    let mut returns = None;
    if p.keyword("RETURN") {
        returns = Some(return_opts(p)?);
        p.sp("search criteria")?;
    }
    let mut charset = None;
    if p.keyword("CHARSET") {
        p.sp("charset name")?;
        charset = Some(charset_name(p)?);
        p.sp("search criteria")?;
    }
    let key = keys(p)?;
    Ok(CommandBody::Search { uid, returns, charset, key })
}

/// `SORT [RETURN (...)] (criteria) charset keys` after the name.
pub(super) fn sort(p: &mut Lexer<'_>, uid: bool) -> PResult<CommandBody> {
    p.sp("sort criteria")?;
    let mut returns = None;
    if p.keyword("RETURN") {
        returns = Some(return_opts(p)?);
        p.sp("sort criteria")?;
    }
    let criteria = p.paren_list("sort criteria", false, |p| {
        let mut word = p.atom_upper("sort criterion")?;
        let reverse = word == "REVERSE";
        if reverse {
            p.sp("sort criterion after REVERSE")?;
            word = p.atom_upper("sort criterion after REVERSE")?;
        }
        let key = match word.as_str() {
            "ARRIVAL" => SortKey::Arrival,
            "CC" => SortKey::Cc,
            "DATE" => SortKey::Date,
            "FROM" => SortKey::From,
            "SIZE" => SortKey::Size,
            "SUBJECT" => SortKey::Subject,
            "TO" => SortKey::To,
            "DISPLAYFROM" => SortKey::DisplayFrom,
            "DISPLAYTO" => SortKey::DisplayTo,
            _ => return Err(format!("Unknown sort criterion{}", shown(&word))),
        };
        Ok(SortCriterion { reverse, key })
    })?;
    p.sp("charset")?;
    let charset = charset_name(p)?;
    p.sp("search criteria")?;
    let key = keys(p)?;
    Ok(CommandBody::Sort { uid, returns, criteria, charset, key })
}

/// `THREAD algorithm charset keys` after the name.
pub(super) fn thread(p: &mut Lexer<'_>, uid: bool) -> PResult<CommandBody> {
    p.sp("thread algorithm")?;
    let name = p.atom_upper("thread algorithm")?;
    let algorithm = match name.as_str() {
        "ORDEREDSUBJECT" => ThreadAlgorithm::OrderedSubject,
        "REFERENCES" => ThreadAlgorithm::References,
        "REFS" => ThreadAlgorithm::Refs,
        _ => ThreadAlgorithm::Other(name),
    };
    p.sp("charset")?;
    let charset = charset_name(p)?;
    p.sp("search criteria")?;
    let key = keys(p)?;
    Ok(CommandBody::Thread { uid, algorithm, charset, key })
}

fn charset_name(p: &mut Lexer<'_>) -> PResult<String> {
    let raw = if p.peek() == Some(b'"') { p.quoted("charset")? } else { p.atom("charset")?.to_vec() };
    String::from_utf8(raw).map_err(|_| "Invalid charset name".to_string())
}

/// `RETURN (opts)` after the keyword: `search-return-opts` of RFC 4466
/// with RFC 5182's SAVE and RFC 5267's CONTEXT, UPDATE and PARTIAL.
fn return_opts(p: &mut Lexer<'_>) -> PResult<Vec<SearchReturn>> {
    p.sp("return options")?;
    let opts = p.paren_list("return options", true, |p| {
        let w = p.atom_upper("return option")?;
        Ok(match w.as_str() {
            "MIN" => SearchReturn::Min,
            "MAX" => SearchReturn::Max,
            "COUNT" => SearchReturn::Count,
            "ALL" => SearchReturn::All,
            "SAVE" => SearchReturn::Save,
            "CONTEXT" => SearchReturn::Context,
            "UPDATE" => SearchReturn::Update,
            "PARTIAL" => {
                p.sp("partial range")?;
                let (a, b) = partial_range(p)?;
                SearchReturn::Partial(a.min(b), a.max(b))
            }
            _ => return Err(format!("Unknown search return option{}", shown(&w))),
        })
    })?;
    // RFC 5267 4.4: one PARTIAL or one ALL, not both, not twice.
    let windows = opts.iter().filter(|o| matches!(o, SearchReturn::Partial(..) | SearchReturn::All)).count();
    if windows > 1 {
        return Err("Only one of PARTIAL and ALL may be given".into());
    }
    if opts.iter().filter(|o| **o == SearchReturn::Update).count() > 1 {
        return Err("UPDATE given twice".into());
    }
    Ok(opts)
}

/// `partial-range = nz-number ":" nz-number` (RFC 5267 5; no `*`).
fn partial_range(p: &mut Lexer<'_>) -> PResult<(u32, u32)> {
    let a = p.nz_number("partial range")?;
    p.expect(b':', "':' in partial range")?;
    let b = p.nz_number("partial range")?;
    Ok((a, b))
}

/// `CANCELUPDATE 1*(SP quoted)` after the name (RFC 5267 5).
pub(super) fn cancel_update(p: &mut Lexer<'_>) -> PResult<CommandBody> {
    let mut tags = Vec::new();
    while !p.at_end() || tags.is_empty() {
        p.sp("quoted tag")?;
        if p.peek() != Some(b'"') {
            return Err("CANCELUPDATE takes quoted tags".into());
        }
        let raw = p.quoted("tag")?;
        tags.push(String::from_utf8(raw).map_err(|_| "Invalid tag".to_string())?);
    }
    Ok(CommandBody::CancelUpdate { tags })
}

/// One or more keys to the end of input, combined with `And` if several.
fn keys(p: &mut Lexer<'_>) -> PResult<SearchKey> {
    let mut v = vec![key(p)?];
    while !p.at_end() {
        p.sp("search key")?;
        v.push(key(p)?);
    }
    Ok(if v.len() == 1 { v.pop().unwrap_or(SearchKey::All) } else { SearchKey::And(v) })
}

fn date(p: &mut Lexer<'_>, what: &str) -> PResult<Date> {
    p.sp(what)?;
    let raw = if p.peek() == Some(b'"') { p.quoted(what)? } else { p.atom(what)?.to_vec() };
    Date::parse(&raw).map_err(|e| e.to_string())
}

fn string_arg(p: &mut Lexer<'_>, what: &str) -> PResult<Vec<u8>> {
    p.sp(what)?;
    p.astring(what)
}

/// One search key, recursion bounded by the lexer's depth limit.
fn key(p: &mut Lexer<'_>) -> PResult<SearchKey> {
    p.enter()?;
    let k = key_inner(p);
    p.leave();
    k
}

/// A key: a parenthesised group, a sequence set, or a word and what it takes.
fn key_inner(p: &mut Lexer<'_>) -> PResult<SearchKey> {
    match p.peek() {
        Some(b'(') => {
            let v = p.paren_list("search key group", false, key)?;
            return Ok(SearchKey::And(v));
        }
        Some(b'*' | b'$' | b'0'..=b'9') => return Ok(SearchKey::SequenceSet(p.sequence_set()?)),
        None => return Err("Missing search key".into()),
        _ => {}
    }
    let word = p.atom_upper("search key")?;
    if let Some(k) = flag_key(&word) {
        return Ok(k);
    }
    if let Some(k) = string_or_date_key(p, &word)? {
        return Ok(k);
    }
    other_key(p, &word)
}

/// The keys that take no argument.
fn flag_key(word: &str) -> Option<SearchKey> {
    use SearchKey as K;
    Some(match word {
        "ALL" => K::All,
        "ANSWERED" => K::Answered,
        "DELETED" => K::Deleted,
        "DRAFT" => K::Draft,
        "FLAGGED" => K::Flagged,
        "NEW" => K::New,
        "OLD" => K::Old,
        "RECENT" => K::Recent,
        "SEEN" => K::Seen,
        "UNANSWERED" => K::Unanswered,
        "UNDELETED" => K::Undeleted,
        "UNDRAFT" => K::Undraft,
        "UNFLAGGED" => K::Unflagged,
        "UNSEEN" => K::Unseen,
        "SAVEDATESUPPORTED" => K::SaveDateSupported,
        _ => return None,
    })
}

/// The keys that take a string or a date; `None` for other words.
fn string_or_date_key(p: &mut Lexer<'_>, word: &str) -> PResult<Option<SearchKey>> {
    use SearchKey as K;
    Ok(Some(match word {
        "BCC" => K::Bcc(string_arg(p, "BCC string")?),
        "BODY" => K::Body(string_arg(p, "BODY string")?),
        "CC" => K::Cc(string_arg(p, "CC string")?),
        "FROM" => K::From(string_arg(p, "FROM string")?),
        "SUBJECT" => K::Subject(string_arg(p, "SUBJECT string")?),
        "TEXT" => K::Text(string_arg(p, "TEXT string")?),
        "TO" => K::To(string_arg(p, "TO string")?),
        "HEADER" => {
            let field = string_arg(p, "HEADER field name")?;
            K::Header(field, string_arg(p, "HEADER string")?)
        }
        "BEFORE" => K::Before(date(p, "BEFORE date")?),
        "ON" => K::On(date(p, "ON date")?),
        "SINCE" => K::Since(date(p, "SINCE date")?),
        "SENTBEFORE" => K::SentBefore(date(p, "SENTBEFORE date")?),
        "SENTON" => K::SentOn(date(p, "SENTON date")?),
        "SENTSINCE" => K::SentSince(date(p, "SENTSINCE date")?),
        "SAVEDBEFORE" => K::SavedBefore(date(p, "SAVEDBEFORE date")?),
        "SAVEDON" => K::SavedOn(date(p, "SAVEDON date")?),
        "SAVEDSINCE" => K::SavedSince(date(p, "SAVEDSINCE date")?),
        _ => return Ok(None),
    }))
}

/// The keys that take an object id, a keyword, a number, a set, other
/// keys or a mod-sequence; an unknown word is an error.
fn other_key(p: &mut Lexer<'_>, word: &str) -> PResult<SearchKey> {
    use SearchKey as K;
    Ok(match word {
        "EMAILID" | "THREADID" => {
            p.sp("objectid")?;
            let id = p.atom("objectid")?;
            if !crate::objectid::is_objectid(id) {
                return Err("An objectid is 1 to 255 letters, digits, \"_\" and \"-\"".into());
            }
            let id = String::from_utf8_lossy(id).into_owned();
            if word == "EMAILID" {
                K::EmailId(id)
            } else {
                K::ThreadId(id)
            }
        }
        "KEYWORD" | "UNKEYWORD" => {
            p.sp("keyword")?;
            let kw = String::from_utf8_lossy(p.atom("keyword")?).into_owned();
            if word == "KEYWORD" {
                K::Keyword(kw)
            } else {
                K::Unkeyword(kw)
            }
        }
        "LARGER" => {
            p.sp("LARGER size")?;
            K::Larger(p.number("LARGER size")?)
        }
        "SMALLER" => {
            p.sp("SMALLER size")?;
            K::Smaller(p.number("SMALLER size")?)
        }
        "OLDER" => {
            p.sp("OLDER interval")?;
            K::Older(p.nz_number("OLDER interval")?)
        }
        "YOUNGER" => {
            p.sp("YOUNGER interval")?;
            K::Younger(p.nz_number("YOUNGER interval")?)
        }
        "UID" => {
            p.sp("UID set")?;
            K::Uid(p.sequence_set()?)
        }
        "NOT" => {
            p.sp("search key after NOT")?;
            K::Not(Box::new(key(p)?))
        }
        "OR" => {
            p.sp("first search key of OR")?;
            let a = key(p)?;
            p.sp("second search key of OR")?;
            K::Or(Box::new(a), Box::new(key(p)?))
        }
        "MODSEQ" => modseq_key(p)?,
        _ => return Err(format!("Unknown search key{}", shown(word))),
    })
}

/// `MODSEQ [entry-name entry-type] mod-sequence` after the word (RFC 7162).
fn modseq_key(p: &mut Lexer<'_>) -> PResult<SearchKey> {
    p.sp("MODSEQ value")?;
    let mut entry = None;
    if p.peek() == Some(b'"') {
        let name = p.quoted("MODSEQ entry name")?;
        p.sp("MODSEQ entry type")?;
        let kind = p.atom_upper("MODSEQ entry type")?.to_ascii_lowercase();
        if !matches!(kind.as_str(), "priv" | "shared" | "all") {
            return Err(format!("Invalid MODSEQ entry type{} (expected priv, shared or all)", shown(&kind)));
        }
        entry = Some(ModSeqEntry { name, kind });
        p.sp("MODSEQ value")?;
    }
    Ok(SearchKey::ModSeq { entry, modseq: p.number64("MODSEQ value")? })
}

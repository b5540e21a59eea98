//! Checkers of the extensions imap-codec does not know, each from its
//! RFC's formal syntax. A response imap-codec rejects comes here by its
//! shape; what is checked here is either the whole response (ESEARCH,
//! ACL, URLAUTH) or only the items imap-codec lacks (FETCH, STATUS and
//! LIST data of OBJECTID, SAVEDATE, PREVIEW and LIST-EXTENDED), which are
//! then cut out so that imap-codec judges the rest.

use super::lex::{astring, list, nstring, number, nz_number, sequence_set, string, Lexer, Tok};

/// What the local checkers make of a response.
pub enum Local {
    /// Wholly checked here, and valid.
    Done,
    /// The items owned here are valid; these are the response's bytes
    /// without them, for imap-codec.
    Refeed(Vec<u8>),
    /// No local checker owns this shape: imap-codec's verdict stands.
    NotMine,
}

/// Routes `b` (a whole response, CRLF included) to its checker.
pub fn check(b: &[u8]) -> Result<Local, String> {
    let mut l = Lexer::new(b);
    if l.word("* ").is_err() {
        return Ok(Local::NotMine);
    }
    let first = l.value()?;
    let Some(name) = first.atom().map(|a| a.to_ascii_uppercase()) else { return Ok(Local::NotMine) };
    if name.bytes().all(|c| c.is_ascii_digit()) {
        l.sp()?;
        return match l.value()?.atom().map(|a| a.to_ascii_uppercase()).as_deref() {
            Some("FETCH") => cut_items(b, &mut l, fetch_owned, fetch_item),
            _ => Ok(Local::NotMine),
        };
    }
    match name.as_str() {
        "ESEARCH" => esearch(&mut l).map(|_| Local::Done),
        "ACL" | "LISTRIGHTS" | "MYRIGHTS" => acl(&name, &mut l).map(|_| Local::Done),
        "GENURLAUTH" | "URLFETCH" => urlauth(&name, &mut l).map(|_| Local::Done),
        "STATUS" => {
            l.sp()?;
            astring(&l.value()?)?;
            cut_items(b, &mut l, |n| STATUS_OWNED.contains(&n), status_item)
        }
        "LIST" | "LSUB" => list_extended(b, &mut l),
        _ => Ok(Local::NotMine),
    }
}

/// FETCH items checked here: OBJECTID's, SAVEDATE, PREVIEW, and BINARY
/// with an origin (`BINARY[1]<10>`, RFC 3516 section 4.2 and RFC 9051
/// section 7.5.2 describe it; their ABNF, which imap-codec follows, lacks
/// it).
fn fetch_owned(name: &str) -> bool {
    ["EMAILID", "THREADID", "SAVEDATE", "PREVIEW", "SNIPPET"].contains(&name)
        || (name.starts_with("BINARY[") && name.ends_with('>'))
}

/// STATUS items checked here: OBJECTID's MAILBOXID (RFC 8474),
/// APPENDLIMIT (RFC 7889), and CommuniGate's INTERNALSIZE, OLDEST and
/// UNSEENMEDIA (sent only when a client asks for them).
const STATUS_OWNED: &[&str] = &["MAILBOXID", "APPENDLIMIT", "INTERNALSIZE", "OLDEST", "UNSEENMEDIA"];

/// One STATUS item of [`STATUS_OWNED`]: `"MAILBOXID" SP "(" objectid ")"`,
/// `"APPENDLIMIT" SP (number / nil)`, INTERNALSIZE and UNSEENMEDIA a
/// number, OLDEST a date-time.
fn status_item(name: &str, v: &Tok) -> Result<(), String> {
    match name {
        "MAILBOXID" => objectid_list(v),
        "APPENDLIMIT" if v.is_nil() => Ok(()),
        "OLDEST" => date_time(v),
        _ => number(v, true).map(|_| ()),
    }
}

/// Every value up to the end, each after one SP.
fn rest<'a>(l: &mut Lexer<'a>) -> Result<Vec<Tok<'a>>, String> {
    let mut v = Vec::new();
    while !l.at_end() {
        l.sp()?;
        v.push(l.value()?);
    }
    l.end()?;
    Ok(v)
}

/// RFC 4731 `esearch-response`, with RFC 7377's correlator, RFC 7162's
/// MODSEQ, RFC 5267's ADDTO/REMOVEFROM and RFC 9394's PARTIAL:
/// `"ESEARCH" [search-correlator] [SP "UID"] *(SP search-return-data)`.
fn esearch(l: &mut Lexer) -> Result<(), String> {
    let mut v = rest(l)?.into_iter().peekable();
    if let Some(Tok::List(c)) = v.peek() {
        correlator(c)?;
        v.next();
    }
    if v.peek().and_then(Tok::atom).is_some_and(|a| a.eq_ignore_ascii_case("UID")) {
        v.next();
    }
    while let Some(name) = v.next() {
        let name = name.atom().map(str::to_ascii_uppercase).ok_or("ESEARCH return data without a name")?;
        let val = v.next().ok_or_else(|| format!("ESEARCH {name} without a value"))?;
        match name.as_str() {
            "MIN" | "MAX" => nz_number(&val, false).map(|_| ())?,
            "ALL" => sequence_set(&val)?,
            "COUNT" => number(&val, false).map(|_| ())?,
            "MODSEQ" => nz_number(&val, true).map(|_| ())?,
            "ADDTO" | "REMOVEFROM" => context_updates(&val)?,
            "PARTIAL" => partial(&val)?,
            _ => return Err(format!("unknown ESEARCH return data {name}")),
        }
    }
    Ok(())
}

/// `"(" "TAG" SP tag-string [SP "MAILBOX" SP astring SP "UIDVALIDITY" SP
/// nz-number] ")"` (RFC 4731, RFC 7377).
fn correlator(c: &[Tok]) -> Result<(), String> {
    let word = |t: &Tok, w: &str| t.atom().is_some_and(|a| a.eq_ignore_ascii_case(w));
    match c {
        [t, s] if word(t, "TAG") => string(s),
        [t, s, m, mb, u, n] if word(t, "TAG") && word(m, "MAILBOX") && word(u, "UIDVALIDITY") => {
            string(s)?;
            astring(mb)?;
            nz_number(n, false).map(|_| ())
        }
        _ => Err(format!("malformed search correlator {c:?}")),
    }
}

/// RFC 5267: `"(" context-position SP sequence-set *(SP context-position
/// SP sequence-set) ")"`.
fn context_updates(t: &Tok) -> Result<(), String> {
    let v = list(t, "ADDTO/REMOVEFROM list")?;
    if v.is_empty() || !v.len().is_multiple_of(2) {
        return Err(format!("ADDTO/REMOVEFROM needs position and set pairs: {v:?}"));
    }
    for pair in v.chunks(2) {
        number(&pair[0], false)?;
        sequence_set(&pair[1])?;
    }
    Ok(())
}

/// RFC 9394: `"(" partial-range SP (sequence-set / "NIL") ")"`, the range
/// `n:m` or `-n:-m`.
fn partial(t: &Tok) -> Result<(), String> {
    let [range, set] = list(t, "PARTIAL data")? else { return Err("PARTIAL data needs two items".into()) };
    let r = range.atom().ok_or("PARTIAL range is not an atom")?;
    let (a, b) = r.split_once(':').ok_or("PARTIAL range without :")?;
    let neg = a.starts_with('-');
    if neg != b.starts_with('-') {
        return Err(format!("PARTIAL range {r} mixes signs"));
    }
    let strip = |s: &str| s.trim_start_matches('-').to_string();
    nz_number(&Tok::Atom(&strip(a)), false)?;
    nz_number(&Tok::Atom(&strip(b)), false)?;
    if set.is_nil() {
        return Ok(());
    }
    sequence_set(set)
}

/// RFC 4314 `acl-data`, `listrights-data`, `myrights-data`.
fn acl(name: &str, l: &mut Lexer) -> Result<(), String> {
    let v = rest(l)?;
    for t in &v {
        astring(t)?;
    }
    let ok = match name {
        "ACL" => !v.is_empty() && v.len() % 2 == 1,
        "LISTRIGHTS" => v.len() >= 3,
        _ => v.len() == 2,
    };
    if !ok {
        return Err(format!("{name} with {} arguments", v.len()));
    }
    Ok(())
}

/// RFC 4467 `genurlauth-data` (`1*(SP url-full)`) and `urlfetch-data`
/// (`1*(SP url-full SP nstring)`), and RFC 5524's extended URLFETCH
/// answer: `url-full` followed by parenthesized metadata instead of the
/// nstring; the groups are read as both Dovecot (one group) and RFC 5524
/// section 5 (`SP "(" url-metadata-el ")"` per element) write them. An
/// element is BODYPARTSTRUCTURE (a `body`), BINARY (nstring or literal8)
/// or BODY (nstring).
fn urlauth(name: &str, l: &mut Lexer) -> Result<(), String> {
    let v = rest(l)?;
    if v.is_empty() {
        return Err(format!("{name} without data"));
    }
    if name == "GENURLAUTH" {
        return v.iter().try_for_each(astring);
    }
    let mut v = v.iter().peekable();
    while let Some(url) = v.next() {
        astring(url)?;
        match v.next() {
            Some(Tok::List(items)) => {
                url_fetch_items(items)?;
                while let Some(Tok::List(more)) = v.peek() {
                    url_fetch_items(more)?;
                    v.next();
                }
            }
            Some(data) => nstring(data)?,
            None => return Err(format!("URLFETCH {url:?} without its data")),
        }
    }
    Ok(())
}

fn url_fetch_items(items: &[Tok]) -> Result<(), String> {
    if items.is_empty() || !items.len().is_multiple_of(2) {
        return Err(format!("extended URLFETCH data needs name and value pairs: {items:?}"));
    }
    for pair in items.chunks(2) {
        let name = pair[0].atom().map(str::to_ascii_uppercase).unwrap_or_default();
        match (name.as_str(), &pair[1]) {
            ("BINARY", Tok::Literal8(_)) => {}
            ("BINARY" | "BODY", v) => nstring(v)?,
            ("BODYPARTSTRUCTURE", Tok::List(_)) => {}
            _ => return Err(format!("unknown extended URLFETCH item {:?}", pair[0])),
        }
    }
    Ok(())
}

/// FETCH items: RFC 8474 `"EMAILID" SP "(" objectid ")"` and `"THREADID"
/// SP ("(" objectid ")" / nil)`, RFC 8514 `"SAVEDATE" SP (date-time /
/// nil)`, RFC 8970 `"PREVIEW" SP nstring` (at most 256 characters), and
/// the FUZZY draft's (draft-ietf-extra-imap-fetch-preview-00, Dovecot's)
/// `("SNIPPET" / "PREVIEW") SP "(" algorithm SP nstring ")"`.
fn fetch_item(name: &str, v: &Tok) -> Result<(), String> {
    if name == "SNIPPET" || (name == "PREVIEW" && matches!(v, Tok::List(_))) {
        let [algorithm, text] = list(v, "the preview's algorithm and text")? else {
            return Err(format!("{name} takes (algorithm text)"));
        };
        if algorithm.atom().is_none_or(|a| !a.eq_ignore_ascii_case("FUZZY")) {
            return Err(format!("{name} algorithm is not FUZZY"));
        }
        return fetch_item("PREVIEW", text);
    }
    if let Some(section) = name.strip_prefix("BINARY[") {
        return binary_origin(section, v);
    }
    match name {
        "EMAILID" => objectid_list(v),
        "THREADID" if v.is_nil() => Ok(()),
        "THREADID" => objectid_list(v),
        "SAVEDATE" if v.is_nil() => Ok(()),
        "SAVEDATE" => date_time(v),
        _ => {
            nstring(v)?;
            let text = match v {
                Tok::Quoted(q) => String::from_utf8_lossy(q).into_owned(),
                Tok::Literal(q) => String::from_utf8_lossy(q).into_owned(),
                _ => String::new(),
            };
            if text.chars().count() > 256 {
                return Err(format!("PREVIEW of {} characters (at most 256)", text.chars().count()));
            }
            Ok(())
        }
    }
}

/// `BINARY[section-part]<number> SP (nstring / literal8)`: `section` is
/// the name after `BINARY[`.
fn binary_origin(section: &str, v: &Tok) -> Result<(), String> {
    let (part, origin) = section.split_once("]<").ok_or("malformed BINARY section")?;
    if !part.is_empty() {
        part.split('.').try_for_each(|n| nz_number(&Tok::Atom(n), false).map(|_| ()))?;
    }
    number(&Tok::Atom(origin.trim_end_matches('>')), false)?;
    match v {
        Tok::Literal8(_) => Ok(()),
        v => nstring(v),
    }
}

/// RFC 8474 `"(" objectid ")"`, objectid = 1*255(ALPHA / DIGIT / "_" / "-").
fn objectid_list(v: &Tok) -> Result<(), String> {
    let [id] = list(v, "object id")? else { return Err(format!("expected one object id in {v:?}")) };
    let a = id.atom().unwrap_or_default();
    if a.is_empty() || a.len() > 255 || !a.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b'-') {
        return Err(format!("malformed objectid {id:?}"));
    }
    Ok(())
}

/// RFC 9051 `date-time` = DQUOTE date-day-fixed "-" date-month "-"
/// date-year SP time SP zone DQUOTE.
fn date_time(v: &Tok) -> Result<(), String> {
    let Tok::Quoted(q) = v else { return Err(format!("expected a quoted date-time, got {v:?}")) };
    let s = String::from_utf8_lossy(q);
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| b.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let ok = b.len() == 26
        && (b[0] == b' ' || b[0].is_ascii_digit())
        && b[1].is_ascii_digit()
        && b[2] == b'-'
        && months.contains(&&s[3..6])
        && b[6] == b'-'
        && digits(7..11)
        && b[11] == b' '
        && digits(12..14)
        && b[14] == b':'
        && digits(15..17)
        && b[17] == b':'
        && digits(18..20)
        && b[20] == b' '
        && (b[21] == b'+' || b[21] == b'-')
        && digits(22..26);
    if !ok {
        return Err(format!("malformed date-time {s:?}"));
    }
    Ok(())
}

/// Reads the parenthesized `name SP value` list at the cursor; checks
/// the items named in `owned` with `item` and cuts them out for imap-codec.
fn cut_items(
    b: &[u8],
    l: &mut Lexer,
    owns: impl Fn(&str) -> bool,
    item: impl Fn(&str, &Tok) -> Result<(), String>,
) -> Result<Local, String> {
    l.sp()?;
    l.byte(b'(', "expected (")?;
    let prefix = l.pos;
    let mut kept: Vec<&[u8]> = Vec::new();
    let mut cut = 0;
    while l.peek() != Some(b')') {
        if l.pos > prefix {
            l.sp()?;
        }
        let start = l.pos;
        let name = l.value()?.atom().map(str::to_ascii_uppercase).ok_or("an item name that is not an atom")?;
        l.sp()?;
        let v = l.value()?;
        if owns(&name) {
            item(&name, &v).map_err(|e| format!("{name}: {e}"))?;
            cut += 1;
        } else {
            kept.push(&b[start..l.pos]);
        }
    }
    let close = l.pos;
    l.byte(b')', "expected )")?;
    l.end()?;
    if cut == 0 {
        return Ok(Local::NotMine);
    }
    if kept.is_empty() {
        // Nothing left for imap-codec, which wants at least one item.
        return Ok(Local::Done);
    }
    let mut keep = b[..prefix].to_vec();
    keep.extend_from_slice(&kept.join(&b' '));
    keep.extend_from_slice(&b[close..]);
    Ok(Local::Refeed(keep))
}

/// RFC 5258 `mailbox-list` with `mbox-list-extended`: `SP "(" [mbox-
/// list-extended-item *(SP mbox-list-extended-item)] ")"` after the
/// mailbox; CHILDINFO (RFC 5258) and OLDNAME (RFC 5465) are the items.
/// Also CommuniGate's attribute form of a status item (`\MESSAGES(5)`),
/// which only a client that asks `LIST (MESSAGES) ...` gets: it is no
/// `flag-extension` (an atom holds no parenthesis), so it is checked here
/// as CommuniGate writes it and cut out.
fn list_extended(b: &[u8], l: &mut Lexer) -> Result<Local, String> {
    l.sp()?;
    l.byte(b'(', "expected (")?;
    let open = l.pos;
    let mut kept: Vec<&[u8]> = Vec::new();
    let mut cut = 0;
    while l.peek() != Some(b')') {
        if l.pos > open {
            l.sp()?;
        }
        let start = l.pos;
        let flag = l.value()?;
        let name = flag.atom().filter(|a| a.starts_with('\\')).ok_or("a LIST attribute that is not a flag")?;
        if l.peek() == Some(b'(') {
            communigate_attribute(&name[1..].to_ascii_uppercase(), &l.list()?)?;
            cut += 1;
        } else {
            kept.push(&b[start..l.pos]);
        }
    }
    let close = l.pos;
    l.byte(b')', "expected )")?;
    l.sp()?;
    l.value()?;
    l.sp()?;
    astring(&l.value()?)?;
    let base = l.pos;
    if !l.at_end() {
        l.sp()?;
        extended_items(&l.value()?)?;
        cut += 1;
    }
    l.end()?;
    if cut == 0 {
        return Ok(Local::NotMine);
    }
    let mut keep = b[..open].to_vec();
    keep.extend_from_slice(&kept.join(&b' '));
    keep.extend_from_slice(&b[close..base]);
    keep.extend_from_slice(b"\r\n");
    Ok(Local::Refeed(keep))
}

/// `\NAME(value)` with NAME a STATUS item tegami can answer.
fn communigate_attribute(name: &str, v: &Tok) -> Result<(), String> {
    if name == "MAILBOXID" {
        return objectid_list(v);
    }
    let [value] = list(v, "attribute value")? else { return Err(format!("\\{name} holds one value")) };
    match name {
        "OLDEST" => date_time(value),
        "MESSAGES" | "RECENT" | "UIDNEXT" | "UIDVALIDITY" | "UNSEEN" | "SIZE" | "DELETED" | "HIGHESTMODSEQ"
        | "APPENDLIMIT" | "INTERNALSIZE" | "UNSEENMEDIA" => number(value, true).map(|_| ()),
        _ => Err(format!("unknown attribute \\{name}(...)")),
    }
}

/// The `mbox-list-extended` list: tag-string and value pairs.
fn extended_items(ext: &Tok) -> Result<(), String> {
    let items = list(ext, "extended LIST data")?;
    if !items.len().is_multiple_of(2) {
        return Err("extended LIST data needs tag and value pairs".into());
    }
    for pair in items.chunks(2) {
        string(&pair[0])?;
        let tag = match &pair[0] {
            Tok::Quoted(q) => String::from_utf8_lossy(q).to_ascii_uppercase(),
            _ => String::new(),
        };
        match tag.as_str() {
            "CHILDINFO" => {
                let opts = list(&pair[1], "CHILDINFO list")?;
                if opts.is_empty() {
                    return Err("empty CHILDINFO list".into());
                }
                opts.iter().try_for_each(string)?;
            }
            "OLDNAME" => {
                let [name] = list(&pair[1], "OLDNAME list")? else { return Err("OLDNAME holds one mailbox".into()) };
                astring(name)?;
            }
            _ => return Err(format!("unknown extended LIST item {tag}")),
        }
    }
    Ok(())
}

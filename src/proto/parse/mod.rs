//! The command parser: one complete command (without its final CRLF, with
//! literals inline as `{n}CRLF` + n bytes) to a typed [`Command`].
//!
//! Families live in their own files: `lexer` (tokens), `fetch` (FETCH,
//! STORE), `search` (SEARCH, SORT, THREAD), `mailbox` (SELECT, CREATE, LIST,
//! LSUB, STATUS); the rest is here.

mod fetch;
mod lexer;
mod mailbox;
mod metadata;
mod notify;
mod search;

#[cfg(test)]
mod tests;

use crate::proto::response::shown;
use std::fmt;

use base64::Engine;

use crate::proto::command::{AppendMessage, CatPart, Certificate, Command, CommandBody};
use crate::proto::datetime::DateTime;
use lexer::{is_astring_char, Lexer, PResult};

/// A command that could not be parsed: the session answers
/// `tag BAD message`, or `* BAD message` when no valid tag was read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseError {
    /// The tag, when the input began with a valid one.
    pub tag: Option<String>,
    /// A human-readable reason.
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} BAD {}", self.tag.as_deref().unwrap_or("*"), self.message)
    }
}

impl std::error::Error for ParseError {}

/// Parse one complete command.
pub fn parse_command(input: &[u8]) -> Result<Command, ParseError> {
    let untagged = |m: &str| ParseError { tag: None, message: m.to_string() };
    if input.is_empty() {
        return Err(untagged("Empty command line"));
    }
    let tag_len = input.iter().position(|&b| b == b' ').unwrap_or(input.len());
    let tag = &input[..tag_len];
    if tag.is_empty() {
        return Err(untagged("Missing tag"));
    }
    if !tag.iter().all(|&b| is_astring_char(b) && b != b'+') {
        return Err(untagged("Invalid characters in tag"));
    }
    // ASTRING-CHARs are ASCII, so this cannot fail.
    let tag = String::from_utf8_lossy(tag).into_owned();
    let mut p = Lexer::new(&input[tag_len..]);
    match command_body(&mut p) {
        Ok(body) => Ok(Command { tag, body }),
        Err(message) => Err(ParseError { tag: Some(tag), message }),
    }
}

fn command_body(p: &mut Lexer<'_>) -> PResult<CommandBody> {
    p.sp("command name")?;
    let name = p.take_while(|b| b.is_ascii_alphanumeric() || b == b'-');
    if name.is_empty() || p.peek().is_some_and(|b| b != b' ') {
        return Err("Invalid command name".into());
    }
    let name = String::from_utf8_lossy(name).to_ascii_uppercase();
    let simple = |p: &mut Lexer<'_>, body: CommandBody| -> PResult<CommandBody> {
        p.end()?;
        Ok(body)
    };
    match name.as_str() {
        "CAPABILITY" => simple(p, CommandBody::Capability),
        "NOOP" => simple(p, CommandBody::Noop),
        "LOGOUT" => simple(p, CommandBody::Logout),
        "STARTTLS" => simple(p, CommandBody::StartTls),
        "IDLE" => simple(p, CommandBody::Idle),
        "CHECK" => simple(p, CommandBody::Check),
        "CLOSE" => simple(p, CommandBody::Close),
        "UNSELECT" => simple(p, CommandBody::Unselect),
        "EXPUNGE" => simple(p, CommandBody::Expunge { uids: None }),
        "NAMESPACE" => simple(p, CommandBody::Namespace),
        "AUTHENTICATE" => authenticate(p),
        "LOGIN" => {
            p.sp("user name")?;
            let username = p.astring("user name")?;
            p.sp("password")?;
            let password = p.astring("password")?;
            simple(p, CommandBody::Login { username, password })
        }
        "SELECT" => mailbox::select(p, false),
        "EXAMINE" => mailbox::select(p, true),
        "CREATE" => mailbox::create(p),
        "DELETE" => one_mailbox(p).map(|mailbox| CommandBody::Delete { mailbox }),
        "SUBSCRIBE" => one_mailbox(p).map(|mailbox| CommandBody::Subscribe { mailbox }),
        "UNSUBSCRIBE" => one_mailbox(p).map(|mailbox| CommandBody::Unsubscribe { mailbox }),
        "GETQUOTAROOT" => one_mailbox(p).map(|mailbox| CommandBody::GetQuotaRoot { mailbox }),
        "GETACL" => one_mailbox(p).map(|mailbox| CommandBody::GetAcl { mailbox }),
        "MYRIGHTS" => one_mailbox(p).map(|mailbox| CommandBody::MyRights { mailbox }),
        "RENAME" => {
            p.sp("existing mailbox name")?;
            let from = p.mailbox("existing mailbox name")?;
            p.sp("new mailbox name")?;
            let to = p.mailbox("new mailbox name")?;
            simple(p, CommandBody::Rename { from, to })
        }
        "LIST" => mailbox::list(p),
        "GENURLAUTH" => {
            let mut urls = Vec::new();
            loop {
                p.sp("URL rump")?;
                let url = p.astring("URL rump")?;
                p.sp("URLAUTH mechanism")?;
                urls.push((url, p.atom_upper("URLAUTH mechanism")?));
                if p.peek() != Some(b' ') {
                    break;
                }
            }
            simple(p, CommandBody::GenUrlAuth { urls })
        }
        "RESETKEY" => {
            let mut mailbox = None;
            let mut mechanisms = Vec::new();
            if p.more() {
                mailbox = Some(p.mailbox("mailbox name")?);
                while p.more() {
                    mechanisms.push(p.atom_upper("URLAUTH mechanism")?);
                }
            }
            simple(p, CommandBody::ResetKey { mailbox, mechanisms })
        }
        "URLFETCH" => {
            let mut urls = Vec::new();
            loop {
                p.sp("URL")?;
                urls.push(urlfetch_arg(p)?);
                if p.peek() != Some(b' ') {
                    break;
                }
            }
            simple(p, CommandBody::UrlFetch { urls })
        }
        "LSUB" => mailbox::lsub(p),
        "STATUS" => mailbox::status(p),
        "APPEND" => append(p),
        "ENABLE" => {
            p.sp("capability name")?;
            let mut capabilities = vec![p.atom_upper("capability name")?];
            while p.more() {
                capabilities.push(p.atom_upper("capability name")?);
            }
            simple(p, CommandBody::Enable { capabilities })
        }
        "ID" => id(p),
        "CANCELUPDATE" => search::cancel_update(p),
        "NOTIFY" => notify::notify(p),
        "GETMETADATA" => metadata::getmetadata(p),
        "SETMETADATA" => metadata::setmetadata(p),
        "COMPRESS" => {
            p.sp("compression mechanism")?;
            let mechanism = p.atom_upper("compression mechanism")?;
            simple(p, CommandBody::Compress { mechanism })
        }
        "GETQUOTA" => {
            p.sp("quota root")?;
            let root = p.astring("quota root")?;
            simple(p, CommandBody::GetQuota { root })
        }
        "SETQUOTA" => set_quota(p),
        "SETACL" => {
            let (mailbox, identifier) = mailbox_identifier(p)?;
            p.sp("rights")?;
            let rights = p.astring("rights")?;
            simple(p, CommandBody::SetAcl { mailbox, identifier, rights })
        }
        "DELETEACL" => {
            let (mailbox, identifier) = mailbox_identifier(p)?;
            simple(p, CommandBody::DeleteAcl { mailbox, identifier })
        }
        "LISTRIGHTS" => {
            let (mailbox, identifier) = mailbox_identifier(p)?;
            simple(p, CommandBody::ListRights { mailbox, identifier })
        }
        "UID" => {
            p.sp("command after UID")?;
            let sub = p.take_while(|b| b.is_ascii_alphanumeric());
            let sub = String::from_utf8_lossy(sub).to_ascii_uppercase();
            if p.peek().is_some_and(|b| b != b' ') {
                return Err("Invalid command after UID".into());
            }
            uid_command(p, &sub, true).unwrap_or_else(|| {
                Err(format!(
                    "Unknown command UID{} (expected COPY, MOVE, FETCH, STORE, SEARCH, EXPUNGE, SORT or THREAD)",
                    shown(&sub)
                ))
            })
        }
        other => uid_command(p, other, false).unwrap_or_else(|| Err(format!("Unknown command{}", shown(other)))),
    }
}

/// The commands that take a `UID` prefix; `None` when `name` is not one.
fn uid_command(p: &mut Lexer<'_>, name: &str, uid: bool) -> Option<PResult<CommandBody>> {
    Some(match name {
        "FETCH" => fetch::fetch(p, uid),
        "STORE" => fetch::store(p, uid),
        "SEARCH" => search::search(p, uid),
        "SORT" => search::sort(p, uid),
        "THREAD" => search::thread(p, uid),
        "COPY" => copy(p, uid, false),
        "MOVE" => copy(p, uid, true),
        "EXPUNGE" if uid => (|| {
            p.sp("UID set")?;
            let set = p.sequence_set()?;
            p.end()?;
            Ok(CommandBody::Expunge { uids: Some(set) })
        })(),
        _ => return None,
    })
}

fn one_mailbox(p: &mut Lexer<'_>) -> PResult<crate::proto::command::Mailbox> {
    p.sp("mailbox name")?;
    let m = p.mailbox("mailbox name")?;
    p.end()?;
    Ok(m)
}

/// `url-fetch-arg = url-full / "(" url-full *(SP url-fetch-param) ")"`
/// (RFC 5524 section 5): the known parameters, each once, not BODY with
/// BINARY (3.1); an unknown one is refused rather than ignored.
fn urlfetch_arg(p: &mut Lexer<'_>) -> PResult<crate::proto::command::UrlFetchArg> {
    use crate::proto::command::{UrlFetchArg, UrlFetchItems};
    if !p.eat(b'(') {
        return Ok(UrlFetchArg { url: p.astring("URL")?, items: None });
    }
    let url = p.astring("URL")?;
    let (mut items, mut any) = (UrlFetchItems::default(), false);
    while p.peek() == Some(b' ') {
        p.sp("URLFETCH parameter")?;
        let slot = match p.atom_upper("URLFETCH parameter")?.as_str() {
            "BODYPARTSTRUCTURE" => &mut items.body_part_structure,
            "BODY" => &mut items.body,
            "BINARY" => &mut items.binary,
            _ => return Err("Unknown URLFETCH parameter (known: BODYPARTSTRUCTURE, BODY, BINARY)".into()),
        };
        if std::mem::replace(slot, true) {
            return Err("A URLFETCH parameter is given twice for one URL".into());
        }
        any = true;
    }
    p.expect(b')', "the closing parenthesis of a URLFETCH argument")?;
    if items.body && items.binary {
        return Err("URLFETCH cannot ask for both BODY and BINARY of one URL".into());
    }
    Ok(UrlFetchArg { url, items: any.then_some(items) })
}

fn mailbox_identifier(p: &mut Lexer<'_>) -> PResult<(crate::proto::command::Mailbox, Vec<u8>)> {
    p.sp("mailbox name")?;
    let m = p.mailbox("mailbox name")?;
    p.sp("identifier")?;
    Ok((m, p.astring("identifier")?))
}

fn authenticate(p: &mut Lexer<'_>) -> PResult<CommandBody> {
    p.sp("authentication mechanism")?;
    let mechanism = p.atom_upper("authentication mechanism")?;
    let mut initial_response = None;
    if p.more() {
        let raw = p.take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='));
        if raw.is_empty() {
            return Err("Invalid initial response (expected base64 or =)".into());
        }
        p.end()?;
        initial_response = Some(if raw == b"=" {
            Vec::new()
        } else {
            base64::engine::general_purpose::STANDARD
                .decode(raw)
                .map_err(|_| "Invalid base64 in initial response".to_string())?
        });
    }
    p.end()?;
    Ok(CommandBody::Authenticate { mechanism, initial_response })
}

fn id(p: &mut Lexer<'_>) -> PResult<CommandBody> {
    p.sp("ID parameter list or NIL")?;
    let params = if p.keyword("NIL") {
        None
    } else {
        let mut pairs = Vec::new();
        p.paren_list("ID parameter list", true, |p| {
            let key = p.string("ID field name")?;
            p.sp("ID field value")?;
            pairs.push((key, p.nstring("ID field value")?));
            Ok(())
        })?;
        Some(pairs)
    };
    p.end()?;
    Ok(CommandBody::Id { params })
}

fn set_quota(p: &mut Lexer<'_>) -> PResult<CommandBody> {
    p.sp("quota root")?;
    let root = p.astring("quota root")?;
    p.sp("quota resource list")?;
    let limits = p.paren_list("quota resource list", true, |p| {
        let name = p.atom_upper("quota resource name")?;
        p.sp("quota limit")?;
        Ok((name, p.number64("quota limit")?))
    })?;
    p.end()?;
    Ok(CommandBody::SetQuota { root, limits })
}

/// `[UID] COPY|MOVE sequence-set mailbox [ENCRYPTED certificateData]`:
/// `certificateData` is `*` or an astring holding base64 (blanks allowed)
/// or a PEM block; base64 that does not decode is a syntax error here.
fn copy(p: &mut Lexer<'_>, uid: bool, is_move: bool) -> PResult<CommandBody> {
    p.sp("sequence set")?;
    let set = p.sequence_set()?;
    p.sp("mailbox name")?;
    let mailbox = p.mailbox("mailbox name")?;
    let mut encrypted = None;
    if p.more() {
        if !p.keyword("ENCRYPTED") {
            return Err("Unexpected extra arguments after the mailbox name (expected ENCRYPTED)".into());
        }
        p.sp("certificate data")?;
        encrypted = Some(if p.eat(b'*') {
            Certificate::Own
        } else {
            let data = p.astring("certificate data")?;
            certificate_data(&data)?;
            Certificate::Base64(data)
        });
    }
    p.end()?;
    Ok(if is_move {
        CommandBody::Move { uid, set, mailbox, encrypted }
    } else {
        CommandBody::Copy { uid, set, mailbox, encrypted }
    })
}

/// Checks that certificate data is a PEM block or base64 that decodes.
fn certificate_data(data: &[u8]) -> PResult<()> {
    use base64::Engine;
    let clean: Vec<u8> = data.iter().copied().filter(|b| !b.is_ascii_whitespace()).collect();
    if clean.starts_with(b"-----BEGIN") {
        return Ok(());
    }
    if clean.is_empty() || !clean.iter().all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=')) {
        return Err("Certificate data must be base64 or *".into());
    }
    match base64::engine::general_purpose::STANDARD.decode(&clean) {
        Ok(_) => Ok(()),
        Err(e) => Err(format!("Certificate data is not valid base64: {e}")),
    }
}

/// `cat-part = text-literal / url` (RFC 4469 section 5), `TEXT` taking a
/// literal8 too (RFC 3516).
fn cat_part(p: &mut Lexer<'_>) -> PResult<CatPart> {
    if p.keyword("TEXT") {
        p.sp("TEXT literal")?;
        let binary = p.eat(b'~');
        if p.peek() != Some(b'{') {
            return Err("CATENATE TEXT needs a literal {n}".into());
        }
        let (data, _) = p.literal("CATENATE TEXT")?;
        Ok(CatPart::Text { data, binary })
    } else if p.keyword("UTF8") {
        // RFC 6855 4: a part with UTF-8 headers, `UTF8 (literal8)`.
        p.sp("UTF8 part")?;
        p.expect(b'(', "UTF8 part")?;
        if !p.eat(b'~') {
            return Err("UTF8 takes the part as a literal8 ~{n} (RFC 6855 section 4)".into());
        }
        let (data, _) = p.literal("CATENATE UTF8")?;
        p.expect(b')', "UTF8 part")?;
        Ok(CatPart::Text { data, binary: true })
    } else if p.keyword("URL") {
        p.sp("URL")?;
        Ok(CatPart::Url(p.astring("CATENATE URL")?))
    } else {
        Err("Expected TEXT or URL in CATENATE".into())
    }
}

/// `APPEND mailbox ([flags] [date-time] (literal / "UTF8" SP "(" literal8 ")"))+`:
/// MULTIAPPEND when several (RFC 3502), UTF8 of RFC 6855 section 4.
fn append(p: &mut Lexer<'_>) -> PResult<CommandBody> {
    p.sp("mailbox name")?;
    let mailbox = p.mailbox("mailbox name")?;
    let mut messages = Vec::new();
    loop {
        p.sp("message literal")?;
        let mut flags = Vec::new();
        let mut date = None;
        if p.peek() == Some(b'(') {
            flags = p.flag_list()?;
            p.sp("message literal")?;
        }
        if p.peek() == Some(b'"') {
            let raw = p.quoted("date-time")?;
            date = Some(DateTime::parse(&raw).map_err(|e| e.to_string())?);
            p.sp("message literal")?;
        }
        if p.keyword("CATENATE") {
            p.sp("CATENATE parts")?;
            let parts = p.paren_list("CATENATE parts", false, cat_part)?;
            messages.push(AppendMessage { flags, date, data: Vec::new(), binary: false, catenate: Some(parts) });
            if p.at_end() {
                break;
            }
            continue;
        }
        if p.keyword("UTF8") {
            // RFC 6855 4: `UTF8 (literal8)`, a message with UTF-8 headers.
            p.sp("UTF8 message")?;
            p.expect(b'(', "UTF8 message")?;
            if !p.eat(b'~') {
                return Err("UTF8 takes the message as a literal8 ~{n} (RFC 6855 section 4)".into());
            }
            let (data, _) = p.literal("UTF8 message")?;
            p.expect(b')', "UTF8 message")?;
            messages.push(AppendMessage { flags, date, data, binary: true, catenate: None });
            if p.at_end() {
                break;
            }
            continue;
        }
        let binary = p.eat(b'~');
        if p.peek() != Some(b'{') {
            return Err("Expected the message as a literal {n}".into());
        }
        let (data, _) = p.literal("message")?;
        messages.push(AppendMessage { flags, date, data, binary, catenate: None });
        if p.at_end() {
            break;
        }
    }
    Ok(CommandBody::Append { mailbox, messages })
}

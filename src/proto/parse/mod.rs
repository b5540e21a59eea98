//! The command parser: one complete command (without its final CRLF, with
//! literals inline as `{n}CRLF` + n bytes) to a typed [`Command`].
//!
//! The command's name is looked up in the command table
//! ([`crate::proto::table`]); a `match` on its kind then parses the
//! arguments. Families live in their own files: `lexer` (tokens), `fetch`
//! (FETCH, STORE), `search` (SEARCH, SORT, THREAD), `mailbox` (SELECT,
//! CREATE, LIST, LSUB, STATUS), `append`, `access` (ACL, QUOTA), `urlauth`,
//! `metadata`, `notify`; the rest is here.

mod access;
mod append;
mod fetch;
mod lexer;
mod mailbox;
mod metadata;
mod notify;
mod search;
mod urlauth;

#[cfg(test)]
mod table_tests;
#[cfg(test)]
mod tests;

use crate::proto::response::shown;
use std::fmt;

use base64::Engine;

use crate::proto::command::{Certificate, Command, CommandBody, Mailbox};
use crate::proto::table::CommandKind;
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

/// The command's kind from the table, then its arguments.
fn command_body(p: &mut Lexer<'_>) -> PResult<CommandBody> {
    let kind = command_kind(p)?;
    arguments(p, kind)
}

/// The command name, looked up in the command table; `UID` and the name
/// after it are one name (`UID FETCH`).
fn command_kind(p: &mut Lexer<'_>) -> PResult<CommandKind> {
    p.sp("command name")?;
    let name = p.take_while(|b| b.is_ascii_alphanumeric() || b == b'-');
    if name.is_empty() || p.peek().is_some_and(|b| b != b' ') {
        return Err("Invalid command name".into());
    }
    if let Some(kind) = CommandKind::from_name(name) {
        return Ok(kind);
    }
    if !name.eq_ignore_ascii_case(b"UID") {
        return Err(format!("Unknown command{}", shown_word(name)));
    }
    p.sp("command after UID")?;
    let sub = p.take_while(|b| b.is_ascii_alphanumeric());
    if p.peek().is_some_and(|b| b != b' ') {
        return Err("Invalid command after UID".into());
    }
    CommandKind::uid_form(sub).ok_or_else(|| {
        format!(
            "Unknown command UID{} (expected COPY, MOVE, FETCH, STORE, SEARCH, EXPUNGE, SORT or THREAD)",
            shown_word(sub)
        )
    })
}

/// [`shown`] of a word the client sent, upper-cased. A word longer than
/// `shown` would show (32 octets) is not copied at all.
fn shown_word(word: &[u8]) -> String {
    if word.len() > 32 {
        return String::new();
    }
    shown(&String::from_utf8_lossy(word).to_ascii_uppercase())
}

/// The arguments of a command of `kind`, up to the end of the line.
fn arguments(p: &mut Lexer<'_>, kind: CommandKind) -> PResult<CommandBody> {
    use CommandBody as B;
    use CommandKind as K;
    let uid = kind.is_uid();
    match kind {
        K::Capability => bare(p, B::Capability),
        K::Noop => bare(p, B::Noop),
        K::Logout => bare(p, B::Logout),
        K::StartTls => bare(p, B::StartTls),
        K::Idle => bare(p, B::Idle),
        K::Check => bare(p, B::Check),
        K::Close => bare(p, B::Close),
        K::Unselect => bare(p, B::Unselect),
        K::Expunge => bare(p, B::Expunge { uids: None }),
        K::Namespace => bare(p, B::Namespace),
        K::Id => id(p),
        K::Enable => enable(p),
        K::Authenticate => authenticate(p),
        K::Login => login(p),
        K::Compress => compress(p),
        K::Select => mailbox::select(p, false),
        K::Examine => mailbox::select(p, true),
        K::Create => mailbox::create(p),
        K::Delete => one_mailbox(p).map(|mailbox| B::Delete { mailbox }),
        K::Rename => rename(p),
        K::Subscribe => one_mailbox(p).map(|mailbox| B::Subscribe { mailbox }),
        K::Unsubscribe => one_mailbox(p).map(|mailbox| B::Unsubscribe { mailbox }),
        K::List => mailbox::list(p),
        K::Lsub => mailbox::lsub(p),
        K::Status => mailbox::status(p),
        K::Append => append::append(p),
        K::GetQuota => access::getquota(p),
        K::GetQuotaRoot => one_mailbox(p).map(|mailbox| B::GetQuotaRoot { mailbox }),
        K::SetQuota => access::set_quota(p),
        K::GetAcl => one_mailbox(p).map(|mailbox| B::GetAcl { mailbox }),
        K::SetAcl => access::setacl(p),
        K::DeleteAcl => access::deleteacl(p),
        K::ListRights => access::listrights(p),
        K::MyRights => one_mailbox(p).map(|mailbox| B::MyRights { mailbox }),
        K::GenUrlAuth => urlauth::genurlauth(p),
        K::ResetKey => urlauth::resetkey(p),
        K::UrlFetch => urlauth::urlfetch(p),
        K::UidExpunge => uid_expunge(p),
        K::Search | K::UidSearch => search::search(p, uid),
        K::Fetch | K::UidFetch => fetch::fetch(p, uid),
        K::Store | K::UidStore => fetch::store(p, uid),
        K::Copy | K::UidCopy => copy(p, uid, false),
        K::Move | K::UidMove => copy(p, uid, true),
        K::Sort | K::UidSort => search::sort(p, uid),
        K::Thread | K::UidThread => search::thread(p, uid),
        K::CancelUpdate => search::cancel_update(p),
        K::Notify => notify::notify(p),
        K::GetMetadata => metadata::getmetadata(p),
        K::SetMetadata => metadata::setmetadata(p),
    }
}

/// A command without arguments.
fn bare(p: &mut Lexer<'_>, body: CommandBody) -> PResult<CommandBody> {
    p.end()?;
    Ok(body)
}

/// `LOGIN user password` after the name.
fn login(p: &mut Lexer<'_>) -> PResult<CommandBody> {
    p.sp("user name")?;
    let username = p.astring("user name")?;
    p.sp("password")?;
    let password = p.astring("password")?;
    bare(p, CommandBody::Login { username, password })
}

/// `RENAME from to` after the name.
fn rename(p: &mut Lexer<'_>) -> PResult<CommandBody> {
    p.sp("existing mailbox name")?;
    let from = p.mailbox("existing mailbox name")?;
    p.sp("new mailbox name")?;
    let to = p.mailbox("new mailbox name")?;
    bare(p, CommandBody::Rename { from, to })
}

/// `ENABLE 1*(SP capability)` after the name (RFC 5161).
fn enable(p: &mut Lexer<'_>) -> PResult<CommandBody> {
    p.sp("capability name")?;
    let mut capabilities = vec![p.atom_upper("capability name")?];
    while p.more() {
        capabilities.push(p.atom_upper("capability name")?);
    }
    bare(p, CommandBody::Enable { capabilities })
}

/// `COMPRESS mechanism` after the name (RFC 4978).
fn compress(p: &mut Lexer<'_>) -> PResult<CommandBody> {
    p.sp("compression mechanism")?;
    let mechanism = p.atom_upper("compression mechanism")?;
    bare(p, CommandBody::Compress { mechanism })
}

/// `UID EXPUNGE set` after the name (RFC 4315).
fn uid_expunge(p: &mut Lexer<'_>) -> PResult<CommandBody> {
    p.sp("UID set")?;
    let set = p.sequence_set()?;
    bare(p, CommandBody::Expunge { uids: Some(set) })
}

fn one_mailbox(p: &mut Lexer<'_>) -> PResult<Mailbox> {
    p.sp("mailbox name")?;
    let m = p.mailbox("mailbox name")?;
    p.end()?;
    Ok(m)
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

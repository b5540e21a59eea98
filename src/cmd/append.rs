//! APPEND (RFC 3501 6.3.11) with UIDPLUS's APPENDUID (RFC 4315) and
//! MULTIAPPEND (RFC 3502): every message is on disk (tmp/, fsync, rename)
//! before the OK.

use std::io;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::{Outcome, Reply};
use crate::client::Ctx;
use crate::mail::flags::to_store;
use crate::mail::names::{self, store_error};
use crate::proto::command::{AppendMessage, Command, CommandBody, Mailbox};
use crate::proto::parse::parse_command;
use crate::proto::reader::{tag_of, Frame};
use crate::proto::response::{write_astring, Code, Status};
use crate::quota::AccountQuota;
use crate::store::MailboxShared;

/// APPEND of one or more messages into one mailbox, read into memory.
pub fn append(s: &mut Ctx<'_>, mailbox: &Mailbox, messages: Vec<AppendMessage>) -> Outcome {
    let name = names::decode_for(&s.dialect(), mailbox)?;
    let (mb, quota, mask) = open(s, &name)?;
    // MULTIAPPEND is all or nothing for the quota: checked for all at once.
    let messages = crate::mail::urls::assemble(&s.state.user()?.mail, messages, s.shared.config.max_literal)?;
    let total = messages.iter().map(|m| m.data.len() as u64).sum();
    quota.check(total, messages.len() as u64).map_err(store_error)?;
    let mut uids = Vec::new();
    let mut uidvalidity = 0;
    for m in &messages {
        let (v, uid) = append_one(s, &mb, &quota, mask, &name, m)?;
        uidvalidity = v;
        uids.push(uid);
    }
    Ok(Reply::ok_code(Code::AppendUid(uidvalidity, uids), "APPEND completed"))
}

/// What a streamed APPEND has parsed of its next message.
struct Next {
    mailbox: Arc<MailboxShared>,
    name: String,
    system: u8,
    keywords: Vec<String>,
    date: Option<SystemTime>,
    /// `tag APPEND mailbox`, to which the rest of the command is added.
    head: Vec<u8>,
    /// The account's quota, checked for everything up to the literal.
    quota: AccountQuota,
    /// The flags the user may set there (see `Target::flag_mask`).
    mask: u8,
    /// The literal is RFC 6855's `UTF8 (~{n})`: a `)` follows it.
    utf8: bool,
}

/// The prefix without the `UTF8 (` before its final `~{n}`, when it has
/// one (RFC 6855 4), so it parses as a plain literal8 message.
fn without_utf8(prefix: &[u8]) -> Option<Vec<u8>> {
    let cut = prefix.iter().rposition(|&b| b == b'{')?;
    let head = prefix[..cut].strip_suffix(b"~")?;
    let start = head.len().checked_sub(6)?;
    if !head[start..].eq_ignore_ascii_case(b"UTF8 (") {
        return None;
    }
    let mut p = head[..start].to_vec();
    p.extend_from_slice(&prefix[cut - 1..]);
    Some(p)
}

/// The rest of the command after a streamed `UTF8 (~{n})` literal, with
/// the closing `)` taken off (`bytes` starts with `head`).
fn close_utf8(head: &[u8], bytes: Vec<u8>) -> Result<Vec<u8>, Reply> {
    match bytes.strip_prefix(head).and_then(|r| r.strip_prefix(b")")) {
        Some(rest) => Ok([head, rest].concat()),
        None => Err(Reply::bad("Expected a closing parenthesis after the UTF8 message (RFC 6855 section 4)")),
    }
}

/// The command text with the final literal announcement replaced by an
/// empty literal, so the parser can read everything before the octets.
fn probe(prefix: &[u8]) -> Vec<u8> {
    let cut = prefix.iter().rposition(|&b| b == b'{').unwrap_or(prefix.len());
    let mut p = prefix[..cut].to_vec();
    p.extend_from_slice(b"{0}\r\n");
    p
}

fn to_time(d: Option<crate::proto::datetime::DateTime>) -> Option<SystemTime> {
    d.map(|d| UNIX_EPOCH + Duration::from_secs(d.to_unix().max(0) as u64))
}

/// Parses the command up to a streamed literal of `size` octets and
/// appends the messages before it (small ones, read inline) once the quota
/// has room for all of them; says where the big one goes.
fn prepare(s: &mut Ctx<'_>, prefix: &[u8], size: u64, uids: &mut Vec<u32>, validity: &mut u32) -> Result<Next, Reply> {
    let plain = without_utf8(prefix);
    let utf8 = plain.is_some();
    let cmd = parse_command(&probe(plain.as_deref().unwrap_or(prefix))).map_err(|e| Reply::bad(e.message))?;
    if s.state.login().is_none() {
        return Err(Reply::bad("APPEND needs a logged-in session: LOGIN first"));
    }
    let CommandBody::Append { mailbox, mut messages } = cmd.body else {
        return Err(Reply::bad("Expected APPEND"));
    };
    let name = names::decode_for(&s.dialect(), &mailbox)?;
    let (mb, quota, mask) = open(s, &name)?;
    let last = messages.pop().ok_or_else(|| Reply::bad("APPEND without a message"))?;
    let messages = crate::mail::urls::assemble(&s.state.user()?.mail, messages, s.shared.config.max_literal)?;
    let inline: u64 = messages.iter().map(|m| m.data.len() as u64).sum();
    quota.check(inline.saturating_add(size), messages.len() as u64 + 1).map_err(store_error)?;
    for m in &messages {
        let (v, uid) = append_one(s, &mb, &quota, mask, &name, m)?;
        *validity = v;
        uids.push(uid);
    }
    let (system, keywords) = allowed(to_store(&last.flags)?, mask);
    let mut head = format!("{} APPEND ", cmd.tag).into_bytes();
    write_astring(&mut head, &mailbox.0);
    Ok(Next { mailbox: mb, name, system, keywords, date: to_time(last.date), head, quota, mask, utf8 })
}

/// An APPEND whose literal is too large to hold in memory, step by step:
/// the session reads the connection (`session::effects`) and hands each
/// part here. The octets go from the connection straight into the
/// mailbox's `tmp/` (then fsync, rename), and the command goes on after
/// them (MULTIAPPEND).
pub struct Upload {
    tag: String,
    uids: Vec<u32>,
    validity: u32,
    /// Where the messages went and the quota charged, to undo a refused
    /// MULTIAPPEND.
    target: Option<(Arc<MailboxShared>, AccountQuota)>,
    /// The message whose literal comes next.
    next: Option<Next>,
    /// The session's log tag and the server's state, for storing.
    log_tag: String,
    shared: Arc<crate::shared::Shared>,
}

impl Upload {
    /// The upload of the command `prefix` begins (up to its first large
    /// literal).
    pub fn new(s: &Ctx<'_>, prefix: &[u8]) -> Upload {
        let tag = tag_of(prefix).unwrap_or_else(|| "*".into());
        let (log_tag, shared) = (s.tag(), s.shared.clone());
        Upload { tag, uids: Vec::new(), validity: 0, target: None, next: None, log_tag, shared }
    }

    /// The command's tag.
    pub fn tag(&self) -> &str {
        &self.tag
    }

    /// Parses the command up to the literal of `size` octets announced at
    /// the end of `prefix` and stores the small messages before it.
    pub fn prepare(&mut self, s: &mut Ctx<'_>, prefix: &[u8], size: u64) -> Result<(), Reply> {
        let next = prepare(s, prefix, size, &mut self.uids, &mut self.validity)?;
        let quota = AccountQuota { root: next.quota.root.clone(), limits: next.quota.limits };
        self.target = Some((next.mailbox.clone(), quota));
        self.next = Some(next);
        Ok(())
    }

    /// Stores the literal read from `data` (`size` octets) as the message
    /// [`Upload::prepare`] parsed. The caller reads away what is left.
    pub fn store(&mut self, data: &mut dyn io::Read, size: u64) -> Result<(), Reply> {
        let Some(next) = &self.next else { return Err(Reply::bad("APPEND without a message")) };
        let keywords: Vec<&str> = next.keywords.iter().map(String::as_str).collect();
        let (v, uid) = next.mailbox.append(data, next.system, &keywords, next.date).map_err(store_error)?;
        log::error!("{} appended {size} octets to {} as UID {uid}", self.log_tag, next.name);
        self.shared.monitor.stats.appended();
        next.quota.record(size as i64, 1);
        self.validity = v;
        self.uids.push(uid);
        Ok(())
    }

    /// What the reader goes on from after the literal: the command so far.
    pub fn head(&self) -> Vec<u8> {
        self.next.as_ref().map_or_else(Vec::new, |n| n.head.clone())
    }

    /// The frame after the literal; for RFC 6855's `UTF8 (~{n})` the `)`
    /// that closes it is taken off first. Refused when it is missing, with
    /// the size of a non-synchronizing literal whose octets come anyway.
    pub fn close(&self, frame: Frame) -> Result<Frame, (Reply, Option<u64>)> {
        let Some(next) = self.next.as_ref().filter(|n| n.utf8) else { return Ok(frame) };
        match frame {
            Frame::Command(rest) => close_utf8(&next.head, rest).map(Frame::Command).map_err(|r| (r, None)),
            Frame::Literal { prefix, size, sync } => match close_utf8(&next.head, prefix) {
                Ok(p) => Ok(Frame::Literal { prefix: p, size, sync }),
                Err(r) => Err((r, (!sync).then_some(size))),
            },
            f => Ok(f),
        }
    }

    /// The end of a streamed MULTIAPPEND: the command again, its last
    /// messages small (see [`append_rest`]).
    pub fn rest(&mut self, s: &mut Ctx<'_>, rest: &[u8]) -> Result<Result<(), Reply>, Reply> {
        let Some(next) = &self.next else { return Ok(Err(Reply::bad("APPEND without a message"))) };
        append_rest(s, next, rest, &mut self.uids, &mut self.validity)
    }

    /// The command's outcome once its last part is read: a refusal
    /// undoes what it stored when it must (RFC 3502: all or nothing).
    pub fn end(self, result: Result<(), Reply>) -> Outcome {
        if let (Err(reply), Some((mb, quota))) = (&result, &self.target) {
            // Over quota, larger than --max-command, or malformed after
            // its first messages: nothing stays stored.
            let undo_it = reply.kind == Status::Bad || reply.is_no(&Code::OverQuota) || reply.is_no(&Code::TooBig);
            if undo_it && !self.uids.is_empty() {
                undo(&self.log_tag, mb, quota, &self.uids);
            }
        }
        result.map(|()| Reply::ok_code(Code::AppendUid(self.validity, self.uids), "APPEND completed"))
    }
}

/// The end of a streamed MULTIAPPEND: more messages, all small enough to
/// have been read inline (`rest` is the whole command again). `Ok` is the
/// command's outcome, a refusal undoing what it stored; `Err` is a
/// message the store refused, which ends the command at once.
fn append_rest(
    s: &mut Ctx<'_>,
    next: &Next,
    rest: &[u8],
    uids: &mut Vec<u32>,
    validity: &mut u32,
) -> Result<Result<(), Reply>, Reply> {
    let messages = match parse_command(rest) {
        Ok(Command { body: CommandBody::Append { messages, .. }, .. }) => messages,
        Ok(_) => return Ok(Err(Reply::bad("Expected APPEND"))),
        Err(e) => return Ok(Err(Reply::bad(e.message))),
    };
    let messages = match crate::mail::urls::assemble(&s.state.user()?.mail, messages, s.shared.config.max_literal) {
        Ok(m) => m,
        Err(r) => return Ok(Err(r)),
    };
    let total = messages.iter().map(|m| m.data.len() as u64).sum();
    if let Err(e) = next.quota.check(total, messages.len() as u64) {
        return Ok(Err(store_error(e)));
    }
    for m in &messages {
        let (v, uid) = append_one(s, &next.mailbox, &next.quota, next.mask, &next.name, m)?;
        *validity = v;
        uids.push(uid);
    }
    Ok(Ok(()))
}

/// Removes the messages a refused MULTIAPPEND had stored already.
fn undo(tag: &str, mb: &MailboxShared, quota: &AccountQuota, uids: &[u32]) {
    let before = mb.snapshot();
    match mb.expunge(uids) {
        Ok(removed) => quota.record_removed(&before, &removed),
        Err(e) => log::warn!("{tag} could not remove the messages of a refused APPEND: {e}"),
    }
}

/// Opens the target of an APPEND (`i` needed), with TRYCREATE when it is
/// missing from the user's own account; and the quota it is charged to.
fn open(s: &Ctx<'_>, name: &str) -> Result<(Arc<MailboxShared>, AccountQuota, u8), Reply> {
    let (target, mailbox) = crate::mail::resolve::for_insert(&s.scope()?, name)?;
    Ok((mailbox, target.quota(s.shared), target.flag_mask()))
}

/// The flags of an APPEND without those the user may not set (RFC 4314 4:
/// they are dropped, the message is still stored).
fn allowed((system, keywords): (u8, Vec<String>), mask: u8) -> (u8, Vec<String>) {
    let keywords = if mask & crate::store::filename::FLAGGED != 0 { keywords } else { Vec::new() };
    (system & mask, keywords)
}

/// Appends one message held in memory and records it in the quota usage
/// (the caller has checked the quota).
fn append_one(
    s: &Ctx<'_>,
    mb: &MailboxShared,
    quota: &AccountQuota,
    mask: u8,
    name: &str,
    m: &AppendMessage,
) -> Result<(u32, u32), Reply> {
    if m.data.is_empty() {
        return Err(Reply::no_text("Empty messages cannot be appended"));
    }
    if !m.binary && m.data.contains(&0) {
        return Err(Reply::no(Code::UnknownCte, "NUL octets in a message need the BINARY extension"));
    }
    let (system, keywords) = allowed(to_store(&m.flags)?, mask);
    let keywords: Vec<&str> = keywords.iter().map(String::as_str).collect();
    let (v, uid) = mb.append_bytes(&m.data, system, &keywords, to_time(m.date)).map_err(store_error)?;
    log::error!("{} appended {} octets to {name} as UID {uid}", s.tag(), m.data.len());
    s.shared.monitor.stats.appended();
    quota.record(m.data.len() as i64, 1);
    Ok((v, uid))
}

/// A UID list in `uid-set` form with ranges: `4,7:9`.
pub fn uid_set(uids: &[u32]) -> String {
    let mut out = Vec::new();
    crate::proto::response::write_runs(&mut out, uids);
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::uid_set;

    #[test]
    fn uid_sets_compress_runs() {
        assert_eq!(uid_set(&[1, 2, 3, 5, 7, 8]), "1:3,5,7:8");
        assert_eq!(uid_set(&[9]), "9");
        assert_eq!(uid_set(&[]), "");
    }
}

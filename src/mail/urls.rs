//! The messages and parts that IMAP URLs (RFC 5092) name, for CATENATE,
//! GENURLAUTH and URLFETCH. CATENATE (RFC 4469) with URL-PARTIAL (RFC
//! 5550): an APPEND whose message is put together from literals and from
//! parts of messages already on the server.
//!
//! Only URLs relative to this server are taken, in the absolute-path form
//! `/mailbox[;UIDVALIDITY=n]/;UID=n[/;SECTION=s][/;PARTIAL=o[.l]]`, naming
//! a mailbox of the session's own account; anything else, or a message
//! that is not there, is `NO [BADURL url]`. A section is sent as
//! `BODY.PEEK[section]<partial>` would send it.

use std::sync::Arc;

use super::message::Message;
use super::names::{self, store_error};
use super::resolve::find_account;
use super::Scope;
use crate::budget::{Budget, Reservation};
use crate::fetch as render;
use crate::mime;
use crate::proto::command::{AppendMessage, CatPart, Mailbox};
use crate::proto::response::{Code, Reply};
use crate::proto::section::Section;
use crate::proto::url::{parse_url, PartUrl};
use crate::store::{self, MailboxShared};
use crate::urlauth::{self, keys, Access, AuthUrl, INTERNAL};

fn bad_url(url: &[u8], why: &str) -> Reply {
    let mut shown = String::from_utf8_lossy(url).into_owned();
    shown.retain(|c| !c.is_control() && c != ']');
    Reply::no(Code::BadUrl(shown), why.to_string())
}

/// The octets a URL names, from the user's own mailboxes (`mail`).
fn fetch_url(mail: &store::Account, url: &[u8]) -> Result<Vec<u8>, Reply> {
    let Some(u) = parse_url(url) else {
        return Err(bad_url(url, "Only URLs like /INBOX;UIDVALIDITY=n/;UID=n/;SECTION=1 to this account are taken"));
    };
    read_part(mail, &u)?.map_err(|why| bad_url(url, why))
}

/// The octets a parsed URL names in one account's mailboxes, or why there
/// are none (for CATENATE and URLFETCH).
pub fn read_part(mail: &store::Account, u: &PartUrl) -> Result<Result<Vec<u8>, &'static str>, Reply> {
    Ok(read_part_held(mail, u, None)?.map(|(data, _)| data))
}

/// A part's octets with what they hold of the server's memory budget.
pub type HeldPart = (Vec<u8>, Option<Reservation>);

/// [`read_part`], with the message and the copy of the part held against
/// `budget` (URLFETCH): the reservation comes back with the octets and
/// gives them back when dropped; `NO [LIMIT]` when they do not fit.
pub fn read_part_held(
    mail: &store::Account,
    u: &PartUrl,
    budget: Option<&Arc<Budget>>,
) -> Result<Result<HeldPart, &'static str>, Reply> {
    let (message, held) = match load_message(mail, u, budget)? {
        Ok(loaded) => loaded,
        Err(why) => return Ok(Err(why)),
    };
    let msg = message.bytes();
    let data = if u.section == Section::default() {
        render::section::limit(render::section::whole(msg), u.partial)
    } else {
        render::section(msg, &mime::scan(msg), &u.section, u.partial)
    };
    let octets = data.bytes(msg).to_vec();
    if message.damaged() {
        // Never used: the octets hold NULs where the file shrank.
        return Ok(Err("The message changed while it was read; try again"));
    }
    Ok(Ok((octets, held)))
}

/// The message a URL names, mapped, with twice its size held against
/// `budget` (the map and what is made from it), or why it is not there.
pub fn load_message(
    mail: &store::Account,
    u: &PartUrl,
    budget: Option<&Arc<Budget>>,
) -> Result<Result<(Message, Option<Reservation>), &'static str>, Reply> {
    let name = names::decode(&Mailbox(crate::proto::utf7::encode(&u.mailbox).into_bytes()))?;
    let mb = match mail.open(&name) {
        Ok(mb) => mb,
        Err(_) => return Ok(Err("No such mailbox")),
    };
    let uidvalidity = mb.sync().map_err(store_error)?.uidvalidity;
    if u.uidvalidity.is_some_and(|v| v != uidvalidity) {
        return Ok(Err("UIDVALIDITY does not match"));
    }
    let Some((file, _)) = mb.open_message(u.uid).map_err(store_error)? else {
        return Ok(Err("No such message"));
    };
    let held = match budget {
        // The map and the copy of (at most) all of it.
        Some(b) => super::held::message(b, file.metadata().map_or(0, |m| m.len()), 2)?,
        None => None,
    };
    let message = Message::load(&file).map_err(|e| names::server_bug(&e))?;
    Ok(Ok((message, held)))
}

/// Puts together the messages of an APPEND that were given by CATENATE;
/// others pass unchanged. URLs name messages of the user's own mailboxes
/// (`mail`); `max` is the largest message taken.
pub fn assemble(mail: &store::Account, messages: Vec<AppendMessage>, max: u64) -> Result<Vec<AppendMessage>, Reply> {
    let mut out = Vec::with_capacity(messages.len());
    for mut m in messages {
        let Some(parts) = m.catenate.take() else {
            out.push(m);
            continue;
        };
        let mut data = Vec::new();
        for part in &parts {
            match part {
                CatPart::Text { data: text, binary } => {
                    m.binary |= *binary;
                    data.extend_from_slice(text);
                }
                CatPart::Url(url) => {
                    let bytes = fetch_url(mail, url)?;
                    m.binary |= bytes.contains(&0);
                    data.extend_from_slice(&bytes);
                }
            }
            if data.len() as u64 > max {
                return Err(Reply::no(Code::TooBig, format!("The catenated message exceeds {max} octets")));
            }
        }
        m.data = data;
        out.push(m);
    }
    Ok(out)
}

/// The mailbox a URLAUTH URL names in `mail`.
pub fn mailbox_of(mail: &store::Account, u: &AuthUrl) -> Option<Arc<MailboxShared>> {
    let name = names::decode(&Mailbox(crate::proto::utf7::encode(&u.part.mailbox).into_bytes())).ok()?;
    mail.open(&name).ok()
}

/// Whether `who` (a user name as a URL spells it) is the logged-in user.
pub fn is_me(sc: &Scope, who: &str) -> bool {
    find_account(sc, who).is_some_and(|a| a.user == sc.login.account.user)
}

/// The account whose message an authorized URL (URLFETCH, RFC 4467)
/// names, with the URL parsed, once mechanism, expiry, access and token
/// are checked; else why not, for the log.
pub fn authorize(sc: &Scope, url: &[u8]) -> Result<(store::Account, AuthUrl), &'static str> {
    let u = urlauth::parse(url).ok_or("not an authorized IMAP URL")?;
    let (mech, token) = u.auth.as_ref().ok_or("no mechanism and token")?;
    if mech != INTERNAL {
        return Err("unknown mechanism");
    }
    if let Some(t) = u.expire {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
        if now >= t {
            return Err("expired");
        }
    }
    let allowed = match &u.access {
        Access::Anonymous | Access::AuthUser => true,
        Access::User(who) => is_me(sc, who),
        Access::Submit(who) => {
            is_me(sc, who) || sc.shared.config.urlauth_submit_user.as_deref().is_some_and(|u| is_me(sc, u))
        }
    };
    if !allowed {
        return Err("not for this user");
    }
    let account = if is_me(sc, &u.owner) {
        sc.shared.store.account(sc.login.mail.root())
    } else {
        let owner = find_account(sc, &u.owner).ok_or("no such owner")?;
        let root = owner.checked_maildir(&sc.shared.config.mail).map_err(|_| "owner's maildir unusable")?;
        sc.shared.store.account(root)
    };
    let mb = mailbox_of(&account, &u).ok_or("no such mailbox")?;
    let id = mb.mailbox_id().map_err(|_| "no mailbox id")?;
    let key = keys::get(account.root(), &id).map_err(|_| "keys unreadable")?.ok_or("no key")?;
    if !urlauth::verify(&key, &u.rump, token) {
        return Err("wrong token");
    }
    Ok((account, u))
}

//! GENURLAUTH, RESETKEY and URLFETCH (RFC 4467): URLs to parts of one's
//! own messages, signed so that another session (a submission server,
//! say) may fetch them with URLFETCH. See [`crate::urlauth`] for the URL
//! grammar, the INTERNAL mechanism and the keys.
//!
//! URLFETCH answers `NIL` for any URL it will not serve, whatever the
//! reason (bad syntax, wrong token, expired, no access, no such message),
//! so that it tells a prober nothing; the reason goes to the log.
//!
//! `submit+user` URLs are served to the account `--urlauth-submit-user`
//! names (the submission server's login) and to that user's own sessions
//! (a submission server that fetches with the user's own login).

use std::sync::Arc;

use super::catenate::{read_part, read_part_held};
use super::names::{self, store_error};
use super::resolve;
use super::{Outcome, Reply};
use crate::proto::command::Mailbox;
use crate::proto::response::{write_astring, write_literal, write_quoted_lossy};
use crate::server::budget::Reservation;
use crate::session::Session;
use crate::store::{self, MailboxShared};
use crate::urlauth::{self, keys, Access, AuthUrl, INTERNAL};

fn bad_url(url: &[u8], why: &str) -> Reply {
    let mut shown = String::from_utf8_lossy(url).into_owned();
    shown.retain(|c| !c.is_control() && c != ']');
    Reply::No(format!("[BADURL {shown}] {why}"))
}

fn mechanism_check(mech: &str) -> Result<(), Reply> {
    if mech == INTERNAL {
        Ok(())
    } else {
        Err(Reply::No(format!("[CANNOT] Unknown URLAUTH mechanism {mech}: only INTERNAL is supported")))
    }
}

/// The mailbox a URL names in `mail`.
fn mailbox_of(mail: &store::Account, u: &AuthUrl) -> Option<Arc<MailboxShared>> {
    let name = names::decode(&Mailbox(crate::proto::utf7::encode(&u.part.mailbox).into_bytes())).ok()?;
    mail.open(&name).ok()
}

/// Whether `who` (a user name as a URL spells it) is the session's user.
fn is_me(s: &Session, who: &str) -> bool {
    let Ok(user) = s.user() else { return false };
    resolve::find_account(s, who).is_some_and(|a| a.user == user.account.user)
}

/// GENURLAUTH: the rumps with `:internal:token` added, in one response.
pub fn genurlauth(s: &mut Session, urls: &[(Vec<u8>, String)]) -> Outcome {
    let mut line = b"GENURLAUTH".to_vec();
    for (rump, mech) in urls {
        mechanism_check(mech)?;
        let Some(u) = urlauth::parse(rump).filter(|u| u.auth.is_none()) else {
            return Err(bad_url(rump, "Not an IMAP URL rump ending in ;URLAUTH=access"));
        };
        if !is_me(s, &u.owner) {
            return Err(bad_url(rump, "URLs can be made only for one's own mailboxes"));
        }
        let mail = &s.user()?.mail;
        if let Err(why) = read_part(mail, &u.part)? {
            return Err(bad_url(rump, why));
        }
        let mb = mailbox_of(mail, &u).ok_or_else(|| bad_url(rump, "No such mailbox"))?;
        let id = mb.mailbox_id().map_err(store_error)?;
        let key = keys::get_or_make(mail.root(), &id)
            .map_err(|e| super::names::server_bug(&format!("cannot keep the URLAUTH key: {e}")))?;
        let mut full = rump.clone();
        full.extend_from_slice(b":internal:");
        full.extend_from_slice(urlauth::token(&key, &u.rump).as_bytes());
        line.push(b' ');
        write_quoted_lossy(&mut line, &full);
    }
    s.untagged_bytes(&line);
    Ok("GENURLAUTH completed".into())
}

/// RESETKEY: a new key for one mailbox, or every key removed.
pub fn resetkey(s: &mut Session, mailbox: Option<&Mailbox>, mechanisms: &[String]) -> Outcome {
    for m in mechanisms {
        mechanism_check(m)?;
    }
    let mail = &s.user()?.mail;
    let Some(mailbox) = mailbox else {
        keys::reset(mail.root(), None).map_err(|e| super::names::server_bug(&format!("cannot reset the keys: {e}")))?;
        return Ok("All URLAUTH keys removed".into());
    };
    let name = names::decode(mailbox)?;
    if name.starts_with('~') {
        return Err(Reply::No("[NOPERM] Keys can be reset only for one's own mailboxes".into()));
    }
    let mb = mail.open(&name).map_err(|e| match e {
        store::StoreError::NotFound(_) => resolve::nonexistent(&name),
        e => store_error(e),
    })?;
    let id = mb.mailbox_id().map_err(store_error)?;
    keys::reset(mail.root(), Some(&id)).map_err(|e| super::names::server_bug(&format!("cannot reset the key: {e}")))?;
    Ok(format!("[URLMECH {INTERNAL}] RESETKEY completed"))
}

/// Why a URL was not served when the server's memory budget had no room
/// for it (answered NIL, and the command `NO [LIMIT]`).
const NO_ROOM: &str = "the server's memory for clients is in use";

/// The octets an authorized URL names, with what they hold of the
/// server's memory budget, or why they are not served.
fn fetch_one(s: &Session, url: &[u8]) -> Result<(Vec<u8>, Option<Reservation>), &'static str> {
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
        Access::User(who) => is_me(s, who),
        Access::Submit(who) => {
            is_me(s, who) || s.shared.config.urlauth_submit_user.as_deref().is_some_and(|u| is_me(s, u))
        }
    };
    if !allowed {
        return Err("not for this user");
    }
    let mine = is_me(s, &u.owner);
    let account = if mine {
        s.shared.store.account(s.user().map_err(|_| "not logged in")?.mail.root())
    } else {
        let owner = resolve::find_account(s, &u.owner).ok_or("no such owner")?;
        let root = owner.checked_maildir(&s.shared.config.mail).map_err(|_| "owner's maildir unusable")?;
        s.shared.store.account(root)
    };
    let mb = mailbox_of(&account, &u).ok_or("no such mailbox")?;
    let id = mb.mailbox_id().map_err(|_| "no mailbox id")?;
    let key = keys::get(account.root(), &id).map_err(|_| "keys unreadable")?.ok_or("no key")?;
    if !urlauth::verify(&key, &u.rump, token) {
        return Err("wrong token");
    }
    let (data, held) = match read_part_held(&account, &u.part, Some(&s.shared.budget)) {
        Ok(r) => r?,
        Err(Reply::No(t)) if t.starts_with("[LIMIT]") => return Err(NO_ROOM),
        Err(_) => return Err("store error"),
    };
    if memchr::memchr(0, &data).is_some() {
        // A NUL cannot travel in a plain literal (RFC 3501 4.3).
        return Err("the part holds NUL octets");
    }
    Ok((data, held))
}

/// Literals at least this long are written from where they lie instead of
/// being copied into the response queue.
const DIRECT_LITERAL: usize = 64 * 1024;

/// URLFETCH: one response with each URL and its octets, or NIL. Written
/// as it is made (one URL's octets held at a time); a URL given more than
/// once is answered once.
pub fn urlfetch(s: &mut Session, urls: &[Vec<u8>]) -> Outcome {
    let mut urls = urls.to_vec();
    super::held::dedup(&mut urls);
    let cap = s.shared.config.net.max_fetch_buffer;
    let mut no_room = false;
    s.writer.buffer().extend_from_slice(b"* URLFETCH");
    for url in &urls {
        let out = s.writer.buffer();
        out.push(b' ');
        // Quoted, as RFC 4467's examples show it, unless it cannot be.
        if url.iter().all(|&b| (0x20..0x7f).contains(&b)) {
            write_quoted_lossy(out, url);
        } else {
            write_astring(out, url);
        }
        out.push(b' ');
        match fetch_one(s, url) {
            Ok((data, _held)) if data.len() >= DIRECT_LITERAL => {
                s.writer.buffer().extend_from_slice(format!("{{{}}}\r\n", data.len()).as_bytes());
                s.write_direct(&data).map_err(|e| Reply::No(format!("write failed: {e}")))?;
            }
            Ok((data, _held)) => write_literal(s.writer.buffer(), &data),
            Err(why) => {
                no_room |= why == NO_ROOM;
                log::info!("{} URLFETCH {}: {why}", s.tag(), String::from_utf8_lossy(url));
                s.writer.buffer().extend_from_slice(b"NIL");
            }
        }
        if s.writer.queued() >= cap {
            s.flush().map_err(|e| Reply::No(format!("write failed: {e}")))?;
        }
    }
    s.writer.buffer().extend_from_slice(b"\r\n");
    if no_room {
        return Err(Reply::No("[LIMIT] Some URLs were not fetched: the server's memory for clients is in use".into()));
    }
    Ok("URLFETCH completed".into())
}

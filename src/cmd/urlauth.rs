//! GENURLAUTH, RESETKEY and URLFETCH (RFC 4467): URLs to parts of one's
//! own messages, signed so that another session (a submission server,
//! say) may fetch them with URLFETCH. See [`crate::urlauth`] for the URL
//! grammar, the INTERNAL mechanism and the keys.
//!
//! URLFETCH itself is in [`super::urlfetch`].

use super::{Outcome, Reply};
use crate::client::Ctx;
use crate::mail::names::{self, store_error};
use crate::mail::resolve;
use crate::mail::urls::{is_me, mailbox_of, read_part};
use crate::proto::command::Mailbox;
use crate::proto::response::Code;
use crate::proto::untagged::Response;
use crate::store;
use crate::urlauth::{self, keys, INTERNAL};

fn bad_url(url: &[u8], why: &str) -> Reply {
    let mut shown = String::from_utf8_lossy(url).into_owned();
    shown.retain(|c| !c.is_control() && c != ']');
    Reply::no(Code::BadUrl(shown), why.to_string())
}

fn mechanism_check(mech: &str) -> Result<(), Reply> {
    if mech == INTERNAL {
        Ok(())
    } else {
        Err(Reply::no(Code::Cannot, format!("Unknown URLAUTH mechanism {mech}: only INTERNAL is supported")))
    }
}

/// GENURLAUTH: the rumps with `:internal:token` added, in one response.
pub fn genurlauth(s: &mut Ctx<'_>, urls: &[(Vec<u8>, String)]) -> Outcome {
    let mut full_urls = Vec::new();
    for (rump, mech) in urls {
        mechanism_check(mech)?;
        let Some(u) = urlauth::parse(rump).filter(|u| u.auth.is_none()) else {
            return Err(bad_url(rump, "Not an IMAP URL rump ending in ;URLAUTH=access"));
        };
        if !is_me(&s.scope()?, &u.owner) {
            return Err(bad_url(rump, "URLs can be made only for one's own mailboxes"));
        }
        let mail = &s.state.user()?.mail;
        if let Err(why) = read_part(mail, &u.part)? {
            return Err(bad_url(rump, why));
        }
        let mb = mailbox_of(mail, &u).ok_or_else(|| bad_url(rump, "No such mailbox"))?;
        let id = mb.mailbox_id().map_err(store_error)?;
        let key = keys::get_or_make(mail.root(), &id)
            .map_err(|e| crate::mail::names::server_bug(&format!("cannot keep the URLAUTH key: {e}")))?;
        let mut full = rump.clone();
        full.extend_from_slice(b":internal:");
        full.extend_from_slice(urlauth::token(&key, &u.rump).as_bytes());
        full_urls.push(full);
    }
    s.respond(Response::GenUrlAuth(full_urls));
    Ok("GENURLAUTH completed".into())
}

/// RESETKEY: a new key for one mailbox, or every key removed.
pub fn resetkey(s: &mut Ctx<'_>, mailbox: Option<&Mailbox>, mechanisms: &[String]) -> Outcome {
    for m in mechanisms {
        mechanism_check(m)?;
    }
    let mail = &s.state.user()?.mail;
    let Some(mailbox) = mailbox else {
        keys::reset(mail.root(), None)
            .map_err(|e| crate::mail::names::server_bug(&format!("cannot reset the keys: {e}")))?;
        return Ok("All URLAUTH keys removed".into());
    };
    let name = names::decode(mailbox)?;
    if name.starts_with('~') {
        return Err(Reply::no(Code::NoPerm, "Keys can be reset only for one's own mailboxes"));
    }
    let mb = mail.open(&name).map_err(|e| match e {
        store::StoreError::NotFound(_) => resolve::nonexistent(&name),
        e => store_error(e),
    })?;
    let id = mb.mailbox_id().map_err(store_error)?;
    keys::reset(mail.root(), Some(&id))
        .map_err(|e| crate::mail::names::server_bug(&format!("cannot reset the key: {e}")))?;
    Ok(Reply::ok_code(Code::UrlMech(INTERNAL), "RESETKEY completed"))
}

//! GETQUOTA, GETQUOTAROOT and SETQUOTA (RFC 9208, answering RFC 2087
//! clients as well), and the quota of the logged-in account for the
//! handlers that store or remove messages.
//!
//! Each account has the one quota root `#` + account name. Anybody may
//! read their own; administrators (`tegami_admin=domain` for the accounts
//! of their domain, `tegami_admin=server` for all) may read and set
//! others'. SETQUOTA is refused to everybody else, their own root included.

use std::path::PathBuf;

use super::{Outcome, Reply};
use crate::auth::passwd::Account;
use crate::client::Ctx;
use crate::mail::names::{self, store_error};
use crate::proto::command::Mailbox;
use crate::proto::response::Code;
use crate::proto::untagged::Response;
use crate::quota::{self, AccountQuota, Limits};
use crate::store::maildirsize;

/// The untagged `QUOTA root (STORAGE used limit MESSAGE used limit)`,
/// listing the resources that have a limit; nothing for a root without
/// limits, since RFC 9208's `quota-list` needs at least one resource
/// (clients such as Thunderbird reject `()`; Dovecot leaves it out too).
fn quota_response(s: &mut Ctx<'_>, root: &str, q: &AccountQuota) -> Result<(), Reply> {
    if q.limits.bytes.is_none() && q.limits.messages.is_none() {
        return Ok(());
    }
    let usage = q.usage().map_err(store_error)?;
    let mut resources = Vec::new();
    if let Some(limit) = q.limits.bytes {
        resources.push(("STORAGE", quota::kib(usage.bytes), limit / 1024));
    }
    if let Some(limit) = q.limits.messages {
        resources.push(("MESSAGE", usage.messages.max(0) as u64, limit));
    }
    s.respond(Response::Quota { root: root.to_string(), resources });
    Ok(())
}

/// Why a non-administrator cannot name a root other than their own; the
/// same answer whether the account exists or not.
fn not_yours() -> Reply {
    Reply::no(Code::NoPerm, "Only your own quota root is open to you")
}

/// The account and maildir a quota root names, as far as the logged-in
/// account may see it.
fn resolve(s: &Ctx<'_>, root: &[u8]) -> Result<(Account, PathBuf), Reply> {
    let user = s.state.user()?;
    let name = std::str::from_utf8(root).ok().and_then(|r| r.strip_prefix('#'));
    let admin = quota::admin_of(&user.account) != quota::Admin::None;
    let target = name.and_then(|n| s.shared.account(n));
    match target {
        Some(t) if t.user == user.account.user => Ok((t, user.mail.root().to_path_buf())),
        _ if !admin => Err(not_yours()),
        None => {
            // Echoed only when it is plain text: a literal may hold CR LF.
            let shown = match std::str::from_utf8(root) {
                Ok(r) if !r.is_empty() && r.len() <= 200 && !r.chars().any(char::is_control) => format!(" {r}"),
                _ => String::new(),
            };
            Err(Reply::no(Code::NonExistent, format!("No such quota root{shown}: roots are # and an account name")))
        }
        Some(t) if !quota::may_manage(&user.account, &t) => {
            Err(Reply::no(Code::NoPerm, format!("{} is outside the accounts you administer", t.user)))
        }
        Some(t) => {
            let dir = t.checked_maildir(&s.shared.config.mail).map_err(|why| {
                log::warn!("{} quota of {}: {why}", s.tag(), t.user);
                Reply::no(Code::Unavailable, format!("The maildir of {} is not an absolute path", t.user))
            })?;
            Ok((t, dir))
        }
    }
}

/// GETQUOTAROOT (RFC 9208 4.1.2): the mailbox's root, then its QUOTA.
pub fn getquotaroot(s: &mut Ctx<'_>, mailbox: &Mailbox) -> Outcome {
    let name = names::decode_for(&s.dialect(), mailbox)?;
    let target = crate::mail::resolve::target(&s.scope()?, &name)?;
    target.need(crate::acl::Right::Read)?;
    if !target.exists() {
        return Err(Reply::no(Code::NonExistent, "Mailbox does not exist"));
    }
    let root = quota::root_name(&target.owner);
    s.respond(Response::QuotaRoot { mailbox: name, root: root.clone() });
    let q = target.quota(s.shared);
    quota_response(s, &root, &q)?;
    Ok("GETQUOTAROOT completed".into())
}

/// GETQUOTA (RFC 9208 4.1.1).
pub fn getquota(s: &mut Ctx<'_>, root: &[u8]) -> Outcome {
    let (account, dir) = resolve(s, root)?;
    let q = AccountQuota::of(&account, &dir, &s.shared.config.quota);
    quota_response(s, &quota::root_name(&account), &q)?;
    Ok("GETQUOTA completed".into())
}

/// SETQUOTA (RFC 9208 4.1.3): the listed resources get the new limits,
/// the others lose theirs; 0 is no limit, as in Maildir++. The limits are
/// written to the account's sidecar file and `maildirsize` header.
pub fn setquota(s: &mut Ctx<'_>, root: &[u8], limits: &[(String, u64)]) -> Outcome {
    if quota::admin_of(&s.state.user()?.account) == quota::Admin::None {
        return Err(Reply::no(Code::NoPerm, "SETQUOTA needs domain or server administrator rights"));
    }
    let (account, dir) = resolve(s, root)?;
    if !quota::may_manage(&s.state.user()?.account, &account) {
        return Err(Reply::no(Code::NoPerm, format!("{} is outside the accounts you administer", account.user)));
    }
    let mut new = Limits::default();
    for (resource, value) in limits {
        let some = |n: u64| (n > 0).then_some(n);
        match resource.as_str() {
            "STORAGE" => {
                let bytes = value.checked_mul(1024).ok_or_else(|| Reply::bad("STORAGE limit too large"))?;
                new.bytes = some(bytes);
            }
            "MESSAGE" => new.messages = some(*value),
            other => {
                let why = format!("Unsupported quota resource {other}: tegami has STORAGE and MESSAGE");
                return Err(Reply::no(Code::Cannot, why));
            }
        }
    }
    let mail = s.shared.store.account(dir);
    mail.ensure_default_mailboxes().map_err(store_error)?;
    quota::write_sidecar(mail.root(), &new).map_err(store_error)?;
    maildirsize::rebuild(mail.root(), &new).map_err(store_error)?;
    log::error!(
        "{} SETQUOTA {}: storage {} messages {}",
        s.tag(),
        account.user,
        new.bytes.map_or("unlimited".into(), |b| format!("{b} bytes")),
        new.messages.map_or("unlimited".into(), |m| m.to_string())
    );
    let q = AccountQuota { root: mail.root().to_path_buf(), limits: new };
    quota_response(s, &quota::root_name(&account), &q)?;
    Ok("SETQUOTA completed".into())
}

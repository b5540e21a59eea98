//! The one way to a mailbox: a name as the client gives it — personal,
//! `~user/...`, `~public/...` or an alias — becomes the account that holds
//! it, the name there, and the rights the logged-in user holds on it.
//! Handlers check the right they need with [`Target::need`]; without `l`
//! a mailbox does not exist for the user (the same answer as for one that
//! does not exist at all, so existence does not leak).

use std::path::PathBuf;
use std::sync::Arc;

use super::names::store_error;
use super::{Login, Scope};
use crate::acl::{self, Right, Rights};
use crate::alias;
use crate::auth::passwd::Account;
use crate::proto::response::Code;
use crate::proto::response::Reply;
use crate::proto::untagged::{FlagList, Response};
use crate::quota::AccountQuota;
use crate::shared::Shared;
use crate::store::{self, name, FlagOp, MailboxInfo, MailboxShared, StoreError};

pub use crate::access::Target;

/// `NO [NONEXISTENT]`, worded as for a mailbox that does not exist.
pub fn nonexistent(display: &str) -> Reply {
    store_error(StoreError::NotFound(display.to_string()))
}

fn invalid(why: String) -> Reply {
    Reply::no(Code::Cannot, format!("Invalid mailbox name: {why}"))
}

/// The rights `user` holds on `mailbox` of `account`.
pub fn rights_in(account: &store::Account, mailbox: &str, user: &str, is_owner: bool) -> Rights {
    rights_and_stamp(account, mailbox, user, is_owner).0
}

/// [`rights_in`] with the identity of the ACL file they were read from,
/// in one look at the file.
fn rights_and_stamp(
    account: &store::Account,
    mailbox: &str,
    user: &str,
    is_owner: bool,
) -> (Rights, Option<acl::Stamp>) {
    let Ok(dir) = account.mailbox_dir(mailbox) else { return (Rights::NONE, None) };
    let (file, stamp) = acl::read_stamped(&dir);
    let file = file.unwrap_or_else(|e| {
        log::warn!("cannot read {}: {e}", dir.join(acl::FILE).display());
        // Unreadable: nobody but the owner gets in.
        Some(acl::Acl::default())
    });
    (acl::rights_of(file.as_ref(), user, is_owner), stamp)
}

/// The identity of a mailbox's `dovecot-acl` file (see [`acl::stamp`]),
/// `None` without one.
fn acl_stamp(account: &store::Account, mailbox: &str) -> Option<acl::Stamp> {
    acl::stamp(&account.mailbox_dir(mailbox).ok()?)
}

/// Reads the rights on `t` again when its ACL file changed since they
/// were read (a `stat` otherwise, cheap enough for every wake of IDLE or
/// NOTIFY); whether `user` may still read the mailbox: `l` and `r` (RFC
/// 4314 4: without `r` no SELECT, STATUS or FETCH, without `l` the mailbox
/// does not exist for the user).
pub fn still_readable(t: &mut Target, user: &str) -> bool {
    if acl_stamp(&t.account, &t.name) != t.acl_stamp {
        (t.rights, t.acl_stamp) = rights_and_stamp(&t.account, &t.name, user, t.own);
    }
    t.checked = true;
    readable(t.rights)
}

fn readable(rights: Rights) -> bool {
    rights.has(Right::Lookup) && rights.has(Right::Read)
}

/// [`still_readable`] for the selected mailbox (`selected`, reached by
/// `user`); true with none selected. The file is looked at only when asked
/// for since the last look (see [`Target::recheck`]): the steps after a
/// command that nothing moved in between (reporting others' changes,
/// NOTIFY) share one look.
pub fn selected_readable(selected: Option<&mut Target>, user: &str) -> bool {
    let Some(t) = selected else { return true };
    if t.checked {
        return readable(t.rights);
    }
    still_readable(t, user)
}

/// What the client is told when the rights on the selected mailbox went
/// (see `Ctx::refresh_selected`): `NO [NOPERM]` and `OK [CLOSED]` (RFC
/// 7162 / RFC 9051's code for a mailbox closed).
pub fn withdrawn() -> [Response; 2] {
    let gone = Reply::no(Code::NoPerm, "The rights on the selected mailbox no longer allow reading it");
    [Response::Condition(gone), Response::Condition(Reply::ok_code(Code::Closed, "The mailbox is no longer selected"))]
}

/// Resolves a decoded mailbox name (see the module comment).
pub fn target(sc: &Scope, display: &str) -> Result<Target, Reply> {
    if let Some(rest) = display.strip_prefix('~') {
        return foreign(sc, display, rest);
    }
    let aliases = if alias::may_be_alias(display) { alias::read(sc.login.mail.root()) } else { Vec::new() };
    if let Some(a) = aliases.into_iter().find(|a| a.name == display) {
        // A target is always `~user/...`, never an alias: no loops.
        let mut t = foreign(sc, &a.target, &a.target[1..]).map_err(|_| nonexistent(display))?;
        t.display = display.to_string();
        return Ok(t);
    }
    Ok(personal(sc, display, display))
}

fn personal(sc: &Scope, name: &str, display: &str) -> Target {
    let user = sc.login;
    // The session's own account, its root already walked at login.
    let account = user.mail.clone();
    let (rights, acl_stamp) = rights_and_stamp(&account, name, &user.account.user, true);
    Target {
        account,
        owner: user.account.clone(),
        name: name.to_string(),
        display: display.to_string(),
        rights,
        own: true,
        acl_stamp,
        checked: true,
    }
}

/// The account `~who` names: `who@domain` for a user of a domain, else
/// `who` as the login would find it.
pub fn find_account(sc: &Scope, who: &str) -> Option<Account> {
    let me = &sc.login.account;
    if !who.contains('@') {
        if let Some(d) = me.domain() {
            if let Some(a) = sc.shared.account(&format!("{who}@{d}")) {
                return Some(a);
            }
        }
    }
    sc.shared.account(who)
}

fn foreign(sc: &Scope, display: &str, rest: &str) -> Result<Target, Reply> {
    let Some((who, mailbox)) = rest.split_once('/') else {
        // `~bob` alone is the namespace level, not a mailbox.
        alias::check_user(rest).map_err(invalid)?;
        return Err(nonexistent(display));
    };
    alias::check_user(who).map_err(invalid)?;
    let mailbox = name::normalize(mailbox).map_err(store_error)?;
    let me = &sc.login.account;
    let owner = find_account(sc, who).ok_or_else(|| nonexistent(display))?;
    if owner.user == me.user {
        return Ok(personal(sc, &mailbox, display));
    }
    let root = owner.checked_maildir(&sc.shared.config.mail).map_err(|why| {
        log::warn!("{} {display}: the maildir of {} is not usable: {why}", sc.tag, owner.user);
        nonexistent(display)
    })?;
    if !root.is_dir() {
        return Err(nonexistent(display));
    }
    let account = sc.shared.store.account(root);
    let (rights, acl_stamp) = rights_and_stamp(&account, &mailbox, &me.user, false);
    Ok(Target {
        account,
        owner,
        name: mailbox,
        display: display.to_string(),
        rights,
        own: false,
        acl_stamp,
        checked: true,
    })
}

/// Resolves the mailbox an APPEND, COPY or MOVE adds messages to and
/// opens it: `i` needed there, and `NO [TRYCREATE]` when it is missing
/// from the user's own account (RFC 3501 6.3.11, 6.4.7).
pub fn for_insert(sc: &Scope, display: &str) -> Result<(Target, Arc<MailboxShared>), Reply> {
    let target = target(sc, display)?;
    target.need(Right::Insert)?;
    if target.own && !target.exists() && target.name != "INBOX" {
        return Err(Reply::no(Code::TryCreate, "Mailbox does not exist"));
    }
    let mailbox = target.open()?;
    Ok((target, mailbox))
}

impl Target {
    /// Checks one right: `NO [NONEXISTENT]` without `l`, `NO [NOPERM]`
    /// without `right`.
    pub fn need(&self, right: Right) -> Result<(), Reply> {
        if !self.rights.has(Right::Lookup) {
            return Err(nonexistent(&self.display));
        }
        if !self.rights.has(right) {
            return Err(Reply::no(Code::NoPerm, format!("You lack the right \"{}\" on this mailbox", right.letter())));
        }
        Ok(())
    }

    /// Whether the mailbox exists and is selectable.
    pub fn exists(&self) -> bool {
        self.account.exists(&self.name).unwrap_or(false)
    }

    /// The mailbox's directory.
    pub fn dir(&self) -> Result<PathBuf, Reply> {
        self.account.mailbox_dir(&self.name).map_err(store_error)
    }

    /// Opens the mailbox; a foreign INBOX is never made by opening it.
    pub fn open(&self) -> Result<Arc<MailboxShared>, Reply> {
        if !self.own && !self.exists() {
            return Err(nonexistent(&self.display));
        }
        self.account.open(&self.name).map_err(|e| match e {
            StoreError::NotFound(_) => nonexistent(&self.display),
            e => store_error(e),
        })
    }

    /// The quota of the account that holds the mailbox: what a COPY or
    /// APPEND into it is charged to.
    pub fn quota(&self, shared: &Shared) -> AccountQuota {
        AccountQuota::of(&self.owner, self.account.root(), &shared.config.quota)
    }

    /// Asks for a fresh look at the ACL at the next [`selected_readable`]:
    /// at the start of every command (a right withdrawn since the last one
    /// takes effect there), on each NOTIFY or IDLE wake, and once the view
    /// moved on (so nothing that came after the rights went is told).
    pub fn recheck(&mut self) {
        self.checked = false;
    }

    /// Whether SELECT may be read-write: some right to change anything.
    pub fn may_write(&self) -> bool {
        [Right::Seen, Right::Write, Right::DeleteMessages, Right::Insert, Right::Expunge]
            .iter()
            .any(|&r| self.rights.has(r))
    }

    /// The system flags (of `store::filename`) this user may change.
    pub fn flag_mask(&self) -> u8 {
        use crate::store::filename::{SEEN, TRASHED};
        let mut m = 0;
        if self.rights.has(Right::Seen) {
            m |= SEEN;
        }
        if self.rights.has(Right::DeleteMessages) {
            m |= TRASHED;
        }
        if self.rights.has(Right::Write) {
            m |= !(SEEN | TRASHED);
        }
        m
    }

    /// The PERMANENTFLAGS list of a selected mailbox: of `all` (the
    /// mailbox's flags), those the user may store, and `\\*` when the user
    /// may make keywords (RFC 4314 4).
    pub fn permanent_flags(&self, all: Vec<String>) -> FlagList {
        let (s, t, w) =
            (self.rights.has(Right::Seen), self.rights.has(Right::DeleteMessages), self.rights.has(Right::Write));
        let names = all
            .into_iter()
            .filter(|f| match f.as_str() {
                "\\Seen" => s,
                "\\Deleted" => t,
                _ => w,
            })
            .collect();
        FlagList { names, recent: false, star: w }
    }

    /// The rights the user holds on another mailbox of the same account
    /// (the parent for CREATE, the new name for RENAME).
    pub fn rights_at(&self, login: &Login, mailbox: &str) -> Rights {
        rights_in(&self.account, mailbox, &login.account.user, self.own)
    }
}

/// STORE's flag change, with what `mask` (see [`Target::flag_mask`]) does
/// not allow left out: `FLAGS (...)` without every right becomes adding
/// the allowed flags named and removing the allowed system flags not named.
pub fn store_flags(
    mb: &MailboxShared,
    uids: &[u32],
    op: FlagOp,
    system: u8,
    keywords: &[&str],
    mask: u8,
    unchanged_since: Option<u64>,
) -> store::Result<(Vec<store::Entry>, Vec<u32>)> {
    if mask == u8::MAX {
        return mb.store_flags_if(uids, op, system, keywords, unchanged_since);
    }
    let keywords: &[&str] = if mask & crate::store::filename::FLAGGED != 0 { keywords } else { &[] };
    let ops = match op {
        FlagOp::Replace => vec![(FlagOp::Add, system & mask, keywords), (FlagOp::Remove, !system & mask, &[][..])],
        op => vec![(op, system & mask, keywords)],
    };
    let (mut changed, mut failed) = (Vec::new(), Vec::new());
    let mut uids = uids.to_vec();
    let mut since = unchanged_since;
    for (op, bits, kw) in ops {
        if bits != 0 || !kw.is_empty() {
            let (c, f) = mb.store_flags_if(&uids, op, bits, kw, since)?;
            changed.extend(c);
            uids.retain(|u| !f.contains(u));
            failed.extend(f);
            // The first step's UNCHANGEDSINCE test decided which messages
            // change; the second must not fail them for the first's modseq.
            since = None;
        }
    }
    Ok((changed, failed))
}

/// The quota of the selected mailbox's account (the logged-in user's own
/// when nothing foreign is selected).
pub fn selected_quota(sc: &Scope, selected: Option<&Target>) -> AccountQuota {
    match selected {
        Some(t) => t.quota(sc.shared),
        None => own_quota(sc),
    }
}

/// The rights held on the selected mailbox (`selected`, how it was reached).
pub fn selected_rights(selected: Option<&Target>) -> Rights {
    selected.map_or(Rights::ALL, |t| t.rights)
}

/// The name the client sees for another account: the local part for one of
/// the user's own domain, else the whole name.
fn short_name(me: &Account, other: &Account) -> String {
    match (me.domain(), other.domain()) {
        (Some(a), Some(b)) if a.eq_ignore_ascii_case(b) => other.local_part().to_string(),
        _ => other.user.clone(),
    }
}

/// Every foreign mailbox the user may look up (`l`), named `~user/...`,
/// with the `~user` levels and parents as non-selectable entries.
pub fn foreign_listing(sc: &Scope) -> Vec<MailboxInfo> {
    let me = &sc.login.account;
    let mut out: Vec<MailboxInfo> = Vec::new();
    let db = sc.shared.accounts();
    for other in db.accounts() {
        if other.user == me.user {
            continue;
        }
        if me.domain().is_some() && other.domain().is_some() && me.domain() != other.domain() {
            continue;
        }
        let Ok(root) = other.checked_maildir(&sc.shared.config.mail) else { continue };
        if !root.is_dir() {
            continue;
        }
        let account = sc.shared.store.account(root);
        let Ok(infos) = account.list() else { continue };
        let prefix = format!("~{}", short_name(me, other));
        let mut names: Vec<String> = Vec::new();
        for info in infos.iter().filter(|i| i.selectable) {
            if rights_in(&account, &info.name, &me.user, false).has(Right::Lookup) {
                names.push(info.name.clone());
            }
        }
        if names.is_empty() {
            continue;
        }
        let mut all: std::collections::BTreeMap<String, bool> = names.iter().map(|n| (n.clone(), true)).collect();
        for n in &names {
            let mut p = n.as_str();
            while let Some(i) = p.rfind('/') {
                p = &p[..i];
                all.entry(p.to_string()).or_insert(false);
            }
        }
        out.push(MailboxInfo { name: prefix.clone(), selectable: false, has_children: true, special_use: Vec::new() });
        let keys: Vec<String> = all.keys().cloned().collect();
        for (n, selectable) in &all {
            let child = format!("{n}/");
            out.push(MailboxInfo {
                name: format!("{prefix}/{n}"),
                selectable: *selectable,
                has_children: keys.iter().any(|k| k.starts_with(&child)),
                special_use: Vec::new(),
            });
        }
    }
    out
}

/// The aliases of the user whose targets are visible, as ordinary mailboxes.
pub fn alias_listing(sc: &Scope) -> Vec<MailboxInfo> {
    alias::read(sc.login.mail.root())
        .into_iter()
        .filter(|a| target(sc, &a.name).is_ok_and(|t| t.rights.has(Right::Lookup) && t.exists()))
        .map(|a| MailboxInfo { name: a.name, selectable: true, has_children: false, special_use: Vec::new() })
        .collect()
}

/// What LIST and LSUB show of a subscribed foreign name or alias: `None`
/// when it does not exist for the user.
pub fn info_of(sc: &Scope, display: &str) -> Option<MailboxInfo> {
    let t = target(sc, display).ok()?;
    if !t.rights.has(Right::Lookup) || !t.exists() {
        return None;
    }
    Some(MailboxInfo { name: display.to_string(), selectable: true, has_children: false, special_use: Vec::new() })
}

/// The quota of the logged-in account.
pub fn own_quota(sc: &Scope) -> AccountQuota {
    let user = sc.login;
    AccountQuota::of(&user.account, user.mail.root(), &sc.shared.config.quota)
}

#[cfg(test)]
#[path = "resolve_tests.rs"]
mod lookup_tests;

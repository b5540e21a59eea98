//! Account quotas (RFC 9208): where an account's limits come from, who may
//! read and change them, and the usage kept in Maildir++ `maildirsize`.
//!
//! Every account has one quota root, named `#` and the account name
//! (`#alice@example.org`: the CommuniGate manual's "#account" form), with
//! the resources STORAGE (in units of 1024 octets) and MESSAGE. The limits
//! are, first found wins: the sidecar file `tegami-quota` at the maildir
//! root (written by SETQUOTA), the passwd-file fields `quota_rule`,
//! `quota_rule2`, ... (also as `userdb_quota_rule`, Dovecot's syntax), and
//! the server's `--quota` default.

use std::path::{Path, PathBuf};

use crate::auth::passwd::Account;
use crate::store::atomic;
use crate::store::error::{Result, StoreError};
use crate::store::maildirsize::{self, Usage};
use crate::store::Snapshot;

pub use crate::store::maildirsize::Limits;

/// The sidecar file with the limits set by SETQUOTA.
pub const SIDECAR: &str = "tegami-quota";

/// Parses a size: a number with an optional unit `b k M G T` (any case);
/// a bare number is in `bare` units (Dovecot: KiB for storage, bytes for
/// bytes).
fn size(value: &str, bare: u64) -> std::result::Result<u64, String> {
    let v = value.trim();
    let split = v.find(|c: char| !c.is_ascii_digit()).unwrap_or(v.len());
    let (digits, unit) = v.split_at(split);
    let n: u64 = digits.parse().map_err(|_| format!("{value:?} is not a size"))?;
    let mult = match unit.to_ascii_lowercase().as_str() {
        "" => bare,
        "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        "t" | "tb" | "tib" => 1 << 40,
        _ => return Err(format!("{value:?}: unknown unit {unit:?} (use b, k, M, G or T)")),
    };
    n.checked_mul(mult).ok_or_else(|| format!("{value:?} is too large"))
}

/// Applies limit items (`storage=1G`, `bytes=N`, `messages=N`) separated
/// by `:`, `,` or spaces to `limits`. Zero means no limit (Dovecot).
fn apply_items(limits: &mut Limits, items: &str) -> std::result::Result<(), String> {
    for item in items.split([':', ',', ' ']).filter(|i| !i.is_empty()) {
        let (key, value) = item.split_once('=').ok_or_else(|| format!("{item:?}: expected key=value"))?;
        if value.starts_with(['+', '-']) || value.ends_with('%') {
            return Err(format!("{item:?}: relative limits apply to single mailboxes, which tegami does not have"));
        }
        let some = |n: u64| (n > 0).then_some(n);
        match key.to_ascii_lowercase().as_str() {
            "storage" => limits.bytes = some(size(value, 1024)?),
            "bytes" => limits.bytes = some(size(value, 1)?),
            "messages" | "message" => {
                limits.messages = some(value.parse().map_err(|_| format!("{item:?}: expected a number"))?)
            }
            "backend" => {}
            _ => return Err(format!("{item:?}: unknown limit (storage, bytes or messages)")),
        }
    }
    Ok(())
}

/// Parses one Dovecot quota rule `MAILBOX:LIMITS` onto `limits`. Only the
/// account-wide rules `*` and `?` apply; rules for one mailbox
/// (`Trash:storage=+100M`) are refused with a reason.
pub fn apply_rule(limits: &mut Limits, rule: &str) -> std::result::Result<(), String> {
    let (mailbox, items) = rule.split_once(':').ok_or_else(|| format!("{rule:?}: expected MAILBOX:LIMITS"))?;
    if mailbox != "*" && mailbox != "?" {
        return Err(format!("{rule:?}: per-mailbox rules are not supported, only * (the whole account)"));
    }
    if items.trim().eq_ignore_ascii_case("ignore") || items.trim().eq_ignore_ascii_case("noenforcing") {
        return Ok(());
    }
    apply_items(limits, items)
}

/// Parses `--quota`: `storage=1G,messages=50000` (sizes with b k M G T; a
/// bare storage number is in KiB as in Dovecot), or a Dovecot rule
/// `*:storage=1G`; `none` is no limit.
pub fn parse_flag(value: &str) -> std::result::Result<Limits, String> {
    let mut limits = Limits::default();
    let v = value.trim();
    if v.eq_ignore_ascii_case("none") {
        return Ok(limits);
    }
    match v.strip_prefix("*:").or_else(|| v.strip_prefix("?:")) {
        Some(items) => apply_items(&mut limits, items)?,
        None => apply_items(&mut limits, v)?,
    }
    Ok(limits)
}

/// The limits of the passwd-file fields `quota_rule`, `quota_rule2`, ...;
/// `None` when the account has no such field (a `quota_rule` replaces the
/// `--quota` default as a userdb field replaces Dovecot's setting). A rule
/// that cannot be used is logged and skipped.
pub fn rules_of(account: &Account) -> Option<Limits> {
    let mut limits = Limits::default();
    let mut found = false;
    let mut n = 1;
    loop {
        let key = if n == 1 { "quota_rule".to_string() } else { format!("quota_rule{n}") };
        let Some(rule) = account.extra_field(&key) else { break };
        found = true;
        if let Err(e) = apply_rule(&mut limits, rule) {
            log::warn!("passwd-file user {}: {key}: {e}", account.user);
        }
        n += 1;
    }
    found.then_some(limits)
}

/// Reads the sidecar at the maildir root; `None` when there is none.
pub fn read_sidecar(root: &Path) -> Option<Limits> {
    let text = atomic::read_to_string(&root.join(SIDECAR)).ok()?;
    let mut limits = Limits::default();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
        if let Err(e) = apply_items(&mut limits, line) {
            log::warn!("{}: {e}", root.join(SIDECAR).display());
        }
    }
    Some(limits)
}

/// Writes the sidecar atomically (tmp/, fsync, rename).
pub fn write_sidecar(root: &Path, limits: &Limits) -> Result<()> {
    let mut text = String::from("# Quota limits set by SETQUOTA; they take precedence over quota_rule.\n");
    text.push_str(&format!("bytes={}\nmessages={}\n", limits.bytes.unwrap_or(0), limits.messages.unwrap_or(0)));
    atomic::replace(&root.join(SIDECAR), text.as_bytes())
        .map_err(|e| StoreError::io(format!("writing {}", root.join(SIDECAR).display()), e))
}

/// What an account may do to other accounts' quotas (`tegami_admin=`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admin {
    /// Only its own quota, and only to read it.
    None,
    /// Every account of its own domain (`tegami_admin=domain`).
    Domain,
    /// Every account (`tegami_admin=server`).
    Server,
}

/// The administrator rights of an account.
pub fn admin_of(account: &Account) -> Admin {
    match account.extra_field("tegami_admin").map(str::to_ascii_lowercase).as_deref() {
        Some("server") => Admin::Server,
        Some("domain") => Admin::Domain,
        _ => Admin::None,
    }
}

/// Whether `admin` may read and set the quota of `target` (another
/// account, or itself for administrators).
pub fn may_manage(admin: &Account, target: &Account) -> bool {
    match admin_of(admin) {
        Admin::Server => true,
        Admin::Domain => match (admin.domain(), target.domain()) {
            (Some(a), Some(t)) => a.eq_ignore_ascii_case(t),
            _ => false,
        },
        Admin::None => false,
    }
}

/// The quota root name of an account.
pub fn root_name(account: &Account) -> String {
    format!("#{}", account.user)
}

/// One account's quota: its maildir and limits, and the usage bookkeeping.
pub struct AccountQuota {
    /// The maildir root.
    pub root: PathBuf,
    /// The limits in force.
    pub limits: Limits,
}

impl AccountQuota {
    /// The quota of `account`, whose maildir is `root`, with the server
    /// default `default`.
    pub fn of(account: &Account, root: &Path, default: &Limits) -> AccountQuota {
        let limits = read_sidecar(root).or_else(|| rules_of(account)).unwrap_or(*default);
        AccountQuota { root: root.to_path_buf(), limits }
    }

    /// The usage now (the file rebuilt first when it is out of date).
    pub fn usage(&self) -> Result<Usage> {
        if !self.root.join("cur").is_dir() || self.limits == Limits::default() {
            // Nothing to count against: QUOTA lists no resource then.
            // (An account that never logged in holds nothing yet.)
            return Ok(Usage::default());
        }
        maildirsize::usage(&self.root, &self.limits)
    }

    /// `OVERQUOTA` unless `messages` more messages of `bytes` octets fit.
    /// Unlimited accounts read nothing.
    pub fn check(&self, bytes: u64, messages: u64) -> Result<()> {
        if self.limits == Limits::default() {
            return Ok(());
        }
        let more = Usage { bytes: bytes as i64, messages: messages as i64 };
        if self.usage()?.fits(more, &self.limits) {
            Ok(())
        } else {
            Err(StoreError::OverQuota)
        }
    }

    /// Records stored (positive) or removed (negative) messages. A failure
    /// is logged, never fatal: the next check rebuilds the file.
    pub fn record(&self, bytes: i64, messages: i64) {
        let delta = Usage { bytes, messages };
        if let Err(e) = maildirsize::add(&self.root, &self.limits, delta) {
            log::warn!("quota of {}: {e}", self.root.display());
        }
    }

    /// Records the removal of `removed` UIDs whose sizes `before` knew; a
    /// UID it did not know makes the file count again.
    pub fn record_removed(&self, before: &Snapshot, removed: &[u32]) {
        let mut bytes = 0i64;
        for uid in removed {
            match before.find(*uid) {
                Some(e) => bytes += e.size as i64,
                None => return self.recount(),
            }
        }
        self.record(-bytes, -(removed.len() as i64));
    }

    /// Counts the maildir again (after DELETE of a mailbox, or limits
    /// changed); an unlimited account without the file is left without.
    pub fn recount(&self) {
        if self.limits == Limits::default() && !self.root.join(maildirsize::FILE).exists() {
            return;
        }
        if let Err(e) = maildirsize::rebuild(&self.root, &self.limits) {
            log::warn!("quota of {}: {e}", self.root.display());
        }
    }
}

/// A STORAGE value in the protocol's units of 1024 octets, rounded up.
pub fn kib(bytes: i64) -> u64 {
    (bytes.max(0) as u64).div_ceil(1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dovecot_rules() {
        let mut l = Limits::default();
        apply_rule(&mut l, "*:storage=1G").unwrap();
        apply_rule(&mut l, "*:messages=50000").unwrap();
        assert_eq!(l, Limits { bytes: Some(1 << 30), messages: Some(50000) });
        apply_rule(&mut l, "*:storage=100").unwrap();
        assert_eq!(l.bytes, Some(100 * 1024), "a bare storage number is KiB");
        apply_rule(&mut l, "*:bytes=100:messages=0").unwrap();
        assert_eq!(l, Limits { bytes: Some(100), messages: None });
        assert!(apply_rule(&mut l, "Trash:storage=+100M").is_err());
        assert!(apply_rule(&mut l, "*:storage=1Q").is_err());
        assert!(apply_rule(&mut l, "storage=1G").is_err());
    }

    #[test]
    fn the_flag_reads_like_the_rules() {
        assert_eq!(
            parse_flag("storage=1G,messages=50000").unwrap(),
            Limits { bytes: Some(1 << 30), messages: Some(50000) }
        );
        assert_eq!(parse_flag("*:storage=100M").unwrap(), Limits { bytes: Some(100 << 20), messages: None });
        assert_eq!(parse_flag("none").unwrap(), Limits::default());
        assert!(parse_flag("storage=lots").is_err());
        assert!(parse_flag("disk=1G").is_err());
    }

    #[test]
    fn administrators_reach_their_domain_or_everything() {
        let db = crate::auth::PasswdDb::parse(
            "d@a.org:{PLAIN}x::::/h::tegami_admin=domain\n\
             s@z.net:{PLAIN}x::::/h::userdb_tegami_admin=server\n\
             u@a.org:{PLAIN}x::::/h::userdb_quota_rule=*:storage=1M userdb_quota_rule2=*:messages=7\n\
             v@b.org:{PLAIN}x::::/h::\n\
             nodomain:{PLAIN}x::::/h::tegami_admin=domain\n",
        )
        .unwrap();
        let get = |n: &str| db.lookup(n).unwrap();
        let (d, s, u, v, n) = (get("d@a.org"), get("s@z.net"), get("u@a.org"), get("v@b.org"), get("nodomain"));
        assert_eq!((admin_of(d), admin_of(s), admin_of(u)), (Admin::Domain, Admin::Server, Admin::None));
        assert!(may_manage(d, u) && may_manage(d, d) && !may_manage(d, v) && !may_manage(d, s));
        assert!(may_manage(s, u) && may_manage(s, v) && may_manage(s, d));
        assert!(!may_manage(u, u) && !may_manage(u, v));
        assert!(!may_manage(n, u), "a domain administrator without a domain has none");
        assert_eq!(rules_of(u), Some(Limits { bytes: Some(1 << 20), messages: Some(7) }));
        assert_eq!(rules_of(v), None);
        assert_eq!(root_name(u), "#u@a.org");
    }

    #[test]
    fn storage_rounds_up_to_kib() {
        assert_eq!(kib(0), 0);
        assert_eq!(kib(1), 1);
        assert_eq!(kib(1024), 1);
        assert_eq!(kib(1025), 2);
        assert_eq!(kib(-5), 0);
    }
}

//! Dovecot's passwd-file: `user[@domain]:password:uid:gid:gecos:home:shell:extra_fields`.
//!
//! Fields after the password are optional. Blank lines and lines starting
//! with `#` are ignored. The extra fields are space-separated `key=value`
//! pairs (a bare `key` has an empty value); they may contain `:` themselves,
//! so everything after the seventh `:` belongs to them.
//!
//! As in Dovecot, a line that does not parse is skipped (its number is
//! logged) and the rest of the file stays in force. The passdb fields that
//! restrict a login (`nologin`, `fail`, `allow_nets`, ...) are read into a
//! [`LoginPolicy`]; fields tegami does not know are logged once and ignored.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::hash::StoredPassword;
use super::policy::LoginPolicy;
use super::{AccountLookup, AuthError};

/// One account of the passwd-file.
#[derive(Debug, Clone)]
pub struct Account {
    /// The user name as written in the file, `local` or `local@domain`.
    pub user: String,
    /// Numeric uid, if given.
    pub uid: Option<u32>,
    /// Numeric gid, if given.
    pub gid: Option<u32>,
    /// Home directory, if given.
    pub home: Option<PathBuf>,
    /// Extra fields in file order, keys as written (e.g. `userdb_mail`).
    pub extra: Vec<(String, String)>,
    /// What the passdb extra fields say about logging in.
    pub policy: LoginPolicy,
    password: Option<Result<StoredPassword, String>>,
}

impl Account {
    /// The part before the last `@` (the whole name if there is none).
    pub fn local_part(&self) -> &str {
        split_user(&self.user).0
    }

    /// The part after the last `@`, if any.
    pub fn domain(&self) -> Option<&str> {
        split_user(&self.user).1
    }

    /// The value of extra field `key`, also found as `userdb_key` (keys case-insensitive).
    pub fn extra_field(&self, key: &str) -> Option<&str> {
        self.extra.iter().find_map(|(k, v)| {
            let bare = strip_prefix_ci(k, "userdb_").unwrap_or(k);
            bare.eq_ignore_ascii_case(key).then_some(v.as_str())
        })
    }

    /// Whether the account has the extra field `key` (e.g. `nologin`, `proxy`).
    pub fn has_extra_field(&self, key: &str) -> bool {
        self.extra_field(key).is_some()
    }

    /// Checks a password; false for a wrong one, a missing one or an unusable stored hash.
    ///
    /// An empty password never matches, nor does anything against an empty
    /// stored secret (`user::...` or `user:{PLAIN}:...`); Dovecot's
    /// `nopassword` field is the one way to let an account in without one.
    pub fn verify(&self, password: &[u8]) -> bool {
        if self.policy.nopassword && self.password.is_none() {
            return true;
        }
        if password.is_empty() {
            return false;
        }
        match &self.password {
            Some(Ok(stored)) if stored.is_empty() => false,
            Some(Ok(stored)) => match stored.verify(password) {
                Ok(ok) => ok,
                Err(e) => {
                    log::warn!("passwd-file user {}: {}", self.user, e);
                    false
                }
            },
            Some(Err(problem)) => {
                log::warn!("passwd-file user {}: {}", self.user, problem);
                false
            }
            None => false,
        }
    }

    /// The stored password, if the entry has a usable (and non-empty) one.
    pub fn stored_password(&self) -> Option<&StoredPassword> {
        self.password.as_ref().and_then(|p| p.as_ref().ok()).filter(|p| !p.is_empty())
    }

    /// The cleartext password when stored as `PLAIN`/`CLEAR` (CRAM-MD5, SCRAM need it);
    /// never an empty one.
    pub fn plaintext_password(&self) -> Option<Vec<u8>> {
        self.stored_password().and_then(StoredPassword::plaintext).filter(|p| !p.is_empty())
    }

    /// The scheme the password is stored in, for log lines (`none` without one).
    pub fn scheme_name(&self) -> String {
        match &self.password {
            Some(Ok(p)) if !p.is_empty() => format!("{{{}}}", p.scheme()),
            Some(Ok(_)) | None => "an empty password".into(),
            Some(Err(_)) => "an unusable password".into(),
        }
    }

    /// The maildir path as [`Account::maildir`] gives it, refused unless it
    /// is absolute and fully expanded (no `%` or `~` left): a relative path
    /// would land in the server's working directory, shared by every such
    /// account. The error says why, for the log.
    pub fn checked_maildir(&self, template: &str) -> Result<PathBuf, String> {
        let path = self.maildir(template);
        let text = path.to_string_lossy();
        let why = if text.contains('%') || text.contains('~') {
            "still holds % or ~ after expansion"
        } else if !path.is_absolute() {
            "is not an absolute path"
        } else {
            return Ok(path);
        };
        let hint = if self.home.is_none() { " (the account has no home in the passwd-file)" } else { "" };
        Err(format!("maildir {:?} of {} {why}{hint}", text, self.user))
    }

    /// The maildir path: the `mail`/`userdb_mail` extra field if it names a
    /// maildir, else `template`, with `%u %n %d %h %%` expanded and `~/` made
    /// relative to home.
    ///
    /// A `maildir:` prefix and `:KEY=value` options (`:LAYOUT=fs`, ...) are
    /// stripped. Without a home, `~` and `%h` stay as written.
    pub fn maildir(&self, template: &str) -> PathBuf {
        let location = self.extra_field("mail").filter(|v| v.starts_with("maildir:")).unwrap_or(template);
        let location = location.strip_prefix("maildir:").unwrap_or(location);
        // Options follow the path as ":KEY=value"; a ':' inside a path is kept.
        let path = match location.find(":") {
            Some(i) if location[i + 1..].contains('=') => &location[..i],
            _ => location,
        };
        let expanded = self.expand(path);
        match (expanded.strip_prefix("~/"), &self.home) {
            (Some(rest), Some(home)) => home.join(rest),
            _ if expanded == "~" && self.home.is_some() => self.home.clone().unwrap_or_default(),
            _ => PathBuf::from(expanded),
        }
    }

    /// Expands Dovecot's `%u %n %d %h %%` (and `%{user}` etc.) variables.
    pub fn expand(&self, template: &str) -> String {
        let home = self.home.as_ref().map(|h| h.to_string_lossy().into_owned());
        let mut out = String::with_capacity(template.len() + 32);
        let mut rest = template;
        while let Some(i) = rest.find('%') {
            out.push_str(&rest[..i]);
            rest = &rest[i + 1..];
            let (var, len) = if let Some(inner) = rest.strip_prefix('{') {
                match inner.find('}') {
                    Some(end) => (&inner[..end], end + 2),
                    None => ("", 0),
                }
            } else {
                match rest.chars().next() {
                    Some(c) => (&rest[..c.len_utf8()], c.len_utf8()),
                    None => ("", 0),
                }
            };
            let value = match var {
                "u" | "user" => Some(self.user.as_str()),
                "n" | "username" => Some(self.local_part()),
                "d" | "domain" => Some(self.domain().unwrap_or("")),
                "h" | "home" => home.as_deref(),
                "%" => Some("%"),
                _ => None,
            };
            match value {
                Some(v) => out.push_str(v),
                // Unknown variables (and %h without a home) stay as written.
                None => {
                    out.push('%');
                    out.push_str(&rest[..len]);
                }
            }
            rest = &rest[len..];
        }
        out.push_str(rest);
        out
    }
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then(|| &s[prefix.len()..])
}

/// `(local, domain)` split at the last `@`.
fn split_user(user: &str) -> (&str, Option<&str>) {
    match user.rsplit_once('@') {
        Some((local, domain)) => (local, Some(domain)),
        None => (user, None),
    }
}

/// The lookup key: local part exact, domain lower-cased.
fn user_key(user: &str) -> String {
    match split_user(user) {
        (local, Some(domain)) => format!("{local}@{}", domain.to_ascii_lowercase()),
        (local, None) => local.to_string(),
    }
}

/// Whether two login names denote the same account (domain case-insensitive).
pub fn same_user(a: &str, b: &str) -> bool {
    user_key(a) == user_key(b)
}

/// What identifies one version of a file on disk: mtime, size and inode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileStamp {
    modified: Option<SystemTime>,
    len: u64,
    #[cfg(unix)]
    inode: u64,
}

impl FileStamp {
    /// The stamp of the file at `path` (one `stat`).
    pub fn of(path: &Path) -> Result<FileStamp, AuthError> {
        let meta = fs::metadata(path).map_err(|error| AuthError::Io { path: path.to_path_buf(), error })?;
        Ok(FileStamp {
            modified: meta.modified().ok(),
            len: meta.len(),
            #[cfg(unix)]
            inode: std::os::unix::fs::MetadataExt::ino(&meta),
        })
    }
}

/// The accounts of one passwd-file.
#[derive(Debug, Clone, Default)]
pub struct PasswdDb {
    accounts: Vec<Account>,
    index: HashMap<String, usize>,
    warnings: Vec<String>,
    skipped: Vec<usize>,
    path: Option<PathBuf>,
    stamp: Option<FileStamp>,
}

impl PasswdDb {
    /// Reads and parses the passwd-file at `path`.
    pub fn load(path: impl AsRef<Path>) -> Result<PasswdDb, AuthError> {
        let path = path.as_ref();
        let stamp = FileStamp::of(path)?;
        let bytes = fs::read(path).map_err(|error| AuthError::Io { path: path.to_path_buf(), error })?;
        let mut db = PasswdDb::parse_bytes(&bytes)?;
        for w in &db.warnings {
            log::warn!("{}: {}", path.display(), w);
        }
        db.path = Some(path.to_path_buf());
        db.stamp = Some(stamp);
        Ok(db)
    }

    /// Re-reads the file if its mtime, size or inode changed; true if it did.
    ///
    /// A file that cannot be read any more leaves no account behind (an
    /// account removed from the file must never keep working).
    pub fn reload_if_changed(&mut self) -> Result<bool, AuthError> {
        let Some(path) = self.path.clone() else {
            return Ok(false);
        };
        let stamp = FileStamp::of(&path);
        if stamp.as_ref().ok() == self.stamp.as_ref() {
            return Ok(false);
        }
        match PasswdDb::load(&path) {
            Ok(db) => *self = db,
            Err(e) => {
                *self = PasswdDb { path: Some(path), ..PasswdDb::default() };
                return Err(e);
            }
        }
        Ok(true)
    }

    /// The stamp of the file as it was when loaded.
    pub fn stamp(&self) -> Option<&FileStamp> {
        self.stamp.as_ref()
    }

    /// Parses passwd-file text (for tests and for callers that read the file themselves).
    pub fn parse(text: &str) -> Result<PasswdDb, AuthError> {
        PasswdDb::parse_bytes(text.as_bytes())
    }

    /// Parses the file's bytes. Lines that do not parse are skipped and
    /// listed in [`PasswdDb::warnings`] and [`PasswdDb::skipped`]; the other
    /// lines stay in force, as in Dovecot.
    pub(crate) fn parse_bytes(bytes: &[u8]) -> Result<PasswdDb, AuthError> {
        let mut db = PasswdDb::default();
        for (i, raw) in bytes.split(|&b| b == b'\n').enumerate() {
            let line_no = i + 1;
            let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
            let Ok(line) = std::str::from_utf8(raw) else {
                db.skip(AuthError::Parse { line: line_no, message: "not valid UTF-8".into() });
                continue;
            };
            if line.trim().is_empty() || line.trim_start().starts_with('#') {
                continue;
            }
            let account = match parse_line(line) {
                Ok(a) => a,
                Err(message) => {
                    db.skip(AuthError::Parse { line: line_no, message });
                    continue;
                }
            };
            for w in &account.policy.problems {
                db.warnings.push(format!("line {line_no}: user {}: {w}", account.user));
            }
            if let Some(Err(problem)) = &account.password {
                db.warnings.push(format!("line {line_no}: user {}: {problem}", account.user));
            }
            let key = user_key(&account.user);
            if db.index.contains_key(&key) {
                db.warnings.push(format!("line {line_no}: user {} listed again, first entry kept", account.user));
                continue;
            }
            db.index.insert(key, db.accounts.len());
            db.accounts.push(account);
        }
        Ok(db)
    }

    fn skip(&mut self, error: AuthError) {
        self.warnings.push(format!("{error}: line skipped"));
        if let AuthError::Parse { line, .. } = error {
            self.skipped.push(line);
        }
    }

    /// The numbers of the lines that did not parse and were skipped.
    pub fn skipped(&self) -> &[usize] {
        &self.skipped
    }

    /// The account named `user`: exact local part, case-insensitive domain.
    pub fn lookup(&self, user: &str) -> Option<&Account> {
        self.index.get(&user_key(user)).map(|&i| &self.accounts[i])
    }

    /// All accounts in file order.
    pub fn accounts(&self) -> &[Account] {
        &self.accounts
    }

    /// Problems that did not stop loading (unknown schemes, duplicate users), with line numbers.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// The file this db was loaded from, if any.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }
}

impl AccountLookup for PasswdDb {
    fn lookup_account(&self, user: &str) -> Option<&Account> {
        self.lookup(user)
    }
}

fn parse_id(field: &str, what: &str) -> Result<Option<u32>, String> {
    if field.is_empty() {
        return Ok(None);
    }
    field.parse().map(Some).map_err(|_| format!("{what} {field:?} is not a number"))
}

fn parse_line(line: &str) -> Result<Account, String> {
    let mut fields = line.splitn(8, ':');
    let user = fields.next().unwrap_or_default();
    if user.is_empty() {
        return Err("empty user name".into());
    }
    if user.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("user name {user:?} contains blanks"));
    }
    if let (_, Some("")) | ("", _) = split_user(user) {
        return Err(format!("user name {user:?} has an empty local part or domain"));
    }
    let password = match fields.next() {
        None | Some("") => None,
        Some(p) => Some(StoredPassword::parse(p).map_err(|e| e.to_string())),
    };
    let uid = parse_id(fields.next().unwrap_or_default(), "uid")?;
    let gid = parse_id(fields.next().unwrap_or_default(), "gid")?;
    let _gecos = fields.next();
    let home = fields.next().filter(|h| !h.is_empty()).map(PathBuf::from);
    let _shell = fields.next();
    let extra: Vec<(String, String)> = fields
        .next()
        .unwrap_or_default()
        .split_ascii_whitespace()
        .map(|kv| match kv.split_once('=') {
            Some((k, v)) => (k.to_string(), v.to_string()),
            None => (kv.to_string(), String::new()),
        })
        .collect();
    let policy = LoginPolicy::from_fields(&extra);
    let mut account = Account { user: user.to_string(), uid, gid, home, extra, policy, password };
    // userdb_home / userdb_uid / userdb_gid override the columns, as in Dovecot.
    if let Some(h) = account.extra_field("home").filter(|h| !h.is_empty()) {
        account.home = Some(PathBuf::from(h));
    }
    if let Some(uid) = account.extra_field("uid") {
        account.uid = parse_id(uid, "uid")?;
    }
    if let Some(gid) = account.extra_field("gid") {
        account.gid = parse_id(gid, "gid")?;
    }
    Ok(account)
}

#[cfg(test)]
#[path = "passwd_tests.rs"]
mod tests;

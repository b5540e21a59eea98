//! The accounts as logins see them: the passwd-file and the router file,
//! each re-read when its stamp changes, user names put in one form by the
//! username format, router aliases resolved, and the decision taken once a
//! password has checked out.
//!
//! A login takes a snapshot ([`Accounts`], a few `Arc`s) after one `stat`
//! per file and a read lock held for a pointer copy; hashes are verified on
//! the snapshot outside any lock. Only a changed file takes the write lock,
//! to swap in the new version.

use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use parking_lot::{Mutex, RwLock};

use super::hash::StoredPassword;
use super::passwd::{Account, FileStamp, PasswdDb};
use super::policy::Verdict;
use super::referral::{self, Router};
use super::{AccountLookup, AuthError};

/// Dovecot's `auth_username_format`: `%u` the whole name, `%n` the local
/// part, `%d` the domain, each optionally with `L` (lower case) or `U`
/// (upper case): `%Lu` (the default) lower-cases the whole name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsernameFormat(String);

impl Default for UsernameFormat {
    fn default() -> Self {
        UsernameFormat("%Lu".into())
    }
}

impl UsernameFormat {
    /// Checks a `--username-format` value: it must use `%u` or `%n`.
    pub fn parse(s: &str) -> Result<UsernameFormat, String> {
        let f = UsernameFormat(s.to_string());
        let probe = f.apply("Probe@Example");
        if probe.to_ascii_lowercase().contains("probe") {
            Ok(f)
        } else {
            Err(format!("--username-format {s}: must contain %u or %n (e.g. %Lu, %Ln@%Ld, %u)"))
        }
    }

    /// The name `login` in this format.
    pub fn apply(&self, login: &str) -> String {
        let (local, domain) = match login.rsplit_once('@') {
            Some((l, d)) => (l, d),
            None => (login, ""),
        };
        let mut out = String::with_capacity(login.len());
        let mut rest = self.0.as_str();
        while let Some(i) = rest.find('%') {
            out.push_str(&rest[..i]);
            let spec = &rest[i + 1..];
            let mods = spec.bytes().take_while(|b| matches!(b, b'L' | b'U')).count();
            let (case, after) = (spec[..mods].chars().last(), &spec[mods..]);
            let (var, len) = match after.strip_prefix('{') {
                Some(inner) => match inner.find('}') {
                    Some(end) => (&inner[..end], end + 2),
                    None => ("", 0),
                },
                None => match after.chars().next() {
                    Some(c) => (&after[..c.len_utf8()], c.len_utf8()),
                    None => ("", 0),
                },
            };
            let value = match var {
                "u" | "user" => Some(login),
                "n" | "username" => Some(local),
                "d" | "domain" => Some(domain),
                "%" if mods == 0 => Some("%"),
                _ => None,
            };
            match (value, case) {
                (Some(v), Some('L')) => out.push_str(&v.to_lowercase()),
                (Some(v), Some('U')) => out.push_str(&v.to_uppercase()),
                (Some(v), _) => out.push_str(v),
                (None, _) => out.push_str(&rest[i..i + 1 + mods + len]),
            }
            rest = &spec[mods + len..];
        }
        out.push_str(rest);
        // `%n@%d` for a name without a domain leaves a trailing `@`.
        out.strip_suffix('@').map(str::to_string).unwrap_or(out)
    }
}

/// How a watched file is read.
type Loader<T> = Box<dyn Fn(&Path) -> Result<T, AuthError> + Send + Sync>;

/// A file re-read when its stamp changes.
struct Watched<T> {
    path: PathBuf,
    what: &'static str,
    load: Loader<T>,
    current: RwLock<(Option<FileStamp>, Arc<T>)>,
    reloading: Mutex<()>,
}

impl<T: Default> Watched<T> {
    fn new(path: &Path, what: &'static str, load: Loader<T>) -> Result<Watched<T>, AuthError> {
        let stamp = FileStamp::of(path)?;
        let first = load(path)?;
        Ok(Watched {
            path: path.to_path_buf(),
            what,
            load,
            current: RwLock::new((Some(stamp), Arc::new(first))),
            reloading: Mutex::new(()),
        })
    }

    fn get(&self) -> Arc<T> {
        // The file is root's to read, not the account's a session serves.
        let _root = super::identity::as_root();
        let stamp = FileStamp::of(&self.path).ok();
        {
            let cur = self.current.read();
            if cur.0 == stamp {
                return cur.1.clone();
            }
        }
        // One session reloads; the others wait here and then see its result.
        let _one = self.reloading.lock();
        {
            let cur = self.current.read();
            if cur.0 == stamp {
                return cur.1.clone();
            }
        }
        let value = match (self.load)(&self.path) {
            Ok(v) => {
                log::error!("{} {} reloaded", self.what, self.path.display());
                v
            }
            // Never keep the old accounts: one removed from the file must stop working.
            Err(e) => {
                log::warn!("{} not readable, nobody can log in until it is: {e}", self.what);
                T::default()
            }
        };
        let value = Arc::new(value);
        *self.current.write() = (stamp, value.clone());
        value
    }
}

/// The account sources of a server.
pub struct Directory {
    passwd: Watched<PasswdDb>,
    router: Option<Watched<Router>>,
    format: Arc<UsernameFormat>,
}

impl Directory {
    /// Loads the passwd-file (and the router file, when given).
    pub fn open(passwd: &Path, router: Option<&Path>, format: UsernameFormat) -> Result<Directory, String> {
        let show = |p: &Path, e: AuthError| format!("{}: {e}", p.display());
        let passwd =
            Watched::new(passwd, "passwd-file", Box::new(|p| PasswdDb::load(p))).map_err(|e| show(passwd, e))?;
        let format = Arc::new(format);
        let router = match router {
            None => None,
            Some(path) => {
                let f = format.clone();
                let load = Box::new(move |p: &Path| Router::load(p, &|n| f.apply(n)));
                Some(Watched::new(path, "router file", load).map_err(|e| show(path, e))?)
            }
        };
        Ok(Directory { passwd, router, format })
    }

    /// The accounts as they are now (files re-read first if they changed).
    pub fn snapshot(&self) -> Accounts {
        Accounts { db: self.passwd.get(), router: self.router.as_ref().map(Watched::get), format: self.format.clone() }
    }
}

/// One consistent view of the accounts, for one login.
#[derive(Clone)]
pub struct Accounts {
    /// The passwd-file.
    pub db: Arc<PasswdDb>,
    /// The router records, when a router file is configured.
    pub router: Option<Arc<Router>>,
    format: Arc<UsernameFormat>,
}

impl Accounts {
    /// A view of `db` alone (tests, tools).
    pub fn of(db: PasswdDb, router: Option<Router>, format: UsernameFormat) -> Accounts {
        Accounts { db: Arc::new(db), router: router.map(Arc::new), format: Arc::new(format) }
    }

    /// The login name in the username format.
    pub fn normalize(&self, login: &str) -> String {
        self.format.apply(login)
    }

    /// The account a login name logs in to: a router alias to a local
    /// account is followed, otherwise the name itself.
    pub fn resolve(&self, login: &str) -> Option<&Account> {
        let name = self.normalize(login);
        if let Some(target) = self.router.as_ref().and_then(|r| r.target(&name)) {
            if let Some(a) = self.db.lookup(&self.normalize(target)) {
                return Some(a);
            }
        }
        self.db.lookup(&name)
    }

    /// The referral for a login name that has only a router record to a
    /// remote address and no passwd-file entry (an account that moved
    /// away): there is no password to check, so it is answered at once.
    /// A name with a local entry gets `None`: its password comes first.
    pub fn moved_away(&self, login: &str) -> Option<Verdict> {
        if self.resolve(login).is_some() {
            return None;
        }
        let name = self.normalize(login);
        let target = self.router.as_ref()?.target(&name)?;
        let (user, host) = referral::remote_parts(target)?;
        Some(Verdict::Refer {
            url: referral::url(user, host, None),
            text: referral::MOVED.into(),
            why: format!("router record <{name}> = {target}, no passwd-file entry"),
        })
    }

    /// What to do with `account`, whose password has checked out, for a
    /// client at `peer`: the passdb fields first, then the router.
    pub fn verdict(&self, account: &Account, peer: IpAddr) -> Verdict {
        let v = account.policy.verdict(&account.user, peer);
        if v != Verdict::Admit {
            return v;
        }
        let name = self.normalize(&account.user);
        if let Some(target) = self.router.as_ref().and_then(|r| r.target(&name)) {
            let local = self.db.lookup(&self.normalize(target));
            if local.is_none() {
                if let Some((user, host)) = referral::remote_parts(target) {
                    return Verdict::Refer {
                        url: referral::url(user, host, None),
                        text: referral::MOVED.into(),
                        why: format!("router record <{name}> = {target}"),
                    };
                }
            }
        }
        Verdict::Admit
    }
}

impl AccountLookup for Accounts {
    fn lookup_account(&self, user: &str) -> Option<&Account> {
        self.resolve(user)
    }
}

/// Spends the time of a SHA512-CRYPT verification (the common scheme) on
/// a made-up hash, so that an unknown user costs what a known one does.
pub fn dummy_verify(password: &[u8]) {
    static DUMMY: OnceLock<Option<StoredPassword>> = OnceLock::new();
    let dummy = DUMMY.get_or_init(|| {
        let mut secret = [0u8; 18];
        let _ = super::random_bytes(&mut secret);
        super::hash_password("SHA512-CRYPT", &secret).ok().and_then(|h| StoredPassword::parse(&h).ok())
    });
    if let Some(d) = dummy {
        let _ = d.verify(password);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn username_formats() {
        let f = |fmt: &str, name: &str| UsernameFormat::parse(fmt).unwrap().apply(name);
        assert_eq!(f("%Lu", "Alice@Example.ORG"), "alice@example.org");
        assert_eq!(f("%u", "Alice"), "Alice");
        assert_eq!(f("%Ln@%d", "Alice@Example.ORG"), "alice@Example.ORG");
        assert_eq!(f("%Ln@%Ld", "Bob"), "bob");
        assert_eq!(f("%Un", "bob@x"), "BOB");
        assert_eq!(f("%{user}%%", "a"), "a%");
        assert_eq!(f("%Lu%x", "A"), "a%x");
        assert_eq!(f("%Lu%\u{e9}%", "\u{c9}"), "\u{e9}%\u{e9}%", "non-ASCII after % is kept, never split");
        assert!(UsernameFormat::parse("fixed").is_err());
        assert!(UsernameFormat::parse("%d").is_err());
    }

    #[test]
    fn aliases_and_remote_routes() {
        let db = PasswdDb::parse("john:{PLAIN}pw\nj.smith:{PLAIN}pw2\n").unwrap();
        let lower = |s: &str| s.to_ascii_lowercase();
        let router = Router::parse("<js> = John\n<j.smith> = John@othercompany.com\n<ghost> = nobody\n", &lower);
        let a = Accounts::of(db, Some(router), UsernameFormat::default());
        assert_eq!(a.resolve("JS").unwrap().user, "john");
        assert_eq!(a.resolve("John").unwrap().user, "john");
        let js = a.resolve("j.smith").unwrap();
        assert_eq!(js.user, "j.smith");
        let peer: IpAddr = "127.0.0.1".parse().unwrap();
        match a.verdict(js, peer) {
            Verdict::Refer { url, .. } => assert_eq!(url, "IMAP://John;AUTH=*@othercompany.com/"),
            other => panic!("{other:?}"),
        }
        assert_eq!(a.verdict(a.resolve("js").unwrap(), peer), Verdict::Admit);
        assert!(a.resolve("ghost").is_none());
        assert_eq!(a.moved_away("j.smith"), None, "a local entry: the password first");
        assert_eq!(a.moved_away("js"), None, "an alias");
        assert_eq!(a.moved_away("ghost"), None, "a target without a host");
        assert_eq!(a.moved_away("nobody"), None);
    }

    #[test]
    fn a_router_record_alone_refers_at_once() {
        let db = PasswdDb::parse("john:{PLAIN}pw\n").unwrap();
        let lower = |s: &str| s.to_ascii_lowercase();
        let router = Router::parse("<j.smith> = John@othercompany.com\n", &lower);
        let a = Accounts::of(db, Some(router), UsernameFormat::default());
        match a.moved_away("J.Smith") {
            Some(Verdict::Refer { url, .. }) => assert_eq!(url, "IMAP://John;AUTH=*@othercompany.com/"),
            other => panic!("{other:?}"),
        }
        assert!(a.resolve("j.smith").is_none());
    }

    #[test]
    fn reload_drops_removed_accounts_and_skips_bad_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("passwd");
        std::fs::write(&path, "a:{PLAIN}one\nb:{PLAIN}two\n").unwrap();
        let d = Directory::open(&path, None, UsernameFormat::default()).unwrap();
        assert!(d.snapshot().resolve("b").is_some());
        std::fs::write(&path, "a:{PLAIN}one:bad-uid\nc:{PLAIN}three\n").unwrap();
        let s = d.snapshot();
        assert!(s.resolve("b").is_none(), "removed");
        assert!(s.resolve("a").is_none(), "broken line skipped");
        assert!(s.resolve("c").is_some(), "the rest stays in force");
        std::fs::remove_file(&path).unwrap();
        assert!(d.snapshot().resolve("c").is_none(), "an unreadable file leaves nobody in");
    }
}

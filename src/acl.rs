//! Access control lists (RFC 4314, accepting RFC 2086's `c` and `d`),
//! stored per mailbox in Dovecot's `dovecot-acl` sidecar file, so that
//! Dovecot and tegami read the same rights.
//!
//! The file sits in the mailbox directory (the maildir root for INBOX) and
//! holds one `identifier rights` line per entry: `owner`, `user=NAME`,
//! `anyone` (or `anonymous`), `authenticated`, each possibly negated with a
//! leading `-`. `group=` and `group-override=` lines are kept as they are
//! but grant nothing here (tegami has no groups; the log says so).
//!
//! Evaluation follows Dovecot's precedence: the `user=` entry of the user,
//! if any, decides; else, for the owner, the `owner` entry; else the union
//! of `authenticated` and `anyone`. Negative entries that apply are then
//! taken away. Without a file the owner holds every right and everybody
//! else none (the global default). The owner always keeps `l` and `a`, so
//! an owner cannot lock themselves out of their own mailbox.

use std::fmt;
use std::io;
use std::path::Path;

/// The sidecar file in each mailbox directory.
pub const FILE: &str = "dovecot-acl";

/// The rights in RFC 4314's order, as LISTRIGHTS and GETACL show them.
const LETTERS: &[u8] = b"lrswipkxtea";
/// The order Dovecot writes rights in its files (`doveadm acl set`).
const DOVECOT_ORDER: &[u8] = b"akxeilprwts";

/// One right of RFC 4314 section 2.1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Right {
    /// `l`: the mailbox is visible (LIST, and it exists at all).
    Lookup,
    /// `r`: SELECT, EXAMINE, FETCH, SEARCH, STATUS, COPY from.
    Read,
    /// `s`: keep `\Seen`.
    Seen,
    /// `w`: flags other than `\Seen` and `\Deleted`.
    Write,
    /// `i`: APPEND and COPY into.
    Insert,
    /// `p`: posting to the mailbox's address (nothing in IMAP).
    Post,
    /// `k`: CREATE below, RENAME into.
    Create,
    /// `x`: DELETE, RENAME away.
    Delete,
    /// `t`: set or clear `\Deleted`.
    DeleteMessages,
    /// `e`: EXPUNGE.
    Expunge,
    /// `a`: administer (SETACL, DELETEACL, GETACL, LISTRIGHTS).
    Admin,
}

impl Right {
    fn bit(self) -> u16 {
        1 << (self as u16)
    }

    /// The right's letter.
    pub fn letter(self) -> char {
        LETTERS[self as usize] as char
    }
}

/// A set of rights.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Rights(u16);

/// Why a rights string or identifier was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid(pub String);

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Rights {
    /// No rights.
    pub const NONE: Rights = Rights(0);
    /// Every right.
    pub const ALL: Rights = Rights((1 << 11) - 1);

    /// Parses rights letters; `c` stands for `k` and `x`, `d` for `x`,
    /// `t` and `e` (RFC 4314 2.1.1). Unknown letters are refused.
    pub fn parse(text: &str) -> Result<Rights, Invalid> {
        let mut r = Rights::NONE;
        for c in text.chars() {
            match c {
                'c' => r = r.with(Right::Create).with(Right::Delete),
                'd' => r = r.with(Right::Delete).with(Right::DeleteMessages).with(Right::Expunge),
                c => match LETTERS.iter().position(|&l| l as char == c) {
                    Some(i) => r.0 |= 1 << i,
                    None => return Err(Invalid(format!("unknown right {:?}", c.escape_debug().to_string()))),
                },
            }
        }
        Ok(r)
    }

    /// The set with one more right.
    pub fn with(self, right: Right) -> Rights {
        Rights(self.0 | right.bit())
    }

    /// Whether the set holds `right`.
    pub fn has(self, right: Right) -> bool {
        self.0 & right.bit() != 0
    }

    /// Both sets together.
    pub fn union(self, other: Rights) -> Rights {
        Rights(self.0 | other.0)
    }

    /// This set without the rights of `other`.
    pub fn minus(self, other: Rights) -> Rights {
        Rights(self.0 & !other.0)
    }

    /// Whether the set is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The letters as stored in `dovecot-acl`, in the order Dovecot
    /// writes them (`akxeilprwts`).
    pub fn letters(self) -> String {
        self.in_order(DOVECOT_ORDER)
    }

    fn in_order(self, order: &[u8]) -> String {
        order
            .iter()
            .filter(|&&l| LETTERS.iter().position(|&x| x == l).is_some_and(|i| self.0 & (1 << i) != 0))
            .map(|&l| l as char)
            .collect()
    }

    /// The letters for the client, with RFC 2086's `c` when `k` is held
    /// and `d` when any of `x t e` is (RFC 4314 2.1.1).
    pub fn wire(self) -> String {
        let mut s = self.in_order(LETTERS);
        if self.has(Right::Create) {
            s.push('c');
        }
        if self.has(Right::Delete) || self.has(Right::DeleteMessages) || self.has(Right::Expunge) {
            s.push('d');
        }
        s
    }
}

/// An entry's identifier as the file spells it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Who {
    /// `owner`.
    Owner,
    /// `user=NAME`.
    User(String),
    /// `authenticated`.
    Authenticated,
    /// `anyone` (or `anonymous`).
    Anyone,
    /// `group=...` and anything else Dovecot knows and tegami does not use.
    Other(String),
}

/// One line of the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// A negative entry (`-user=eve r`) takes rights away.
    pub negative: bool,
    /// Whom it is about.
    pub who: Who,
    /// The rights.
    pub rights: Rights,
}

impl Entry {
    fn file_identifier(&self) -> String {
        let who = match &self.who {
            Who::Owner => "owner".to_string(),
            Who::User(u) => format!("user={u}"),
            Who::Authenticated => "authenticated".into(),
            Who::Anyone => "anyone".into(),
            Who::Other(o) => o.clone(),
        };
        if self.negative {
            format!("-{who}")
        } else {
            who
        }
    }

    /// The identifier as IMAP shows it (RFC 4314): the owner's entry under
    /// the owner's name.
    pub fn imap_identifier(&self, owner: &str) -> String {
        let who = match &self.who {
            Who::Owner => owner.to_string(),
            Who::User(u) => u.clone(),
            Who::Authenticated => "authenticated".into(),
            Who::Anyone => "anyone".into(),
            Who::Other(o) => o.clone(),
        };
        if self.negative {
            format!("-{who}")
        } else {
            who
        }
    }
}

/// A mailbox's ACL: the entries of its file, or `None` without one.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Acl {
    /// The entries, in file order.
    pub entries: Vec<Entry>,
}

/// Parses a file's text; lines that do not parse are skipped with a log line.
pub fn parse(text: &str) -> Acl {
    let mut entries = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (id, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        // Dovecot's named rights (`:name`) after the letters are not used here.
        let letters = rest.trim().split(':').next().unwrap_or("").trim();
        let (negative, id) = match id.strip_prefix('-') {
            Some(i) => (true, i),
            None => (false, id),
        };
        let who = match id {
            "owner" => Who::Owner,
            "anyone" | "anonymous" => Who::Anyone,
            "authenticated" => Who::Authenticated,
            _ => match id.strip_prefix("user=") {
                Some(u) if !u.is_empty() => Who::User(u.to_string()),
                _ => {
                    log::info!("dovecot-acl: identifier {id:?} grants nothing in tegami (no groups)");
                    Who::Other(id.to_string())
                }
            },
        };
        // Letters Dovecot writes that tegami does not know are dropped.
        let rights =
            letters.chars().filter_map(|c| Rights::parse(&c.to_string()).ok()).fold(Rights::NONE, Rights::union);
        entries.push(Entry { negative, who, rights });
    }
    Acl { entries }
}

/// The text of a file, one `identifier letters` line per entry, sorted
/// as Dovecot sorts them (anyone, authenticated, groups, owner, users by
/// name, group overrides), so both write the same file for the same rights.
pub fn render(acl: &Acl) -> String {
    let rank = |w: &Who| match w {
        Who::Anyone => (0, String::new()),
        Who::Authenticated => (1, String::new()),
        Who::Other(o) if o.starts_with("group-override=") => (5, o.clone()),
        Who::Other(o) => (2, o.clone()),
        Who::Owner => (3, String::new()),
        Who::User(u) => (4, u.clone()),
    };
    let mut entries: Vec<&Entry> = acl.entries.iter().collect();
    entries.sort_by_key(|e| (rank(&e.who), e.negative));
    entries.iter().map(|e| format!("{} {}\n", e.file_identifier(), e.rights.letters())).collect()
}

/// The identity of a `dovecot-acl` file: inode and change time. Every
/// writer replaces the file by a rename, so a new ACL always shows here.
pub type Stamp = (u64, i64, i64);

/// The identity of the ACL file of the mailbox directory `dir` (one
/// `lstat`), `None` without one.
pub fn stamp(dir: &Path) -> Option<Stamp> {
    use std::os::unix::fs::MetadataExt;
    note_lookup();
    let m = std::fs::symlink_metadata(dir.join(FILE)).ok()?;
    Some((m.ino(), m.ctime(), m.ctime_nsec()))
}

#[cfg(test)]
thread_local! {
    static LOOKUPS: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Counts one look at an ACL file by this thread (in tests only: they
/// show how many a command costs, see `mail::resolve`).
fn note_lookup() {
    #[cfg(test)]
    LOOKUPS.with(|n| n.set(n.get() + 1));
}

/// Looks at ACL files this thread made so far ([`stamp`] and [`read`]).
#[cfg(test)]
pub(crate) fn lookups() -> u64 {
    LOOKUPS.with(|n| n.get())
}

/// The ACL of the mailbox directory `dir`, `None` when it has no file.
pub fn read(dir: &Path) -> io::Result<Option<Acl>> {
    note_lookup();
    match crate::store::atomic::read_to_string(&dir.join(FILE)) {
        Ok(t) => Ok(Some(parse(&t))),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// [`read`] and [`stamp`] in one look: the ACL of `dir` and the identity
/// of the file it was read from (`None` for both without one). A file
/// that cannot be read is an error, with the stamp it has.
pub fn read_stamped(dir: &Path) -> (io::Result<Option<Acl>>, Option<Stamp>) {
    use std::io::Read;
    use std::os::unix::fs::MetadataExt;
    note_lookup();
    let path = dir.join(FILE);
    let opened = crate::store::atomic::open_regular(&path);
    let mut f = match opened {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return (Ok(None), None),
        // A link or a special file: as `read` has it, absent (it logs why).
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) || e.kind() == io::ErrorKind::InvalidData => {
            return (read(dir), stamp(dir))
        }
        Err(e) => return (Err(e), stamp(dir)),
    };
    let stamped = f.metadata().map(|m| (m.ino(), m.ctime(), m.ctime_nsec()));
    let mut text = String::new();
    match (f.read_to_string(&mut text), stamped) {
        (Ok(_), Ok(s)) => (Ok(Some(parse(&text))), Some(s)),
        (Err(e), _) | (_, Err(e)) => (Err(e), stamp(dir)),
    }
}

/// Writes the ACL of `dir`: a temporary file, fsync, rename, so a reader
/// sees the old file or the new one.
pub fn write(dir: &Path, acl: &Acl) -> io::Result<()> {
    crate::store::atomic::replace(&dir.join(FILE), render(acl).as_bytes())
}

/// The rights `user` holds under `acl` (see the module comment).
pub fn rights_of(acl: Option<&Acl>, user: &str, is_owner: bool) -> Rights {
    let Some(acl) = acl else {
        return if is_owner { Rights::ALL } else { Rights::NONE };
    };
    let applies = |w: &Who| match w {
        Who::Owner => is_owner,
        Who::User(u) => u == user,
        Who::Authenticated | Who::Anyone => true,
        Who::Other(_) => false,
    };
    let positive = |pred: &dyn Fn(&Who) -> bool| {
        let mut found = None;
        for e in acl.entries.iter().filter(|e| !e.negative && pred(&e.who)) {
            found = Some(found.unwrap_or(Rights::NONE).union(e.rights));
        }
        found
    };
    let mut rights = positive(&|w| matches!(w, Who::User(u) if u == user))
        .or_else(|| if is_owner { positive(&|w| *w == Who::Owner) } else { None })
        .or_else(|| if is_owner && !acl.entries.iter().any(|e| e.who == Who::Owner) { Some(Rights::ALL) } else { None })
        .unwrap_or_else(|| positive(&|w| matches!(w, Who::Authenticated | Who::Anyone)).unwrap_or(Rights::NONE));
    for e in acl.entries.iter().filter(|e| e.negative && applies(&e.who)) {
        rights = rights.minus(e.rights);
    }
    if is_owner {
        rights = rights.with(Right::Lookup).with(Right::Admin);
    }
    rights
}

/// An IMAP identifier (RFC 4314 section 3) turned into a file entry's
/// `who`: `anyone`, `authenticated`, the owner's name, or a user name.
/// Names with `/`, `=`, white space or control characters are refused.
pub fn identifier(id: &str, owner: &str) -> Result<(bool, Who), Invalid> {
    let (negative, name) = match id.strip_prefix('-') {
        Some(n) => (true, n),
        None => (false, id),
    };
    if name.is_empty() || name.len() > 255 {
        return Err(Invalid("identifier empty or too long".into()));
    }
    if name.chars().any(|c| c.is_control() || c.is_whitespace() || c == '/' || c == '=' || c == '\\') {
        return Err(Invalid("identifier with a control character, white space, \"/\", \"=\" or \"\\\"".into()));
    }
    if name.starts_with('-') || name == "." || name == ".." {
        return Err(Invalid("not a valid identifier".into()));
    }
    let who = match name {
        "anyone" | "anonymous" => Who::Anyone,
        "authenticated" => Who::Authenticated,
        n if n == owner || n == "owner" => Who::Owner,
        n => Who::User(n.to_string()),
    };
    Ok((negative, who))
}

/// How SETACL changes an entry's rights.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// Replace them.
    Set,
    /// `+`: add to them.
    Add,
    /// `-`: take from them.
    Remove,
}

/// SETACL's rights argument: an optional `+` or `-`, then letters.
pub fn change(text: &str) -> Result<(Change, Rights), Invalid> {
    let (mode, letters) = match text.as_bytes().first() {
        Some(b'+') => (Change::Add, &text[1..]),
        Some(b'-') => (Change::Remove, &text[1..]),
        _ => (Change::Set, text),
    };
    Ok((mode, Rights::parse(letters)?))
}

impl Acl {
    /// The ACL a mailbox without a file behaves as: the owner has all.
    pub fn default_for_owner() -> Acl {
        Acl { entries: vec![Entry { negative: false, who: Who::Owner, rights: Rights::ALL }] }
    }

    /// Applies SETACL (`mode`, `rights`) or, with `None`, DELETEACL to the
    /// entry of (`negative`, `who`); an entry left empty goes.
    pub fn apply(&mut self, negative: bool, who: &Who, change: Option<(Change, Rights)>) {
        let pos = self.entries.iter().position(|e| e.negative == negative && &e.who == who);
        let old = pos.map(|i| self.entries[i].rights).unwrap_or(Rights::NONE);
        let new = match change {
            None => Rights::NONE,
            Some((Change::Set, r)) => r,
            Some((Change::Add, r)) => old.union(r),
            Some((Change::Remove, r)) => old.minus(r),
        };
        match (pos, new.is_empty()) {
            (Some(i), true) => {
                self.entries.remove(i);
            }
            (Some(i), false) => self.entries[i].rights = new,
            (None, false) => self.entries.push(Entry { negative, who: who.clone(), rights: new }),
            (None, true) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dovecot_file_is_read() {
        let acl = parse("owner lrwstipekxa\nuser=bob lrs\nanyone lr\n-user=eve r\ngroup=staff lrwi\n");
        assert_eq!(rights_of(Some(&acl), "bob", false).letters(), "lrs");
        assert_eq!(rights_of(Some(&acl), "eve", false).letters(), "l");
        assert_eq!(rights_of(Some(&acl), "carol", false).letters(), "lr");
        assert_eq!(rights_of(Some(&acl), "own", true), Rights::ALL);
        assert_eq!(rights_of(None, "x", false), Rights::NONE);
        assert_eq!(rights_of(None, "x", true), Rights::ALL);
    }

    #[test]
    fn obsolete_rights_map() {
        assert_eq!(Rights::parse("c").unwrap().letters(), "kx");
        assert_eq!(Rights::parse("lrwstipekxa").unwrap().letters(), "akxeilprwts");
        assert_eq!(Rights::parse("d").unwrap().letters(), "xet");
        assert_eq!(Rights::parse("lr").unwrap().wire(), "lr");
        assert_eq!(Rights::ALL.wire(), "lrswipkxteacd");
        assert!(Rights::parse("lz").is_err());
    }

    #[test]
    fn setacl_changes_and_renders() {
        let mut acl = Acl::default_for_owner();
        acl.apply(false, &Who::User("alice".into()), Some((Change::Set, Rights::parse("lr").unwrap())));
        acl.apply(false, &Who::User("alice".into()), Some((Change::Add, Rights::parse("i").unwrap())));
        assert_eq!(render(&acl), "owner akxeilprwts\nuser=alice ilr\n");
        acl.apply(false, &Who::User("alice".into()), None);
        assert_eq!(render(&acl), "owner akxeilprwts\n");
    }

    #[test]
    fn one_look_reads_the_file_and_its_identity() {
        let d = tempfile::tempdir().unwrap();
        let before = lookups();
        assert_eq!(read_stamped(d.path()).1, None);
        assert!(read_stamped(d.path()).0.unwrap().is_none());
        assert_eq!(lookups() - before, 2);
        std::fs::write(d.path().join(FILE), "owner la\n").unwrap();
        let (acl, st) = read_stamped(d.path());
        assert_eq!(rights_of(acl.unwrap().as_ref(), "me", true).letters(), "al");
        assert_eq!(st, stamp(d.path()));
        // A link is never followed: absent, with the link's own identity.
        std::fs::remove_file(d.path().join(FILE)).unwrap();
        std::os::unix::fs::symlink("/etc/hostname", d.path().join(FILE)).unwrap();
        let (acl, st) = read_stamped(d.path());
        assert!(acl.unwrap().is_none());
        assert!(st.is_some() && st == stamp(d.path()));
    }

    #[test]
    fn hostile_identifiers_are_refused() {
        for id in ["a/b", "a\nb", "", "user=x", "a b", "-", "--x", ".."] {
            assert!(identifier(id, "bob").is_err(), "{id:?}");
        }
        assert_eq!(identifier("bob", "bob").unwrap(), (false, Who::Owner));
        assert_eq!(identifier("-eve", "bob").unwrap(), (true, Who::User("eve".into())));
    }
}

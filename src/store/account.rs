//! An account's maildir: listing, creating, deleting and renaming
//! mailboxes, status counts, subscriptions, default special-use folders.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::error::{Result, StoreError};
use super::filename;
use super::lock::DotLock;
use super::mailbox::{MailboxShared, Status};
use super::name;
use super::perms;
use super::registry::Store;
use super::special_use::{self, SpecialUse};
use super::subscriptions;

/// One mailbox of a listing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MailboxInfo {
    /// The name, levels joined with `/`.
    pub name: String,
    /// False for a level that exists only as the parent of others (`\Noselect`).
    pub selectable: bool,
    /// Whether other mailboxes are below it.
    pub has_children: bool,
    /// Its special uses (RFC 6154), none for most mailboxes.
    pub special_use: Vec<SpecialUse>,
}

/// An account's maildir, with the server's mailbox registry. A clone
/// shares the registry and keeps the root as resolved (no new walk).
#[derive(Clone)]
pub struct Account {
    store: Arc<Store>,
    root: PathBuf,
}

impl Store {
    /// The account whose maildir is at `root`.
    pub fn account(self: &Arc<Self>, root: impl Into<PathBuf>) -> Account {
        Account::new(self.clone(), root.into())
    }
}

impl Account {
    /// The account at `root` (normally made with [`Store::account`]).
    pub fn new(store: Arc<Store>, root: PathBuf) -> Account {
        // One spelling per directory, so the registry has one entry per
        // mailbox; only links root owns are resolved (see `root.rs`: the
        // login has already checked the path for the account).
        let root = super::root::normalize(&root);
        Account { store, root }
    }

    /// The store this account's mailboxes are registered in.
    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    /// The maildir root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The directory of a mailbox (whether it exists or not).
    pub fn mailbox_dir(&self, mailbox: &str) -> Result<PathBuf> {
        Ok(match name::dir_name(mailbox)? {
            Some(d) => self.root.join(d),
            None => self.root.clone(),
        })
    }

    /// Whether a mailbox exists and can be selected.
    pub fn exists(&self, mailbox: &str) -> Result<bool> {
        Ok(is_maildir(&self.mailbox_dir(mailbox)?))
    }

    /// Opens a mailbox's shared state; INBOX is made when missing.
    pub fn open(&self, mailbox: &str) -> Result<Arc<MailboxShared>> {
        let dir = self.mailbox_dir(mailbox)?;
        if dir == self.root {
            make_maildir(&dir, false)?;
        } else if !is_maildir(&dir) {
            return Err(StoreError::NotFound(mailbox.to_string()));
        }
        Ok(self.store.mailbox(&dir))
    }

    /// STATUS counts of a mailbox (after a sync).
    pub fn status(&self, mailbox: &str) -> Result<Status> {
        self.open(mailbox)?.status()
    }

    /// Every mailbox, INBOX first then by name, with implied parents.
    pub fn list(&self) -> Result<Vec<MailboxInfo>> {
        let mut found: BTreeMap<String, bool> = BTreeMap::new();
        found.insert("INBOX".into(), true);
        let rd = match fs::read_dir(&self.root) {
            Ok(rd) => rd,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(self.infos(found)),
            Err(e) => return Err(StoreError::io("listing the maildir", e)),
        };
        for ent in rd {
            let ent = ent.map_err(|e| StoreError::io("listing the maildir", e))?;
            let dir = ent.file_name();
            let Some(dir) = dir.to_str() else { continue };
            let Some(mailbox) = name::name_of_dir(dir) else {
                continue;
            };
            if !ent.file_type().map(|t| t.is_dir()).unwrap_or(false) {
                continue;
            }
            let selectable = is_maildir(&ent.path());
            found.entry(mailbox).and_modify(|s| *s |= selectable).or_insert(selectable);
        }
        // Parents that exist only through their children.
        let names: Vec<String> = found.keys().cloned().collect();
        for n in names {
            let mut prefix = n.as_str();
            while let Some(i) = prefix.rfind('/') {
                prefix = &prefix[..i];
                found.entry(prefix.to_string()).or_insert(false);
            }
        }
        Ok(self.infos(found))
    }

    fn infos(&self, found: BTreeMap<String, bool>) -> Vec<MailboxInfo> {
        let names: Vec<&String> = found.keys().collect();
        let mut out: Vec<MailboxInfo> = found
            .iter()
            .map(|(n, &selectable)| {
                let child_prefix = format!("{n}/");
                MailboxInfo {
                    name: n.clone(),
                    selectable,
                    has_children: names.iter().any(|m| m.starts_with(&child_prefix)),
                    special_use: match self.mailbox_dir(n) {
                        Ok(dir) if selectable => special_use::of(&dir, n),
                        _ => SpecialUse::of(n).into_iter().collect(),
                    },
                }
            })
            .collect();
        out.sort_by_key(|i| (i.name != "INBOX", i.name.clone()));
        out
    }

    /// Refuses a mailbox directory whose message files would not fit in a
    /// path (`PATH_MAX`, 4096 on Linux, with `/cur/` and a 255-byte file name).
    fn check_path_length(&self, dir: &Path) -> Result<()> {
        const PATH_MAX: usize = 4096;
        if dir.as_os_str().len() + "/cur/".len() + name::MAX_COMPONENT_BYTES >= PATH_MAX {
            return Err(StoreError::TooLong);
        }
        Ok(())
    }

    /// Creates a mailbox and any missing levels above it.
    pub fn create(&self, mailbox: &str) -> Result<()> {
        let levels = name::validate(mailbox)?;
        if levels.len() == 1 && levels[0] == "INBOX" {
            return Err(StoreError::AlreadyExists("INBOX".into()));
        }
        self.check_path_length(&self.mailbox_dir(mailbox)?)?;
        for depth in 1..levels.len() {
            let parent = levels[..depth].join("/");
            if parent != "INBOX" {
                make_maildir(&self.mailbox_dir(&parent)?, true)?;
            }
        }
        let dir = self.mailbox_dir(mailbox)?;
        if dir.join("cur").is_dir() {
            return Err(StoreError::AlreadyExists(mailbox.to_string()));
        }
        make_maildir(&dir, true)?;
        Ok(())
    }

    /// Deletes a mailbox and its messages; refused for INBOX and for a
    /// mailbox with children.
    pub fn delete(&self, mailbox: &str) -> Result<()> {
        let levels = name::validate(mailbox)?;
        if levels.len() == 1 && levels[0] == "INBOX" {
            return Err(StoreError::PermissionDenied("INBOX cannot be deleted".into()));
        }
        let dir_name =
            name::dir_name(mailbox)?.ok_or_else(|| StoreError::PermissionDenied("INBOX cannot be deleted".into()))?;
        if !self.children_dirs(&dir_name)?.is_empty() {
            return Err(StoreError::HasChildren(mailbox.to_string()));
        }
        let dir = self.root.join(&dir_name);
        if !dir.is_dir() {
            return Err(StoreError::NotFound(mailbox.to_string()));
        }
        // Out of sight first (a name no listing decodes), then removed, so
        // a crash never leaves a half-deleted mailbox in the list.
        let trash = self.root.join(format!("..deleted.{}", filename::unique_base()));
        fs::rename(&dir, &trash).map_err(|e| StoreError::io(format!("deleting {mailbox}"), e))?;
        self.sync_root()?;
        self.store.forget(&[dir]);
        fs::remove_dir_all(&trash).map_err(|e| StoreError::io(format!("deleting {mailbox}"), e))
    }

    /// fsyncs the maildir root after a mailbox was renamed or deleted in
    /// it (shared-storage mode only: see `shared_storage.rs`).
    fn sync_root(&self) -> Result<()> {
        super::shared_storage::sync_dir(&self.root)
            .map_err(|e| StoreError::io(format!("syncing {}", self.root.display()), e))
    }

    /// Renames a mailbox with its children. Renaming INBOX moves its
    /// messages into a new mailbox and leaves INBOX empty.
    pub fn rename(&self, from: &str, to: &str) -> Result<()> {
        let from = name::normalize(from)?;
        let to = name::normalize(to)?;
        if to == "INBOX" || to.starts_with("INBOX/") && from == "INBOX" {
            return Err(StoreError::AlreadyExists(to));
        }
        if from == "INBOX" {
            return self.rename_inbox(&to);
        }
        if to == from || to.starts_with(&format!("{from}/")) {
            return Err(StoreError::InvalidName("cannot rename a mailbox into itself".into()));
        }
        // Both are other than INBOX here (checked above, in any case).
        let (Some(old), Some(new)) = (name::dir_name(&from)?, name::dir_name(&to)?) else {
            return Err(StoreError::AlreadyExists(to));
        };
        let mut moves: Vec<(String, String)> = Vec::new();
        if self.root.join(&old).is_dir() {
            moves.push((old.clone(), new.clone()));
        }
        for child in self.children_dirs(&old)? {
            let renamed = format!("{new}{}", &child[old.len()..]);
            moves.push((child, renamed));
        }
        // Every new directory name fits, or nothing is made or moved.
        for (_, n) in &moves {
            if n.len() > name::MAX_COMPONENT_BYTES {
                return Err(StoreError::TooLong);
            }
            self.check_path_length(&self.root.join(n))?;
        }
        if moves.is_empty() {
            return Err(StoreError::NotFound(from));
        }
        if self.root.join(&new).exists() || moves.iter().any(|(_, n)| self.root.join(n).exists()) {
            return Err(StoreError::AlreadyExists(to));
        }
        let levels = name::validate(&to)?;
        for depth in 1..levels.len() {
            let parent = levels[..depth].join("/");
            if parent != "INBOX" {
                make_maildir(&self.mailbox_dir(&parent)?, true)?;
            }
        }
        let mut gone = Vec::new();
        for (o, n) in &moves {
            fs::rename(self.root.join(o), self.root.join(n))
                .map_err(|e| StoreError::io(format!("renaming {from}"), e))?;
            gone.push(self.root.join(o));
        }
        self.sync_root()?;
        self.store.forget(&gone);
        Ok(())
    }

    /// RENAME INBOX: a new mailbox gets INBOX's messages; INBOX stays, empty.
    fn rename_inbox(&self, to: &str) -> Result<()> {
        self.create(to)?;
        let target = self.mailbox_dir(to)?;
        let inbox = self.open("INBOX")?;
        let mut disk = inbox.lock_disk()?;
        let lock = DotLock::acquire(inbox.dir())?;
        let (_, _) = inbox.scan_locked(&mut disk)?;
        let moved = std::mem::take(&mut disk.entries);
        for e in moved.iter() {
            disk.change(e.uid, super::changes::ChangeKind::Expunged);
            let src = inbox.dir().join("cur").join(&*e.file);
            match fs::rename(&src, target.join("cur").join(&*e.file)) {
                Ok(()) => {}
                Err(err) if err.kind() == io::ErrorKind::NotFound => {
                    if let Some(now) = inbox.refind(e.base()) {
                        fs::rename(inbox.dir().join("cur").join(&now), target.join("cur").join(&now))
                            .map_err(|err| StoreError::io("moving INBOX messages", err))?;
                    }
                }
                Err(err) => return Err(StoreError::io("moving INBOX messages", err)),
            }
        }
        super::lock::sync_dir(&target.join("cur"))?;
        super::shared_storage::sync_dir(&inbox.dir().join("cur")).map_err(|e| StoreError::io("syncing INBOX", e))?;
        if let Some(list) = disk.list.as_mut() {
            list.records.clear();
        }
        inbox.save_list(&mut disk, lock)?;
        inbox.publish(&mut disk, &[]);
        Ok(())
    }

    /// Root directory entries of the children of the folder directory `dir`.
    fn children_dirs(&self, dir: &str) -> Result<Vec<String>> {
        let prefix = format!("{dir}.");
        let rd = fs::read_dir(&self.root).map_err(|e| StoreError::io("listing the maildir", e))?;
        let mut out = Vec::new();
        for ent in rd.flatten() {
            let n = ent.file_name();
            if let Some(n) = n.to_str() {
                if n.starts_with(&prefix) && n.len() > prefix.len() && name::name_of_dir(n).is_some() {
                    out.push(n.to_string());
                }
            }
        }
        Ok(out)
    }

    /// Makes INBOX, and on an account without folders the special-use
    /// folders Drafts, Sent, Trash, Junk and Archive, subscribed.
    pub fn ensure_default_mailboxes(&self) -> Result<()> {
        make_maildir(&self.root, false)?;
        let has_folders = self.list()?.len() > 1;
        if has_folders {
            return Ok(());
        }
        subscriptions::set(&self.root, "INBOX", true)?;
        for (n, _) in SpecialUse::DEFAULTS {
            match self.create(n) {
                Ok(()) | Err(StoreError::AlreadyExists(_)) => {}
                Err(e) => return Err(e),
            }
            subscriptions::set(&self.root, n, true)?;
        }
        Ok(())
    }

    /// The subscribed names.
    pub fn subscriptions(&self) -> Result<Vec<String>> {
        subscriptions::read(&self.root)
    }

    /// Subscribes to a name (which need not exist).
    pub fn subscribe(&self, mailbox: &str) -> Result<()> {
        subscriptions::set(&self.root, mailbox, true)
    }

    /// Unsubscribes a name.
    pub fn unsubscribe(&self, mailbox: &str) -> Result<()> {
        subscriptions::set(&self.root, mailbox, false)
    }
}

/// Makes `dir` a maildir (`cur new tmp`, and `maildirfolder` for folders as
/// Dovecot does); existing parts are kept. What it makes gets the modes of
/// the maildir root (see `perms.rs`); a root that is being made a maildir
/// for the first time and is open to the world (made under a lax umask) is
/// closed to 0700 first, Dovecot's mode for a new root.
fn make_maildir(dir: &Path, folder: bool) -> Result<()> {
    // The common case, at every open of an INBOX: all there already (three
    // lookups, not six calls that fail with EEXIST).
    let real_dir = |p: &Path| fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_dir());
    if !folder && ["cur", "new", "tmp"].iter().all(|sub| real_dir(&dir.join(sub))) {
        return Ok(());
    }
    let ctx = |e| StoreError::io(format!("creating {}", dir.display()), e);
    // An account's root may be new, parents and all (a fresh home);
    // a folder's parent is the root, which exists.
    let made = if folder { fs::create_dir(dir) } else { fs::create_dir_all(dir) };
    let root = if folder { dir.parent().unwrap_or(dir) } else { dir };
    match made {
        Ok(()) if folder => perms::fix_new_dir(dir, root),
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
        Err(e) => return Err(ctx(e)),
    }
    if !folder && !dir.join("cur").exists() {
        if let Some(m) = perms::mode_of(dir).filter(|m| m & 0o007 != 0) {
            log::info!("{}: a new maildir root open to all (mode {m:o}); made 0700", dir.display());
            fs::set_permissions(dir, fs::Permissions::from_mode(0o700)).map_err(ctx)?;
        }
    }
    for sub in ["tmp", "new", "cur"] {
        match fs::create_dir(dir.join(sub)) {
            Ok(()) => perms::fix_new_dir(&dir.join(sub), root),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(ctx(e)),
        }
    }
    // The new names on the file server before the command answers.
    super::shared_storage::sync_dir(dir).map_err(ctx)?;
    if folder {
        super::shared_storage::sync_dir(root).map_err(ctx)?;
    }
    if folder {
        let f = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .custom_flags(libc::O_NOFOLLOW)
            .open(dir.join("maildirfolder"))
            .map_err(ctx)?;
        perms::fix_new_file(&f, root);
    }
    Ok(())
}

/// Whether `dir` is a maildir of this account's own: the directory and its
/// `cur/` are real directories, not symbolic links (a link planted in the
/// maildir must not make the server read or write outside it).
pub(crate) fn is_maildir(dir: &Path) -> bool {
    let real_dir = |p: &Path| fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_dir());
    real_dir(dir)
        && real_dir(&dir.join("cur"))
        && !fs::symlink_metadata(dir.join("new")).is_ok_and(|m| m.file_type().is_symlink())
}

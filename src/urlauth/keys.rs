//! The URLAUTH keys of an account: one random 256-bit key per mailbox,
//! named by its MAILBOXID (so a mailbox deleted and made again under the
//! same name does not take the old URLs along), in the sidecar file
//! `tegami-urlauth-keys` at the maildir root, one `<mailboxid> <hex key>`
//! per line.
//!
//! The file is written whole to a temporary name, synced and renamed over
//! the old one, so a crash leaves the old or the new keys; its mode is the
//! maildir root's file mode without any bits for others, since the keys
//! are as good as the messages they sign for.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use parking_lot::Mutex;

use crate::store::perms;

/// The file name at the maildir root.
pub const FILE: &str = "tegami-urlauth-keys";

/// Serializes this process's read-modify-write cycles of key files.
static WRITING: Mutex<()> = Mutex::new(());

fn path(root: &Path) -> PathBuf {
    root.join(FILE)
}

fn read(root: &Path) -> io::Result<BTreeMap<String, Vec<u8>>> {
    let text = match crate::store::atomic::read_to_string(&path(root)) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
        Err(e) => return Err(e),
    };
    let mut out = BTreeMap::new();
    for line in text.lines() {
        let Some((id, hex)) = line.split_once(' ') else { continue };
        let key: Option<Vec<u8>> =
            (0..hex.len() / 2).map(|i| u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok()).collect();
        match key {
            Some(k) if k.len() >= 16 && hex.len() % 2 == 0 => {
                out.insert(id.to_string(), k);
            }
            _ => log::warn!("{}: skipping a bad line", path(root).display()),
        }
    }
    Ok(out)
}

fn write(root: &Path, keys: &BTreeMap<String, Vec<u8>>) -> io::Result<()> {
    let mut text = String::new();
    for (id, key) in keys {
        text.push_str(id);
        text.push(' ');
        for b in key {
            text.push_str(&format!("{b:02x}"));
        }
        text.push('\n');
    }
    let mode = perms::mode_of(root).map_or(0o600, |m| perms::file_mode(m) & 0o660);
    crate::store::atomic::replace_with(&path(root), |f| {
        // Never more than the owner and group, whatever the root allows.
        f.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(mode))?;
        f.write_all(text.as_bytes())
    })
}

fn fresh() -> io::Result<Vec<u8>> {
    let mut k = vec![0u8; 32];
    getrandom::getrandom(&mut k).map_err(|e| io::Error::other(format!("no randomness for a URLAUTH key: {e}")))?;
    Ok(k)
}

/// The key of a mailbox, if it has one.
pub fn get(root: &Path, mailbox_id: &str) -> io::Result<Option<Vec<u8>>> {
    Ok(read(root)?.remove(mailbox_id))
}

/// The key of a mailbox, made (and stored) when it has none.
pub fn get_or_make(root: &Path, mailbox_id: &str) -> io::Result<Vec<u8>> {
    let _turn = WRITING.lock();
    let mut keys = read(root)?;
    if let Some(k) = keys.get(mailbox_id) {
        return Ok(k.clone());
    }
    let k = fresh()?;
    keys.insert(mailbox_id.to_string(), k.clone());
    write(root, &keys)?;
    Ok(k)
}

/// RESETKEY: a new key for one mailbox, or (`None`) every key removed.
pub fn reset(root: &Path, mailbox_id: Option<&str>) -> io::Result<()> {
    let _turn = WRITING.lock();
    let mut keys = read(root)?;
    match mailbox_id {
        Some(id) => {
            keys.insert(id.to_string(), fresh()?);
        }
        None => keys.clear(),
    }
    write(root, &keys)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn keys_are_kept_reset_and_never_world_readable() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::set_permissions(root, fs::Permissions::from_mode(0o755)).unwrap();
        assert_eq!(get(root, "a").unwrap(), None);
        let a = get_or_make(root, "a").unwrap();
        assert_eq!(get_or_make(root, "a").unwrap(), a);
        let b = get_or_make(root, "b").unwrap();
        assert_ne!(a, b);
        let mode = fs::metadata(path(root)).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
        reset(root, Some("a")).unwrap();
        assert_ne!(get(root, "a").unwrap().unwrap(), a);
        assert_eq!(get(root, "b").unwrap().unwrap(), b);
        reset(root, None).unwrap();
        assert_eq!(get(root, "b").unwrap(), None);
        assert_eq!(fs::read_dir(root).unwrap().count(), 1, "no temporary file left");
    }
}

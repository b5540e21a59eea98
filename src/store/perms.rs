//! Modes of new files and directories, Dovecot's rule: they follow the
//! directory they are made in (which followed the maildir root when it was
//! made), never the process's umask alone. A 0700 root gives 0700
//! directories and 0600 files, a 0770 root 0770 and 0660; nothing is ever
//! world-readable unless the root is.

use std::fs::{self, File};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// The permission bits of `dir`, `None` when it cannot be read.
pub fn mode_of(dir: &Path) -> Option<u32> {
    fs::metadata(dir).ok().map(|m| m.permissions().mode() & 0o7777)
}

/// The mode a file made in a directory of mode `dir_mode` gets.
pub fn file_mode(dir_mode: u32) -> u32 {
    dir_mode & 0o666
}

/// Gives a file just created in `dir` the mode that directory calls for.
pub fn fix_new_file(file: &File, dir: &Path) {
    if let Some(m) = mode_of(dir) {
        if let Err(e) = file.set_permissions(fs::Permissions::from_mode(file_mode(m))) {
            log::warn!("setting the mode of a new file in {}: {e}", dir.display());
        }
    }
}

/// Gives a file created by path in `dir` the mode that directory calls for.
pub fn fix_new_path(path: &Path, dir: &Path) {
    if let Some(m) = mode_of(dir) {
        if let Err(e) = fs::set_permissions(path, fs::Permissions::from_mode(file_mode(m))) {
            log::warn!("setting the mode of {}: {e}", path.display());
        }
    }
}

/// Gives a directory just made the mode of `like` (the maildir root or
/// the mailbox it belongs to).
pub fn fix_new_dir(path: &Path, like: &Path) {
    if let Some(m) = mode_of(like) {
        if let Err(e) = fs::set_permissions(path, fs::Permissions::from_mode(m & 0o777)) {
            log::warn!("setting the mode of {}: {e}", path.display());
        }
    }
}

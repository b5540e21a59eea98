//! Reaching an account's maildir root only through directories and links
//! that root or the account itself owns.
//!
//! A user owns the home and the maildir, so a user can replace
//! `~/Maildir` by a link to another user's maildir, or a directory on the
//! way by a link elsewhere. The path is therefore walked one component at
//! a time with `lstat`, never through `canonicalize`: a link is followed
//! only when root or the account owns it, and every directory reached
//! (the home and the root included) must belong to root or the account.
//! Another user's directory on the way refuses the login.

use std::ffi::OsString;
use std::fs;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Component, Path, PathBuf};

/// Links followed at most, as the kernel's limit (a loop ends here).
const MAX_LINKS: usize = 40;

/// The maildir root `path` with every link resolved, checked for the
/// account whose files belong to `owner`: each directory on the way is
/// owned by root or `owner`, each link followed is owned by root or
/// `owner`. Components that do not exist yet are kept as written (the
/// session makes them as the account). The error says why, for the log.
pub fn resolve(path: &Path, owner: u32) -> Result<PathBuf, String> {
    walk(path, Some(owner))
}

/// `path` with the links root owns resolved and the rest kept as written:
/// one spelling per directory for the mailbox registry, without following
/// anything a user planted.
pub fn normalize(path: &Path) -> PathBuf {
    let path = match std::env::current_dir() {
        Ok(cwd) if path.is_relative() => cwd.join(path),
        _ => path.to_path_buf(),
    };
    walk(&path, None).unwrap_or(path)
}

fn walk(path: &Path, owner: Option<u32>) -> Result<PathBuf, String> {
    if !path.is_absolute() {
        return Err(format!("{} is not an absolute path", path.display()));
    }
    let trusted = |uid: u32| uid == 0 || Some(uid) == owner;
    // Components still to walk, the next one last.
    let mut todo: Vec<OsString> = Vec::new();
    push_components(&mut todo, path);
    let mut at = PathBuf::from("/");
    let mut links = 0;
    while let Some(part) = todo.pop() {
        if part == ".." {
            at.pop();
            continue;
        }
        let next = at.join(&part);
        let meta = match fs::symlink_metadata(&next) {
            Ok(m) => m,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                // Not made yet: the rest is made by the session, as written.
                return rest_as_written(at, part, todo);
            }
            Err(e) => return Err(format!("{}: {e}", next.display())),
        };
        let ft = meta.file_type();
        if ft.is_symlink() {
            if !trusted(meta.uid()) {
                return match owner {
                    Some(_) => Err(format!(
                        "{} is a link owned by uid {}, neither root nor the account",
                        next.display(),
                        meta.uid()
                    )),
                    // Normalizing: keep the link and what follows as written.
                    None => rest_as_written(at, part, todo),
                };
            }
            links += 1;
            if links > MAX_LINKS {
                return Err(format!("{}: too many levels of symbolic links", path.display()));
            }
            let target = fs::read_link(&next).map_err(|e| format!("{}: {e}", next.display()))?;
            if target.is_absolute() {
                at = PathBuf::from("/");
            }
            push_components(&mut todo, &target);
        } else if ft.is_dir() {
            if owner.is_some() && !trusted(meta.uid()) {
                return Err(format!("{} belongs to uid {}, neither root nor the account", next.display(), meta.uid()));
            }
            at = next;
        } else {
            return Err(format!("{} is not a directory", next.display()));
        }
    }
    Ok(at)
}

/// Pushes the components of `path` onto `todo` so the first is popped first.
fn push_components(todo: &mut Vec<OsString>, path: &Path) {
    let parts: Vec<OsString> = path
        .components()
        .filter_map(|c| match c {
            Component::Normal(n) => Some(n.to_os_string()),
            Component::ParentDir => Some(OsString::from("..")),
            _ => None,
        })
        .collect();
    todo.extend(parts.into_iter().rev());
}

/// `at` joined with `part` and the components left, which must not climb
/// (`..` after a missing or untrusted component cannot be resolved).
fn rest_as_written(mut at: PathBuf, part: OsString, mut todo: Vec<OsString>) -> Result<PathBuf, String> {
    at.push(part);
    while let Some(p) = todo.pop() {
        if p == ".." {
            return Err(format!("{}: .. after a component that cannot be resolved", at.display()));
        }
        at.push(p);
    }
    Ok(at)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn links_and_directories_of_others_are_refused() {
        let d = tempfile::tempdir().unwrap();
        let base = d.path().canonicalize().unwrap();
        let mine = base.join("home/me");
        let other = base.join("home/other/Maildir");
        fs::create_dir_all(&mine).unwrap();
        fs::create_dir_all(&other).unwrap();
        std::os::unix::fs::chown(base.join("home/other"), Some(4242), Some(4242)).unwrap();
        std::os::unix::fs::chown(&other, Some(4242), Some(4242)).unwrap();
        // A missing maildir is kept as written.
        assert_eq!(resolve(&mine.join("Maildir"), 0), Ok(mine.join("Maildir")));
        // A link to another account's maildir is refused, whoever follows it.
        symlink(&other, mine.join("Maildir")).unwrap();
        let err = resolve(&mine.join("Maildir"), 0).unwrap_err();
        assert!(err.contains("home/other belongs to uid 4242"), "{err}");
        // The other account itself gets its own maildir.
        assert_eq!(resolve(&mine.join("Maildir"), 4242), Ok(other.clone()));
        // The registry's spelling never follows a link root does not own.
        std::os::unix::fs::lchown(mine.join("Maildir"), Some(4242), Some(4242)).unwrap();
        assert_eq!(normalize(&mine.join("Maildir/cur")), mine.join("Maildir/cur"));
        let err = resolve(&mine.join("Maildir"), 1000).unwrap_err();
        assert!(err.contains("is a link owned by uid 4242"), "{err}");
        // Links root owns are followed; `..` climbs from where a link led.
        symlink(&mine, base.join("short")).unwrap();
        assert_eq!(resolve(&base.join("short"), 0), Ok(mine.clone()));
        assert_eq!(resolve(&base.join("short/../me"), 0), Ok(mine.clone()));
    }
}

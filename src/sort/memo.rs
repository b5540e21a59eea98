//! Sort keys kept in memory across commands and sessions, per mailbox
//! directory and UID, each tied to the very file it was made from (the
//! cache stamp of its name and size). A second SORT of a mailbox then reads
//! neither the files nor the sidecar cache.
//!
//! The memory is bounded by the mailboxes sorted: a table that holds far
//! more UIDs than its mailbox has messages is cut back to the live ones.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use parking_lot::Mutex;

use super::Keys;

/// The keys of one mailbox's messages: UID to (stamp, keys).
pub type Table = HashMap<u32, (u64, Arc<Keys>)>;

fn tables() -> &'static Mutex<HashMap<PathBuf, Arc<Mutex<Table>>>> {
    static TABLES: OnceLock<Mutex<HashMap<PathBuf, Arc<Mutex<Table>>>>> = OnceLock::new();
    TABLES.get_or_init(|| Mutex::new(HashMap::new()))
}

/// The table of the mailbox in `dir` (made empty the first time).
pub fn table(dir: &Path) -> Arc<Mutex<Table>> {
    tables().lock().entry(dir.to_path_buf()).or_default().clone()
}

/// Drops the keys of UIDs that are not live when the table has grown well
/// past the mailbox's `messages`.
pub fn trim(table: &mut Table, messages: usize, live: impl Fn(u32) -> bool) {
    if table.len() > 2 * messages + 1024 {
        table.retain(|&uid, _| live(uid));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_per_directory_and_trimmed() {
        let a = table(Path::new("/nonexistent/memo-a"));
        let b = table(Path::new("/nonexistent/memo-b"));
        a.lock().insert(1, (7, Arc::new(Keys::default())));
        assert!(b.lock().is_empty());
        assert!(table(Path::new("/nonexistent/memo-a")).lock().contains_key(&1));
        let mut t: Table = (0..3000).map(|u| (u, (0, Arc::new(Keys::default())))).collect();
        trim(&mut t, 10, |u| u < 10);
        assert_eq!(t.len(), 10);
    }
}

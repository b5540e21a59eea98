//! Sort keys kept in memory across commands and sessions, per mailbox
//! directory and UID, each tied to the very file it was made from (the
//! cache stamp of its name and size). A second SORT of a mailbox then reads
//! neither the files nor the sidecar cache.
//!
//! The memory is bounded: a table that holds far more UIDs than its
//! mailbox has messages is cut back to the live ones, and the tables of
//! other mailboxes, least recently sorted first, are dropped while they
//! hold more than [`BUDGET`] keys in all (their keys are made again from
//! the sidecar cache when those mailboxes are sorted next).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::Instant;

use parking_lot::Mutex;

use super::Keys;
use crate::proto::command::SortCriterion;

/// The keys of one mailbox's messages: UID to (stamp, keys).
pub type Table = HashMap<u32, (u64, Arc<Keys>)>;

/// Keys kept for the mailboxes other than the one being sorted.
pub const BUDGET: usize = 20_000;

type Tables = HashMap<PathBuf, (Arc<Mutex<Table>>, Instant)>;

fn tables() -> &'static Mutex<Tables> {
    static TABLES: OnceLock<Mutex<Tables>> = OnceLock::new();
    TABLES.get_or_init(|| Mutex::new(HashMap::new()))
}

/// The table of the mailbox in `dir` (made empty the first time).
pub fn table(dir: &Path) -> Arc<Mutex<Table>> {
    // The keys and order of a mailbox go when the store drops it.
    crate::store::on_dropped_mailbox(forget);
    let mut all = tables().lock();
    let t = {
        let (t, used) = all.entry(dir.to_path_buf()).or_insert_with(|| (Arc::default(), Instant::now()));
        *used = Instant::now();
        t.clone()
    };
    keep_within(&mut all, dir, BUDGET);
    t
}

/// Drops the keys and the kept order of the mailbox in `dir` (the store
/// dropped its state: nobody had it open and others needed the room).
pub fn forget(dir: &Path) {
    tables().lock().remove(dir);
    orders().lock().remove(dir);
}

/// Drops the least recently used tables other than `dir`'s, and none in
/// use by a SORT, while the others hold more than `budget` keys.
fn keep_within(all: &mut Tables, dir: &Path, budget: usize) {
    let mut others: Vec<(Instant, PathBuf, usize)> = all
        .iter()
        .filter(|(d, (t, _))| d.as_path() != dir && Arc::strong_count(t) == 1)
        .filter_map(|(d, (t, used))| Some((*used, d.clone(), t.try_lock()?.len())))
        .collect();
    let mut held: usize = others.iter().map(|o| o.2).sum();
    others.sort();
    for (_, d, n) in others {
        if held <= budget {
            break;
        }
        all.remove(&d);
        held -= n;
    }
}

/// Drops the keys of UIDs that are not live when the table has grown well
/// past the mailbox's `messages`.
pub fn trim(table: &mut Table, messages: usize, live: impl Fn(u32) -> bool) {
    if table.len() > 2 * messages + 1024 {
        table.retain(|&uid, _| live(uid));
    }
}

/// The order a SORT of a whole mailbox (`ALL`) found, and the state of the
/// view it was found in: the same SORT of an unchanged mailbox (a webmail
/// refreshing its list) is answered from it without sorting again.
#[derive(Clone)]
pub struct Order {
    /// The view's snapshot counter and a hash of its UIDs: any change to
    /// the messages it shows (new, expunged) changes one of them, and the
    /// sort keys of a message never change (its file does not).
    pub state: (u64, u64),
    /// What it was sorted by.
    pub criteria: Vec<SortCriterion>,
    /// (sequence number, UID), in order.
    pub order: Arc<Vec<(u32, u32)>>,
}

/// Mailboxes whose last whole-mailbox order is kept.
const ORDERS: usize = 16;

fn orders() -> &'static Mutex<HashMap<PathBuf, Order>> {
    static ORDERS_KEPT: OnceLock<Mutex<HashMap<PathBuf, Order>>> = OnceLock::new();
    ORDERS_KEPT.get_or_init(|| Mutex::new(HashMap::new()))
}

/// The kept order of the mailbox in `dir` for `criteria` in `state`.
pub fn order(dir: &Path, state: (u64, u64), criteria: &[SortCriterion]) -> Option<Arc<Vec<(u32, u32)>>> {
    let all = orders().lock();
    let o = all.get(dir)?;
    (o.state == state && o.criteria == criteria).then(|| o.order.clone())
}

/// Keeps `order` as the mailbox's last whole-mailbox order (one per
/// mailbox, a few mailboxes: bounded memory).
pub fn keep_order(dir: &Path, o: Order) {
    let mut all = orders().lock();
    if all.len() >= ORDERS && !all.contains_key(dir) {
        all.clear();
    }
    all.insert(dir.to_path_buf(), o);
}

/// The state of a view for [`Order`]: its snapshot counter and a hash of
/// its UIDs (cheap next to a sort: one pass over 4 octets a message).
pub fn view_state(counter: u64, uids: &[u32]) -> (u64, u64) {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &u in uids {
        h = (h ^ u64::from(u)).wrapping_mul(0x0000_0100_0000_01b3);
    }
    (counter, h ^ uids.len() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mailbox_forgotten_loses_its_keys_and_its_kept_order() {
        let dir = Path::new("/nonexistent/memo-forgotten");
        table(dir).lock().insert(7, (1, Arc::default()));
        keep_order(dir, Order { state: (1, 2), criteria: Vec::new(), order: Arc::new(vec![(1, 7)]) });
        assert!(order(dir, (1, 2), &[]).is_some());
        forget(dir);
        assert!(order(dir, (1, 2), &[]).is_none());
        assert!(table(dir).lock().is_empty());
    }

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

    #[test]
    fn other_mailboxes_tables_stay_within_the_budget() {
        let fill = |n: u32| -> Arc<Mutex<Table>> {
            Arc::new(Mutex::new((0..n).map(|u| (u, (0, Arc::new(Keys::default())))).collect()))
        };
        let t0 = Instant::now();
        let at = |ms: u64| t0 + std::time::Duration::from_millis(ms);
        let mut all: Tables = HashMap::new();
        all.insert("/old".into(), (fill(60), at(1)));
        all.insert("/mid".into(), (fill(50), at(2)));
        all.insert("/new".into(), (fill(40), at(3)));
        let busy = fill(500);
        all.insert("/busy".into(), (busy.clone(), at(0)));
        all.insert("/now".into(), (fill(1000), at(4)));
        // Others hold 60 + 50 + 40 (and 500 in use): the oldest go first, down to 50.
        keep_within(&mut all, Path::new("/now"), 50);
        let mut left: Vec<&str> = all.keys().map(|p| p.to_str().unwrap()).collect();
        left.sort();
        assert_eq!(left, vec!["/busy", "/new", "/now"], "the table being sorted and one in use stay");
        keep_within(&mut all, Path::new("/now"), 50);
        assert_eq!(all.len(), 3, "within the budget nothing more goes");
        drop(busy);
        keep_within(&mut all, Path::new("/now"), 50);
        assert!(all.contains_key(Path::new("/new")) && !all.contains_key(Path::new("/busy")));
    }

    #[test]
    fn a_kept_order_answers_only_the_same_sort_of_the_same_view() {
        use crate::proto::command::SortKey;
        let dir = Path::new("/nonexistent/memo-order");
        let by_date = [SortCriterion { reverse: false, key: SortKey::Date }];
        let by_subject = [SortCriterion { reverse: false, key: SortKey::Subject }];
        let state = view_state(7, &[1, 2, 3]);
        keep_order(dir, Order { state, criteria: by_date.to_vec(), order: Arc::new(vec![(2, 2), (1, 1), (3, 3)]) });
        assert_eq!(order(dir, state, &by_date).unwrap().as_slice(), &[(2, 2), (1, 1), (3, 3)]);
        assert!(order(dir, state, &by_subject).is_none(), "other criteria");
        assert!(order(dir, view_state(8, &[1, 2, 3]), &by_date).is_none(), "the mailbox changed");
        assert!(order(dir, view_state(7, &[1, 2]), &by_date).is_none(), "the view differs");
        assert!(order(Path::new("/nonexistent/other"), state, &by_date).is_none());
    }
}

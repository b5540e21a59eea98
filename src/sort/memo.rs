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
//!
//! The [`Memo`] is the server's, held in `Shared` (not a process global).
//! What it keeps for a mailbox is tied to the store's state of it (a weak
//! handle): once the store has dropped that state (nobody had it open and
//! others needed the room), the next SORT of the mailbox starts afresh, as
//! the store's own UID list may have been made anew.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Weak};
use std::time::Instant;

use parking_lot::Mutex;

use super::Keys;
use crate::proto::command::SortCriterion;
use crate::store::MailboxShared;

/// The keys of one mailbox's messages: UID to (stamp, keys).
pub type Table = HashMap<u32, (u64, Arc<Keys>)>;

/// Keys kept for the mailboxes other than the one being sorted.
pub const BUDGET: usize = 20_000;

type Tables = HashMap<PathBuf, (Arc<Mutex<Table>>, Instant)>;

/// The sort keys and kept orders of one server's mailboxes.
#[derive(Default)]
pub struct Memo {
    /// Per mailbox directory: the store's state it was made with, the table.
    tables: Mutex<(HashMap<PathBuf, Weak<MailboxShared>>, Tables)>,
    orders: Mutex<HashMap<PathBuf, (Weak<MailboxShared>, Order)>>,
}

/// Whether `kept` is the store's state `mailbox` (and not a former one of
/// the same directory, dropped since).
fn same(kept: &Weak<MailboxShared>, mailbox: &Arc<MailboxShared>) -> bool {
    std::ptr::eq(kept.as_ptr(), Arc::as_ptr(mailbox))
}

impl Memo {
    /// The table of `mailbox` (made empty the first time, and again when
    /// the store's state of it was dropped and made anew).
    pub fn table(&self, mailbox: &Arc<MailboxShared>) -> Arc<Mutex<Table>> {
        let dir = mailbox.dir();
        let mut guard = self.tables.lock();
        let (states, all) = &mut *guard;
        let state = states.entry(dir.to_path_buf()).or_default();
        if !same(state, mailbox) {
            *state = Arc::downgrade(mailbox);
            all.remove(dir);
        }
        let t = {
            let (t, used) = all.entry(dir.to_path_buf()).or_insert_with(|| (Arc::default(), Instant::now()));
            *used = Instant::now();
            t.clone()
        };
        // The tables of mailboxes the store has dropped go (their keys
        // would be made again anyway), then the oldest past the budget.
        states.retain(|_, kept| kept.strong_count() > 0);
        all.retain(|d, _| states.contains_key(d));
        keep_within(all, dir, BUDGET);
        states.retain(|d, _| all.contains_key(d));
        t
    }

    /// The kept order of `mailbox` for `criteria` in `state`.
    pub fn order(
        &self,
        mailbox: &Arc<MailboxShared>,
        state: (u64, u64),
        criteria: &[SortCriterion],
    ) -> Option<Arc<Vec<(u32, u32)>>> {
        let all = self.orders.lock();
        let (kept, o) = all.get(mailbox.dir())?;
        (same(kept, mailbox) && o.state == state && o.criteria == criteria).then(|| o.order.clone())
    }

    /// Keeps `o` as the mailbox's last whole-mailbox order (one per
    /// mailbox, a few mailboxes: bounded memory).
    pub fn keep_order(&self, mailbox: &Arc<MailboxShared>, o: Order) {
        let dir = mailbox.dir();
        let mut all = self.orders.lock();
        if all.len() >= ORDERS && !all.contains_key(dir) {
            all.clear();
        }
        all.insert(dir.to_path_buf(), (Arc::downgrade(mailbox), o));
    }
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

    fn mailbox(dir: &str) -> Arc<MailboxShared> {
        Arc::new(MailboxShared::new(dir.into()))
    }

    #[test]
    fn a_mailbox_the_store_dropped_loses_its_keys_and_its_kept_order() {
        let memo = Memo::default();
        let old = mailbox("/nonexistent/memo-forgotten");
        memo.table(&old).lock().insert(7, (1, Arc::default()));
        memo.keep_order(&old, Order { state: (1, 2), criteria: Vec::new(), order: Arc::new(vec![(1, 7)]) });
        assert!(memo.order(&old, (1, 2), &[]).is_some());
        assert!(memo.table(&old).lock().contains_key(&7));
        // The store dropped its state and made it anew: same directory.
        drop(old);
        let new = mailbox("/nonexistent/memo-forgotten");
        assert!(memo.order(&new, (1, 2), &[]).is_none());
        assert!(memo.table(&new).lock().is_empty());
        // Nor is the table of a dropped mailbox kept until its next SORT.
        let gone = mailbox("/nonexistent/memo-gone");
        memo.table(&gone).lock().insert(1, (1, Arc::default()));
        drop(gone);
        memo.table(&new);
        assert_eq!(memo.tables.lock().1.len(), 1);
    }

    #[test]
    fn each_server_has_its_own_memo() {
        let (one, two) = (Memo::default(), Memo::default());
        let mb = mailbox("/nonexistent/memo-servers");
        one.table(&mb).lock().insert(1, (7, Arc::new(Keys::default())));
        one.keep_order(&mb, Order { state: (1, 2), criteria: Vec::new(), order: Arc::new(vec![(1, 1)]) });
        assert!(two.table(&mb).lock().is_empty());
        assert!(two.order(&mb, (1, 2), &[]).is_none());
    }

    #[test]
    fn tables_are_per_directory_and_trimmed() {
        let memo = Memo::default();
        let (ma, mb) = (mailbox("/nonexistent/memo-a"), mailbox("/nonexistent/memo-b"));
        let a = memo.table(&ma);
        let b = memo.table(&mb);
        a.lock().insert(1, (7, Arc::new(Keys::default())));
        assert!(b.lock().is_empty());
        assert!(memo.table(&ma).lock().contains_key(&1));
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
        let memo = Memo::default();
        let dir = mailbox("/nonexistent/memo-order");
        let other = mailbox("/nonexistent/other");
        let by_date = [SortCriterion { reverse: false, key: SortKey::Date }];
        let by_subject = [SortCriterion { reverse: false, key: SortKey::Subject }];
        let state = view_state(7, &[1, 2, 3]);
        let order = Arc::new(vec![(2, 2), (1, 1), (3, 3)]);
        memo.keep_order(&dir, Order { state, criteria: by_date.to_vec(), order });
        assert_eq!(memo.order(&dir, state, &by_date).unwrap().as_slice(), &[(2, 2), (1, 1), (3, 3)]);
        assert!(memo.order(&dir, state, &by_subject).is_none(), "other criteria");
        assert!(memo.order(&dir, view_state(8, &[1, 2, 3]), &by_date).is_none(), "the mailbox changed");
        assert!(memo.order(&dir, view_state(7, &[1, 2]), &by_date).is_none(), "the view differs");
        assert!(memo.order(&other, state, &by_date).is_none());
    }
}

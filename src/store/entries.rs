//! The message list of a mailbox as shared chunks, so that publishing a
//! change costs O(chunks + one chunk), not O(messages).
//!
//! A snapshot and the writer's working copy share every chunk; a change
//! copies only the chunk it touches (`Arc::make_mut`). UIDs increase
//! across the whole list.

use std::sync::Arc;

use super::filename::{self, Flags};

/// One message of a mailbox.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// The message's UID.
    pub uid: u32,
    /// Its current file name in `cur/` (changes with the flags); shared,
    /// so that the copy of a chunk a change makes (`Arc::make_mut`) costs
    /// no allocation per message.
    pub file: Arc<str>,
    /// Its flags, from the file name.
    pub flags: Flags,
    /// File size in bytes (from `,S=` or a stat).
    pub size: u64,
    /// Size with CRLF line ends, when the file name says (`,W=`).
    pub vsize: Option<u64>,
    /// INTERNALDATE: the file's mtime, seconds since the epoch, or
    /// [`UNKNOWN_DATE`](super::model::UNKNOWN_DATE) until asked for: a
    /// first scan of a large mailbox reads no inode when the file names
    /// carry the sizes. Read it with `MailboxShared::internal_date`.
    pub internal_date: i64,
    /// The mod-sequence of its last change (RFC 7162).
    pub modseq: u64,
}

impl Entry {
    /// The base name, which identifies the message across flag changes.
    pub fn base(&self) -> &str {
        filename::base_of(&self.file)
    }
}

/// Entries per chunk when a list is built or a chunk splits.
const CHUNK: usize = 256;

/// UID-ordered entries in shared chunks.
#[derive(Clone, Debug, Default)]
pub struct Entries {
    chunks: Vec<Arc<Vec<Entry>>>,
    len: usize,
}

impl PartialEq for Entries {
    fn eq(&self, other: &Entries) -> bool {
        self.len == other.len && self.iter().eq(other.iter())
    }
}

impl Eq for Entries {}

impl FromIterator<Entry> for Entries {
    fn from_iter<I: IntoIterator<Item = Entry>>(iter: I) -> Entries {
        let mut out = Entries::default();
        for e in iter {
            out.push(e);
        }
        out
    }
}

impl std::ops::Index<usize> for Entries {
    type Output = Entry;
    fn index(&self, mut i: usize) -> &Entry {
        for c in &self.chunks {
            if i < c.len() {
                return &c[i];
            }
            i -= c.len();
        }
        panic!("entry index {i} out of range")
    }
}

impl Entries {
    /// Number of messages.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Every entry in UID order.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &Entry> + '_ {
        self.chunks.iter().flat_map(|c| c.iter())
    }

    /// The entry with the highest UID.
    pub fn last(&self) -> Option<&Entry> {
        self.chunks.last().and_then(|c| c.last())
    }

    /// The chunk that holds `uid` if it is anywhere: the first whose last
    /// UID is not below it.
    fn chunk_of(&self, uid: u32) -> usize {
        self.chunks.partition_point(|c| c.last().is_some_and(|e| e.uid < uid))
    }

    /// The entry with this UID.
    pub fn find(&self, uid: u32) -> Option<&Entry> {
        let c = self.chunks.get(self.chunk_of(uid))?;
        c.binary_search_by_key(&uid, |e| e.uid).ok().map(|i| &c[i])
    }

    /// The entry with this UID, for changing it (copies its chunk when a
    /// snapshot shares it).
    pub fn find_mut(&mut self, uid: u32) -> Option<&mut Entry> {
        let ci = self.chunk_of(uid);
        let c = self.chunks.get_mut(ci)?;
        let i = c.binary_search_by_key(&uid, |e| e.uid).ok()?;
        Some(&mut Arc::make_mut(c)[i])
    }

    /// Entries with a UID above `uid`, in order.
    pub fn after(&self, uid: u32) -> impl Iterator<Item = &Entry> + '_ {
        let ci = self.chunk_of(uid.saturating_add(1));
        self.chunks[ci.min(self.chunks.len())..].iter().flat_map(|c| c.iter()).skip_while(move |e| e.uid <= uid)
    }

    /// Adds an entry whose UID is above every other.
    pub fn push(&mut self, e: Entry) {
        debug_assert!(self.last().is_none_or(|l| l.uid < e.uid));
        match self.chunks.last_mut() {
            Some(c) if c.len() < CHUNK => Arc::make_mut(c).push(e),
            _ => self.chunks.push(Arc::new(vec![e])),
        }
        self.len += 1;
    }

    /// Removes the entry with this UID; returns it.
    pub fn remove(&mut self, uid: u32) -> Option<Entry> {
        let ci = self.chunk_of(uid);
        let c = self.chunks.get_mut(ci)?;
        let i = c.binary_search_by_key(&uid, |e| e.uid).ok()?;
        let e = Arc::make_mut(c).remove(i);
        if c.is_empty() {
            self.chunks.remove(ci);
        }
        self.len -= 1;
        Some(e)
    }

    /// Applies `f` to every entry that `pick` selects, copying only the
    /// chunks that hold one.
    pub fn update_where(&mut self, pick: impl Fn(&Entry) -> bool, mut f: impl FnMut(&mut Entry)) {
        for c in &mut self.chunks {
            if c.iter().any(&pick) {
                for e in Arc::make_mut(c).iter_mut().filter(|e| pick(e)) {
                    f(e);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::filename::Flags;

    fn entry(uid: u32) -> Entry {
        Entry {
            uid,
            file: format!("f{uid}").into(),
            flags: Flags::default(),
            size: 1,
            vsize: None,
            internal_date: 0,
            modseq: 1,
        }
    }

    #[test]
    fn chunks_are_shared_until_changed() {
        let mut a: Entries = (1..=1000).map(|u| entry(u * 2)).collect();
        assert_eq!(a.len(), 1000);
        assert_eq!(a.find(500).unwrap().uid, 500);
        assert!(a.find(501).is_none() && a.find(0).is_none() && a.find(5000).is_none());
        let snap = a.clone();
        a.find_mut(500).unwrap().size = 7;
        assert_eq!(snap.find(500).unwrap().size, 1, "the snapshot keeps its copy");
        let shared = a.chunks.iter().zip(&snap.chunks).filter(|(x, y)| Arc::ptr_eq(x, y)).count();
        assert_eq!(shared, a.chunks.len() - 1, "only one chunk was copied");
        assert_eq!(a.remove(2).unwrap().uid, 2);
        assert!(a.remove(2).is_none());
        a.push(entry(3000));
        assert_eq!(a.len(), 1000);
        assert_eq!(a.after(1995).map(|e| e.uid).collect::<Vec<_>>(), vec![1996, 1998, 2000, 3000]);
        assert_eq!(a.after(0).count(), 1000);
        assert_eq!(a[0].uid, 4);
        assert_eq!(a.last().unwrap().uid, 3000);
        for u in (2..=512).step_by(2) {
            a.remove(u);
        }
        assert_eq!(a.iter().next().unwrap().uid, 514);
        assert_eq!(a.find(514).unwrap().uid, 514);
        a.update_where(|e| e.uid == 3000, |e| e.size = 9);
        assert_eq!(a.find(3000).unwrap().size, 9);
    }
}

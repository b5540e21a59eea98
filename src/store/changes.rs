//! The change log of a mailbox: every change (a new message, a flag
//! change, an expunge) with the mod-sequence it got, so that a session's
//! view applies the changes since the last one it saw instead of comparing
//! every message (the idea of Dovecot's transaction log).

use std::collections::VecDeque;

/// What happened to a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeKind {
    /// It arrived.
    New,
    /// Its flags changed.
    Flags,
    /// It was expunged.
    Expunged,
}

/// One change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Change {
    /// The mod-sequence the change got.
    pub modseq: u64,
    /// The message.
    pub uid: u32,
    /// What happened.
    pub kind: ChangeKind,
}

/// How many changes the log keeps in memory; a view further behind
/// compares its whole list once instead.
const KEEP: usize = 8192;

/// The recent changes, oldest first, mod-sequences increasing.
#[derive(Debug, Default)]
pub struct ChangeLog {
    changes: VecDeque<Change>,
    /// Changes up to this mod-sequence are no longer all in the log.
    floor: u64,
}

impl ChangeLog {
    /// Adds changes (mod-sequences above every one in the log).
    pub fn extend(&mut self, new: impl IntoIterator<Item = Change>) {
        self.changes.extend(new);
        while self.changes.len() > KEEP {
            if let Some(c) = self.changes.pop_front() {
                self.floor = c.modseq;
            }
        }
    }

    /// The changes with a mod-sequence in `(from, to]`; `None` when some
    /// of them are no longer kept (or the log started after `from`).
    pub fn between(&self, from: u64, to: u64) -> Option<Vec<Change>> {
        if from < self.floor {
            return None;
        }
        let start = self.changes.partition_point(|c| c.modseq <= from);
        Some(self.changes.range(start..).take_while(|c| c.modseq <= to).copied().collect())
    }

    /// Starts the log afresh at `modseq` (a new picture of the mailbox
    /// that no change leads to).
    pub fn restart(&mut self, modseq: u64) {
        self.changes.clear();
        self.floor = modseq;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn between_and_forgetting() {
        let mut log = ChangeLog::default();
        log.restart(10);
        let c = |m, uid| Change { modseq: m, uid, kind: ChangeKind::Flags };
        log.extend([c(11, 1), c(12, 2), c(13, 1)]);
        assert_eq!(log.between(10, 13).unwrap().len(), 3);
        assert_eq!(log.between(11, 12).unwrap(), vec![c(12, 2)]);
        assert_eq!(log.between(13, 13).unwrap(), vec![]);
        assert!(log.between(9, 13).is_none());
        log.extend((14..14 + KEEP as u64).map(|m| c(m, 3)));
        assert!(log.between(10, 20).is_none());
        assert!(log.between(14, 20).is_some());
    }
}

//! Group commit: the writers of one mailbox share the directory fsync.
//!
//! A change (APPEND, COPY into the mailbox, STORE, EXPUNGE) is queued as a
//! job. Whichever of the waiting writers gets the mailbox's turn first runs
//! every queued job under the mutex, one after the other (renames, unlinks,
//! UIDs), then fsyncs `cur/` once, writes the uid list once (under the
//! dotlock, taken once for the batch), and publishes once; the others find
//! their results waiting when their turn comes. While one batch waits for
//! its fsync, the next gathers. Durability is as for a writer alone: no
//! job's result is handed out, and no view sees its change, before the
//! fsync and the uid list write of its batch are done.

use std::sync::Arc;

use parking_lot::Mutex;

use super::{Commit, Disk, Fail, Finish, Job, MailboxShared};
use crate::store::error::{Result, StoreError};
use crate::store::lock::{sync_dir, DotLock};
use crate::store::shared_storage;

impl Commit {
    /// Takes the uid list dotlock for the rest of the batch (once).
    pub fn dotlock(&mut self, mb: &MailboxShared) -> Result<()> {
        if self.lock.is_none() {
            self.lock = Some(DotLock::acquire(mb.dir())?);
        }
        Ok(())
    }
}

impl MailboxShared {
    /// Runs `job` with the mailbox's mutex held, in a batch with whatever
    /// other changes are waiting (see the module comment); returns its
    /// result once the batch is on disk and published.
    pub(crate) fn commit_job<R: Send + 'static>(
        &self,
        job: impl FnOnce(&MailboxShared, &mut Disk, &mut Commit) -> Result<R> + Send + 'static,
    ) -> Result<R> {
        let slot: Arc<Mutex<Option<Result<R>>>> = Arc::new(Mutex::new(None));
        let (mine, failed) = (slot.clone(), slot.clone());
        let run: Job = Box::new(move |mb, disk, commit| {
            let result = job(mb, disk, commit);
            Box::new(move |batch_error: Option<&StoreError>| {
                *mine.lock() = Some(match (result, batch_error) {
                    (Ok(_), Some(e)) => Err(e.duplicate()),
                    (r, _) => r,
                });
            })
        });
        let fail: Fail = Box::new(move |e: &StoreError| *failed.lock() = Some(Err(e.duplicate())));
        self.jobs.lock().waiting.push((run, fail));
        // One committer at a time; whoever comes next takes the queue.
        let _turn = self.commit_turn.lock();
        if let Some(r) = slot.lock().take() {
            return r;
        }
        self.commit_batch();
        let result = slot.lock().take();
        result.unwrap_or_else(|| Err(StoreError::Corrupt("a change was lost from its queue".into())))
    }

    /// Commits every queued job (the caller has the turn).
    fn commit_batch(&self) {
        let batch = std::mem::take(&mut self.jobs.lock().waiting);
        let mut disk = match self.lock_disk() {
            Ok(d) => d,
            Err(e) => {
                for (_, fail) in batch {
                    fail(&e);
                }
                return;
            }
        };
        let n = batch.len() as u64;
        let mut commit = Commit::default();
        let finishers: Vec<Finish> = batch.into_iter().map(|(run, _)| run(self, &mut disk, &mut commit)).collect();
        let error = self.end_batch(&mut disk, &mut commit).err();
        if error.is_none() {
            self.publish(&mut disk, &commit.recent);
        }
        drop(disk);
        {
            let mut q = self.jobs.lock();
            q.batches += 1;
            q.jobs += n;
        }
        for finish in finishers {
            finish(error.as_ref());
        }
    }

    /// The end of a batch: one fsync of `cur/`, then the uid list written
    /// (which releases the dotlock).
    fn end_batch(&self, disk: &mut Disk, commit: &mut Commit) -> Result<()> {
        if commit.sync_cur {
            sync_dir(&self.dir().join("cur"))?;
            // A flag rename may have taken a message out of new/.
            let new = self.dir().join("new");
            shared_storage::sync_dir(&new).map_err(|e| StoreError::io("syncing new/", e))?;
        }
        if commit.list_dirty {
            return self.save_list_locking(disk, commit.lock.take());
        }
        Ok(())
    }

    /// Batches committed so far and the jobs they held (for tests).
    pub fn batches(&self) -> (u64, u64) {
        let q = self.jobs.lock();
        (q.batches, q.jobs)
    }
}

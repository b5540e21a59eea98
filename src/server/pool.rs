//! The bounded worker pool: at most `cap` sessions run at once (the Maximum
//! Number of Channels). Threads are started as needed, reused, and retired
//! after a minute idle. A session over the cap is refused at once, never
//! queued, so a client learns to retry instead of hanging.

use std::cell::Cell;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};
use parking_lot::Mutex;

/// A unit of work: one session.
pub type Job = Box<dyn FnOnce() + Send + 'static>;

/// A unit of work that may free its channel before it returns.
pub type PlacedJob = Box<dyn FnOnce(&Place) + Send + 'static>;

/// The channel a running job holds. It is freed when the job returns, or
/// earlier by [`Place::release`]: a session frees it before its client can
/// see the connection close, so a client that reconnects at once is never
/// refused because of its own finished session.
pub struct Place {
    inner: Arc<Inner>,
    held: Cell<bool>,
}

impl Place {
    /// Frees the channel now (later calls do nothing).
    pub fn release(&self) {
        if self.held.replace(false) {
            self.inner.state.lock().active -= 1;
        }
    }
}

#[derive(Default)]
struct State {
    /// Jobs accepted and not finished.
    active: usize,
    /// Threads waiting for a job.
    idle: usize,
    /// Threads alive.
    threads: usize,
}

struct Inner {
    cap: usize,
    state: Mutex<State>,
    tx: Sender<PlacedJob>,
    rx: Receiver<PlacedJob>,
}

/// The pool; cheap to clone.
#[derive(Clone)]
pub struct Pool {
    inner: Arc<Inner>,
}

/// How long an idle worker thread waits before it exits.
const IDLE_RETIRE: Duration = Duration::from_secs(60);

impl Pool {
    /// A pool running at most `cap` jobs at once.
    pub fn new(cap: usize) -> Pool {
        let (tx, rx) = crossbeam_channel::unbounded();
        Pool { inner: Arc::new(Inner { cap, state: Mutex::new(State::default()), tx, rx }) }
    }

    /// Takes a place for one job, or says the cap is reached. Every place
    /// taken must be handed to [`Pool::run_reserved`].
    pub fn try_reserve(&self) -> bool {
        let mut st = self.inner.state.lock();
        if st.active >= self.inner.cap {
            return false;
        }
        st.active += 1;
        true
    }

    /// Runs `job` in a place taken by [`Pool::try_reserve`].
    pub fn run_reserved(&self, job: PlacedJob) {
        let mut st = self.inner.state.lock();
        if st.idle > 0 {
            st.idle -= 1;
        } else {
            st.threads += 1;
            let inner = self.inner.clone();
            let spawned = thread::Builder::new().name("tegami-worker".into()).spawn(move || worker(inner));
            if let Err(e) = spawned {
                log::warn!("cannot start a worker thread: {e}");
                st.threads -= 1;
                st.active -= 1;
                return;
            }
        }
        // Sent under the lock so a retiring worker sees the queue non-empty.
        // The receiver lives as long as `inner`, so the send cannot fail.
        let _ = self.inner.tx.send(job);
    }

    /// Runs `job` on a worker, or gives it back when the cap is reached.
    pub fn try_run(&self, job: Job) -> Result<(), Job> {
        if !self.try_reserve() {
            return Err(job);
        }
        self.run_reserved(Box::new(move |_| job()));
        Ok(())
    }

    /// Jobs running now.
    pub fn active(&self) -> usize {
        self.inner.state.lock().active
    }

    /// Worker threads alive now.
    pub fn threads(&self) -> usize {
        self.inner.state.lock().threads
    }
}

fn worker(inner: Arc<Inner>) {
    loop {
        match inner.rx.recv_timeout(IDLE_RETIRE) {
            Ok(job) => {
                let place = Place { inner: inner.clone(), held: Cell::new(true) };
                if catch_unwind(AssertUnwindSafe(|| job(&place))).is_err() {
                    log::warn!("a session ended with a panic; its channel is freed");
                }
                // Root's identity for the next job, however this one ended
                // (the session's own guard does it too).
                crate::auth::identity::restore();
                // One lock for both, so a new job never sees the place free
                // and no thread idle, and starts a needless thread.
                let mut st = inner.state.lock();
                if place.held.replace(false) {
                    st.active -= 1;
                }
                st.idle += 1;
            }
            Err(RecvTimeoutError::Timeout) => {
                let mut st = inner.state.lock();
                if st.idle > 0 && inner.rx.is_empty() {
                    st.idle -= 1;
                    st.threads -= 1;
                    return;
                }
            }
            Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;

    #[test]
    fn over_the_cap_is_refused_and_a_finished_job_frees_its_place() {
        let pool = Pool::new(2);
        let (release_tx, release_rx) = crossbeam_channel::unbounded::<()>();
        let (done_tx, done_rx) = mpsc::channel();
        for _ in 0..2 {
            let (r, d) = (release_rx.clone(), done_tx.clone());
            assert!(pool
                .try_run(Box::new(move || {
                    r.recv().unwrap();
                    d.send(()).unwrap();
                }))
                .is_ok());
        }
        assert!(pool.try_run(Box::new(|| {})).is_err());
        release_tx.send(()).unwrap();
        done_rx.recv().unwrap();
        // The worker records the end right after the job returns.
        while pool.active() > 1 {
            thread::yield_now();
        }
        assert!(pool.try_run(Box::new(|| {})).is_ok());
        release_tx.send(()).unwrap();
    }

    #[test]
    fn a_panicking_job_frees_its_place() {
        let pool = Pool::new(1);
        assert!(pool.try_run(Box::new(|| panic!("session bug"))).is_ok());
        while pool.active() > 0 {
            thread::yield_now();
        }
        let (tx, rx) = mpsc::channel();
        assert!(pool.try_run(Box::new(move || tx.send(7).unwrap())).is_ok());
        assert_eq!(rx.recv().unwrap(), 7);
        assert_eq!(pool.threads(), 1, "the thread is reused");
    }

    #[test]
    fn a_job_can_free_its_place_before_it_returns() {
        let pool = Pool::new(1);
        assert!(pool.try_reserve());
        let (go_tx, go_rx) = mpsc::channel::<()>();
        let (freed_tx, freed_rx) = mpsc::channel();
        pool.run_reserved(Box::new(move |place| {
            place.release();
            place.release();
            freed_tx.send(()).unwrap();
            go_rx.recv().unwrap();
        }));
        freed_rx.recv().unwrap();
        assert_eq!(pool.active(), 0, "freed while the job still runs");
        assert!(pool.try_reserve());
        go_tx.send(()).unwrap();
        pool.run_reserved(Box::new(|_| {}));
        while pool.active() > 0 {
            thread::yield_now();
        }
    }
}

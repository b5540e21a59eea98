//! Listener threads and the bounded worker pool.

//! Benchmarks that compare tegami with Dovecot on the same corpus and load.
//!
//! `bench-corpus` writes the accounts' maildirs (deterministic from a seed),
//! `bench-load` drives one running server through every scenario and prints
//! `RESULT` lines, and `bench-load table` turns the lines of several rounds
//! into the comparison table. `contrib/bench/compare` runs the whole thing.

pub mod corpus;
pub mod fulltext;
pub mod headers;
pub mod history;
pub mod imap;
pub mod load;
pub mod load_session;
pub mod mem;
pub mod rng;
pub mod scenarios;
pub mod sizes;
pub mod table;

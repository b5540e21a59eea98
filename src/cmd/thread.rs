//! THREAD and UID THREAD (RFC 5256) with ORDEREDSUBJECT, REFERENCES and
//! REFS. The search runs as SEARCH's does; the threading fields come from
//! the cached header fields, so a second THREAD opens no file.

use super::messages::{self, Want};
use super::search::program;
use super::{Outcome, Reply};
use crate::proto::command::{SearchKey, ThreadAlgorithm};
use crate::session::Session;
use crate::thread::{self, Algorithm, Item};

/// THREAD / UID THREAD.
pub fn thread(s: &mut Session, uid: bool, algorithm: &ThreadAlgorithm, charset: &str, key: &SearchKey) -> Outcome {
    let algorithm = match algorithm {
        ThreadAlgorithm::OrderedSubject => Algorithm::OrderedSubject,
        ThreadAlgorithm::References => Algorithm::References,
        ThreadAlgorithm::Refs => Algorithm::Refs,
        ThreadAlgorithm::Other(name) => {
            return Err(Reply::Bad(format!(
                "Unknown threading algorithm {name} (ORDEREDSUBJECT, REFERENCES and REFS are supported)"
            )))
        }
    };
    let program = program(s, key, Some(charset))?;
    let found = messages::find(s, &program, Want { internal_date: true, header: true })?;
    let items: Vec<Item<'_>> = found
        .iter()
        .map(|m| Item {
            seq: m.seq,
            id: if uid { m.uid } else { m.seq },
            internal_date: m.internal_date,
            header: &m.header,
        })
        .collect();
    s.untagged(&thread::thread(algorithm, &items));
    Ok(if uid { "UID THREAD completed".into() } else { "THREAD completed".into() })
}

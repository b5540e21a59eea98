//! THREAD and UID THREAD (RFC 5256) with ORDEREDSUBJECT, REFERENCES and
//! REFS. The search runs as SEARCH's does; the threading fields come from
//! the cached header fields, so a second THREAD opens no file.

use super::{Outcome, Reply};
use crate::client::Ctx;
use crate::mail::messages::{self, program, Want};
use crate::proto::command::{SearchKey, ThreadAlgorithm};
use crate::sort;
use crate::thread::{self, Algorithm, Item};

/// THREAD / UID THREAD.
pub fn thread(s: &mut Ctx<'_>, uid: bool, algorithm: &ThreadAlgorithm, charset: &str, key: &SearchKey) -> Outcome {
    let algorithm = match algorithm {
        ThreadAlgorithm::OrderedSubject => Algorithm::OrderedSubject,
        ThreadAlgorithm::References => Algorithm::References,
        ThreadAlgorithm::Refs => Algorithm::Refs,
        ThreadAlgorithm::Other(name) => {
            return Err(Reply::bad(format!(
                "Unknown threading algorithm{} (ORDEREDSUBJECT, REFERENCES and REFS are supported)",
                crate::proto::response::shown(name)
            )))
        }
    };
    let program = program(s.state.saved(), key, Some(charset))?;
    let want = Want { internal_date: false, header: true };
    let found = messages::find(&s.state.view_mut()?.messages(), &program, want, &|_, _| false)?;
    // The sent date falls back to the INTERNALDATE, read only where needed.
    let missing: Vec<usize> = (0..found.len())
        .filter(|&i| sort::field(&found[i].header, "date").and_then(sort::date::date_time).is_none())
        .collect();
    let uids: Vec<u32> = missing.iter().map(|&i| found[i].uid).collect();
    let mut dates = vec![0; found.len()];
    for (i, d) in missing.into_iter().zip(messages::internal_dates(&s.state.view_mut()?.messages(), &uids)) {
        dates[i] = d;
    }
    let items: Vec<Item<'_>> = found
        .iter()
        .zip(&dates)
        .map(|(m, &d)| Item { seq: m.seq, id: if uid { m.uid } else { m.seq }, internal_date: d, header: &m.header })
        .collect();
    s.respond(crate::proto::untagged::Response::Thread(thread::thread(algorithm, &items)));
    Ok(if uid { "UID THREAD completed".into() } else { "THREAD completed".into() })
}

//! APPEND (RFC 3501 6.3.11) with UIDPLUS's APPENDUID (RFC 4315) and
//! MULTIAPPEND (RFC 3502): every message is on disk (tmp/, fsync, rename)
//! before the OK.

use std::time::{Duration, UNIX_EPOCH};

use super::flags::to_store;
use super::names::{self, store_error};
use super::{Outcome, Reply};
use crate::proto::command::{AppendMessage, Mailbox};
use crate::session::Session;
use crate::store::StoreError;

/// APPEND of one or more messages into one mailbox.
pub fn append(s: &mut Session, mailbox: &Mailbox, messages: Vec<AppendMessage>) -> Outcome {
    let name = names::decode(mailbox)?;
    let user = s.user()?;
    let mb = match user.mail.open(&name) {
        Ok(mb) => mb,
        Err(StoreError::NotFound(_)) => {
            return Err(Reply::No(format!("[TRYCREATE] Mailbox does not exist: {}", names::encoded(&name))))
        }
        Err(e) => return Err(store_error(e)),
    };
    let mut uids = Vec::new();
    let mut uidvalidity = 0;
    for m in &messages {
        if m.data.is_empty() {
            return Err(Reply::No("Empty messages cannot be appended".into()));
        }
        if !m.binary && m.data.contains(&0) {
            return Err(Reply::No("[UNKNOWN-CTE] NUL octets in a message need the BINARY extension".into()));
        }
        let (system, keywords) = to_store(&m.flags)?;
        let keywords: Vec<&str> = keywords.iter().map(String::as_str).collect();
        let date = m.date.map(|d| {
            let t = d.to_unix();
            if t >= 0 {
                UNIX_EPOCH + Duration::from_secs(t as u64)
            } else {
                UNIX_EPOCH
            }
        });
        let (v, uid) = mb.append_bytes(&m.data, system, &keywords, date).map_err(store_error)?;
        uidvalidity = v;
        uids.push(uid);
        log::error!("{} appended {} octets to {name} as UID {uid}", s.tag(), m.data.len());
    }
    Ok(format!("[APPENDUID {uidvalidity} {}] APPEND completed", uid_set(&uids)))
}

/// A UID list in `uid-set` form with ranges: `4,7:9`.
pub fn uid_set(uids: &[u32]) -> String {
    let mut out = Vec::new();
    let mut i = 0;
    while i < uids.len() {
        let start = uids[i];
        let mut end = start;
        while i + 1 < uids.len() && uids[i + 1] == end + 1 {
            end += 1;
            i += 1;
        }
        out.push(if start == end { start.to_string() } else { format!("{start}:{end}") });
        i += 1;
    }
    out.join(",")
}

#[cfg(test)]
mod tests {
    use super::uid_set;

    #[test]
    fn uid_sets_compress_runs() {
        assert_eq!(uid_set(&[1, 2, 3, 5, 7, 8]), "1:3,5,7:8");
        assert_eq!(uid_set(&[9]), "9");
        assert_eq!(uid_set(&[]), "");
    }
}

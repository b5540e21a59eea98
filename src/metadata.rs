//! METADATA entries (RFC 5464) on disk: one sidecar per mailbox
//! (`tegami-metadata` in its directory, so RENAME moves and DELETE removes
//! it with the mailbox) and one per account for the server entries
//! (`tegami-metadata-server` at the maildir root). Shared entries are kept
//! once, private ones per user, so the users of a shared mailbox never see
//! each other's private entries.
//!
//! The file is binary-safe: a header line, then one record per entry,
//! `S <length> <entry>\n<value>\n` or `P <length> <user in hex> <entry>\n
//! <value>\n`. Writers hold the file's dotlock while they read, change and
//! atomically replace it (`store::lock`, `store::atomic`).

use std::collections::BTreeMap;
use std::io;
use std::path::Path;

use crate::store::lock::DotLock;
use crate::store::StoreError;

/// The sidecar of a mailbox, in its directory.
pub const MAILBOX_FILE: &str = "tegami-metadata";
/// The sidecar of an account's server entries, at its maildir root.
pub const SERVER_FILE: &str = "tegami-metadata-server";
const HEADER: &[u8] = b"tegami-metadata 1\n";

/// The entries of one mailbox (or of the server): names lowercased, with
/// their `/shared` or `/private` prefix.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Entries {
    /// Shared entries, seen by every user of the mailbox.
    pub shared: BTreeMap<String, Vec<u8>>,
    /// Private entries by user.
    pub private: BTreeMap<String, BTreeMap<String, Vec<u8>>>,
}

impl Entries {
    /// The entries `user` sees under a `/private` (`private`) or `/shared` root.
    pub fn scope(&self, user: &str, private: bool) -> Option<&BTreeMap<String, Vec<u8>>> {
        if private {
            self.private.get(user)
        } else {
            Some(&self.shared)
        }
    }

    /// Sets (`Some`) or deletes (`None`) one entry as `user` sees it.
    pub fn set(&mut self, user: &str, name: &str, value: Option<Vec<u8>>) {
        let map = if crate::proto::metadata::is_private(name) {
            self.private.entry(user.to_string()).or_default()
        } else {
            &mut self.shared
        };
        match value {
            Some(v) => {
                map.insert(name.to_string(), v);
            }
            None => {
                map.remove(name);
            }
        }
        self.private.retain(|_, m| !m.is_empty());
    }
}

/// Reads the entries of `path`; a missing file holds none.
pub fn read(path: &Path) -> io::Result<Entries> {
    match crate::store::atomic::read(path) {
        Ok(data) => parse(&data),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(Entries::default()),
        Err(e) => Err(e),
    }
}

/// Changes the entries of `path` under its dotlock and writes them back
/// when `change` succeeds; `change`'s error leaves the file as it was.
pub fn update<E>(path: &Path, change: impl FnOnce(&mut Entries) -> Result<(), E>) -> Result<Result<(), E>, StoreError> {
    let lock = DotLock::acquire_for(path)?;
    let mut entries = read(path).map_err(|e| StoreError::io(format!("reading {}", path.display()), e))?;
    if let Err(e) = change(&mut entries) {
        return Ok(Err(e));
    }
    lock.commit(&render(&entries))?;
    Ok(Ok(()))
}

fn render(e: &Entries) -> Vec<u8> {
    let mut out = HEADER.to_vec();
    let mut record = |head: String, value: &[u8]| {
        out.extend_from_slice(head.as_bytes());
        out.extend_from_slice(value);
        out.push(b'\n');
    };
    for (name, v) in &e.shared {
        record(format!("S {} {name}\n", v.len()), v);
    }
    for (user, map) in &e.private {
        let hex: String = user.bytes().map(|b| format!("{b:02x}")).collect();
        for (name, v) in map {
            record(format!("P {} {hex} {name}\n", v.len()), v);
        }
    }
    out
}

fn parse(data: &[u8]) -> io::Result<Entries> {
    let bad = |why: &str| io::Error::new(io::ErrorKind::InvalidData, format!("damaged metadata file: {why}"));
    let mut rest = data.strip_prefix(HEADER).ok_or_else(|| bad("no header"))?;
    let mut out = Entries::default();
    while !rest.is_empty() {
        let nl = rest.iter().position(|&b| b == b'\n').ok_or_else(|| bad("unterminated record"))?;
        let head = std::str::from_utf8(&rest[..nl]).map_err(|_| bad("record head not UTF-8"))?;
        let mut words = head.splitn(3, ' ');
        let kind = words.next().unwrap_or("");
        let len: usize = words.next().and_then(|n| n.parse().ok()).ok_or_else(|| bad("no length"))?;
        let body = &rest[nl + 1..];
        if body.len() < len + 1 || body[len] != b'\n' {
            return Err(bad("truncated value"));
        }
        let value = body[..len].to_vec();
        match kind {
            "S" => {
                let name = words.next().ok_or_else(|| bad("no entry name"))?;
                out.shared.insert(name.to_string(), value);
            }
            "P" => {
                let (hex, name) = words.next().and_then(|r| r.split_once(' ')).ok_or_else(|| bad("no entry name"))?;
                let user = unhex(hex).ok_or_else(|| bad("user not in hex"))?;
                out.private.entry(user).or_default().insert(name.to_string(), value);
            }
            _ => return Err(bad("unknown record")),
        }
        rest = &body[len + 1..];
    }
    Ok(out)
}

fn unhex(s: &str) -> Option<String> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    let bytes: Option<Vec<u8>> =
        (0..s.len()).step_by(2).map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok()).collect();
    String::from_utf8(bytes?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_round_trip_with_any_bytes_and_users_apart() {
        let d = tempfile::tempdir().unwrap();
        let path = d.path().join(MAILBOX_FILE);
        assert_eq!(read(&path).unwrap(), Entries::default());
        let r: Result<(), ()> = update(&path, |e| {
            e.set("alice", "/private/comment", Some(b"a\nb\0 c".to_vec()));
            e.set("bob b", "/private/comment", Some(b"bob's".to_vec()));
            e.set("alice", "/shared/comment", Some(Vec::new()));
            Ok(())
        })
        .unwrap();
        assert!(r.is_ok());
        let e = read(&path).unwrap();
        assert_eq!(e.scope("alice", true).unwrap()["/private/comment"], b"a\nb\0 c");
        assert_eq!(e.scope("bob b", true).unwrap()["/private/comment"], b"bob's");
        assert_eq!(e.scope("carol", true), None);
        assert_eq!(e.shared["/shared/comment"], b"");
        // A failed change writes nothing.
        assert_eq!(
            update(&path, |e| {
                e.set("alice", "/shared/comment", None);
                Err("no")
            })
            .unwrap(),
            Err("no")
        );
        assert_eq!(read(&path).unwrap(), e);
        let _ = update::<()>(&path, |e| {
            e.set("bob b", "/private/comment", None);
            Ok(())
        });
        assert!(!read(&path).unwrap().private.contains_key("bob b"));
    }

    #[test]
    fn damaged_files_are_errors() {
        for data in [&b"x"[..], b"tegami-metadata 1\nS 10 /shared/a\nshort\n", b"tegami-metadata 1\nQ 0 /a\n\n"] {
            assert_eq!(parse(data).unwrap_err().kind(), io::ErrorKind::InvalidData);
        }
    }
}

//! What the shared-storage tests share: deliveries as an MTA (or another
//! host) makes them, and messages told apart by their Message-ID.
#![allow(dead_code)]

use std::io::Write;
use std::path::Path;

/// Delivers as an MTA does: written to tmp/, fsynced, renamed into new/,
/// the directory fsynced.
pub fn deliver(maildir: &Path, name: &str, msg: &[u8]) {
    let tmp = maildir.join("tmp").join(name);
    let mut f = std::fs::File::create(&tmp).unwrap();
    f.write_all(msg).unwrap();
    f.sync_all().unwrap();
    std::fs::rename(&tmp, maildir.join("new").join(name)).unwrap();
    std::fs::File::open(maildir.join("new")).unwrap().sync_all().unwrap();
}

/// A small message whose Message-ID (and subject) is `id`.
pub fn with_id(id: &str) -> Vec<u8> {
    format!("From: a@example.org\r\nMessage-ID: <{id}>\r\nSubject: {id}\r\n\r\nBody of {id}.\r\n").into_bytes()
}

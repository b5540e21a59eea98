//! The one error type of the store, mapped by the handlers to RFC 5530 codes.

use std::fmt;
use std::io;

/// Why a store operation failed; each variant maps to one IMAP response code.
#[derive(Debug)]
pub enum StoreError {
    /// The mailbox (or message) does not exist (`NONEXISTENT` / `TRYCREATE`).
    NotFound(String),
    /// The mailbox to create already exists (`ALREADYEXISTS`).
    AlreadyExists(String),
    /// The mailbox has inferior mailboxes and cannot be deleted (`INUSE`-like `NO`).
    HasChildren(String),
    /// The mailbox name is not acceptable; the string says why (`CANNOT`).
    InvalidName(String),
    /// The name would not fit the file system's limits (`LIMIT`).
    TooLong,
    /// The file system refused access (`NOPERM`).
    PermissionDenied(String),
    /// The disk is full (`LIMIT`).
    NoSpace,
    /// The user's disk quota is exhausted (`OVERQUOTA`).
    OverQuota,
    /// Too many keywords for one mailbox: maildir has only 26 letters (`LIMIT`).
    TooManyKeywords,
    /// A store file could not be understood (`SERVERBUG`/`CORRUPTION`).
    Corrupt(String),
    /// Any other I/O failure (`SERVERBUG`), with what was being done.
    Io(String, io::Error),
}

impl StoreError {
    /// Wraps an I/O error with context, turning the kinds that have their own
    /// variant (permission, disk full, quota) into that variant.
    pub fn io(context: impl Into<String>, e: io::Error) -> StoreError {
        let context = context.into();
        match e.raw_os_error() {
            Some(libc::ENOSPC) => return StoreError::NoSpace,
            Some(libc::EDQUOT) => return StoreError::OverQuota,
            _ => {}
        }
        match e.kind() {
            io::ErrorKind::PermissionDenied => StoreError::PermissionDenied(context),
            _ => StoreError::Io(context, e),
        }
    }
}

impl StoreError {
    /// An error of the same kind and text: a failed group commit (see
    /// `mailbox/commit.rs`) tells it to each of its jobs.
    pub fn duplicate(&self) -> StoreError {
        match self {
            StoreError::NotFound(s) => StoreError::NotFound(s.clone()),
            StoreError::AlreadyExists(s) => StoreError::AlreadyExists(s.clone()),
            StoreError::HasChildren(s) => StoreError::HasChildren(s.clone()),
            StoreError::InvalidName(s) => StoreError::InvalidName(s.clone()),
            StoreError::TooLong => StoreError::TooLong,
            StoreError::PermissionDenied(s) => StoreError::PermissionDenied(s.clone()),
            StoreError::NoSpace => StoreError::NoSpace,
            StoreError::OverQuota => StoreError::OverQuota,
            StoreError::TooManyKeywords => StoreError::TooManyKeywords,
            StoreError::Corrupt(s) => StoreError::Corrupt(s.clone()),
            StoreError::Io(s, e) => StoreError::Io(s.clone(), io::Error::new(e.kind(), e.to_string())),
        }
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::NotFound(what) => write!(f, "mailbox does not exist: {what}"),
            StoreError::AlreadyExists(what) => write!(f, "mailbox already exists: {what}"),
            StoreError::HasChildren(what) => {
                write!(f, "mailbox has inferior mailboxes, delete them first: {what}")
            }
            StoreError::InvalidName(why) => write!(f, "invalid mailbox name: {why}"),
            StoreError::TooLong => f.write_str("mailbox name too long for the file system"),
            StoreError::PermissionDenied(what) => write!(f, "permission denied: {what}"),
            StoreError::NoSpace => f.write_str("not enough disk space"),
            StoreError::OverQuota => f.write_str("quota exceeded"),
            StoreError::TooManyKeywords => f.write_str("too many keywords in this mailbox (at most 26)"),
            StoreError::Corrupt(what) => write!(f, "corrupt store file: {what}"),
            StoreError::Io(what, e) => write!(f, "{what}: {e}"),
        }
    }
}

impl std::error::Error for StoreError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            StoreError::Io(_, e) => Some(e),
            _ => None,
        }
    }
}

/// Result type of the store.
pub type Result<T> = std::result::Result<T, StoreError>;

//! One mailbox's index file: SQLite with an FTS5 table on the trigram
//! tokenizer, keyed by UID, and the bookkeeping (UIDVALIDITY, which UIDs
//! are in) in ordinary tables written in the same transactions, so the
//! file is consistent whoever wrote it last.
//!
//! The rollback journal, not WAL: WAL keeps its readers' marks in a
//! memory-mapped `-shm` file, which network file systems (NFS, the shared
//! storage of `--shared-storage`) do not keep coherent between hosts;
//! with the journal, SQLite's POSIX locks on the file alone decide who
//! writes, and a second process waits (busy timeout) instead of failing.

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{params, Connection, ErrorCode, OpenFlags};

use crate::search::document::{Column, Document};
use crate::search::narrow::{Need, MIN_CHARS};
use crate::search::stored::{self, Head};

/// The index's file name in the mailbox directory: no leading dot (not a
/// Maildir++ folder), not in `cur/` or `new/` (not a message, so neither
/// listed nor counted by `maildirsize`), like `tegami.cache`.
pub const FILE: &str = "tegami-search.db";

/// Bumped when what is indexed changes: an index of another version is
/// emptied and built again. 2: the `docs` table; 3: the fingerprint of
/// the indexed UIDs in `meta`.
const VERSION: i64 = 3;

/// Stored texts read in one read transaction at most: each transaction
/// costs a lock, a look for a hot journal and a read of the first page
/// (most of a read on its own), and while it lasts writers wait.
const READS_PER_TRANSACTION: u32 = 256;

/// How long a writer waits for another process's transaction.
const BUSY: Duration = Duration::from_secs(30);

/// SQLite's page cache per open index, in KiB (negative pragma value).
pub const CACHE_KIB: i64 = 2048;

/// The columns of the header table (the text table has one: the header
/// and body text that TEXT and BODY read, without column detail, which
/// keeps it about the size of the messages).
const HEAD_COLUMNS: [Column; 6] = [Column::Fields, Column::Subject, Column::From, Column::To, Column::Cc, Column::Bcc];

/// Trigrams looked up per string at most: enough to make a long string
/// selective; the evaluator confirms candidates anyway.
const MAX_GRAMS: usize = 16;

/// Errors of the index: SQLite's, or the file's.
pub type Result<T> = std::result::Result<T, rusqlite::Error>;

/// An open index of one mailbox.
pub struct Index {
    conn: Connection,
    path: PathBuf,
    uidvalidity: u32,
    /// Stored texts read in the read transaction open now, if any.
    reads: std::cell::Cell<u32>,
}

/// The path of the index of the mailbox directory `dir`.
pub fn path(dir: &Path) -> PathBuf {
    dir.join(FILE)
}

/// Makes the (empty) index file when missing, with the mode its directory
/// calls for (`store::perms`: the index holds mail text, so it is never
/// more readable than the messages); SQLite's journal takes the same mode.
fn make(path: &Path) {
    use std::os::unix::fs::OpenOptionsExt;
    let made = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path);
    if let (Ok(file), Some(dir)) = (made, path.parent()) {
        crate::store::perms::fix_new_file(&file, dir);
    }
}

/// True when `e` says the file is not a usable database (garbage,
/// truncated, a damaged page): it is then replaced.
pub fn damaged(e: &rusqlite::Error) -> bool {
    matches!(e.sqlite_error_code(), Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase))
}

impl Index {
    /// Opens the index of the mailbox directory `dir`, made when missing,
    /// emptied when it was built for another UIDVALIDITY or version, and
    /// replaced by an empty one when it is damaged.
    pub fn open(dir: &Path, uidvalidity: u32) -> Result<Index> {
        let path = path(dir);
        match Index::open_file(&path, uidvalidity) {
            Err(e) if damaged(&e) => {
                log::warn!("search index {} is damaged ({e}): built again", path.display());
                Index::remove(&path);
                Index::open_file(&path, uidvalidity)
            }
            other => other,
        }
    }

    /// Removes the index file and its journal (a new one is made on the
    /// next open; processes that still have the old one open finish with it).
    pub fn remove(path: &Path) {
        let _ = std::fs::remove_file(path);
        let mut journal = path.as_os_str().to_owned();
        journal.push("-journal");
        let _ = std::fs::remove_file(journal);
    }

    fn open_file(path: &Path, uidvalidity: u32) -> Result<Index> {
        make(path);
        // NOFOLLOW: a link planted where the index goes is refused, never
        // written through.
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
            | OpenFlags::SQLITE_OPEN_NOFOLLOW;
        let conn = Connection::open_with_flags(path, flags)?;
        conn.busy_timeout(BUSY)?;
        conn.pragma_update(None, "cache_size", -CACHE_KIB)?;
        // The index can always be built again from the messages: a crash
        // that loses its last transaction costs a re-index, not mail.
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        let mode: String = conn.query_row("PRAGMA journal_mode=DELETE", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("delete") {
            log::warn!("search index {}: journal mode {mode}", path.display());
        }
        let mut index = Index { conn, path: path.to_path_buf(), uidvalidity, reads: Default::default() };
        index.prepare(uidvalidity)?;
        Ok(index)
    }

    /// Makes the tables, and empties them when the file was built for
    /// another UIDVALIDITY or version; one write transaction.
    fn prepare(&mut self, uidvalidity: u32) -> Result<()> {
        let made: i64 = self.conn.query_row(
            "SELECT count(*) FROM sqlite_schema WHERE name IN ('meta', 'indexed', 'docs', 'text', 'heads')",
            [],
            |r| r.get(0),
        )?;
        if made == 5 && self.meta("version")? == Some(VERSION) && self.meta("uidvalidity")? == Some(uidvalidity.into())
        {
            return Ok(());
        }
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let columns: Vec<&str> = HEAD_COLUMNS.iter().map(|c| c.name()).collect();
        tx.execute_batch(&format!(
            "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL);
             CREATE TABLE IF NOT EXISTS indexed(uid INTEGER PRIMARY KEY);
             CREATE TABLE IF NOT EXISTS docs(uid INTEGER PRIMARY KEY, stamp INTEGER NOT NULL,
                 head BLOB NOT NULL, bodies BLOB NOT NULL);
             CREATE VIRTUAL TABLE IF NOT EXISTS text USING fts5(words, tokenize='trigram case_sensitive 1',
                 detail=none, content='', contentless_delete=1);
             CREATE VIRTUAL TABLE IF NOT EXISTS heads USING fts5({}, tokenize='trigram case_sensitive 1',
                 detail=column, content='', contentless_delete=1);",
            columns.join(", ")
        ))?;
        // Checked again inside the transaction: another process may have
        // prepared the file meanwhile.
        let get = |k: &str| -> Result<Option<i64>> {
            let mut st = tx.prepare("SELECT value FROM meta WHERE key = ?1")?;
            let mut rows = st.query(params![k])?;
            Ok(match rows.next()? {
                Some(r) => Some(r.get(0)?),
                None => None,
            })
        };
        if get("version")? != Some(VERSION) || get("uidvalidity")? != Some(uidvalidity.into()) {
            tx.execute_batch(
                "DELETE FROM indexed; DELETE FROM docs; INSERT INTO text(text) VALUES('delete-all');
                 INSERT INTO heads(heads) VALUES('delete-all');",
            )?;
            tx.execute("INSERT OR REPLACE INTO meta(key, value) VALUES('version', ?1)", params![VERSION])?;
            set_fingerprint(&tx, (0, 0))?;
            tx.execute("INSERT OR REPLACE INTO meta(key, value) VALUES('uidvalidity', ?1)", params![uidvalidity])?;
        }
        tx.commit()
    }

    fn meta(&self, key: &str) -> Result<Option<i64>> {
        let mut st = self.conn.prepare_cached("SELECT value FROM meta WHERE key = ?1")?;
        let mut rows = st.query(params![key])?;
        Ok(match rows.next()? {
            Some(r) => Some(r.get(0)?),
            None => None,
        })
    }

    /// The UIDs in the index, ascending.
    pub fn indexed(&self) -> Result<Vec<u32>> {
        let mut st = self.conn.prepare_cached("SELECT uid FROM indexed ORDER BY uid")?;
        let rows = st.query_map([], |r| r.get::<_, u32>(0))?;
        rows.collect()
    }

    /// Whether the index holds exactly the UIDs `uids` (ascending, without
    /// repeats), told by their count and the sum of their [`mix`] kept in
    /// `meta`: one row read instead of every UID, so a SEARCH on a mailbox
    /// whose index is current costs nothing per message here. Two
    /// different sets agree only by a 64-bit coincidence (as the cache's
    /// stamps); then the full comparison of `fts::catch_up` is skipped.
    pub fn holds_exactly(&self, uids: &[u32]) -> Result<bool> {
        let mut st = self.conn.prepare_cached(
            "SELECT (SELECT value FROM meta WHERE key = 'uids_count'), (SELECT value FROM meta WHERE key = 'uids_sum')",
        )?;
        let kept: (Option<i64>, Option<i64>) = st.query_row([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        let (count, sum) = fingerprint(uids.iter().copied());
        Ok(kept == (Some(count), Some(sum)))
    }

    /// The UIDs of `uids` (ascending) not in the index, in one statement.
    pub fn lacking(&self, uids: &[u32]) -> Result<Vec<u32>> {
        let (Some(first), Some(last)) = (uids.first(), uids.last()) else { return Ok(Vec::new()) };
        let mut st = self.conn.prepare_cached("SELECT uid FROM indexed WHERE uid BETWEEN ?1 AND ?2 ORDER BY uid")?;
        let have: Vec<u32> = st.query_map(params![first, last], |r| r.get::<_, u32>(0))?.collect::<Result<_>>()?;
        Ok(uids.iter().copied().filter(|u| have.binary_search(u).is_err()).collect())
    }

    /// Adds `docs` (UID, the stamp of its file, its text) in one
    /// transaction, skipping UIDs another writer added meanwhile; returns
    /// how many were added.
    pub fn add(&mut self, docs: &[(u32, u64, Document)]) -> Result<usize> {
        self.end_reads();
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let mut added = 0;
        let mut fresh = Vec::new();
        {
            let mut mark = tx.prepare_cached("INSERT OR IGNORE INTO indexed(uid) VALUES(?1)")?;
            let mut text = tx.prepare_cached("INSERT INTO text(rowid, words) VALUES(?1, ?2)")?;
            let mut stored =
                tx.prepare_cached("INSERT OR REPLACE INTO docs(uid, stamp, head, bodies) VALUES(?1, ?2, ?3, ?4)")?;
            let mut heads = tx.prepare_cached(
                "INSERT INTO heads(rowid, fields, subject, sender, rcpt_to, rcpt_cc, rcpt_bcc)
                 VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?;
            for (uid, stamp, doc) in docs {
                if mark.execute(params![uid])? == 0 {
                    continue;
                }
                // The stamp's bits as SQLite's signed integer.
                let stamp = i64::from_ne_bytes(stamp.to_ne_bytes());
                stored.execute(params![uid, stamp, doc.head.encode(), stored::encode_bodies(&doc.bodies)])?;
                let t = doc.texts();
                text.execute(params![uid, format!("{}\n{}", t[0], t[1])])?;
                heads.execute(params![uid, t[2], t[3], t[4], t[5], t[6], t[7]])?;
                fresh.push(*uid);
                added += 1;
            }
        }
        let (count, sum) = get_fingerprint(&tx)?;
        let (n, s) = fingerprint(fresh.into_iter());
        set_fingerprint(&tx, (count.wrapping_add(n), sum.wrapping_add(s)))?;
        tx.commit()?;
        Ok(added)
    }

    /// Removes `uids` (expunged messages) in one transaction.
    pub fn remove_uids(&mut self, uids: &[u32]) -> Result<()> {
        self.end_reads();
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let mut left = Vec::new();
        {
            let mut unmark = tx.prepare_cached("DELETE FROM indexed WHERE uid = ?1")?;
            let mut text = tx.prepare_cached("DELETE FROM text WHERE rowid = ?1")?;
            let mut stored = tx.prepare_cached("DELETE FROM docs WHERE uid = ?1")?;
            let mut heads = tx.prepare_cached("DELETE FROM heads WHERE rowid = ?1")?;
            for uid in uids {
                if unmark.execute(params![uid])? > 0 {
                    stored.execute(params![uid])?;
                    text.execute(params![uid])?;
                    heads.execute(params![uid])?;
                    left.push(*uid);
                }
            }
        }
        let (count, sum) = get_fingerprint(&tx)?;
        let (n, s) = fingerprint(left.into_iter());
        set_fingerprint(&tx, (count.wrapping_sub(n), sum.wrapping_sub(s)))?;
        tx.commit()
    }

    /// The indexed UIDs whose text satisfies `need` (and maybe some whose
    /// text does not: the caller's evaluator decides), ascending.
    pub fn matching(&self, need: &Need) -> Result<Vec<u32>> {
        match need {
            Need::Contains(columns, needle) => self.containing(columns, needle),
            Need::All(v) => {
                let mut out: Option<Vec<u32>> = None;
                for n in v {
                    let these = self.matching(n)?;
                    out = Some(match out {
                        None => these,
                        Some(acc) => acc.into_iter().filter(|u| these.binary_search(u).is_ok()).collect(),
                    });
                    if out.as_ref().is_some_and(Vec::is_empty) {
                        break;
                    }
                }
                Ok(out.unwrap_or_default())
            }
            Need::Any(v) => {
                let mut out = Vec::new();
                for n in v {
                    out.extend(self.matching(n)?);
                }
                out.sort_unstable();
                out.dedup();
                Ok(out)
            }
        }
    }

    /// The UIDs whose `columns` may hold `needle`: the full text (TEXT,
    /// BODY) or the header columns.
    fn containing(&self, columns: &[Column], needle: &str) -> Result<Vec<u32>> {
        let in_text = columns.iter().all(|c| matches!(c, Column::Head | Column::Body));
        let (sql, query) = if in_text {
            ("SELECT rowid FROM text WHERE text MATCH ?1 ORDER BY rowid", expression(None, needle))
        } else {
            ("SELECT rowid FROM heads WHERE heads MATCH ?1 ORDER BY rowid", expression(Some(columns), needle))
        };
        let mut st = self.conn.prepare_cached(sql)?;
        let rows = st.query_map(params![query], |r| r.get::<_, u32>(0))?;
        rows.collect()
    }

    /// The stored header text of `uid` when the index holds it for the
    /// file of `stamp` under this index's UIDVALIDITY (checked in the same
    /// statement: another process may have emptied the file meanwhile).
    pub fn head(&self, uid: u32, stamp: u64) -> Option<Head> {
        self.stored(
            "SELECT head FROM docs WHERE uid = ?1 AND stamp = ?2
                     AND (SELECT value FROM meta WHERE key = 'uidvalidity') = ?3",
            uid,
            stamp,
            Head::decode,
        )
    }

    /// The stored body texts of `uid`, as [`Self::head`].
    pub fn bodies(&self, uid: u32, stamp: u64) -> Option<Vec<String>> {
        self.stored(
            "SELECT bodies FROM docs WHERE uid = ?1 AND stamp = ?2
                     AND (SELECT value FROM meta WHERE key = 'uidvalidity') = ?3",
            uid,
            stamp,
            stored::decode_bodies,
        )
    }

    /// One stored blob through `decode`; `None` when absent, unreadable
    /// or not decodable (the evaluator then reads the message).
    /// Ends the read transaction of [`Self::head`] and [`Self::bodies`],
    /// if one is open (writers wait for it).
    pub fn end_reads(&self) {
        if !self.conn.is_autocommit() {
            let _ = self.conn.execute_batch("COMMIT");
        }
    }

    /// Reads share a transaction, [`READS_PER_TRANSACTION`] at a time.
    fn stored<T>(&self, sql: &str, uid: u32, stamp: u64, decode: fn(&[u8]) -> Option<T>) -> Option<T> {
        if self.conn.is_autocommit() && self.conn.execute_batch("BEGIN").is_ok() {
            self.reads.set(0);
        }
        let read = self.stored_once(sql, uid, stamp, decode);
        self.reads.set(self.reads.get() + 1);
        if self.reads.get() >= READS_PER_TRANSACTION {
            self.end_reads();
        }
        read
    }

    fn stored_once<T>(&self, sql: &str, uid: u32, stamp: u64, decode: fn(&[u8]) -> Option<T>) -> Option<T> {
        let stamp = i64::from_ne_bytes(stamp.to_ne_bytes());
        let mut st = self.conn.prepare_cached(sql).ok()?;
        let mut rows = st.query(params![uid, stamp, self.uidvalidity]).ok()?;
        let row = rows.next().ok()??;
        decode(row.get_ref(0).ok()?.as_blob().ok()?)
    }

    /// The size of the index in bytes (its pages).
    pub fn bytes(&self) -> Result<u64> {
        let pages: i64 = self.conn.query_row("PRAGMA page_count", [], |r| r.get(0))?;
        let size: i64 = self.conn.query_row("PRAGMA page_size", [], |r| r.get(0))?;
        Ok(u64::try_from(pages * size).unwrap_or(0))
    }

    /// The index file's path.
    pub fn file(&self) -> &Path {
        &self.path
    }
}

/// A 64-bit mix of a UID (SplitMix64's finalizer), as SQLite's signed
/// integer: summed over a set of UIDs, with its size, the set's
/// fingerprint ([`Index::holds_exactly`]).
fn mix(uid: u32) -> i64 {
    let mut z = u64::from(uid).wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    i64::from_ne_bytes((z ^ (z >> 31)).to_ne_bytes())
}

/// The (count, wrapping sum of [`mix`]) of `uids`.
fn fingerprint(uids: impl Iterator<Item = u32>) -> (i64, i64) {
    uids.fold((0i64, 0i64), |(n, s), u| (n.wrapping_add(1), s.wrapping_add(mix(u))))
}

/// The fingerprint of the indexed UIDs as `meta` keeps it, in `tx`.
fn get_fingerprint(tx: &rusqlite::Transaction<'_>) -> Result<(i64, i64)> {
    tx.query_row(
        "SELECT (SELECT value FROM meta WHERE key = 'uids_count'), (SELECT value FROM meta WHERE key = 'uids_sum')",
        [],
        |r| Ok((r.get::<_, Option<i64>>(0)?.unwrap_or(0), r.get::<_, Option<i64>>(1)?.unwrap_or(0))),
    )
}

/// Writes the fingerprint of the indexed UIDs into `meta`, in `tx`.
fn set_fingerprint(tx: &rusqlite::Transaction<'_>, (count, sum): (i64, i64)) -> Result<()> {
    tx.execute("INSERT OR REPLACE INTO meta(key, value) VALUES('uids_count', ?1)", params![count])?;
    tx.execute("INSERT OR REPLACE INTO meta(key, value) VALUES('uids_sum', ?1)", params![sum])?;
    Ok(())
}

/// The FTS5 query for `needle` (in `columns` of the header table, or in
/// the one column of the text table): the AND of (up to [`MAX_GRAMS`] of)
/// its trigrams. A message holding the string holds each of its
/// trigrams, so nothing that matches is lost; trigrams found apart only
/// add candidates.
pub fn expression(columns: Option<&[Column]>, needle: &str) -> String {
    let spec = match columns {
        Some(columns) => format!("{{{}}} : ", columns.iter().map(|c| c.name()).collect::<Vec<_>>().join(" ")),
        None => String::new(),
    };
    let terms: Vec<String> = trigrams(needle).iter().map(|g| format!("{spec}\"{}\"", g.replace('"', "\"\""))).collect();
    terms.join(" AND ")
}

/// The distinct trigrams of `s` (by characters), at most [`MAX_GRAMS`]
/// of them spread over the string.
fn trigrams(s: &str) -> Vec<String> {
    let chars: Vec<char> = s.chars().collect();
    let mut all: Vec<String> = chars.windows(MIN_CHARS).map(|w| w.iter().collect()).collect();
    let mut seen = std::collections::HashSet::new();
    all.retain(|g| seen.insert(g.clone()));
    if all.len() <= MAX_GRAMS {
        return all;
    }
    let step = all.len() as f64 / MAX_GRAMS as f64;
    (0..MAX_GRAMS).map(|i| all[(i as f64 * step) as usize].clone()).collect()
}

//! The per-mailbox sidecar cache `tegami.cache`: values that are costly to
//! compute from a message (its ENVELOPE, BODY, BODYSTRUCTURE, as opaque
//! bytes: the store does not know what they mean), keyed by UID and checked
//! against the message file, so a second listing of a mailbox reads no
//! message at all.
//!
//! The file is an append-only log: a magic line, then records
//! `uid:u32 field:u8 stamp:u64 len:u32 value checksum:u32` (little endian).
//! The stamp is a hash of the file's base name and size, so a value made
//! for another file never matches. A record that fails its checksum ends
//! the log: the file is cut there and rebuilt as values are asked for
//! again, never trusted. Losing the cache loses nothing but time, so it is
//! written without fsync.
//!
//! Values are read from a read-only map of the file (registered with the
//! SIGBUS guard of [`super::mapped`], since another process may cut the
//! file), so a get is a lookup and a copy, not a system call: a listing of
//! 10,000 messages reads several values each. The map is page cache, not
//! memory of ours; it is renewed only when a value lies past its end.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use super::mapped::Mapped;

/// How many caches may be mapped at once: the guarded maps are a fixed
/// table shared with large messages, and a server with many mailboxes open
/// must leave most of it to them. Caches beyond read their values.
const MAX_MAPS: usize = 256;
static MAPS: AtomicUsize = AtomicUsize::new(0);

/// A cache file's map, counted against [`MAX_MAPS`] while it lives.
struct CacheMap(Mapped);

impl CacheMap {
    /// Maps `file` if a place is free; `None` when not (read instead).
    fn new(file: &File) -> io::Result<Option<CacheMap>> {
        if MAPS.fetch_add(1, Ordering::AcqRel) >= MAX_MAPS {
            MAPS.fetch_sub(1, Ordering::AcqRel);
            return Ok(None);
        }
        match Mapped::map(file) {
            Ok(Some(m)) => Ok(Some(CacheMap(m))),
            other => {
                MAPS.fetch_sub(1, Ordering::AcqRel);
                other.map(|_| None)
            }
        }
    }
}

impl Drop for CacheMap {
    fn drop(&mut self) {
        MAPS.fetch_sub(1, Ordering::AcqRel);
    }
}

impl std::ops::Deref for CacheMap {
    type Target = Mapped;
    fn deref(&self) -> &Mapped {
        &self.0
    }
}

/// The cache file's name inside the mailbox directory.
pub const FILE: &str = "tegami.cache";
const MAGIC: &[u8] = b"TEGAMI-CACHE 1\n";
const HEAD: usize = 4 + 1 + 8 + 4;
/// Largest value kept; bigger ones are recomputed each time.
const MAX_VALUE: usize = 1 << 20;

/// Where a value lies in the file.
#[derive(Clone, Copy, Debug)]
struct Slot {
    stamp: u64,
    offset: u64,
    len: u32,
}

/// An open cache file with its index.
pub struct Cache {
    path: PathBuf,
    file: Option<File>,
    /// The file mapped, as long as it was when mapped (none: not mapped
    /// yet, or it could not be, and values are read with `pread`).
    map: Option<CacheMap>,
    /// What the log held written when it was last mapped: a value past the
    /// map's end renews it only once the log has grown since, so a file
    /// cut by another process costs one map per flush, not one per get.
    mapped_for: u64,
    /// System calls that read the file (maps and reads), for the tests.
    reads: usize,
    index: HashMap<(u32, u8), Slot>,
    /// Where the valid log ends, pending records included.
    end: u64,
    /// Records not written yet: a listing puts several values per message,
    /// and one write per batch is cheaper than one per value.
    pending: Vec<u8>,
    /// Records whose message is gone or whose value was replaced.
    dead: usize,
    /// The fields of the values indexed (few: one per kind of value).
    fields: Vec<u8>,
    /// Values of expunged messages, readable with `get_expunged` until the
    /// next compaction: a session not yet told of an expunge still answers
    /// FETCH from them (RFC 2180 4.1.2). Bounded by `dead`, which
    /// compaction bounds.
    gone: HashMap<(u32, u8), Slot>,
}

/// FNV-1a, 64 bits: stamps and checksums need no cryptographic strength.
fn fnv(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for &b in *p {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h
}

/// The stamp that ties a value to one message file.
pub fn stamp(base: &str, size: u64) -> u64 {
    fnv(&[base.as_bytes(), &size.to_le_bytes()])
}

impl Cache {
    /// Opens (or creates) the cache of the mailbox in `dir`, reading its
    /// index. Any damage is cut off; an unusable file leaves a cache that
    /// keeps nothing, which only costs speed.
    pub fn open(dir: &Path) -> Cache {
        let path = dir.join(FILE);
        let mut cache = Cache {
            path: path.clone(),
            file: None,
            map: None,
            mapped_for: 0,
            reads: 0,
            index: HashMap::new(),
            end: 0,
            pending: Vec::new(),
            dead: 0,
            fields: Vec::new(),
            gone: HashMap::new(),
        };
        let file = match super::atomic::open_in_place(&path) {
            Ok(f) => {
                if f.metadata().is_ok_and(|m| m.len() == 0) {
                    super::perms::fix_new_file(&f, dir);
                }
                f
            }
            Err(e) => {
                log::warn!("{}: cache disabled: {e}", path.display());
                return cache;
            }
        };
        let (good, len) = match cache.load_file(&file) {
            Ok(v) => v,
            Err(e) => {
                log::warn!("{}: cache disabled: {e}", path.display());
                return cache;
            }
        };
        if good != len || len == 0 {
            // The map must not outlive the octets cut below; the first get
            // maps the file again.
            cache.map = None;
            cache.mapped_for = 0;
            if len != 0 {
                log::warn!("{}: damaged after octet {good}, rebuilding from there", path.display());
            }
            let reset =
                if good == 0 { file.set_len(0).and_then(|_| file.write_all_at(MAGIC, 0)) } else { file.set_len(good) };
            if let Err(e) = reset {
                log::warn!("{}: cache disabled: {e}", path.display());
                return cache;
            }
            cache.end = if good == 0 { MAGIC.len() as u64 } else { good };
            if good == 0 {
                cache.index.clear();
                cache.dead = 0;
            }
        }
        cache.file = Some(file);
        cache
    }

    /// Maps `file` (or reads it, when it cannot be mapped) and indexes its
    /// records; returns where the valid log ends and the file's length.
    /// The map is kept for the gets to come.
    fn load_file(&mut self, file: &File) -> io::Result<(u64, u64)> {
        self.reads += 1;
        if let Some(map) = CacheMap::new(file)? {
            let bytes = map.bytes();
            let good = if bytes.starts_with(MAGIC) { self.load(bytes) } else { 0 };
            let len = bytes.len() as u64;
            if map.damaged() {
                // Cut by another process while indexed: nothing read is sure.
                self.index.clear();
                self.fields.clear();
                self.dead = 0;
                return Ok((0, len));
            }
            self.mapped_for = good;
            self.map = Some(map);
            return Ok((good, len));
        }
        let mut data = Vec::new();
        let mut reader: &File = file;
        reader.read_to_end(&mut data)?;
        let good = if data.starts_with(MAGIC) { self.load(&data) } else { 0 };
        Ok((good, data.len() as u64))
    }

    /// Indexes the records of `data`; returns where the valid log ends.
    fn load(&mut self, data: &[u8]) -> u64 {
        let mut pos = MAGIC.len();
        while pos + HEAD + 4 <= data.len() {
            let h = &data[pos..pos + HEAD];
            let uid = u32::from_le_bytes([h[0], h[1], h[2], h[3]]);
            let field = h[4];
            let stamp = u64::from_le_bytes(h[5..13].try_into().unwrap_or_default());
            let len = u32::from_le_bytes([h[13], h[14], h[15], h[16]]) as usize;
            let value_at = pos + HEAD;
            if len > MAX_VALUE || value_at + len + 4 > data.len() {
                break;
            }
            let sum = &data[value_at + len..value_at + len + 4];
            if (fnv(&[&data[pos..value_at + len]]) as u32).to_le_bytes() != sum {
                break;
            }
            if self.index.insert((uid, field), Slot { stamp, offset: value_at as u64, len: len as u32 }).is_some() {
                self.dead += 1;
            }
            self.note_field(field);
            pos = value_at + len + 4;
        }
        self.end = pos as u64;
        pos as u64
    }

    /// The value of `field` for message `uid`, if cached for this very file.
    pub fn get(&mut self, uid: u32, field: u8, stamp: u64) -> Option<Vec<u8>> {
        let slot = *self.index.get(&(uid, field))?;
        self.read(slot, stamp)
    }

    /// [`get`](Self::get), also for a message forgotten as expunged
    /// (until the next compaction): for a session not yet told of the
    /// expunge, which may still FETCH it (RFC 2180 4.1.2).
    pub fn get_expunged(&mut self, uid: u32, field: u8, stamp: u64) -> Option<Vec<u8>> {
        let slot = *self.index.get(&(uid, field)).or_else(|| self.gone.get(&(uid, field)))?;
        self.read(slot, stamp)
    }

    /// The value at `slot`: from the pending records, the map (renewed when
    /// the value lies past it), or, when the file cannot be mapped, a read.
    fn read(&mut self, slot: Slot, stamp: u64) -> Option<Vec<u8>> {
        if slot.stamp != stamp {
            return None;
        }
        let written = self.end - self.pending.len() as u64;
        if slot.offset >= written {
            let at = (slot.offset - written) as usize;
            return self.pending.get(at..at + slot.len as usize).map(<[u8]>::to_vec);
        }
        let (at, end) = (slot.offset as usize, slot.offset as usize + slot.len as usize);
        if self.map.as_ref().is_none_or(|m| m.bytes().len() < end) && self.mapped_for < written {
            self.remap(written);
        }
        if let Some(map) = &self.map {
            let v = map.bytes().get(at..end).map(<[u8]>::to_vec);
            if map.damaged() {
                self.cut_under_us();
                return None;
            }
            // None: the file is shorter than the log we wrote (another
            // process cut it), and the value is lost.
            return v;
        }
        self.reads += 1;
        let mut v = vec![0; slot.len as usize];
        self.file.as_ref()?.read_exact_at(&mut v, slot.offset).ok()?;
        Some(v)
    }

    /// Maps the file anew, now that the log holds `written` octets.
    fn remap(&mut self, written: u64) {
        self.map = None;
        self.mapped_for = written;
        let Some(file) = &self.file else { return };
        self.reads += 1;
        match CacheMap::new(file) {
            Ok(m) => self.map = m,
            Err(e) => log::warn!("{}: cannot map the cache, reading it: {e}", self.path.display()),
        }
    }

    /// The file shrank under the map (another process cut it): no value
    /// indexed is sure any more, so all are forgotten and made again.
    fn cut_under_us(&mut self) {
        log::warn!("{}: cut by another process, forgetting what it held", self.path.display());
        self.map = None;
        self.dead += self.index.len();
        self.index.clear();
        self.gone.clear();
    }

    /// Records a value (written with the next [`Cache::flush`], or when
    /// enough has gathered). Failures are logged and forgotten: the cache
    /// is an optimisation only.
    pub fn put(&mut self, uid: u32, field: u8, stamp: u64, value: &[u8]) {
        if self.file.is_none() {
            return;
        }
        if value.len() > MAX_VALUE {
            return;
        }
        let mut rec = Vec::with_capacity(HEAD + value.len() + 4);
        rec.extend_from_slice(&uid.to_le_bytes());
        rec.push(field);
        rec.extend_from_slice(&stamp.to_le_bytes());
        rec.extend_from_slice(&(value.len() as u32).to_le_bytes());
        rec.extend_from_slice(value);
        let sum = fnv(&[&rec]) as u32;
        rec.extend_from_slice(&sum.to_le_bytes());
        let slot = Slot { stamp, offset: self.end + HEAD as u64, len: value.len() as u32 };
        if self.index.insert((uid, field), slot).is_some() {
            self.dead += 1;
        }
        self.note_field(field);
        self.pending.extend_from_slice(&rec);
        self.end += rec.len() as u64;
        if self.pending.len() >= 256 * 1024 {
            self.flush();
        }
    }

    /// Writes the pending records.
    pub fn flush(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let Some(file) = &self.file else { return };
        let written = self.end - self.pending.len() as u64;
        super::atomic::note_written(self.pending.len() as u64);
        if let Err(e) = file.write_all_at(&self.pending, written) {
            log::warn!("{}: cache write failed, disabling it: {e}", self.path.display());
            self.file = None;
            self.map = None;
            self.index.retain(|_, slot| slot.offset < written);
            self.gone.retain(|_, slot| slot.offset < written);
            self.end = written;
        }
        self.pending.clear();
    }

    fn note_field(&mut self, field: u8) {
        if !self.fields.contains(&field) {
            self.fields.push(field);
        }
    }

    /// Forgets messages that are gone; rewrites the file when most of it is
    /// dead weight.
    pub fn retain(&mut self, live: impl Fn(u32) -> bool) {
        let before = self.index.len();
        self.index.retain(|(uid, _), _| live(*uid));
        self.dead += before - self.index.len();
        self.compact_if_due();
    }

    /// Forgets the values of expunged messages (cost per UID, not per
    /// value cached), compacting as [`retain`](Self::retain) does: without
    /// this the file would grow with every message the mailbox ever held.
    pub fn forget(&mut self, uids: impl IntoIterator<Item = u32>) {
        for uid in uids {
            for &field in &self.fields {
                if let Some(slot) = self.index.remove(&(uid, field)) {
                    self.gone.insert((uid, field), slot);
                    self.dead += 1;
                }
            }
        }
        self.compact_if_due();
    }

    /// Compacts when the dead records outnumber the live ones (and a
    /// slack): a compaction writes the live ones only, so it costs at most
    /// what the records it drops cost when written.
    fn compact_if_due(&mut self) {
        if self.dead > 1000 && self.dead > self.index.len() {
            if let Err(e) = self.compact() {
                log::warn!("{}: cache compaction failed: {e}", self.path.display());
            }
        }
    }

    /// Rewrites the log with only the live values.
    fn compact(&mut self) -> io::Result<()> {
        self.flush();
        let mut entries: Vec<((u32, u8), Slot)> = self.index.iter().map(|(k, v)| (*k, *v)).collect();
        entries.sort_by_key(|(k, _)| *k);
        let mut values = Vec::with_capacity(entries.len());
        for ((uid, field), slot) in &entries {
            if let Some(v) = self.get(*uid, *field, slot.stamp) {
                values.push((*uid, *field, slot.stamp, v));
            }
        }
        super::atomic::replace(&self.path, MAGIC)?;
        // The old file's map goes with it; the new one is mapped when read.
        self.map = None;
        self.mapped_for = 0;
        let file = OpenOptions::new().read(true).write(true).custom_flags(libc::O_NOFOLLOW).open(&self.path)?;
        self.file = Some(file);
        self.index.clear();
        self.gone.clear();
        self.fields.clear();
        self.end = MAGIC.len() as u64;
        self.dead = 0;
        for (uid, field, stamp, v) in values {
            self.put(uid, field, stamp, &v);
        }
        self.flush();
        Ok(())
    }

    /// Number of values indexed.
    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// True when nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }
}

impl Drop for Cache {
    fn drop(&mut self) {
        self.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_survive_a_reopen_and_are_tied_to_their_file() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = Cache::open(dir.path());
        let s = stamp("123.M1P1.host,S=10", 10);
        c.put(7, 1, s, b"(envelope)");
        c.put(8, 1, stamp("other", 3), b"x");
        assert_eq!(c.get(7, 1, s).as_deref(), Some(&b"(envelope)"[..]));
        drop(c);
        let mut c = Cache::open(dir.path());
        assert_eq!(c.get(7, 1, s).as_deref(), Some(&b"(envelope)"[..]));
        assert_eq!(c.get(7, 1, stamp("123.M1P1.host,S=10", 11)), None, "another size is another file");
        assert_eq!(c.get(7, 2, s), None);
        assert_eq!(c.len(), 2);
    }

    #[test]
    fn a_damaged_record_is_cut_off_and_never_trusted() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = Cache::open(dir.path());
        let s = stamp("a", 1);
        c.put(1, 1, s, b"first");
        c.put(2, 1, s, b"second");
        drop(c);
        let path = dir.path().join(FILE);
        let mut data = std::fs::read(&path).unwrap();
        let n = data.len();
        data[n - 6] ^= 0xff; // inside the second value
        std::fs::write(&path, &data).unwrap();
        let mut c = Cache::open(dir.path());
        assert_eq!(c.get(1, 1, s).as_deref(), Some(&b"first"[..]));
        assert_eq!(c.get(2, 1, s), None);
        c.put(2, 1, s, b"again");
        drop(c);
        assert_eq!(Cache::open(dir.path()).get(2, 1, s).as_deref(), Some(&b"again"[..]));
    }

    #[test]
    fn garbage_file_is_replaced() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(FILE), b"not a cache at all").unwrap();
        let mut c = Cache::open(dir.path());
        assert!(c.is_empty());
        c.put(1, 3, 9, b"v");
        assert_eq!(c.get(1, 3, 9).as_deref(), Some(&b"v"[..]), "pending values are readable");
        c.flush();
        assert_eq!(Cache::open(dir.path()).get(1, 3, 9).as_deref(), Some(&b"v"[..]));
    }

    #[test]
    fn expunged_messages_are_forgotten_and_the_file_stays_small() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = Cache::open(dir.path());
        for uid in 1..=3000 {
            c.put(uid, 1, 5, b"envelope");
            c.put(uid, 3, 5, b"structure");
            c.forget([uid - 1]);
        }
        assert_eq!((c.len(), c.get(3000, 3, 5).as_deref()), (2, Some(&b"structure"[..])));
        assert_eq!(c.get(2999, 1, 5), None);
        drop(c);
        let size = std::fs::metadata(dir.path().join(FILE)).unwrap().len();
        assert!(size < 2100 * 40, "compacted as it went: {size}");
    }

    #[test]
    fn compaction_keeps_live_values_only() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = Cache::open(dir.path());
        for uid in 0..3000 {
            c.put(uid, 1, 5, &uid.to_le_bytes());
        }
        c.retain(|uid| uid % 10 == 0);
        assert_eq!(c.len(), 300);
        let size = std::fs::metadata(dir.path().join(FILE)).unwrap().len();
        assert!(size < 300 * 40, "file was compacted: {size}");
        let mut c = Cache::open(dir.path());
        assert_eq!(c.get(2990, 1, 5).as_deref(), Some(&2990u32.to_le_bytes()[..]));
        assert_eq!(c.get(2991, 1, 5), None);
    }

    #[test]
    fn gets_read_from_the_map_not_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = Cache::open(dir.path());
        for uid in 0..1000u32 {
            c.put(uid, 1, 5, format!("value of {uid}").as_bytes());
        }
        drop(c);
        let mut c = Cache::open(dir.path());
        let opened = c.reads;
        for uid in 0..1000u32 {
            assert_eq!(c.get(uid, 1, 5), Some(format!("value of {uid}").into_bytes()));
        }
        assert_eq!(c.reads, opened, "1,000 gets of values on disk made no system call");
        // Values written after the map was made: one new map, then none.
        for uid in 1000..2000u32 {
            c.put(uid, 1, 5, format!("value of {uid}").as_bytes());
        }
        c.flush();
        for uid in 0..2000u32 {
            assert_eq!(c.get(uid, 1, 5), Some(format!("value of {uid}").into_bytes()));
        }
        assert_eq!(c.reads, opened + 1, "one map for what was flushed since");
    }

    #[test]
    fn a_file_cut_by_another_process_loses_values_not_the_server() {
        let dir = tempfile::tempdir().unwrap();
        let mut c = Cache::open(dir.path());
        let big = vec![b'v'; 64 * 1024];
        for uid in 0..100u32 {
            c.put(uid, 1, 5, &big);
        }
        drop(c);
        let mut c = Cache::open(dir.path());
        assert_eq!(c.get(0, 1, 5).as_deref(), Some(&big[..]));
        // Another process cuts the file under our map: reading a lost page
        // would raise SIGBUS without the guard.
        let path = dir.path().join(FILE);
        std::fs::OpenOptions::new().write(true).open(&path).unwrap().set_len(MAGIC.len() as u64 + 100).unwrap();
        assert_eq!(c.get(99, 1, 5), None, "a lost value is not made of zeros");
        assert_eq!(c.get(0, 1, 5), None, "nothing indexed is trusted after a cut");
        assert!(c.is_empty());
        // The cache goes on working: values put again are read back.
        c.put(7, 1, 5, b"again");
        c.flush();
        assert_eq!(c.get(7, 1, 5).as_deref(), Some(&b"again"[..]));
    }

    #[test]
    fn caches_take_a_bounded_share_of_the_map_table_and_read_beyond() {
        let dir = tempfile::tempdir().unwrap();
        let mut caches = Vec::new();
        for n in 0..MAX_MAPS as u32 + 20 {
            let sub = dir.path().join(n.to_string());
            std::fs::create_dir(&sub).unwrap();
            let mut c = Cache::open(&sub);
            c.put(n, 1, 5, &n.to_le_bytes());
            c.flush();
            assert_eq!(c.get(n, 1, 5).as_deref(), Some(&n.to_le_bytes()[..]), "mapped or read, the value is there");
            caches.push(c);
        }
        let mapped = caches.iter().filter(|c| c.map.is_some()).count();
        assert!((1..=MAX_MAPS).contains(&mapped), "{mapped} caches mapped");
        assert!(caches.iter().any(|c| c.map.is_none()), "those beyond the share read their values");
        drop(caches);
        // The places come back when the caches go.
        let mut c = Cache::open(&dir.path().join("0"));
        assert_eq!(c.get(0, 1, 5).as_deref(), Some(&0u32.to_le_bytes()[..]));
        assert!(c.map.is_some());
    }
}

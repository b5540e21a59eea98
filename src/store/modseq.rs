//! `tegami-modseq`: the mod-sequences of a mailbox's messages and its
//! expunge history (RFC 7162), a sidecar file of tegami's own beside
//! `dovecot-uidlist`.
//!
//! ```text
//! T1 V1700000000
//! R1733100000010000
//! m 7 1733100000000000 S
//! m 9 1733100000000002 FS
//! x 8 1733100000000001
//! x 10:4711 1733100000009000
//! ```
//! `m uid modseq info` gives a message's mod-sequence and the flags part
//! of its file name at that change; `x uid modseq` an expunge, and
//! `x lo:hi modseq` the expunges of the UIDs `lo` to `hi`, the newest of
//! them at `modseq` (a rewrite writes the history as such ranges; the
//! loader reads both forms, and files written before ranges hold only the
//! first); `F n` says expunges up to mod-sequence `n` may be missing; `R n`
//! reserves the mod-sequences up to `n`. Records are appended as changes
//! happen (no fsync: a lost record is found again, see below); the file is
//! rewritten (compacted) when that would save more lines than it writes
//! (plus a slack), so the lines written per change stay constant however
//! long the history grows.
//!
//! Never backwards, never repeated: only an `R` line is fsynced, before any
//! mod-sequence above the previous one is shown to a client, and a process
//! that loads the file starts above the last reservation. A change whose
//! record was lost in a crash, or made behind tegami's back (a flag
//! renamed by Dovecot or a MUA, a delivery, an expunge), shows as a file
//! whose flags differ from its record, a UID without a record, or a
//! record without a file: each gets a fresh mod-sequence at the load.
//!
//! A mailbox seen for the first time (moved from Dovecot, whose modseqs
//! live in its index) starts at the current time in microseconds, above
//! any counter Dovecot will have reached: a client that resyncs from
//! Dovecot's numbers is told every message changed, which is safe.

use std::collections::{HashMap, VecDeque};
use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};

use super::entries::Entries;

/// File name of the sidecar in a mailbox directory.
pub const FILE: &str = "tegami-modseq";
/// How many mod-sequences one fsynced reservation covers.
const RESERVE: u64 = 10_000;
/// Expunge ranges kept; older ones are forgotten (then VANISHED reports
/// every UID not in the mailbox for clients that far behind).
const KEEP_EXPUNGED: usize = 10_000;
/// Lines a compaction must save beyond the lines it writes: small files
/// are not rewritten for every few changes.
const SLACK: usize = 1000;

/// The flags part of a file name (after `:2,`), as recorded.
pub fn info_of(file: &str) -> &str {
    file.split_once(":2,").map(|x| x.1).unwrap_or("")
}

/// The sidecar as loaded and kept up to date.
#[derive(Debug)]
pub struct ModseqFile {
    path: PathBuf,
    /// The UIDVALIDITY the records belong to.
    pub uidvalidity: u32,
    /// Mod-sequences up to this are reserved (fsynced).
    pub reserved: u64,
    /// Record lines in the file.
    pub lines: usize,
    /// Expunged UID ranges with their mod-sequence, oldest first.
    pub expunged: VecDeque<(u32, u32, u64)>,
    /// Expunges with a mod-sequence up to this may be missing from
    /// `expunged` (forgotten, or before the file existed).
    pub floor: u64,
    /// The file must be rewritten before anything is appended.
    broken: bool,
}

/// What a load found: the file, and each UID's (modseq, info).
pub type Loaded = (ModseqFile, HashMap<u32, (u64, String)>, bool);

impl ModseqFile {
    /// Reads the sidecar of `dir` for `uidvalidity`; the bool is false
    /// when there was none (or one for another UIDVALIDITY).
    pub fn load(dir: &Path, uidvalidity: u32) -> Loaded {
        let path = dir.join(FILE);
        let mut f = ModseqFile {
            path: path.clone(),
            uidvalidity,
            reserved: 0,
            lines: 0,
            expunged: VecDeque::new(),
            floor: 0,
            broken: true,
        };
        let mut map = HashMap::new();
        let Ok(text) = super::atomic::read_to_string(&path) else { return (f, map, false) };
        let mut lines = text.lines();
        let header = lines.next().unwrap_or("");
        if header != format!("T1 V{uidvalidity}") {
            return (f, map, false);
        }
        f.broken = !text.ends_with('\n');
        // Every expunged range read, forgotten ones too; a UID is never
        // given twice, so its `m` records are dropped whatever their order.
        let mut gone: Vec<(u32, u32)> = Vec::new();
        for line in lines {
            f.lines += 1;
            let w: Vec<&str> = line.split(' ').collect();
            let num = |i: usize| w.get(i).and_then(|x| x.parse::<u64>().ok());
            match (w.first().copied(), num(1), num(2)) {
                (Some("m"), Some(uid), Some(m)) if uid > 0 && uid <= u32::MAX as u64 && w.len() <= 4 => {
                    map.insert(uid as u32, (m, w.get(3).unwrap_or(&"").to_string()));
                }
                (Some("x"), _, Some(m)) => match w.get(1).and_then(|r| uid_range(r)) {
                    Some((lo, hi)) => {
                        gone.push((lo, hi));
                        f.push_range(lo, hi, m);
                    }
                    None => f.broken = true,
                },
                (Some("F"), Some(floor), None) => f.floor = f.floor.max(floor),
                (Some(r), None, None) if r.starts_with('R') => {
                    if let Ok(n) = r[1..].parse::<u64>() {
                        f.reserved = f.reserved.max(n);
                    }
                }
                _ => f.broken = true,
            }
        }
        let gone = disjoint(gone);
        map.retain(|uid, _| {
            let i = gone.partition_point(|r| r.0 <= *uid);
            i == 0 || gone[i - 1].1 < *uid
        });
        // Anything recorded is at most what was reserved; a record above
        // a lost reservation still counts.
        f.reserved = map.values().map(|v| v.0).chain(f.expunged.iter().map(|x| x.2)).fold(f.reserved, u64::max);
        (f, map, true)
    }

    /// Notes an expunge in the history (merged with the last range when
    /// the UIDs and mod-sequences follow on).
    pub fn push_expunge(&mut self, uid: u32, modseq: u64) {
        self.push_range(uid, uid, modseq);
    }

    /// Notes the expunges of `lo..=hi`, the newest at `modseq` (merged
    /// with the last range when they follow on).
    fn push_range(&mut self, lo: u32, hi: u32, modseq: u64) {
        if let Some(last) = self.expunged.back_mut() {
            if last.1.checked_add(1) == Some(lo) && last.2 < modseq {
                last.1 = hi;
                last.2 = modseq;
                return;
            }
        }
        self.expunged.push_back((lo, hi, modseq));
        if self.expunged.len() > KEEP_EXPUNGED {
            if let Some(dropped) = self.expunged.pop_front() {
                self.floor = self.floor.max(dropped.2);
            }
        }
    }

    /// Lines a rewrite would write: the header lines, one per message and
    /// one per expunge range.
    fn rewrite_lines(&self, entries: &Entries) -> usize {
        3 + entries.len() + self.expunged.len()
    }

    /// UIDs expunged with a mod-sequence above `modseq`, as ranges; `None`
    /// when the history does not reach back that far.
    pub fn vanished_since(&self, modseq: u64) -> Option<Vec<(u32, u32)>> {
        if modseq < self.floor {
            return None;
        }
        let mut out: Vec<(u32, u32)> = Vec::new();
        for &(lo, hi, m) in &self.expunged {
            // A merged range's modseq is its newest; older parts may be
            // reported again, which RFC 7162 allows.
            if m > modseq {
                out.push((lo, hi));
            }
        }
        out.sort_unstable();
        Some(out)
    }

    /// Appends record lines (no fsync: see the module doc).
    pub fn append(&mut self, text: &str, n: usize, entries: &Entries, highest: u64) -> io::Result<()> {
        // A rewrite writes W lines and saves `lines - W`: it is due when
        // that saving exceeds W (plus the slack), so it comes at most once
        // per W appended lines and costs a constant share of them.
        let w = self.rewrite_lines(entries);
        if self.broken || self.lines > 2 * w + SLACK {
            return self.rewrite(entries, highest);
        }
        super::atomic::append(&self.path, text.as_bytes(), super::shared_storage::on())?;
        self.lines += n;
        Ok(())
    }

    /// Makes sure mod-sequences up to `highest` are reserved on disk.
    pub fn reserve(&mut self, highest: u64, entries: &Entries) -> io::Result<()> {
        if highest <= self.reserved {
            return Ok(());
        }
        if self.broken {
            return self.rewrite(entries, highest);
        }
        let upto = highest + RESERVE;
        super::atomic::append(&self.path, format!("R{upto}\n").as_bytes(), true)?;
        self.reserved = upto;
        self.lines += 1;
        Ok(())
    }

    /// Writes the whole file afresh from the messages and the history,
    /// with a new reservation above `highest`.
    pub fn rewrite(&mut self, entries: &Entries, highest: u64) -> io::Result<()> {
        let upto = highest.max(self.reserved) + RESERVE;
        let mut out = format!("T1 V{}\nR{upto}\nF {}\n", self.uidvalidity, self.floor);
        for e in entries.iter() {
            out.push_str(&format!("m {} {} {}\n", e.uid, e.modseq, info_of(&e.file)));
        }
        for &(lo, hi, m) in &self.expunged {
            if lo == hi {
                out.push_str(&format!("x {lo} {m}\n"));
            } else {
                out.push_str(&format!("x {lo}:{hi} {m}\n"));
            }
        }
        // Under the counter's OS lock: another process serving the mailbox
        // may be compacting the same file, and only one rewrite may win.
        let guard = self.path.parent().and_then(|d| {
            let f = super::atomic::open_in_place(&d.join(COUNTER)).ok()?;
            f.lock().ok()?;
            Some(f)
        });
        let done = super::atomic::replace(&self.path, out.as_bytes());
        if let Some(f) = guard {
            let _ = f.unlock();
        }
        done?;
        self.lines = out.lines().count() - 1;
        self.reserved = upto;
        self.broken = false;
        Ok(())
    }
}

/// A record's UID or `lo:hi` range (`lo <= hi`).
fn uid_range(text: &str) -> Option<(u32, u32)> {
    let (lo, hi) = text.split_once(':').unwrap_or((text, text));
    let (lo, hi) = (lo.parse::<u32>().ok()?, hi.parse::<u32>().ok()?);
    (lo <= hi).then_some((lo, hi))
}

/// The UIDs of `ranges` as sorted, disjoint ranges (the same UID may
/// have been recorded twice, by two processes).
fn disjoint(mut ranges: Vec<(u32, u32)>) -> Vec<(u32, u32)> {
    ranges.sort_unstable();
    let mut out: Vec<(u32, u32)> = Vec::with_capacity(ranges.len());
    for (lo, hi) in ranges {
        match out.last_mut() {
            Some(last) if lo <= last.1.saturating_add(1) => last.1 = last.1.max(hi),
            _ => out.push((lo, hi)),
        }
    }
    out
}

/// File name of the mod-sequence counter shared by every tegami process
/// serving the mailbox.
pub const COUNTER: &str = "tegami-modseq.counter";

/// The mailbox's mod-sequence counter, one for every process that serves
/// the mailbox (two tegami on one host, or on two hosts sharing the maildir
/// over NFS): each change takes the next number under an OS lock on the
/// file, so no two processes hand out the same mod-sequence, and a number
/// shown by either is below every one given later by both. A change the
/// other process made is found at the next sync, like any change made
/// behind tegami's back, and gets a fresh number then.
///
/// The file holds two numbers: the last one handed out (written, not
/// fsynced: a killed process loses no page cache) and a reservation above
/// it (fsynced before a number above the previous one is handed out). A
/// process that opens the file starts above the reservation, so even a
/// host crash that lost the first number repeats none.
///
/// The file is held open only while a command works (see
/// [`Counter::release`]), so idle mailboxes hold no descriptor for it.
#[derive(Debug)]
pub struct Counter {
    dir: PathBuf,
    file: Option<File>,
}

impl Counter {
    /// Opens (or creates) the counter of `dir`; nothing handed out in this
    /// process will be at or below `floor`, nor at or below any number
    /// reserved before.
    pub fn open(dir: &Path, floor: u64) -> io::Result<Counter> {
        let mut c = Counter { dir: dir.to_path_buf(), file: None };
        c.locked(|last, reserved| *last = (*last).max(*reserved).max(floor))?;
        Ok(c)
    }

    /// Closes the file until the next use.
    pub fn release(&mut self) {
        self.file = None;
    }

    /// Whether the file is open now.
    pub fn is_open(&self) -> bool {
        self.file.is_some()
    }

    fn file(&mut self) -> io::Result<&File> {
        if self.file.is_none() {
            let file = super::atomic::open_in_place(&self.dir.join(COUNTER))?;
            if file.metadata()?.len() == 0 {
                super::perms::fix_new_file(&file, &self.dir);
            }
            self.file = Some(file);
        }
        Ok(self.file.as_ref().expect("opened above"))
    }

    /// Runs `f` on (last handed out, reserved) under the OS lock, and
    /// writes the numbers back (fsynced when the reservation grew).
    fn locked<R>(&mut self, f: impl FnOnce(&mut u64, &mut u64) -> R) -> io::Result<R> {
        let counter = self.dir.join(COUNTER);
        let file = self.file()?;
        // flock is not to be trusted on shared storage: a dotlock there.
        let _dotlock = if super::shared_storage::on() {
            Some(super::lock::DotLock::acquire_for(&counter).map_err(io::Error::other)?)
        } else {
            file.lock()?;
            None
        };
        let result = (|| {
            let mut buf = [0u8; 64];
            let n = file.read_at(&mut buf, 0)?;
            let text = std::str::from_utf8(&buf[..n]).unwrap_or("");
            let mut nums = text.split_whitespace().map(|w| w.parse::<u64>().unwrap_or(0));
            let (was_last, was_reserved) = (nums.next().unwrap_or(0), nums.next().unwrap_or(0));
            let (mut last, mut reserved) = (was_last, was_reserved);
            let r = f(&mut last, &mut reserved);
            if last > reserved {
                reserved = last + RESERVE;
            }
            if (last, reserved) != (was_last, was_reserved) {
                // Fixed width: the file never shrinks, so a reader under
                // the lock always sees two whole numbers.
                let text = format!("{last:020} {reserved:020}\n");
                file.write_all_at(text.as_bytes(), 0)?;
                super::atomic::note_written(text.len() as u64);
                if reserved != was_reserved {
                    file.sync_data()?;
                }
            }
            Ok(r)
        })();
        let _ = file.unlock();
        result
    }

    /// Hands out `n` numbers, all above `above`; returns the last.
    pub fn take(&mut self, above: u64, n: u64) -> io::Result<u64> {
        self.locked(|last, _| {
            *last = (*last).max(above) + n;
            *last
        })
    }

    /// The last number handed out by any process.
    pub fn last(&mut self) -> io::Result<u64> {
        self.locked(|last, _| *last)
    }
}

/// The current time in microseconds: where a mailbox new to tegami
/// starts its mod-sequences.
pub fn fresh_base() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_micros() as u64).unwrap_or(1).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::filename::Flags;
    use crate::store::mailbox::Entry;
    use std::fs;

    fn entry(uid: u32, file: &str, modseq: u64) -> Entry {
        Entry { uid, file: file.into(), flags: Flags::default(), size: 1, vsize: None, internal_date: 0, modseq }
    }

    #[test]
    fn records_reservations_and_history_round_trip() {
        let t = tempfile::tempdir().unwrap();
        let (mut f, map, found) = ModseqFile::load(t.path(), 5);
        assert!(!found && map.is_empty());
        let entries: Entries = [entry(1, "a:2,S", 100), entry(3, "c:2,", 101)].into_iter().collect();
        f.rewrite(&entries, 101).unwrap();
        assert_eq!(f.reserved, 101 + RESERVE);
        f.append("m 3 102 F\nx 1 103\n", 2, &entries, 103).unwrap();
        f.push_expunge(1, 103);
        f.reserve(f.reserved + 1, &entries).unwrap();
        let reserved = f.reserved;
        let (g, map, found) = ModseqFile::load(t.path(), 5);
        assert!(found);
        assert_eq!(g.reserved, reserved);
        assert_eq!(map.get(&3), Some(&(102, "F".to_string())));
        assert!(!map.contains_key(&1));
        assert_eq!(g.vanished_since(102), Some(vec![(1, 1)]));
        assert_eq!(g.vanished_since(103), Some(vec![]));
        // Another UIDVALIDITY: nothing carries over.
        assert!(!ModseqFile::load(t.path(), 6).2);
        // A torn last line is rewritten, not appended to.
        let text = fs::read_to_string(t.path().join(FILE)).unwrap();
        fs::write(t.path().join(FILE), format!("{text}m 3 10")).unwrap();
        let (mut h, _, _) = ModseqFile::load(t.path(), 5);
        h.append("m 3 200 S\n", 1, &entries, 200).unwrap();
        assert!(fs::read_to_string(t.path().join(FILE)).unwrap().ends_with("x 1 103\n"), "rewritten whole");
    }

    #[test]
    fn history_is_written_as_ranges_and_the_one_uid_form_is_still_read() {
        let t = tempfile::tempdir().unwrap();
        // As written before ranges: one line per expunged UID.
        let old = "T1 V5\nR500\nF 10\nm 1 20 S\nm 2 21 \nm 3 22 \nx 2 30\nx 3 31\nx 4 32\nx 9 33\n";
        fs::write(t.path().join(FILE), old).unwrap();
        let (mut f, map, found) = ModseqFile::load(t.path(), 5);
        assert!(found);
        assert_eq!(map.keys().copied().collect::<Vec<_>>(), vec![1]);
        assert_eq!(f.expunged, [(2, 4, 32), (9, 9, 33)]);
        assert_eq!(f.vanished_since(31), Some(vec![(2, 4), (9, 9)]));
        assert_eq!(f.vanished_since(33), Some(vec![]));
        let entries: Entries = [entry(1, "a:2,S", 20)].into_iter().collect();
        f.rewrite(&entries, 40).unwrap();
        let text = fs::read_to_string(t.path().join(FILE)).unwrap();
        assert_eq!(text, format!("T1 V5\nR{}\nF 10\nm 1 20 S\nx 2:4 32\nx 9 33\n", 500 + RESERVE));
        let (g, map, _) = ModseqFile::load(t.path(), 5);
        assert_eq!((g.expunged, g.floor, map.len()), (f.expunged.clone(), 10, 1));
        // A range drops the records of its UIDs wherever they stand; a
        // backwards range is a damaged line (the file is rewritten).
        fs::write(t.path().join(FILE), "T1 V5\nx 3:7 50\nm 5 40 \nm 8 41 \n").unwrap();
        let (g, map, _) = ModseqFile::load(t.path(), 5);
        assert_eq!((map.keys().copied().collect::<Vec<_>>(), g.broken), (vec![8], false));
        fs::write(t.path().join(FILE), "T1 V5\nx 7:3 50\n").unwrap();
        assert!(ModseqFile::load(t.path(), 5).0.broken);
    }

    /// One append/expunge cycle in a mailbox of 50 messages (a message
    /// arrives, a client fetches its envelope, it is expunged): how many
    /// bytes that wrote to the sidecars.
    fn cycle(mb: &crate::store::MailboxShared) -> u64 {
        let before = crate::store::atomic::written();
        let (_, uid) = mb.append_bytes(b"From: a@example.org\r\nSubject: hi\r\n\r\nbody\r\n", 0, &[], None).unwrap();
        mb.with_cache(|c| {
            c.put(uid, 1, 7, &[b'e'; 100]);
            c.flush();
        });
        assert_eq!(mb.expunge(&[uid]).unwrap(), vec![uid]);
        crate::store::atomic::written() - before
    }

    /// 50,000 cycles: the bytes a change writes to the sidecars must not
    /// grow with the history. The first 10,000 cycles are the baseline;
    /// every later 1,000 must stay within 1.5 times their rate (checked as
    /// they go: a cost that grows fails early, before it writes gigabytes),
    /// the last 10,000 too, and no sidecar may grow with the history.
    #[test]
    fn a_change_writes_as_much_after_50000_expunges_as_at_first() {
        const BASE: u64 = 10_000;
        const CHUNK: u64 = 1_000;
        const CHUNKS: u64 = 40;
        // In memory where there is a tmpfs: the test counts bytes, and
        // 50,000 cycles of fsyncs on a disk take many minutes.
        let t = tempfile::tempdir_in("/dev/shm").or_else(|_| tempfile::tempdir()).unwrap();
        let acc = crate::store::Store::without_watcher().account(t.path());
        acc.ensure_default_mailboxes().unwrap();
        let mb = acc.open("INBOX").unwrap();
        for _ in 0..50 {
            mb.append_bytes(b"Subject: old\r\n\r\nx\r\n", 0, &[], None).unwrap();
        }
        let first: u64 = (0..BASE).map(|_| cycle(&mb)).sum();
        let mut last = 0;
        for chunk in 0..CHUNKS {
            let bytes: u64 = (0..CHUNK).map(|_| cycle(&mb)).sum();
            let done = BASE + (chunk + 1) * CHUNK;
            // bytes / CHUNK <= 1.5 * first / BASE, in integers.
            assert!(
                bytes * BASE * 2 <= first * CHUNK * 3,
                "after {done} cycles: {} bytes per cycle, first {BASE}: {}",
                bytes / CHUNK,
                first / BASE
            );
            if chunk >= CHUNKS - BASE / CHUNK {
                last += bytes;
            }
        }
        assert!(last * 2 <= first * 3, "last {BASE} cycles: {last} bytes, first: {first}");
        eprintln!("bytes per cycle: first {BASE}: {}, last {BASE}: {}", first / BASE, last / BASE);
        for name in [FILE, crate::store::uidlist::FILE, crate::store::cache::FILE] {
            let size = fs::metadata(mb.dir().join(name)).unwrap().len();
            assert!(size < 256 * 1024, "{name} grew with the history: {size} bytes");
        }
    }

    #[test]
    fn the_floor_guards_forgotten_expunges() {
        let t = tempfile::tempdir().unwrap();
        let (mut f, _, _) = ModseqFile::load(t.path(), 5);
        f.floor = 50;
        assert_eq!(f.vanished_since(10), None);
        for uid in 0..=KEEP_EXPUNGED as u32 + 1 {
            f.push_expunge(uid * 2 + 1, 100 + uid as u64);
        }
        assert_eq!(f.floor, 101);
        assert!(f.vanished_since(100).is_none() && f.vanished_since(101).is_some());
    }
}

//! Dovecot's `dovecot-uidlist`: UIDVALIDITY, next UID, and one line per
//! message mapping its UID to its last known file name.
//!
//! Version 3 (written by Dovecot 1.1 and later, and by tegami):
//! ```text
//! 3 V1275660208 N25022 G3085f01b7f11094c501100008c4a11c1
//! 25006 :1276528487.M364837P9451.kurkku,S=1355,W=1394:2,
//! 25017 W2481 :1276533073.M242911P3632.kurkku:2,F
//! ```
//! Header fields other than `V` and `N`, and the fields of a line before
//! `:`, are kept as they are. Version 1 (Courier's layout,
//! `1 <uidvalidity> <nextuid>` then `<uid> <file>`) is read and written
//! back as version 3.

use super::error::{Result, StoreError};
use super::filename::base_of;

/// File name of the uid list in a mailbox directory.
pub const FILE: &str = "dovecot-uidlist";

/// One message line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UidRecord {
    /// The message's UID.
    pub uid: u32,
    /// Fields between the UID and the file name (`W2481`, ...), kept verbatim.
    pub fields: Vec<String>,
    /// The last known file name (flags may have changed since).
    pub file: String,
}

impl UidRecord {
    /// The base name, the part of the file name that never changes.
    pub fn base(&self) -> &str {
        base_of(&self.file)
    }
}

/// The whole uid list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UidList {
    /// UIDVALIDITY of the mailbox.
    pub uidvalidity: u32,
    /// The UID the next new message gets; it only ever grows.
    pub next_uid: u32,
    /// Header fields other than `V` and `N` (e.g. `G<guid>`), verbatim.
    pub header_extra: Vec<String>,
    /// Message lines, UIDs strictly increasing.
    pub records: Vec<UidRecord>,
    /// Record lines in the file as last read or written, lines of expunged
    /// messages included (they stay until the next rewrite, as in Dovecot).
    pub file_lines: usize,
    /// Record lines the file had after it was last rewritten (or read).
    pub lines_at_rewrite: usize,
    /// The highest UID the file has a line for; records above it are not
    /// written yet.
    pub written_uid: u32,
    /// The file must be rewritten rather than appended to: it does not
    /// exist yet, or was read in an old version, or with a bad or
    /// unfinished line.
    pub needs_rewrite: bool,
    /// Lines of the file as read that could not be read (not UTF-8, or
    /// not a record): dropped, their messages get new UIDs.
    pub dropped_lines: usize,
}

/// Appended lines beyond this many (and beyond the lines of the last
/// rewrite) make the next write a rewrite: the cost of rewriting stays a
/// constant share of the appends.
const APPEND_SLACK: usize = 1000;

impl UidList {
    /// Gives the next UID to a new file and records it; UIDs only grow.
    /// Callers make sure there is [`room`](Self::room) first; should there
    /// be none, the list starts a new UIDVALIDITY rather than give UID 0
    /// or one given before.
    pub fn assign(&mut self, file: &str) -> u32 {
        if self.room() == 0 {
            debug_assert!(false, "assign without room");
            self.restart_numbering(super::model::new_uidvalidity());
        }
        let uid = self.next_uid;
        self.next_uid += 1;
        self.records.push(UidRecord { uid, fields: Vec::new(), file: file.to_string() });
        uid
    }

    /// How many UIDs can still be given under this UIDVALIDITY. UIDs are
    /// 32-bit and never 0 (RFC 3501 2.3.1.1), and UIDNEXT must be one of
    /// them too, so the last UID given is 2^32-2.
    pub fn room(&self) -> u64 {
        u64::from(u32::MAX.saturating_sub(self.next_uid))
    }

    /// Starts over under a new UIDVALIDITY when the UIDs are about to run
    /// out: the messages keep their order and are numbered from 1 (the
    /// remedy Dovecot's documentation gives for UIDs grown too high). The
    /// whole file is rewritten at the next write.
    pub fn restart_numbering(&mut self, uidvalidity: u32) {
        for (r, uid) in self.records.iter_mut().zip(1u32..) {
            r.uid = uid;
        }
        self.next_uid = self.records.len() as u32 + 1;
        self.uidvalidity = uidvalidity;
        self.written_uid = 0;
        self.needs_rewrite = true;
    }

    /// Drops the records of `gone` (a few expunged UIDs: each found by
    /// binary search, since the UIDs increase; many: one pass).
    pub fn remove_uids(&mut self, gone: &[u32]) {
        let mut gone = gone.to_vec();
        gone.sort_unstable();
        gone.dedup();
        if gone.len() <= 16 {
            for uid in gone.iter().rev() {
                if let Ok(i) = self.records.binary_search_by_key(uid, |r| r.uid) {
                    self.records.remove(i);
                }
            }
        } else {
            self.records.retain(|r| gone.binary_search(&r.uid).is_err());
        }
    }

    /// The mailbox GUID of the header's `G` field.
    pub fn guid(&self) -> Option<&str> {
        self.header_extra.iter().find_map(|f| f.strip_prefix('G')).filter(|g| !g.is_empty())
    }

    /// A new empty list with a fresh mailbox GUID.
    pub fn new(uidvalidity: u32) -> UidList {
        UidList {
            uidvalidity,
            next_uid: 1,
            header_extra: vec![format!("G{}", super::model::fresh_guid())],
            records: Vec::new(),
            file_lines: 0,
            lines_at_rewrite: 0,
            written_uid: 0,
            needs_rewrite: true,
            dropped_lines: 0,
        }
    }

    /// Whether the next write should rewrite the whole file: it must, or
    /// more than a quarter of its lines are of expunged messages (Dovecot's rule), or
    /// the lines appended since the last rewrite outnumber the lines then.
    pub fn should_rewrite(&self) -> bool {
        let unwritten = self.records.iter().rev().take_while(|r| r.uid > self.written_uid).count();
        let live_in_file = self.records.len() - unwritten;
        let appended = self.file_lines.saturating_sub(self.lines_at_rewrite);
        self.needs_rewrite
            || (self.file_lines > 0 && live_in_file * 4 < self.file_lines * 3)
            || appended > self.lines_at_rewrite.max(APPEND_SLACK)
    }

    /// The lines of records not in the file yet, to append to it.
    pub fn render_unwritten(&self) -> (String, usize) {
        let mut out = String::new();
        let mut n = 0;
        // UIDs increase: the unwritten records are a tail, found by binary
        // search (an append must not walk the whole list).
        let start = self.records.partition_point(|r| r.uid <= self.written_uid);
        for r in &self.records[start..] {
            render_record(&mut out, r);
            n += 1;
        }
        (out, n)
    }

    /// Notes that the file now holds exactly [`render`](Self::render).
    pub fn rewritten(&mut self) {
        self.file_lines = self.records.len();
        self.lines_at_rewrite = self.file_lines;
        self.written_uid = self.next_uid - 1;
        self.needs_rewrite = false;
    }

    /// Notes that `n` lines of [`render_unwritten`](Self::render_unwritten)
    /// were appended to the file.
    pub fn appended(&mut self, n: usize) {
        self.file_lines += n;
        self.written_uid = self.records.last().map(|r| r.uid).unwrap_or(0).max(self.written_uid);
    }

    /// Parses the file as it is on disk. The header must be readable;
    /// record lines that are not UTF-8 or not records are dropped (counted
    /// in [`dropped_lines`](Self::dropped_lines)) and the rest kept.
    pub fn parse(data: impl AsRef<[u8]>) -> Result<UidList> {
        let data = data.as_ref();
        let corrupt = |why: &str| StoreError::Corrupt(format!("{FILE}: {why}"));
        let mut lines = data.split(|&b| b == b'\n').map(|l| l.strip_suffix(b"\r").unwrap_or(l));
        if data.is_empty() {
            return Err(corrupt("empty file"));
        }
        let header = lines.next().unwrap_or_default();
        let header = std::str::from_utf8(header).map_err(|_| corrupt("unreadable header"))?;
        let mut words = header.split(' ').filter(|w| !w.is_empty());
        let version = words.next().unwrap_or("");
        let mut list = UidList {
            uidvalidity: 0,
            next_uid: 1,
            header_extra: Vec::new(),
            records: Vec::new(),
            file_lines: 0,
            lines_at_rewrite: 0,
            written_uid: 0,
            // A partly written last line (a crash while appending) must not
            // have another line appended to it.
            needs_rewrite: !data.ends_with(b"\n"),
            dropped_lines: 0,
        };
        let v3 = match version {
            "3" => {
                for w in words {
                    if let Some(v) = w.strip_prefix('V') {
                        list.uidvalidity = v.parse().map_err(|_| corrupt("bad V field"))?;
                    } else if let Some(n) = w.strip_prefix('N') {
                        list.next_uid = next_uid_of(n.parse().map_err(|_| corrupt("bad N field"))?);
                    } else {
                        list.header_extra.push(w.to_string());
                    }
                }
                true
            }
            "1" => {
                let v = words.next().and_then(|v| v.parse().ok());
                let n = words.next().and_then(|n| n.parse().ok());
                match (v, n) {
                    (Some(v), Some(n)) => {
                        list.uidvalidity = v;
                        list.next_uid = next_uid_of(n);
                    }
                    _ => return Err(corrupt("bad version 1 header")),
                }
                false
            }
            _ => return Err(corrupt("unknown version")),
        };
        if list.uidvalidity == 0 {
            return Err(corrupt("no UIDVALIDITY"));
        }
        let mut last = 0u32;
        list.needs_rewrite |= !v3;
        if list.guid().is_none() {
            // Courier's lists and old Dovecot ones have no mailbox GUID:
            // give one, written with the rewrite (MAILBOXID, RFC 8474).
            list.header_extra.push(format!("G{}", super::model::fresh_guid()));
            list.needs_rewrite = true;
        }
        for line in lines {
            if line.is_empty() {
                continue;
            }
            list.file_lines += 1;
            // A bad line costs that one message a new UID (the next sync
            // finds its file again); throwing the whole list away would
            // cost every message its UID and every client its cache. The
            // caller logs the count: the line itself may hold any bytes.
            match std::str::from_utf8(line).ok().and_then(|l| parse_line(l, v3)) {
                Some(r) if r.uid > last => {
                    last = r.uid;
                    list.records.push(r);
                }
                _ => {
                    list.dropped_lines += 1;
                    list.needs_rewrite = true;
                }
            }
        }
        list.lines_at_rewrite = list.file_lines;
        list.written_uid = last;
        // At most 2^32-1 (see `room`): a record with the top UID leaves no
        // room, and the next sync starts a new UIDVALIDITY.
        list.next_uid = list.next_uid.max(last.saturating_add(1));
        Ok(list)
    }

    /// The file's text, version 3.
    pub fn render(&self) -> String {
        let mut out = format!("3 V{} N{}", self.uidvalidity, self.next_uid);
        for f in &self.header_extra {
            out.push(' ');
            out.push_str(f);
        }
        out.push('\n');
        for r in &self.records {
            render_record(&mut out, r);
        }
        out
    }
}

/// The next UID of a header: 0 (never a UID) counts as 1, and a value past
/// the 32-bit range as the top of it (no room left).
fn next_uid_of(n: u64) -> u32 {
    u32::try_from(n.max(1)).unwrap_or(u32::MAX)
}

/// One record's line: `<uid> [fields] :<file>`.
fn render_record(out: &mut String, r: &UidRecord) {
    out.push_str(&r.uid.to_string());
    for f in &r.fields {
        out.push(' ');
        out.push_str(f);
    }
    out.push_str(" :");
    out.push_str(&r.file);
    out.push('\n');
}

/// One message line: `<uid> [fields] :<file>` (v3) or `<uid> <file>` (v1).
fn parse_line(line: &str, v3: bool) -> Option<UidRecord> {
    let (uid_text, rest) = line.split_once(' ')?;
    let uid: u32 = uid_text.parse().ok().filter(|&u| u > 0)?;
    let (fields, file) = if v3 {
        let i = rest.find(':')?;
        let fields = rest[..i].split(' ').filter(|f| !f.is_empty()).map(String::from).collect();
        (fields, rest[i + 1..].to_string())
    } else {
        (Vec::new(), rest.trim().to_string())
    };
    if file.is_empty() || file.contains('/') || file.starts_with('.') {
        return None;
    }
    Some(UidRecord { uid, fields, file })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dovecot_file_round_trips() {
        let text = "3 V1275660208 N25022 G3085f01b7f11094c501100008c4a11c1 X9\n\
                    25006 :1276528487.M364837P9451.kurkku,S=1355,W=1394:2,\n\
                    25017 W2481 S2400 :1276533073.M242911P3632.kurkku:2,F\n";
        let l = UidList::parse(text).unwrap();
        assert_eq!(l.uidvalidity, 1275660208);
        assert_eq!(l.next_uid, 25022);
        assert_eq!(l.records[1].fields, vec!["W2481", "S2400"]);
        assert_eq!(l.records[1].base(), "1276533073.M242911P3632.kurkku");
        assert_eq!(l.render(), text);
    }

    #[test]
    fn version_1_and_errors() {
        let l = UidList::parse("1 1000 5\n3 abc:2,S\n").unwrap();
        assert_eq!((l.uidvalidity, l.next_uid, l.records[0].uid), (1000, 5, 3));
        assert!(UidList::parse("").is_err());
        let skipped = UidList::parse("3 V1 N5\n4 :a\n3 :b\nx :c\n5 d\n6 :../e\n7 W1 :f\n").unwrap();
        assert_eq!(skipped.records.iter().map(|r| r.uid).collect::<Vec<_>>(), vec![4, 7]);
        assert!(UidList::parse("9 V1\n").is_err());
        assert_eq!(UidList::parse("3 V1 N2\n7 :a\n").unwrap().next_uid, 8);
    }

    #[test]
    fn appends_until_expunges_or_appends_call_for_a_rewrite() {
        let mut l = UidList::parse("3 V1 N3 Gab\n1 :a\n2 :b\n").unwrap();
        assert!(!l.should_rewrite());
        l.assign("c");
        l.assign("d");
        let (text, n) = l.render_unwritten();
        assert_eq!((text.as_str(), n), ("3 :c\n4 :d\n", 2));
        l.appended(n);
        assert_eq!((l.file_lines, l.written_uid), (4, 4));
        assert!(l.render_unwritten().0.is_empty());
        // One expunge in four lines: kept as a dead line.
        l.records.retain(|r| r.uid != 2);
        assert!(!l.should_rewrite());
        l.records.retain(|r| r.uid != 3);
        assert!(l.should_rewrite(), "half the lines are dead");
        l.rewritten();
        assert_eq!((l.file_lines, l.written_uid), (2, 4));
        // An unfinished last line, an old version or no GUID: rewrite.
        assert!(UidList::parse("3 V1 N3 Gab\n1 :a\n2 :b").unwrap().should_rewrite());
        assert!(UidList::parse("1 1 3\n1 a\n").unwrap().should_rewrite());
        assert!(UidList::parse("3 V1 N3\n1 :a\n").unwrap().should_rewrite());
        // Many appends after a small rewrite: rewrite now and then.
        let mut l = UidList::parse("3 V1 N1 Gab\n").unwrap();
        for i in 0..=APPEND_SLACK {
            l.assign(&format!("f{i}"));
            let n = l.render_unwritten().1;
            l.appended(n);
        }
        assert!(l.should_rewrite());
    }

    #[test]
    fn expunged_uids_leave_the_records_few_or_many() {
        let mut l = UidList::parse("3 V1 N1 Gab\n").unwrap();
        for i in 0..100 {
            l.assign(&format!("f{i}"));
        }
        // A few (binary search), with repeats and UIDs that are not there.
        l.remove_uids(&[5, 1, 5, 100, 1000]);
        let uids: Vec<u32> = l.records.iter().map(|r| r.uid).collect();
        assert_eq!(uids.len(), 97);
        assert!(!uids.contains(&1) && !uids.contains(&5) && !uids.contains(&100));
        // Many (one pass).
        let gone: Vec<u32> = (10..60).collect();
        l.remove_uids(&gone);
        let uids: Vec<u32> = l.records.iter().map(|r| r.uid).collect();
        assert_eq!(uids.len(), 47);
        assert!(uids.windows(2).all(|w| w[0] < w[1]), "still in order");
        assert!(uids.iter().all(|u| !(10..60).contains(u)));
        // The unwritten tail is what follows the last written UID.
        l.appended(l.render_unwritten().1);
        l.assign("new");
        assert_eq!(l.render_unwritten(), ("101 :new\n".to_string(), 1));
    }

    #[test]
    fn unreadable_lines_are_dropped_and_counted_the_rest_kept() {
        let mut data = b"3 V7 N9 Gab\n1 :a\n2 :b\xff\n3 \xc3\x28 :c\n4 :d\n".to_vec();
        let l = UidList::parse(&data).unwrap();
        assert_eq!(l.records.iter().map(|r| r.uid).collect::<Vec<_>>(), vec![1, 4]);
        assert_eq!((l.dropped_lines, l.uidvalidity, l.next_uid), (2, 7, 9));
        assert!(l.should_rewrite(), "written valid at the next write");
        assert!(std::str::from_utf8(l.render().as_bytes()).is_ok());
        data[5] = 0xff;
        assert!(UidList::parse(&data).is_err(), "an unreadable header is a new UIDVALIDITY");
    }

    #[test]
    fn next_uids_past_the_range_leave_no_room_and_a_restart_numbers_from_1() {
        assert_eq!(UidList::parse("3 V1 N0 Gab\n").unwrap().next_uid, 1);
        let top = UidList::parse("3 V1 N4294967295 Gab\n").unwrap();
        assert_eq!((top.next_uid, top.room()), (u32::MAX, 0));
        assert_eq!(UidList::parse("3 V1 N99999999999 Gab\n").unwrap().room(), 0);
        assert_eq!(UidList::parse("3 V1 N2 Gab\n4294967295 :a\n").unwrap().room(), 0, "no wrap to 0");
        let mut l = UidList::parse("3 V1 N4294967293 Gab\n4294967290 :a\n4294967291 :b\n").unwrap();
        assert_eq!(l.room(), 2);
        assert_eq!((l.assign("c"), l.assign("d")), (4294967293, 4294967294));
        assert_eq!(l.room(), 0, "UIDNEXT 4294967295 is the last a client can be told");
        l.restart_numbering(2);
        assert_eq!(
            l.records.iter().map(|r| (r.uid, r.file.as_str())).collect::<Vec<_>>(),
            [(1, "a"), (2, "b"), (3, "c"), (4, "d")]
        );
        assert_eq!((l.uidvalidity, l.next_uid), (2, 5));
        assert!(l.should_rewrite());
        assert_eq!(l.render(), "3 V2 N5 Gab\n1 :a\n2 :b\n3 :c\n4 :d\n");
    }
}

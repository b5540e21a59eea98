//! The corpus: maildirs of realistic messages, the same bytes for one seed.
//!
//! Sizes are mostly 2-20 kB, with 1 % carrying a 100 kB-10 MB base64
//! attachment; plain, multipart/alternative and multipart/mixed messages;
//! encoded-word headers in eight charsets; threads with In-Reply-To and
//! References; dates spread over years (and set as file mtimes, which both
//! servers use as INTERNALDATE); flags and keywords in the file names with a
//! `dovecot-keywords` file. File names carry `,S=` and `,W=` as Dovecot's LDA
//! writes them. No `dovecot-uidlist` is written: the first SELECT is the first
//! time ever.

use crate::rng::Rng;
use crate::sizes::Sizes;
use std::fs::{self, File};
use std::io::{self, Write};
use std::path::Path;
use std::time::{Duration, UNIX_EPOCH};

/// The word `SEARCH TEXT` looks for (in about 2 % of the messages).
pub const SEARCH_WORD: &str = "zanzibar";
/// The name `SEARCH FROM` looks for (in about 2 % of the senders).
pub const SEARCH_NAME: &str = "Zebulon";

const WORDS: &[&str] = &[
    "the",
    "meeting",
    "project",
    "report",
    "please",
    "review",
    "attached",
    "budget",
    "quarter",
    "schedule",
    "customer",
    "invoice",
    "delivery",
    "update",
    "team",
    "office",
    "server",
    "backup",
    "network",
    "printer",
    "holiday",
    "lunch",
    "agenda",
    "minutes",
    "draft",
    "contract",
    "price",
    "order",
    "shipment",
    "warehouse",
    "thanks",
    "regards",
    "question",
    "answer",
    "tomorrow",
    "monday",
    "friday",
    "deadline",
    "proposal",
    "feedback",
    "design",
    "release",
    "version",
    "install",
    "account",
    "password",
    "support",
    "ticket",
    "issue",
    "status",
    "and",
    "or",
    "to",
    "of",
    "in",
    "for",
    "with",
    "on",
    "at",
    "by",
    "we",
    "you",
    "it",
    "is",
    "are",
    "was",
    "will",
    "should",
    "could",
    "would",
    "have",
    "has",
    "this",
    "that",
    "these",
    "those",
    "from",
    "about",
    "into",
    "over",
    "after",
    "before",
    "between",
    "under",
    "again",
    "further",
    "then",
    "once",
    "here",
    "there",
    "when",
    "where",
    "why",
    "how",
    "all",
    "any",
    "both",
    "each",
    "few",
    "more",
    "most",
    "other",
    "some",
    "such",
    "only",
    "own",
    "same",
    "than",
    "too",
    "very",
    "can",
    "just",
    "don't",
    "now",
    "Grüße",
    "bientôt",
    "Straße",
    "café",
    "naïve",
    "déjà",
];
const FIRST: &[&str] = &[
    "Alice", "Bob", "Carol", "Dave", "Erin", "Frank", "Grace", "Heidi", "Ivan", "Judy", "Mallory", "Niaj", "Olivia",
    "Peggy", "Rupert", "Sybil", "Trent", "Victor", "Walter", "Yuki", "Hiroshi", "Anja", "Jürgen", "Chloé", "Søren",
];
const LAST: &[&str] = &[
    "Smith", "Jones", "Miller", "Brown", "Tanaka", "Suzuki", "Schmidt", "Müller", "Dubois", "Rossi", "Novak",
    "Kowalski", "Hansen", "Garcia", "Silva", "Ivanova", "Chen", "Wang", "Kim", "Nguyen",
];
const DOMAINS: &[&str] = &["example.org", "example.com", "mail.example.net", "corp.example"];
/// Encoded words, precomputed from real text in each charset.
const ENCODED: &[&str] = &[
    "=?UTF-8?B?R3LDvMOfZSBhdXMgS8O2bG4=?=",
    "=?UTF-8?B?0J7RgtGH0ZHRgiDQt9CwINC60LLQsNGA0YLQsNC7?=",
    "=?ISO-8859-1?Q?Caf=E9_cr=E8me?=",
    "=?ISO-2022-JP?B?GyRCMnE1RCRON28bKEI=?=",
    "=?KOI8-R?B?8NLJ18XU?=",
    "=?GB2312?B?xOO6w8rAvec=?=",
    "=?Shift_JIS?B?gqiSbYLngrk=?=",
    "=?windows-1252?Q?R=E9sum=E9_=96_na=EFve?=",
];
const KEYWORDS: &[&str] = &["$Forwarded", "Work", "$Label1"];

/// Writes every account of `sizes` under `out/<user>/Maildir`, and the list
/// of user names to `out/users`.
pub fn write_all(out: &Path, sizes: &Sizes, seed: u64) -> io::Result<()> {
    let mut users = vec![];
    let mut add = |user: &str, folder: &str, count: u32, seed: u64| -> io::Result<()> {
        let mut dir = out.join(user).join("Maildir");
        if folder != "INBOX" {
            dir = dir.join(format!(".{folder}"));
        }
        write_maildir(&dir, count, seed)?;
        if !users.iter().any(|u| u == user) {
            users.push(user.to_string());
        }
        Ok(())
    };
    add("big", "INBOX", sizes.big, seed)?;
    add("mid", "INBOX", sizes.mid, seed + 1)?;
    add("app", "INBOX", 0, seed + 2)?;
    add("idle", "INBOX", sizes.idle_messages, seed + 3)?;
    for m in 0..sizes.mix_mailboxes {
        let (user, folder) = sizes.mix_mailbox(m);
        add(&user, folder, sizes.mix_messages, seed + 100 + m as u64)?;
    }
    // Scenario 9 sorts `mid`'s messages in mailboxes nothing else has read
    // (one per key, so each key's first time is a first time): hard links
    // to the same files, at no cost in disk or time.
    for user in SORT_USERS {
        link_maildir(&out.join("mid").join("Maildir"), &out.join(user).join("Maildir"))?;
        users.push(user.to_string());
    }
    // Scenario 13's header download gets its own untouched copy of `mid`.
    link_maildir(&out.join("mid").join("Maildir"), &out.join(HEADER_USER).join("Maildir"))?;
    users.push(HEADER_USER.to_string());
    write_load_accounts(out, sizes, seed, &mut users)?;
    fs::write(out.join("users"), users.join("\n") + "\n")
}

/// The account of scenario 13 (Thunderbird's header download), a copy of
/// `mid`'s INBOX.
pub const HEADER_USER: &str = "hdr";

/// The account of scenario 14 (small changes before and after a long
/// expunge history).
pub const HISTORY_USER: &str = "hist";

/// The accounts of scenario 12's one-INBOX layouts (10 and 50 sessions,
/// and the long run), one each so no run inherits another's history.
pub const SHARED_USERS: [&str; 3] = ["shared10", "shared50", "sharedlong"];

/// The scenario-12 account `load<i>` of the per-account layouts.
pub fn load_user(i: u32) -> String {
    format!("load{i}")
}

/// Scenario 12's and 14's accounts: INBOX with a few messages, and a
/// `Copies` folder for COPY (imaptest's copy mailbox).
fn write_load_accounts(out: &Path, sizes: &Sizes, seed: u64, users: &mut Vec<String>) -> io::Result<()> {
    let mut names: Vec<String> = (0..sizes.load_accounts).map(load_user).collect();
    names.extend(SHARED_USERS.iter().map(|u| u.to_string()));
    for (i, user) in names.iter().enumerate() {
        let maildir = out.join(user).join("Maildir");
        write_maildir(&maildir, sizes.load_messages, seed + 200 + i as u64)?;
        write_maildir(&maildir.join(".Copies"), 0, seed)?;
        users.push(user.clone());
    }
    write_maildir(&out.join(HISTORY_USER).join("Maildir"), sizes.hist_messages, seed + 4)?;
    users.push(HISTORY_USER.to_string());
    Ok(())
}

/// The accounts of scenario 9 (SORT by DATE, SORT by SUBJECT), each with a
/// copy of `mid`'s INBOX.
pub const SORT_USERS: [&str; 2] = ["sortdate", "sortsubject"];

/// Makes `to` a maildir of hard links to the messages of `from`.
fn link_maildir(from: &Path, to: &Path) -> io::Result<()> {
    for sub in ["cur", "new", "tmp"] {
        fs::create_dir_all(to.join(sub))?;
        for e in fs::read_dir(from.join(sub))? {
            let e = e?;
            fs::hard_link(e.path(), to.join(sub).join(e.file_name()))?;
        }
    }
    fs::copy(from.join("dovecot-keywords"), to.join("dovecot-keywords"))?;
    Ok(())
}

/// Writes a maildir of `count` messages at `dir` (creating it).
pub fn write_maildir(dir: &Path, count: u32, seed: u64) -> io::Result<()> {
    for sub in ["cur", "new", "tmp"] {
        fs::create_dir_all(dir.join(sub))?;
    }
    if dir.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.')) {
        File::create(dir.join("maildirfolder"))?;
    }
    let mut kw = String::new();
    for (i, k) in KEYWORDS.iter().enumerate() {
        kw += &format!("{i} {k}\n");
    }
    fs::write(dir.join("dovecot-keywords"), kw)?;
    let mut gen = Generator::new(seed, count);
    for n in 0..count {
        let msg = gen.message(n);
        let size = msg.bytes.len();
        let vsize = size + msg.bytes.iter().filter(|&&b| b == b'\n').count();
        let base = format!("{}.M{}P4242Q{}.bench,S={size},W={vsize}", msg.date, n, seed % 1000);
        // The newest half percent is still in new/, as the MTA left it.
        let path = if n as f64 >= count as f64 * 0.995 {
            dir.join("new").join(base)
        } else {
            dir.join("cur").join(format!("{base}:2,{}", msg.flags))
        };
        let mut f = File::create(&path)?;
        f.write_all(&msg.bytes)?;
        f.set_modified(UNIX_EPOCH + Duration::from_secs(msg.date as u64))?;
    }
    Ok(())
}

/// One generated message.
pub struct Message {
    /// The message, LF line endings as maildir MTAs write them.
    pub bytes: Vec<u8>,
    /// Unix time of the Date header and the file mtime.
    pub date: i64,
    /// Maildir info flags, sorted (`FS`, `Sa`, ...).
    pub flags: String,
}

struct Thread {
    subject: String,
    ids: Vec<String>,
}

/// Makes the messages of one maildir, in date order.
pub struct Generator {
    rng: Rng,
    seed: u64,
    time: i64,
    step: i64,
    threads: Vec<Thread>,
}

impl Generator {
    /// A generator for `count` messages spread from 2016 to 2025.
    pub fn new(seed: u64, count: u32) -> Generator {
        let span = 9 * 365 * 86_400i64;
        Generator {
            rng: Rng::new(seed),
            seed,
            time: 1_451_606_400,
            step: (span / count.max(1) as i64).max(2),
            threads: vec![],
        }
    }

    fn name(&mut self) -> (String, String) {
        let (first, last) = (*self.rng.pick(FIRST), *self.rng.pick(LAST));
        let last = if self.rng.chance(0.02) { super::corpus::SEARCH_NAME } else { last };
        let addr = format!("{}.{}@{}", ascii(first).to_lowercase(), ascii(last).to_lowercase(), self.rng.pick(DOMAINS));
        let display = if self.rng.chance(0.15) {
            format!("{} {}", self.rng.pick(ENCODED), ascii(last))
        } else if first.is_ascii() && last.is_ascii() {
            format!("{first} {last}")
        } else {
            format!("\"{} {}\"", ascii(first), ascii(last))
        };
        (display, addr)
    }

    fn words(&mut self, n: usize) -> String {
        let mut s = String::new();
        for i in 0..n {
            if i > 0 {
                s.push(' ');
            }
            s += *self.rng.pick(WORDS);
        }
        s
    }

    fn text(&mut self, target: usize, word: bool) -> String {
        let mut s = String::new();
        let mut line = 0;
        let at = if word { self.rng.range(0, target as u64) as usize } else { usize::MAX };
        while s.len() < target {
            let w = if s.len() >= at && !s.contains(SEARCH_WORD) { SEARCH_WORD } else { *self.rng.pick(WORDS) };
            s += w;
            line += w.len() + 1;
            if line > 66 {
                s += if self.rng.chance(0.15) { "\n\n" } else { "\n" };
                line = 0;
            } else {
                s.push(' ');
            }
        }
        s.push('\n');
        s
    }

    /// Message number `n` of the maildir.
    pub fn message(&mut self, n: u32) -> Message {
        self.time += self.rng.range(self.step as u64 / 2, self.step as u64 * 3 / 2 + 1) as i64;
        let date = self.time;
        let id = format!("<{n}.{}.{}@bench.example>", self.seed, date);
        let (from, from_addr) = self.name();
        let (to, to_addr) = self.name();
        // Threads: 40 % of the messages answer an earlier one.
        let reply = !self.threads.is_empty() && self.rng.chance(0.4);
        let (subject, parent, refs) = if reply {
            let i = self.rng.range(0, self.threads.len() as u64) as usize;
            let t = &mut self.threads[i];
            let refs: Vec<String> = t.ids.iter().rev().take(10).rev().cloned().collect();
            let parent = t.ids.last().cloned();
            t.ids.push(id.clone());
            (format!("Re: {}", t.subject), parent, refs)
        } else {
            let k = self.rng.range(2, 8) as usize;
            let mut s = self.words(k);
            if self.rng.chance(0.2) {
                s = format!("{} {s}", self.rng.pick(ENCODED));
            }
            if self.threads.len() >= 200 {
                let i = self.rng.range(0, 200) as usize;
                self.threads.swap_remove(i);
            }
            self.threads.push(Thread { subject: s.clone(), ids: vec![id.clone()] });
            (s, None, vec![])
        };
        let mut h = String::new();
        h += &format!("Return-Path: <{from_addr}>\n");
        h += &format!(
            "Received: from mx.example.net (mx.example.net [192.0.2.{}])\n\tby mail.example.org (Postfix) with ESMTPS id {:X}\n\tfor <{to_addr}>; {}\n",
            n % 250 + 1,
            self.rng.next_u64() >> 24,
            rfc2822(date + 3, 0)
        );
        h += &format!("Date: {}\n", rfc2822(date, [0, 60, -300, 540, 120][n as usize % 5]));
        h += &format!("From: {from} <{from_addr}>\n");
        h += &format!("To: {to} <{to_addr}>\n");
        if self.rng.chance(0.3) {
            let (cc, cc_addr) = self.name();
            h += &format!("Cc: {cc} <{cc_addr}>,\n {} <team@example.org>\n", "Team");
        }
        h += &format!("Subject: {subject}\n");
        h += &format!("Message-ID: {id}\n");
        if let Some(p) = parent {
            h += &format!("In-Reply-To: {p}\n");
            h += &format!("References: {}\n", refs.join("\n "));
        }
        h += "MIME-Version: 1.0\n";

        let word = self.rng.chance(0.02);
        let target = self.rng.log_range(1_200, 17_000) as usize;
        let kind = self.rng.float();
        let big = self.rng.chance(0.01);
        let small = !big && self.rng.chance(0.10);
        let mut body = String::new();
        if big || small {
            let b = format!("mix{:x}{n}", self.seed);
            h += &format!("Content-Type: multipart/mixed; boundary=\"{b}\"\n\n");
            body += "This is a multi-part message in MIME format.\n";
            body += &format!("--{b}\n");
            body += &self.inline_part(target / 2, word, kind < 0.5);
            let size = if big { self.rng.log_range(100_000, 10_000_000) } else { self.rng.log_range(1_000, 8_000) };
            let (ct, name) = *self.rng.pick(&[
                ("application/pdf", "report.pdf"),
                ("image/jpeg", "photo.jpg"),
                ("application/zip", "archive.zip"),
                (
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    "=?UTF-8?B?QnVkZ2V0IMOcYmVyc2ljaHQueGxzeA==?=",
                ),
            ]);
            body += &format!("--{b}\nContent-Type: {ct}; name=\"{name}\"\nContent-Transfer-Encoding: base64\nContent-Disposition: attachment; filename=\"{name}\"\n\n");
            let mut data = vec![0u8; size as usize];
            for c in data.chunks_mut(8) {
                let r = self.rng.next_u64().to_le_bytes();
                c.copy_from_slice(&r[..c.len()]);
            }
            body += &base64_lines(&data);
            body += &format!("--{b}--\n");
        } else if kind < 0.4 {
            let b = format!("alt{:x}{n}", self.seed);
            h += &format!("Content-Type: multipart/alternative; boundary=\"{b}\"\n\n");
            body += &self.alternative_body(&b, target, word);
        } else {
            h += "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n";
            body += &self.text(target, word);
        }
        let mut flags = String::new();
        let old = self.rng.chance(0.9);
        if self.rng.chance(0.04) {
            flags.push('F');
        }
        if self.rng.chance(0.08) {
            flags.push('R');
        }
        if old && self.rng.chance(0.85) {
            flags.push('S');
        }
        for (i, p) in [0.03, 0.05, 0.01].iter().enumerate() {
            if self.rng.chance(*p) {
                flags.push((b'a' + i as u8) as char);
            }
        }
        let mut bytes = h.into_bytes();
        bytes.extend_from_slice(body.as_bytes());
        Message { bytes, date, flags }
    }

    fn alternative_body(&mut self, b: &str, target: usize, word: bool) -> String {
        let text = self.text(target * 2 / 5, word);
        let mut html = String::from("<html><body>\n<p>");
        html += &text.replace("\n\n", "</p>\n<p>");
        html += "</p>\n</body></html>\n";
        let mut s =
            format!("--{b}\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n{text}");
        s += &format!("--{b}\nContent-Type: text/html; charset=utf-8\nContent-Transfer-Encoding: quoted-printable\n\n");
        s += &quoted_printable(&html);
        s += &format!("--{b}--\n");
        s
    }

    fn inline_part(&mut self, target: usize, word: bool, alternative: bool) -> String {
        if alternative {
            let b = format!("in{:x}{}", self.seed, self.rng.next_u64() >> 40);
            let body = self.alternative_body(&b, target, word);
            format!("Content-Type: multipart/alternative; boundary=\"{b}\"\n\n{body}")
        } else {
            let t = self.text(target, word);
            format!("Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n{t}")
        }
    }
}

/// ASCII fold of the few accented names (for addresses).
fn ascii(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'ü' => 'u',
            'é' => 'e',
            'ø' => 'o',
            c if c.is_ascii() => c,
            _ => 'x',
        })
        .collect()
}

/// RFC 5322 date of Unix time `t` shown in zone `tz` (minutes east).
pub fn rfc2822(t: i64, tz: i64) -> String {
    let local = t + tz * 60;
    let days = local.div_euclid(86_400);
    let secs = local.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let wd = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][days.rem_euclid(7) as usize];
    let mon = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][m as usize - 1];
    let sign = if tz < 0 { '-' } else { '+' };
    format!(
        "{wd}, {d} {mon} {y} {:02}:{:02}:{:02} {sign}{:02}{:02}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60,
        tz.abs() / 60,
        tz.abs() % 60
    )
}

/// (year, month, day) of a day count since 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Base64 in lines of 76 characters, each ending in LF.
pub fn base64_lines(data: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len() * 4 / 3 + data.len() / 57 + 4);
    for line in data.chunks(57) {
        for c in line.chunks(3) {
            let v = (c[0] as u32) << 16 | (*c.get(1).unwrap_or(&0) as u32) << 8 | *c.get(2).unwrap_or(&0) as u32;
            for i in 0..4 {
                if i <= c.len() {
                    out.push(A[(v >> (18 - 6 * i)) as usize & 63] as char);
                } else {
                    out.push('=');
                }
            }
        }
        out.push('\n');
    }
    out
}

/// Quoted-printable of UTF-8 text, soft line breaks before 76 columns.
fn quoted_printable(s: &str) -> String {
    let mut out = String::new();
    let mut col = 0;
    for &b in s.as_bytes() {
        if b == b'\n' {
            out.push('\n');
            col = 0;
            continue;
        }
        let enc = if b == b'=' || !(32..127).contains(&b) { format!("={b:02X}") } else { (b as char).to_string() };
        if col + enc.len() > 75 {
            out += "=\n";
            col = 0;
        }
        col += enc.len();
        out += &enc;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(rfc2822(0, 0), "Thu, 1 Jan 1970 00:00:00 +0000");
        assert_eq!(rfc2822(1_700_000_000, -300), "Tue, 14 Nov 2023 17:13:20 -0500");
    }

    #[test]
    fn base64() {
        assert_eq!(base64_lines(b"Man"), "TWFu\n");
        assert_eq!(base64_lines(b"Ma"), "TWE=\n");
        assert_eq!(base64_lines(b"M"), "TQ==\n");
    }

    #[test]
    fn deterministic() {
        let (mut a, mut b) = (Generator::new(3, 100), Generator::new(3, 100));
        for n in 0..100 {
            assert_eq!(a.message(n).bytes, b.message(n).bytes);
        }
    }
}

//! Maildir file names: `<base>:2,<flags>`, sizes in the base, unique names.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// `\Draft`, letter `D`.
pub const DRAFT: u8 = 1;
/// `\Flagged`, letter `F`.
pub const FLAGGED: u8 = 2;
/// `$Forwarded` (maildir "passed"), letter `P`.
pub const PASSED: u8 = 4;
/// `\Answered` (maildir "replied"), letter `R`.
pub const REPLIED: u8 = 8;
/// `\Seen`, letter `S`.
pub const SEEN: u8 = 16;
/// `\Deleted` (maildir "trashed"), letter `T`.
pub const TRASHED: u8 = 32;

const SYSTEM_LETTERS: [(u8, char); 6] =
    [(DRAFT, 'D'), (FLAGGED, 'F'), (PASSED, 'P'), (REPLIED, 'R'), (SEEN, 'S'), (TRASHED, 'T')];

/// The flags of one message as its file name holds them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Flags {
    /// System flags: a mask of [`DRAFT`] ... [`TRASHED`].
    pub system: u8,
    /// Keywords: bit `i` is the letter `'a' + i` of `dovecot-keywords`.
    pub keywords: u32,
    /// Other letters found in the name (kept as they are), and anything
    /// after a `,` in the info part, which Dovecot leaves alone too.
    pub other: String,
}

impl Flags {
    /// Whether a system flag is set.
    pub fn has(&self, flag: u8) -> bool {
        self.system & flag != 0
    }

    /// The info part after `:2,`: letters sorted (upper before lower case).
    pub fn info(&self) -> String {
        let mut letters: Vec<char> =
            SYSTEM_LETTERS.iter().filter(|(bit, _)| self.system & bit != 0).map(|&(_, c)| c).collect();
        let (extra_letters, tail) = match self.other.find(',') {
            Some(i) => (&self.other[..i], &self.other[i..]),
            None => (self.other.as_str(), ""),
        };
        letters.extend(extra_letters.chars());
        letters.extend((0..26u8).filter(|i| self.keywords & (1 << i) != 0).map(|i| (b'a' + i) as char));
        letters.sort_unstable();
        letters.dedup();
        let mut s: String = letters.into_iter().collect();
        s.push_str(tail);
        s
    }
}

/// A file name taken apart.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedName<'a> {
    /// The base name: everything before `:` (the message's identity).
    pub base: &'a str,
    /// The flags after `:2,` (empty when there is no info part).
    pub flags: Flags,
    /// `,S=<size>` of the base name: the file size.
    pub size: Option<u64>,
    /// `,W=<vsize>` of the base name: the size with CRLF line ends.
    pub vsize: Option<u64>,
}

/// The base name of a maildir file name (up to the first `:`).
pub fn base_of(name: &str) -> &str {
    name.split(':').next().unwrap_or(name)
}

/// Parses a file name of `cur/` or `new/`.
pub fn parse(name: &str) -> ParsedName<'_> {
    let (base, info) = match name.find(':') {
        Some(i) => (&name[..i], &name[i + 1..]),
        None => (name, ""),
    };
    let mut flags = Flags::default();
    if let Some(letters) = info.strip_prefix("2,") {
        let (letters, tail) = match letters.find(',') {
            Some(i) => (&letters[..i], &letters[i..]),
            None => (letters, ""),
        };
        for c in letters.chars() {
            if let Some(&(bit, _)) = SYSTEM_LETTERS.iter().find(|(_, l)| *l == c) {
                flags.system |= bit;
            } else if c.is_ascii_lowercase() {
                flags.keywords |= 1 << (c as u8 - b'a');
            } else {
                flags.other.push(c);
            }
        }
        flags.other.push_str(tail);
    }
    let mut size = None;
    let mut vsize = None;
    for field in base.split(',').skip(1) {
        if let Some(v) = field.strip_prefix("S=") {
            size = v.parse().ok();
        } else if let Some(v) = field.strip_prefix("W=") {
            vsize = v.parse().ok();
        }
    }
    ParsedName { base, flags, size, vsize }
}

/// The file name in `cur/` for a base name and flags.
pub fn compose(base: &str, flags: &Flags) -> String {
    format!("{base}:2,{}", flags.info())
}

/// This host's name as it may appear in a file name (`/` and `:` escaped
/// as the maildir spec asks).
pub fn hostname() -> String {
    static ESCAPED: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    ESCAPED.get_or_init(|| raw_hostname().replace('/', "\\057").replace(':', "\\072").replace(',', "\\054")).clone()
}

/// This process's id, asked of the system once (every new file name and
/// every dotlock names it; tegami never forks).
pub fn pid() -> u32 {
    static PID: std::sync::OnceLock<u32> = std::sync::OnceLock::new();
    *PID.get_or_init(std::process::id)
}

/// The host name as the system gave it at its first use (`localhost` when
/// it gives none): what Dovecot writes into its dotlocks. Asked once, as
/// Dovecot does: every new file name and every dotlock names it.
pub fn raw_hostname() -> String {
    static HOST: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HOST.get_or_init(ask_hostname).clone()
}

fn ask_hostname() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is valid for its length; gethostname writes at most
    // that many bytes.
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    let raw = if rc == 0 {
        let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
        String::from_utf8_lossy(&buf[..end]).into_owned()
    } else {
        String::new()
    };
    if raw.is_empty() {
        "localhost".to_string()
    } else {
        raw
    }
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A new unique base name, `<secs>.M<usecs>P<pid>Q<counter>.<host>`; the
/// counter makes it unique within the process, the pid across processes.
pub fn unique_base() -> String {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    let q = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{}.M{}P{}Q{}.{}", now.as_secs(), now.subsec_micros(), pid(), q, hostname())
}

/// A base name with the size fields Dovecot writes, `,S=<size>,W=<vsize>`.
pub fn with_sizes(base: &str, size: u64, vsize: Option<u64>) -> String {
    match vsize {
        Some(w) => format!("{base},S={size},W={w}"),
        None => format!("{base},S={size}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_compose() {
        let p = parse("1491941793.M41850P8566.mx1,S=10956,W=11000:2,STln");
        assert_eq!(p.base, "1491941793.M41850P8566.mx1,S=10956,W=11000");
        assert_eq!(p.size, Some(10956));
        assert_eq!(p.vsize, Some(11000));
        assert!(p.flags.has(SEEN) && p.flags.has(TRASHED) && !p.flags.has(DRAFT));
        assert_eq!(p.flags.keywords, (1 << 11) | (1 << 13));
        assert_eq!(compose(p.base, &p.flags), "1491941793.M41850P8566.mx1,S=10956,W=11000:2,STln");
        let f = Flags { system: SEEN | DRAFT | REPLIED | FLAGGED | PASSED, keywords: 1, ..Default::default() };
        assert_eq!(f.info(), "DFPRSa");
        let odd = parse("x:2,SZ,foo");
        assert_eq!(odd.flags.other, "Z,foo");
        assert_eq!(odd.flags.info(), "SZ,foo");
        let bare = parse("123.abc");
        assert_eq!(bare.base, "123.abc");
        assert_eq!(bare.flags, Flags::default());
    }

    #[test]
    fn unique_names_differ() {
        let a = unique_base();
        let b = unique_base();
        assert_ne!(a, b);
        assert!(!a.contains(':') && !a.contains('/'));
    }
}

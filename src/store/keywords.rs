//! Dovecot's `dovecot-keywords`: which file-name letter stands for which
//! keyword (`0 $Junk` makes `a` mean `$Junk`). At most 26.

use super::error::{Result, StoreError};

/// File name of the keyword table in a mailbox directory.
pub const FILE: &str = "dovecot-keywords";

/// The keyword table: slot `i` is the letter `'a' + i`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Keywords {
    slots: Vec<Slot>,
}

/// What a letter stands for.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
enum Slot {
    /// Nothing yet: free for a new keyword.
    #[default]
    Free,
    /// A keyword.
    Name(String),
    /// A line of the file that could not be read, or whose name is not an
    /// IMAP atom: not shown, and its letter is not given to another
    /// keyword, so the files that carry it do not take on a new meaning.
    Dropped,
}

impl Keywords {
    /// Parses the file's text; malformed lines are skipped.
    pub fn parse(text: &str) -> Keywords {
        Keywords::parse_bytes(text.as_bytes()).0
    }

    /// Parses the file as it is on disk, which may hold anything: lines
    /// that are not UTF-8 or whose name is not an IMAP atom are dropped
    /// (their letters stay taken); returns the table and how many lines
    /// were dropped.
    pub fn parse_bytes(data: &[u8]) -> (Keywords, usize) {
        let mut k = Keywords::default();
        let mut dropped = 0;
        for line in data.split(|&b| b == b'\n') {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            let Some(sp) = line.iter().position(|&b| b == b' ') else {
                dropped += usize::from(!line.is_empty());
                continue;
            };
            let idx = std::str::from_utf8(&line[..sp]).ok().and_then(|i| i.parse::<usize>().ok());
            let Some(idx) = idx.filter(|&i| i < 26) else {
                dropped += 1;
                continue;
            };
            if k.slots.len() <= idx {
                k.slots.resize(idx + 1, Slot::Free);
            }
            k.slots[idx] = match std::str::from_utf8(&line[sp + 1..]) {
                Ok(name) if is_keyword(name) => Slot::Name(name.to_string()),
                _ => {
                    dropped += 1;
                    Slot::Dropped
                }
            };
        }
        (k, dropped)
    }

    /// The file's text.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for (i, s) in self.slots.iter().enumerate() {
            if let Slot::Name(name) = s {
                out.push_str(&format!("{i} {name}\n"));
            }
        }
        out
    }

    /// The keyword of a letter index.
    pub fn name(&self, index: usize) -> Option<&str> {
        match self.slots.get(index) {
            Some(Slot::Name(n)) => Some(n),
            _ => None,
        }
    }

    /// The letter index of a keyword (keywords compare case-insensitively).
    pub fn index(&self, name: &str) -> Option<usize> {
        self.slots.iter().position(|s| matches!(s, Slot::Name(n) if n.eq_ignore_ascii_case(name)))
    }

    /// The index of a keyword, allocating a free letter when it is new;
    /// the bool says whether the table changed. `in_use` gives the letters
    /// messages carry (asked only for a new keyword): a letter no line
    /// names may still be on files (its line was lost or dropped), and must
    /// not give them the new keyword.
    pub fn get_or_allocate(&mut self, name: &str, in_use: impl FnOnce() -> u32) -> Result<(usize, bool)> {
        if let Some(i) = self.index(name) {
            return Ok((i, false));
        }
        let used = in_use();
        let i = (0..26)
            .find(|&i| used & (1 << i) == 0 && self.slots.get(i).is_none_or(|s| *s == Slot::Free))
            .ok_or(StoreError::TooManyKeywords)?;
        if self.slots.len() <= i {
            self.slots.resize(i + 1, Slot::Free);
        }
        self.slots[i] = Slot::Name(name.to_string());
        Ok((i, true))
    }

    /// The keywords of a letter mask, in letter order.
    pub fn names_of(&self, mask: u32) -> Vec<String> {
        (0..26).filter(|i| mask & (1 << i) != 0).filter_map(|i| self.name(i).map(String::from)).collect()
    }

    /// All defined keywords, in letter order.
    pub fn all(&self) -> Vec<String> {
        self.slots
            .iter()
            .filter_map(|s| match s {
                Slot::Name(n) => Some(n.clone()),
                _ => None,
            })
            .collect()
    }
}

/// Whether a name can be sent as a keyword: an IMAP atom (RFC 3501
/// `flag-keyword`), ASCII without controls, space or `( ) { % * " \ ]`.
/// Anything else would reach FLAGS and FETCH raw, or break their syntax.
fn is_keyword(name: &str) -> bool {
    !name.is_empty() && name.bytes().all(|b| b.is_ascii_graphic() && !b"(){%*\"\\]".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_allocate_render() {
        let mut k = Keywords::parse("0 $Junk\n2 $Label1\nbad\n30 x\n");
        assert_eq!(k.name(0), Some("$Junk"));
        assert_eq!(k.index("$junk"), Some(0));
        assert_eq!(k.get_or_allocate("$Media", || 0).unwrap(), (1, true));
        assert_eq!(k.get_or_allocate("$JUNK", || 0).unwrap(), (0, false));
        assert_eq!(k.render(), "0 $Junk\n1 $Media\n2 $Label1\n");
        assert_eq!(k.names_of(0b101), vec!["$Junk", "$Label1"]);
        for i in 0..23 {
            k.get_or_allocate(&format!("k{i}"), || 0).unwrap();
        }
        assert!(matches!(k.get_or_allocate("one-too-many", || 0), Err(StoreError::TooManyKeywords)));
    }

    #[test]
    fn unreadable_lines_and_names_that_are_not_atoms_are_dropped_and_keep_their_letters() {
        let data: &[u8] =
            b"0 bad\x01word\n1 has space\n2 $Fine\n3 \xff\xfe\n4 caf\xc3\xa9\n5 a\\b\n6 (x\n7 ]\n8 Ok[x\nzz\n";
        let (mut k, dropped) = Keywords::parse_bytes(data);
        assert_eq!(dropped, 8);
        assert_eq!(k.all(), vec!["$Fine", "Ok[x"]);
        assert_eq!((k.name(0), k.name(2)), (None, Some("$Fine")));
        assert_eq!(k.names_of(0b1_1111_1111), vec!["$Fine", "Ok[x"]);
        // A new keyword takes the first letter never used, not a dropped one.
        assert_eq!(k.get_or_allocate("New", || 0).unwrap(), (9, true));
        // Nor one that files carry without a line for it.
        assert_eq!(k.get_or_allocate("Next", || 1 << 10 | 1 << 12).unwrap(), (11, true));
        assert_eq!(k.render(), "2 $Fine\n8 Ok[x\n9 New\n11 Next\n", "written valid");
        assert_eq!(k.index("has space"), None);
        assert_eq!(Keywords::parse("0 a\r\n"), Keywords::parse("0 a\n"));
    }
}

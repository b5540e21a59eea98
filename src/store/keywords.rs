//! Dovecot's `dovecot-keywords`: which file-name letter stands for which
//! keyword (`0 $Junk` makes `a` mean `$Junk`). At most 26.

use super::error::{Result, StoreError};

/// File name of the keyword table in a mailbox directory.
pub const FILE: &str = "dovecot-keywords";

/// The keyword table: slot `i` is the letter `'a' + i`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Keywords {
    slots: Vec<Option<String>>,
}

impl Keywords {
    /// Parses the file's text; malformed lines are skipped.
    pub fn parse(text: &str) -> Keywords {
        let mut k = Keywords::default();
        for line in text.lines() {
            let Some((idx, name)) = line.split_once(' ') else {
                continue;
            };
            let Ok(idx) = idx.parse::<usize>() else {
                continue;
            };
            if idx < 26 && !name.is_empty() {
                if k.slots.len() <= idx {
                    k.slots.resize(idx + 1, None);
                }
                k.slots[idx] = Some(name.to_string());
            }
        }
        k
    }

    /// The file's text.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for (i, s) in self.slots.iter().enumerate() {
            if let Some(name) = s {
                out.push_str(&format!("{i} {name}\n"));
            }
        }
        out
    }

    /// The keyword of a letter index.
    pub fn name(&self, index: usize) -> Option<&str> {
        self.slots.get(index).and_then(|s| s.as_deref())
    }

    /// The letter index of a keyword (keywords compare case-insensitively).
    pub fn index(&self, name: &str) -> Option<usize> {
        self.slots.iter().position(|s| s.as_deref().is_some_and(|n| n.eq_ignore_ascii_case(name)))
    }

    /// The index of a keyword, allocating a free letter when it is new;
    /// the bool says whether the table changed.
    pub fn get_or_allocate(&mut self, name: &str) -> Result<(usize, bool)> {
        if let Some(i) = self.index(name) {
            return Ok((i, false));
        }
        let free = self.slots.iter().position(Option::is_none);
        let i = match free {
            Some(i) => i,
            None if self.slots.len() < 26 => {
                self.slots.push(None);
                self.slots.len() - 1
            }
            None => return Err(StoreError::TooManyKeywords),
        };
        self.slots[i] = Some(name.to_string());
        Ok((i, true))
    }

    /// The keywords of a letter mask, in letter order.
    pub fn names_of(&self, mask: u32) -> Vec<String> {
        (0..26).filter(|i| mask & (1 << i) != 0).filter_map(|i| self.name(i).map(String::from)).collect()
    }

    /// All defined keywords, in letter order.
    pub fn all(&self) -> Vec<String> {
        self.slots.iter().flatten().cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_allocate_render() {
        let mut k = Keywords::parse("0 $Junk\n2 $Label1\nbad\n30 x\n");
        assert_eq!(k.name(0), Some("$Junk"));
        assert_eq!(k.index("$junk"), Some(0));
        assert_eq!(k.get_or_allocate("$Media").unwrap(), (1, true));
        assert_eq!(k.get_or_allocate("$JUNK").unwrap(), (0, false));
        assert_eq!(k.render(), "0 $Junk\n1 $Media\n2 $Label1\n");
        assert_eq!(k.names_of(0b101), vec!["$Junk", "$Label1"]);
        for i in 0..23 {
            k.get_or_allocate(&format!("k{i}")).unwrap();
        }
        assert!(matches!(k.get_or_allocate("one-too-many"), Err(StoreError::TooManyKeywords)));
    }
}

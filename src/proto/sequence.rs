//! RFC 3501 `sequence-set`: `1,3:5,7:*`, ranges in either order, plus the
//! RFC 5182 `$` (the result saved by `SEARCH RETURN (SAVE)`).
//!
//! The same type serves message sequence numbers and UIDs; what `*` means
//! (the largest sequence number or the largest UID) is given by the caller
//! as `max`.

use std::fmt;
use std::str::FromStr;

/// One end of a range: a number (never 0) or `*`, the largest in use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SeqNumber {
    /// A concrete sequence number or UID, at least 1.
    Value(u32),
    /// `*`: the largest sequence number or UID in the mailbox.
    Star,
}

impl SeqNumber {
    /// The number this stands for when the largest one in use is `max`.
    pub fn resolve(self, max: u32) -> u32 {
        match self {
            SeqNumber::Value(n) => n,
            SeqNumber::Star => max,
        }
    }
}

impl fmt::Display for SeqNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SeqNumber::Value(n) => write!(f, "{n}"),
            SeqNumber::Star => f.write_str("*"),
        }
    }
}

/// `a:b` (in either order) or a single number when `start == end`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct SeqRange {
    /// The first end as sent.
    pub start: SeqNumber,
    /// The second end as sent; equal to `start` for a single number.
    pub end: SeqNumber,
}

impl SeqRange {
    /// The inclusive bounds `(low, high)` when the largest number is `max`.
    pub fn bounds(&self, max: u32) -> (u32, u32) {
        let a = self.start.resolve(max);
        let b = self.end.resolve(max);
        (a.min(b), a.max(b))
    }
}

impl fmt::Display for SeqRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.start == self.end {
            write!(f, "{}", self.start)
        } else {
            write!(f, "{}:{}", self.start, self.end)
        }
    }
}

/// A parsed `sequence-set`, or `$` (RFC 5182 saved search result).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum SequenceSet {
    /// Comma-separated ranges, in the order sent (never empty).
    Ranges(Vec<SeqRange>),
    /// `$`: the handler substitutes the saved search result.
    Saved,
}

/// Why a sequence set could not be parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SequenceError(pub String);

impl fmt::Display for SequenceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SequenceError {}

impl SequenceSet {
    /// A set of one range `a:b`.
    pub fn range(a: u32, b: u32) -> SequenceSet {
        SequenceSet::Ranges(vec![SeqRange { start: SeqNumber::Value(a), end: SeqNumber::Value(b) }])
    }

    /// Parse the wire form (`1:3,5,*`, or `$`).
    pub fn parse(input: &[u8]) -> Result<SequenceSet, SequenceError> {
        let bad = || SequenceError("Invalid sequence set".to_string());
        if input == b"$" {
            return Ok(SequenceSet::Saved);
        }
        if input.is_empty() {
            return Err(bad());
        }
        let mut ranges = Vec::new();
        for part in input.split(|&b| b == b',') {
            let mut ends = part.splitn(2, |&b| b == b':');
            let start = parse_number(ends.next().ok_or_else(bad)?)?;
            let end = match ends.next() {
                Some(e) => parse_number(e)?,
                None => start,
            };
            ranges.push(SeqRange { start, end });
        }
        Ok(SequenceSet::Ranges(ranges))
    }

    /// True for `$`.
    pub fn is_saved(&self) -> bool {
        matches!(self, SequenceSet::Saved)
    }

    /// True when `n` is in the set, `*` standing for `max`. `$` contains nothing.
    pub fn contains(&self, n: u32, max: u32) -> bool {
        match self {
            SequenceSet::Saved => false,
            SequenceSet::Ranges(r) => r.iter().any(|r| {
                let (lo, hi) = r.bounds(max);
                lo <= n && n <= hi
            }),
        }
    }

    /// Sorted, merged, inclusive intervals clipped to `1..=max`.
    /// (`5:*` with `max` 3 gives `3:3`, as RFC 3501 reads it.) `$` gives none.
    pub fn intervals(&self, max: u32) -> Vec<(u32, u32)> {
        let SequenceSet::Ranges(ranges) = self else { return Vec::new() };
        let mut v: Vec<(u32, u32)> = ranges
            .iter()
            .map(|r| r.bounds(max))
            .filter(|&(lo, _)| lo <= max && max > 0)
            .map(|(lo, hi)| (lo.max(1), hi.min(max)))
            .collect();
        v.sort_unstable();
        let mut out: Vec<(u32, u32)> = Vec::with_capacity(v.len());
        for (lo, hi) in v {
            match out.last_mut() {
                Some(last) if lo <= last.1.saturating_add(1) => last.1 = last.1.max(hi),
                _ => out.push((lo, hi)),
            }
        }
        out
    }

    /// Every number in the set within `1..=max`, ascending and without repeats.
    pub fn iter(&self, max: u32) -> impl Iterator<Item = u32> {
        self.intervals(max).into_iter().flat_map(|(lo, hi)| lo..=hi)
    }

    /// True when some end of the set is larger than `max` (a sequence
    /// number out of range, which RFC 3501 makes an error for non-UID sets).
    pub fn exceeds(&self, max: u32) -> bool {
        match self {
            SequenceSet::Saved => false,
            SequenceSet::Ranges(r) => {
                r.iter().any(|r| [r.start, r.end].iter().any(|e| matches!(e, SeqNumber::Value(n) if *n > max)))
            }
        }
    }
}

fn parse_number(s: &[u8]) -> Result<SeqNumber, SequenceError> {
    if s == b"*" {
        return Ok(SeqNumber::Star);
    }
    let bad = || SequenceError("Invalid sequence set".to_string());
    if s.is_empty() || s.len() > 10 || !s.iter().all(u8::is_ascii_digit) || s[0] == b'0' {
        return Err(bad());
    }
    let n: u64 = std::str::from_utf8(s).map_err(|_| bad())?.parse().map_err(|_| bad())?;
    u32::try_from(n).map(SeqNumber::Value).map_err(|_| bad())
}

impl FromStr for SequenceSet {
    type Err = SequenceError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        SequenceSet::parse(s.as_bytes())
    }
}

impl fmt::Display for SequenceSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SequenceSet::Saved => f.write_str("$"),
            SequenceSet::Ranges(r) => {
                for (i, range) in r.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write!(f, "{range}")?;
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parse_and_expand() {
        let s: SequenceSet = "1:3,7,5:*".parse().unwrap();
        assert_eq!(s.iter(8).collect::<Vec<_>>(), vec![1, 2, 3, 5, 6, 7, 8]);
        assert!(s.contains(6, 8));
        assert!(!s.contains(4, 8));
        let r: SequenceSet = "9:4".parse().unwrap();
        assert_eq!(r.intervals(100), vec![(4, 9)]);
        let star: SequenceSet = "559:*".parse().unwrap();
        assert_eq!(star.intervals(500), vec![(500, 500)]);
        assert_eq!(star.intervals(0), vec![]);
        assert_eq!(SequenceSet::parse(b"$").unwrap(), SequenceSet::Saved);
        assert!(r.exceeds(8));
    }

    #[test]
    fn rejects() {
        for bad in ["", "0", "1:", ":1", "1,,2", "a", "1:2:3", "4294967296", "01", "1, 2", "$,1"] {
            assert!(SequenceSet::parse(bad.as_bytes()).is_err(), "{bad}");
        }
    }

    fn arb_num() -> impl Strategy<Value = SeqNumber> {
        prop_oneof![Just(SeqNumber::Star), (1u32..).prop_map(SeqNumber::Value)]
    }

    proptest! {
        #[test]
        fn display_round_trips(v in prop::collection::vec((arb_num(), arb_num()), 1..6)) {
            let set = SequenceSet::Ranges(v.into_iter().map(|(start, end)| SeqRange { start, end }).collect());
            let text = set.to_string();
            prop_assert_eq!(SequenceSet::parse(text.as_bytes()).unwrap(), set);
        }

        #[test]
        fn iter_matches_contains(a in 1u32..50, b in 1u32..50, max in 0u32..60) {
            let set = SequenceSet::range(a, b);
            let listed: Vec<u32> = set.iter(max).collect();
            for n in 1..=max {
                prop_assert_eq!(listed.contains(&n), set.contains(n, max) );
            }
        }
    }
}

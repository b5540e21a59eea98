//! Header blocks: where they end, their fields, and unfolding (RFC 5322 2.2).
//!
//! All functions are single passes over the bytes, so a header of hundreds
//! of kilobytes costs time linear in its size.

/// Returns the offset just past the blank line that ends the header starting
/// at `start`, or `end` when there is none (a truncated message).
pub fn header_end(buf: &[u8], start: usize, end: usize) -> usize {
    let end = end.min(buf.len());
    let mut p = start;
    while p < end {
        match buf[p] {
            b'\n' => return p + 1,
            b'\r' if p + 1 < end && buf[p + 1] == b'\n' => return p + 2,
            _ => {}
        }
        match memchr::memchr(b'\n', &buf[p..end]) {
            Some(i) => p += i + 1,
            None => return end,
        }
    }
    end
}

/// One header field: its name and raw value, and the whole field's bytes
/// (name through the line end of its last continuation line).
#[derive(Clone, Copy, Debug)]
pub struct Field<'a> {
    /// The field name, without the colon or trailing blanks.
    pub name: &'a [u8],
    /// The raw value after the colon, folding kept, final line end removed.
    pub value: &'a [u8],
    /// The complete field including its final line end (if any).
    pub raw: &'a [u8],
}

/// Iterator over the fields of a header block (see [`fields`]).
pub struct Fields<'a> {
    hdr: &'a [u8],
    pos: usize,
}

/// Iterates over the fields of `hdr`. Lines without a colon are skipped
/// (with their continuation lines); iteration stops at a blank line.
pub fn fields(hdr: &[u8]) -> Fields<'_> {
    Fields { hdr, pos: 0 }
}

impl<'a> Iterator for Fields<'a> {
    type Item = Field<'a>;

    fn next(&mut self) -> Option<Field<'a>> {
        let h = self.hdr;
        loop {
            let start = self.pos;
            if start >= h.len() || h[start] == b'\n' || h[start..].starts_with(b"\r\n") {
                return None;
            }
            // Find the end of this field: the first line end not followed by
            // a blank or tab.
            let mut p = start;
            let (value_end, field_end) = loop {
                // memchr: a header listing of a whole mailbox spends most
                // of its time here (perf of bench scenario 13).
                match memchr::memchr(b'\n', &h[p..]) {
                    None => break (h.len(), h.len()),
                    Some(i) => {
                        let nl = p + i;
                        if nl + 1 < h.len() && (h[nl + 1] == b' ' || h[nl + 1] == b'\t') {
                            p = nl + 1;
                            continue;
                        }
                        let ve = if nl > start && h[nl - 1] == b'\r' { nl - 1 } else { nl };
                        break (ve, nl + 1);
                    }
                }
            };
            self.pos = field_end;
            let line = &h[start..value_end];
            let colon = match memchr::memchr(b':', line) {
                Some(c) => c,
                None => continue,
            };
            let mut name = &line[..colon];
            while let [rest @ .., b' ' | b'\t'] = name {
                name = rest;
            }
            if name.is_empty() || name.iter().any(|&b| b == b'\n' || b == b'\r') {
                continue;
            }
            return Some(Field { name, value: &line[colon + 1..], raw: &h[start..field_end] });
        }
    }
}

/// Unfolds a raw field value: blanks before the first line end are dropped,
/// then every CR and LF is removed (the blank that follows a fold stays).
pub fn unfold(value: &[u8]) -> Vec<u8> {
    let first_break = value.iter().position(|&b| b == b'\r' || b == b'\n').unwrap_or(value.len());
    let skip = value[..first_break].iter().take_while(|&&b| b == b' ' || b == b'\t').count();
    value[skip..].iter().copied().filter(|&b| b != b'\r' && b != b'\n').collect()
}

/// The raw value of the first field named `name` (ASCII case-insensitive).
pub fn first<'a>(hdr: &'a [u8], name: &[u8]) -> Option<&'a [u8]> {
    fields(hdr).find(|f| f.name.eq_ignore_ascii_case(name)).map(|f| f.value)
}

/// The raw value of the last field named `name` (ASCII case-insensitive).
pub fn last<'a>(hdr: &'a [u8], name: &[u8]) -> Option<&'a [u8]> {
    fields(hdr).filter(|f| f.name.eq_ignore_ascii_case(name)).last().map(|f| f.value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_end_variants() {
        assert_eq!(header_end(b"A: b\r\n\r\nbody", 0, 13), 8);
        assert_eq!(header_end(b"A: b\n\nbody", 0, 10), 6);
        assert_eq!(header_end(b"A: b\r\n", 0, 6), 6);
        assert_eq!(header_end(b"\r\nbody", 0, 6), 2);
        assert_eq!(header_end(b"", 0, 0), 0);
    }

    #[test]
    fn fields_fold_and_skip_junk() {
        let h = b"Subject: a\r\n b\r\njunk line\r\nTo : x\r\n\r\nbody: no\r\n";
        let v: Vec<_> = fields(h).map(|f| (f.name.to_vec(), unfold(f.value))).collect();
        assert_eq!(v, vec![(b"Subject".to_vec(), b"a b".to_vec()), (b"To".to_vec(), b"x".to_vec())]);
    }

    #[test]
    fn unfold_keeps_blank_after_fold() {
        assert_eq!(unfold(b"\r\n <id@x>"), b" <id@x>");
        assert_eq!(unfold(b"  x\r\n\ty"), b"x\ty");
    }
}

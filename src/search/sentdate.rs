//! The calendar day of a `Date:` header (RFC 5322 3.3, with the obsolete
//! forms of 4.3 and the ctime order some old mailers write), for SENTON and
//! friends, which disregard time and zone.

use crate::proto::datetime::Date;

/// The day written in a `Date:` header value (raw, possibly folded), in the
/// header's own zone; `None` when no day, month and year can be read.
pub fn sent_date(value: &[u8]) -> Option<Date> {
    let text = strip_comments(value);
    let words: Vec<&[u8]> =
        text.split(|&b| b.is_ascii_whitespace() || b == b',' || b == b'-').filter(|w| !w.is_empty()).take(8).collect();
    let mut i = 0;
    // Optional day of week ("Mon"), which is alphabetic but not a month.
    if words.first().is_some_and(|w| w.iter().all(u8::is_ascii_alphabetic) && month(w).is_none()) {
        i = 1;
    }
    let (a, b) = (*words.get(i)?, *words.get(i + 1)?);
    let (day, mon, year) = if let Some(m) = month(b) {
        // day month year
        (number(a)?, m, year(words.get(i + 2)?)?)
    } else {
        // ctime: month day hh:mm:ss year
        let m = month(a)?;
        let y = words[i + 2..].iter().find_map(|w| (w.len() == 4).then(|| year(w)).flatten())?;
        (number(b)?, m, y)
    };
    Date::from_ymd(year_fix(year), mon, day)
}

/// Replaces comments `( ... )`, nested and with quoted pairs, by a blank.
pub(crate) fn strip_comments(v: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(v.len());
    let mut depth = 0usize;
    let mut escaped = false;
    for &b in v {
        if depth > 0 {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'(' => depth += 1,
                b')' => depth -= 1,
                _ => {}
            }
            if depth == 0 {
                out.push(b' ');
            }
        } else if b == b'(' {
            depth = 1;
        } else {
            out.push(b);
        }
    }
    out
}

pub(crate) fn month(w: &[u8]) -> Option<u32> {
    const NAMES: [&[u8]; 12] =
        [b"jan", b"feb", b"mar", b"apr", b"may", b"jun", b"jul", b"aug", b"sep", b"oct", b"nov", b"dec"];
    if w.len() < 3 || !w.iter().all(u8::is_ascii_alphabetic) {
        return None;
    }
    NAMES.iter().position(|n| w[..3].eq_ignore_ascii_case(n)).map(|i| i as u32 + 1)
}

pub(crate) fn number(w: &[u8]) -> Option<u32> {
    if w.is_empty() || w.len() > 2 || !w.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(w).ok()?.parse().ok()
}

pub(crate) fn year(w: &[u8]) -> Option<u32> {
    if w.len() < 2 || w.len() > 4 || !w.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(w).ok()?.parse().ok()
}

/// RFC 5322 4.3: two-digit years below 50 are 20xx, others (and three-digit
/// years) are offsets from 1900.
pub(crate) fn year_fix(y: u32) -> i32 {
    let y = y as i32;
    match y {
        0..=49 => 2000 + y,
        50..=999 => 1900 + y,
        _ => y,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Option<(i32, u32, u32)> {
        sent_date(s.as_bytes()).map(|d| d.ymd())
    }

    #[test]
    fn forms() {
        assert_eq!(d("Mon, 7 Feb 1994 21:52:25 -0800 (PST)"), Some((1994, 2, 7)));
        assert_eq!(d(" 17 Jul 1996 02:23:25 -0700"), Some((1996, 7, 17)));
        assert_eq!(d("Sun, 01 Mar 2020 00:30:00 +1300"), Some((2020, 3, 1)));
        assert_eq!(d("(comment (nested)) Tue,\r\n 3 Mar 98 10:00 GMT"), Some((1998, 3, 3)));
        assert_eq!(d("1 jan 05 00:00 +0000"), Some((2005, 1, 1)));
        assert_eq!(d("Thu, 1 Jan 101 00:00 +0000"), Some((2001, 1, 1)));
        assert_eq!(d("Wed Jul 17 02:23:25 1996"), Some((1996, 7, 17)));
        assert_eq!(d("17-Jul-1996 02:44:25 -0700"), Some((1996, 7, 17)));
        assert_eq!(d("Monday, 31 Feb 2001"), None);
        assert_eq!(d("garbage"), None);
        assert_eq!(d(""), None);
        assert_eq!(d("((("), None);
    }
}

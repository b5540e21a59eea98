//! The sent date of RFC 5256 (SORT DATE, THREAD's orders): the `Date:`
//! header as an instant, compared in UTC; when the header is missing or
//! cannot be read, the INTERNALDATE stands in (the caller does that).

use crate::proto::datetime::Date;
use crate::search::sentdate::{month, number, strip_comments, year, year_fix};

/// Seconds since the epoch of an RFC 5322 `date-time` (raw field value,
/// maybe folded, with comments), with the obsolete forms of RFC 5322 4.3
/// (two-digit years, named and military zones) and the ctime order some
/// old mailers write; `None` when day, month, year and time cannot be read.
pub fn date_time(value: &[u8]) -> Option<i64> {
    let text = strip_comments(value);
    let words: Vec<&[u8]> =
        text.split(|&b| b.is_ascii_whitespace() || b == b',').filter(|w| !w.is_empty()).take(10).collect();
    let mut i = 0;
    if words.first().is_some_and(|w| w.iter().all(u8::is_ascii_alphabetic) && month(w).is_none()) {
        i = 1;
    }
    let rest = &words[i.min(words.len())..];
    let (day, mon, year, time, zone) = match rest {
        [d, m, y, t, z @ ..] if month(m).is_some() => (number(d)?, month(m)?, year(y)?, *t, z.first().copied()),
        // ctime: month day time year [zone]
        [m, d, t, y, z @ ..] if month(m).is_some() => (number(d)?, month(m)?, year(y)?, *t, z.first().copied()),
        _ => return None,
    };
    let days = Date::from_ymd(year_fix(year), mon, day)?.days;
    let secs = clock(time)?;
    let offset = zone.map_or(Some(0), zone_offset)?;
    Some(days * 86_400 + secs - offset)
}

/// `hh:mm[:ss]` as seconds after midnight.
fn clock(w: &[u8]) -> Option<i64> {
    let mut parts = w.split(|&b| b == b':');
    let h = small(parts.next()?, 23)?;
    let m = small(parts.next()?, 59)?;
    let s = match parts.next() {
        Some(s) => small(s, 60)?,
        None => 0,
    };
    if parts.next().is_some() {
        return None;
    }
    Some(h * 3600 + m * 60 + s)
}

fn small(w: &[u8], max: i64) -> Option<i64> {
    if w.is_empty() || w.len() > 2 || !w.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n: i64 = std::str::from_utf8(w).ok()?.parse().ok()?;
    (n <= max).then_some(n)
}

/// The zone's offset east of UTC in seconds; unknown names count as UTC
/// (RFC 5322 4.3: military zones "SHOULD all be considered equivalent to
/// -0000"), malformed numbers make the date unreadable.
fn zone_offset(z: &[u8]) -> Option<i64> {
    if let (Some(sign @ (b'+' | b'-')), true) = (z.first(), z.len() == 5) {
        let digits = &z[1..];
        if !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        let n = |a: usize| i64::from(digits[a] - b'0') * 10 + i64::from(digits[a + 1] - b'0');
        let off = n(0) * 3600 + n(2) * 60;
        return Some(if *sign == b'-' { -off } else { off });
    }
    let hours = match z.to_ascii_uppercase().as_slice() {
        b"EDT" => -4,
        b"EST" | b"CDT" => -5,
        b"CST" | b"MDT" => -6,
        b"MST" | b"PDT" => -7,
        b"PST" => -8,
        _ if z.iter().all(u8::is_ascii_alphabetic) => 0,
        _ => return None,
    };
    Some(hours * 3600)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Option<i64> {
        date_time(s.as_bytes())
    }

    #[test]
    fn forms_and_zones() {
        // 1994-02-08 05:52:25 UTC
        let utc = 760_686_745;
        assert_eq!(t("Mon, 7 Feb 1994 21:52:25 -0800 (PST)"), Some(utc));
        assert_eq!(t("Tue, 8 Feb 1994 05:52:25 +0000"), Some(utc));
        assert_eq!(t("Tue, 8 Feb 1994 06:52:25 +0100"), Some(utc));
        assert_eq!(t("7 Feb 1994 21:52:25 PST"), Some(utc));
        assert_eq!(t("Tue, 8 Feb 94 05:52:25 GMT"), Some(utc));
        assert_eq!(t("Tue,\r\n 8 Feb 1994 05:52 +0000"), Some(utc - 25));
        assert_eq!(t("Tue Feb  8 05:52:25 1994"), Some(utc));
        assert_eq!(t("8 Feb 1994 05:52:25"), Some(utc));
        assert_eq!(t("(c) 8 Feb 1994 05:52:25 Z"), Some(utc));
        assert_eq!(t("8 Feb 1994 05:52:25 +01x0"), None);
        assert_eq!(t("8 Feb 1994 25:52:25 +0000"), None);
        assert_eq!(t("8 Foo 1994 05:52:25 +0000"), None);
        assert_eq!(t("garbage"), None);
        assert_eq!(t(""), None);
    }
}

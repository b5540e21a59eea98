//! IMAP `date-time` (`17-Jul-1996 02:44:25 -0700`) and `date` (`1-Feb-1994`),
//! with the civil-calendar arithmetic done here (proleptic Gregorian).

use std::fmt;

/// Why a date or date-time could not be parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DateError(pub String);

impl fmt::Display for DateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DateError {}

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// Days since 1970-01-01 of a civil date (month 1..=12, day 1..=31).
pub fn days_from_civil(year: i32, month: u32, day: u32) -> i64 {
    let y = i64::from(year) - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date `(year, month, day)` of a count of days since 1970-01-01.
pub fn civil_from_days(days: i64) -> (i32, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
    (year, month, day)
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

/// A calendar day without time or zone, as used by SEARCH `BEFORE`/`ON`/`SINCE`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    /// Days since 1970-01-01.
    pub days: i64,
}

impl Date {
    /// The date of a year, month (1..=12) and day, if it exists.
    pub fn from_ymd(year: i32, month: u32, day: u32) -> Option<Date> {
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        Some(Date { days: days_from_civil(year, month, day) })
    }

    /// `(year, month, day)`.
    pub fn ymd(&self) -> (i32, u32, u32) {
        civil_from_days(self.days)
    }

    /// Parse `d-Mon-yyyy` or `dd-Mon-yyyy`, optionally between double quotes.
    pub fn parse(input: &[u8]) -> Result<Date, DateError> {
        let s = strip_quotes(input);
        // The client's bytes are not echoed (issue 21, Fix 4).
        let bad = || DateError("Invalid date (expected e.g. 1-Feb-1994)".into());
        let mut parts = s.split(|&b| b == b'-');
        let (Some(d), Some(m), Some(y), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
            return Err(bad());
        };
        if d.is_empty() || d.len() > 2 || y.len() != 4 {
            return Err(bad());
        }
        let day = digits(d).ok_or_else(bad)?;
        let year = digits(y).ok_or_else(bad)?;
        let month = month_number(m).ok_or_else(bad)?;
        Date::from_ymd(year as i32, month, day).ok_or_else(bad)
    }

    /// Seconds since the epoch of this day's midnight, UTC.
    pub fn unix_midnight(&self) -> i64 {
        self.days * 86_400
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.ymd();
        write!(f, "{}-{}-{:04}", d, MONTHS[m as usize - 1], y)
    }
}

/// An instant with the zone it was given in (APPEND date, INTERNALDATE).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DateTime {
    /// Seconds since 1970-01-01T00:00:00Z.
    pub unix: i64,
    /// Offset of the local time from UTC, in minutes (`-0700` is -420).
    pub offset_minutes: i32,
}

impl DateTime {
    /// The instant `unix` shown in the zone `offset_minutes` east of UTC.
    pub fn from_unix(unix: i64, offset_minutes: i32) -> DateTime {
        DateTime { unix, offset_minutes }
    }

    /// Seconds since the epoch.
    pub fn to_unix(&self) -> i64 {
        self.unix
    }

    /// The local calendar day (in this value's own zone).
    pub fn local_date(&self) -> Date {
        Date { days: (self.unix + i64::from(self.offset_minutes) * 60).div_euclid(86_400) }
    }

    /// Parse `dd-Mon-yyyy hh:mm:ss +zzzz`, optionally between double quotes;
    /// the day may be two digits, one digit, or a space and one digit.
    pub fn parse(input: &[u8]) -> Result<DateTime, DateError> {
        let bad = || DateError("Invalid date-time (expected e.g. \"17-Jul-1996 02:44:25 -0700\")".into());
        let mut s = strip_quotes(input);
        if s.first() == Some(&b' ') {
            s = &s[1..];
        }
        let mut fields = s.split(|&b| b == b' ');
        let (Some(date), Some(time), Some(zone), None) = (fields.next(), fields.next(), fields.next(), fields.next())
        else {
            return Err(bad());
        };
        let date = Date::parse(date).map_err(|_| bad())?;
        if time.len() != 8 || time[2] != b':' || time[5] != b':' {
            return Err(bad());
        }
        let h = digits(&time[0..2]).ok_or_else(bad)?;
        let mi = digits(&time[3..5]).ok_or_else(bad)?;
        let se = digits(&time[6..8]).ok_or_else(bad)?;
        if h > 23 || mi > 59 || se > 60 {
            return Err(bad());
        }
        if zone.len() != 5 || !(zone[0] == b'+' || zone[0] == b'-') {
            return Err(bad());
        }
        let zh = digits(&zone[1..3]).ok_or_else(bad)?;
        let zm = digits(&zone[3..5]).ok_or_else(bad)?;
        if zm > 59 {
            return Err(bad());
        }
        let mut offset = (zh * 60 + zm) as i32;
        if zone[0] == b'-' {
            offset = -offset;
        }
        let local = date.unix_midnight() + i64::from(h * 3600 + mi * 60 + se);
        Ok(DateTime { unix: local - i64::from(offset) * 60, offset_minutes: offset })
    }
}

impl fmt::Display for DateTime {
    /// The wire form without quotes: `17-Jul-1996 02:44:25 -0700`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let local = self.unix + i64::from(self.offset_minutes) * 60;
        let (y, m, d) = civil_from_days(local.div_euclid(86_400));
        let secs = local.rem_euclid(86_400);
        let sign = if self.offset_minutes < 0 { '-' } else { '+' };
        let off = self.offset_minutes.unsigned_abs();
        write!(
            f,
            "{:02}-{}-{:04} {:02}:{:02}:{:02} {}{:02}{:02}",
            d,
            MONTHS[m as usize - 1],
            y,
            secs / 3600,
            secs / 60 % 60,
            secs % 60,
            sign,
            off / 60,
            off % 60
        )
    }
}

fn strip_quotes(s: &[u8]) -> &[u8] {
    if s.len() >= 2 && s[0] == b'"' && s[s.len() - 1] == b'"' {
        &s[1..s.len() - 1]
    } else {
        s
    }
}

fn digits(s: &[u8]) -> Option<u32> {
    if s.is_empty() || s.len() > 9 || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(s.iter().fold(0, |a, &d| a * 10 + u32::from(d - b'0')))
}

fn month_number(m: &[u8]) -> Option<u32> {
    MONTHS.iter().position(|name| name.as_bytes().eq_ignore_ascii_case(m)).map(|p| p as u32 + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn date_time_known_answers() {
        let dt = DateTime::parse(b"\"17-Jul-1996 02:44:25 -0700\"").unwrap();
        assert_eq!(dt.unix, 837_596_665);
        assert_eq!(dt.offset_minutes, -420);
        assert_eq!(dt.to_string(), "17-Jul-1996 02:44:25 -0700");
        let padded = DateTime::parse(b" 7-Feb-2002 07:59:42 +0000").unwrap();
        assert_eq!(padded, DateTime::parse(b"7-Feb-2002 07:59:42 +0000").unwrap());
        assert_eq!(padded.to_string(), "07-Feb-2002 07:59:42 +0000");
        assert_eq!(DateTime::parse(b"01-Jan-1970 00:00:00 +0000").unwrap().unix, 0);
        for bad in [
            &b"17-Jul-1996 02:44:25"[..],
            b"32-Jan-2000 00:00:00 +0000",
            b"29-Feb-2001 00:00:00 +0000",
            b"17-Foo-1996 02:44:25 -0700",
            b"17-Jul-1996 24:00:00 +0000",
            b"17-Jul-1996 02:44:25 -07000",
            b"",
        ] {
            assert!(DateTime::parse(bad).is_err(), "{:?}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn date_known_answers() {
        let d = Date::parse(b"1-Feb-1994").unwrap();
        assert_eq!(d.ymd(), (1994, 2, 1));
        assert_eq!(d.to_string(), "1-Feb-1994");
        assert_eq!(Date::parse(b"\"29-feb-2000\"").unwrap().ymd(), (2000, 2, 29));
        assert!(Date::parse(b"29-Feb-1900").is_err());
        assert!(Date::parse(b"1-Feb-94").is_err());
    }

    proptest! {
        #[test]
        fn civil_round_trip(days in -1_000_000i64..1_000_000) {
            let (y, m, d) = civil_from_days(days);
            prop_assert_eq!(days_from_civil(y, m, d), days);
        }

        #[test]
        fn datetime_round_trip(unix in 0i64..4_000_000_000, off in -720i32..=840) {
            let dt = DateTime::from_unix(unix, off);
            prop_assert_eq!(DateTime::parse(dt.to_string().as_bytes()).unwrap(), dt);
        }
    }
}

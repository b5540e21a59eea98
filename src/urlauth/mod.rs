//! URLAUTH (RFC 4467): authorized IMAP URLs and the keys that sign them.
//!
//! An authorized URL is an absolute IMAP URL to a message or part, then
//! `[;EXPIRE=datetime];URLAUTH=access`, which makes the *rump*, then
//! `:mechanism:token`. With the `INTERNAL` mechanism the token is the
//! HMAC-SHA1 of the rump under a key the server keeps per mailbox (RFC
//! 4467 section 7); resetting the key makes every URL signed with it
//! worthless. Keys live in [`keys`], a sidecar file of the account.

pub mod keys;

use hmac::{Hmac, Mac};
use sha1::Sha1;

use crate::proto::datetime::days_from_civil;
use crate::proto::url::{parse_url, PartUrl};

/// Who may fetch an authorized URL (RFC 4467 section 3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Access {
    /// `submit+user`: a submission server acting for `user`.
    Submit(String),
    /// `user+user`: only that user.
    User(String),
    /// `authuser`: any user logged in to this server.
    AuthUser,
    /// `anonymous`: anyone.
    Anonymous,
}

/// An absolute IMAP URL with a URLAUTH part, split up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthUrl {
    /// The `iuserinfo` user: whose mailbox the URL names.
    pub owner: String,
    /// The message or part.
    pub part: PartUrl,
    /// `;EXPIRE=`, seconds since the epoch.
    pub expire: Option<i64>,
    /// `;URLAUTH=access`.
    pub access: Access,
    /// The octets up to and including the access identifier.
    pub rump: Vec<u8>,
    /// `:mechanism:token` after the rump, if there (mechanism upper-cased).
    pub auth: Option<(String, String)>,
}

/// The one mechanism tegami supports.
pub const INTERNAL: &str = "INTERNAL";

fn find_ci(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w.eq_ignore_ascii_case(needle))
}

fn pct_decode(s: &[u8]) -> Option<String> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'%' {
            let hex = std::str::from_utf8(s.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else if s[i].is_ascii_alphanumeric() || b"-._~!$'()*+,&=".contains(&s[i]) {
            out.push(s[i]);
            i += 1;
        } else {
            return None;
        }
    }
    String::from_utf8(out).ok().filter(|u| !u.is_empty())
}

/// Parses an authorized URL, with or without `:mechanism:token`.
pub fn parse(url: &[u8]) -> Option<AuthUrl> {
    if url.len() > 8192 || !url.get(..7)?.eq_ignore_ascii_case(b"imap://") {
        return None;
    }
    let rest = &url[7..];
    let at = rest.iter().position(|&b| b == b'@')?;
    let slash = rest.iter().position(|&b| b == b'/')?;
    if at > slash {
        return None;
    }
    // `;AUTH=` in the user part names an IMAP login mechanism: not taken.
    let owner = pct_decode(&rest[..at])?;
    let host = &rest[at + 1..slash];
    if host.is_empty() || !host.iter().all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(b)) {
        return None;
    }
    let path = &rest[slash..];
    let ua = find_ci(path, b";URLAUTH=")?;
    let mut part_end = ua;
    let mut expire = None;
    if let Some(e) = find_ci(&path[..ua], b";EXPIRE=") {
        expire = Some(rfc3339(&path[e + 8..ua])?);
        part_end = e;
    }
    let part = parse_url(&path[..part_end])?;
    let after = &path[ua + 9..];
    let access_end = after.iter().position(|&b| b == b':').unwrap_or(after.len());
    let access = access(&after[..access_end])?;
    let rump_len = 7 + slash + ua + 9 + access_end;
    let auth = if access_end == after.len() {
        None
    } else {
        let tail = std::str::from_utf8(&after[access_end + 1..]).ok()?;
        let (mech, token) = tail.split_once(':')?;
        let mech_ok = !mech.is_empty() && mech.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.');
        let token_ok = token.len() >= 32 && token.bytes().all(|b| b.is_ascii_hexdigit());
        if !mech_ok || !token_ok {
            return None;
        }
        Some((mech.to_ascii_uppercase(), token.to_ascii_lowercase()))
    };
    Some(AuthUrl { owner, part, expire, access, rump: url[..rump_len].to_vec(), auth })
}

fn access(s: &[u8]) -> Option<Access> {
    if s.eq_ignore_ascii_case(b"authuser") {
        return Some(Access::AuthUser);
    }
    if s.eq_ignore_ascii_case(b"anonymous") {
        return Some(Access::Anonymous);
    }
    let plus = s.iter().position(|&b| b == b'+')?;
    let user = pct_decode(&s[plus + 1..])?;
    match s[..plus].to_ascii_lowercase().as_slice() {
        b"submit" => Some(Access::Submit(user)),
        b"user" => Some(Access::User(user)),
        _ => None,
    }
}

/// An RFC 3339 `date-time` (`2006-06-02T20:00:00Z`, fraction and offset
/// allowed) as seconds since the epoch.
pub fn rfc3339(s: &[u8]) -> Option<i64> {
    let s = std::str::from_utf8(s).ok()?;
    let b = s.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't') || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i64> {
        let t = s.get(r)?;
        t.bytes().all(|c| c.is_ascii_digit()).then(|| t.parse().ok())?
    };
    let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (h, mi, sec) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let mut rest = &s[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let n = frac.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return None;
        }
        rest = &frac[n..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes().first()? {
                b'+' => 1,
                b'-' => -1,
                _ => return None,
            };
            let o = rest.as_bytes();
            if o.len() != 6 || o[3] != b':' {
                return None;
            }
            let (oh, om): (i64, i64) = (rest[1..3].parse().ok()?, rest[4..6].parse().ok()?);
            if oh > 23 || om > 59 {
                return None;
            }
            sign * (oh * 3600 + om * 60)
        }
    };
    let days = days_from_civil(y as i32, mo as u32, d as u32);
    Some(days * 86_400 + h * 3600 + mi * 60 + sec - offset)
}

/// The INTERNAL token of a rump under `key`: HMAC-SHA1, lower-case hex.
pub fn token(key: &[u8], rump: &[u8]) -> String {
    // HMAC takes keys of any length: this cannot fail.
    let mut mac = <Hmac<Sha1> as Mac>::new_from_slice(key).expect("HMAC accepts any key length");
    mac.update(rump);
    mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether `token` is the token of `rump` under `key`, compared in
/// constant time.
pub fn verify(key: &[u8], rump: &[u8], token: &str) -> bool {
    use subtle::ConstantTimeEq;
    let want = self::token(key, rump);
    want.len() == token.len() && bool::from(want.as_bytes().ct_eq(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_4467_urls() {
        let u = parse(b"imap://joe@example.com/INBOX/;uid=20/;section=1.2;urlauth=submit+fred").unwrap();
        assert_eq!((u.owner.as_str(), u.part.mailbox.as_str(), u.part.uid), ("joe", "INBOX", 20));
        assert_eq!(u.part.section.part, vec![1, 2]);
        assert_eq!(u.access, Access::Submit("fred".into()));
        assert_eq!(u.auth, None);
        assert_eq!(u.rump, b"imap://joe@example.com/INBOX/;uid=20/;section=1.2;urlauth=submit+fred");
        let full = b"imap://joe@example.com/INBOX/;uid=20/;section=1.2;urlauth=submit+fred:internal:91354a473744909de610943775f92038";
        let u = parse(full).unwrap();
        assert_eq!(u.auth, Some(("INTERNAL".into(), "91354a473744909de610943775f92038".into())));
        assert_eq!(u.rump.len(), full.len() - 42);
        let u = parse(
            b"imap://joe@example.com/Drafts;UIDVALIDITY=385759045/;UID=20;EXPIRE=2006-06-02T20:00:00Z;URLAUTH=authuser",
        )
        .unwrap();
        assert_eq!(u.expire, Some(1149278400));
        assert_eq!(u.part.uidvalidity, Some(385759045));
        assert_eq!(u.access, Access::AuthUser);
        for bad in [
            &b"imap://joe@example.com/INBOX/;uid=20"[..],
            b"/INBOX/;uid=20;urlauth=anonymous",
            b"imap://example.com/INBOX/;uid=20;urlauth=anonymous",
            b"imap://joe@example.com/INBOX/;uid=20;urlauth=nobody",
            b"imap://joe@example.com/INBOX/;uid=20;urlauth=anonymous:internal:xyz",
            b"imap://joe@example.com/INBOX/;uid=20;expire=tomorrow;urlauth=anonymous",
        ] {
            assert_eq!(parse(bad), None, "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn rfc_3339_times() {
        assert_eq!(rfc3339(b"1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(rfc3339(b"1970-01-01T01:00:00+01:00"), Some(0));
        assert_eq!(rfc3339(b"1970-01-01T00:00:00.25-00:30"), Some(1800));
        for bad in [&b"1970-01-01 00:00:00Z"[..], b"1970-13-01T00:00:00Z", b"1970-01-01T00:00:00", b"x"] {
            assert_eq!(rfc3339(bad), None);
        }
    }

    #[test]
    fn tokens_depend_on_key_and_rump() {
        let t = token(b"k1", b"rump");
        assert_eq!(t.len(), 40);
        assert!(verify(b"k1", b"rump", &t));
        assert!(!verify(b"k2", b"rump", &t));
        assert!(!verify(b"k1", b"rumq", &t));
        assert!(!verify(b"k1", b"rump", &t[..32]));
    }

    proptest::proptest! {
        #[test]
        fn random_urls_never_panic(tail in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..120)) {
            let _ = parse(&tail);
            let mut u = b"imap://a@b/INBOX/;UID=1".to_vec();
            u.extend_from_slice(&tail);
            let _ = parse(&u);
        }
    }
}

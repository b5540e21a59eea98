//! Login referrals (RFC 2221): the IMAP URL of the server an account moved
//! to (RFC 5092), and CommuniGate's router records (`--router FILE`).
//!
//! A router line is `<name> = target`: a target with `@host` that is not a
//! local account moves `name` to that host; a target that names a local
//! account makes `name` an alias of it. Lines starting with `;` or `#` are
//! comments; a line that does not parse is skipped and logged.

use std::collections::HashMap;
use std::fs;
use std::path::Path;

use super::AuthError;

/// The text after the referral code.
pub const MOVED: &str = "account has been moved to a remote system";

/// Characters kept as they are in the user part of an IMAP URL (RFC 5092
/// `achar` without `;`, `:`, `@`, `/`), everything else is %-escaped.
fn keep_in_user(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~!$'()*+,&=".contains(&b)
}

/// Characters kept in a host name (RFC 3986 `reg-name` without `;`).
fn keep_in_host(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~!$&'()*+,=".contains(&b)
}

fn escape(s: &str, keep: fn(u8) -> bool) -> String {
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if keep(b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `IMAP://user;AUTH=*@host[:port]/`, user and host escaped (RFC 5092);
/// an IPv6 address goes in brackets.
pub fn url(user: &str, host: &str, port: Option<u16>) -> String {
    let bare = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host);
    let host = match bare.parse::<std::net::Ipv6Addr>() {
        Ok(v6) => format!("[{v6}]"),
        Err(_) => escape(host, keep_in_host),
    };
    let port = port.filter(|&p| p != 143).map(|p| format!(":{p}")).unwrap_or_default();
    format!("IMAP://{};AUTH=*@{host}{port}/", escape(user, keep_in_user))
}

/// The router records, keyed by the name as the username format makes it.
#[derive(Debug, Clone, Default)]
pub struct Router {
    routes: HashMap<String, String>,
    warnings: Vec<String>,
}

impl Router {
    /// Reads a router file; `normalize` is the username format.
    pub fn load(path: &Path, normalize: &dyn Fn(&str) -> String) -> Result<Router, AuthError> {
        let bytes = fs::read(path).map_err(|error| AuthError::Io { path: path.to_path_buf(), error })?;
        let router = Router::parse(&String::from_utf8_lossy(&bytes), normalize);
        for w in &router.warnings {
            log::warn!("{}: {w}", path.display());
        }
        Ok(router)
    }

    /// Parses router text; bad lines are skipped with a warning.
    pub fn parse(text: &str, normalize: &dyn Fn(&str) -> String) -> Router {
        let mut r = Router::default();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with(';') || line.starts_with('#') {
                continue;
            }
            match parse_line(line) {
                Some((name, target)) => {
                    r.routes.entry(normalize(name)).or_insert_with(|| target.to_string());
                }
                None => r.warnings.push(format!("line {}: not a router record <name> = address; skipped", i + 1)),
            }
        }
        r
    }

    /// The target of the record for `name` (already normalized), if any.
    pub fn target(&self, name: &str) -> Option<&str> {
        self.routes.get(name).map(String::as_str)
    }

    /// Problems found while parsing.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }
}

fn parse_line(line: &str) -> Option<(&str, &str)> {
    let (left, right) = line.split_once('=')?;
    let name = left.trim().strip_prefix('<')?.strip_suffix('>')?.trim();
    let target = right.trim();
    let ok = |s: &str| !s.is_empty() && !s.chars().any(|c| c.is_whitespace() || c.is_control());
    (ok(name) && ok(target) && !name.contains('*')).then_some((name, target))
}

/// A router target split into user and host: `John@othercompany.com`.
pub fn remote_parts(target: &str) -> Option<(&str, &str)> {
    let (user, host) = target.rsplit_once('@')?;
    (!user.is_empty() && !host.is_empty()).then_some((user, host))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_escape_user_and_host() {
        assert_eq!(url("John", "othercompany.com", None), "IMAP://John;AUTH=*@othercompany.com/");
        assert_eq!(url("a;b@c/d:e f", "h", Some(143)), "IMAP://a%3Bb%40c%2Fd%3Ae%20f;AUTH=*@h/");
        assert_eq!(url("j.smith", "2001:db8::1", Some(993)), "IMAP://j.smith;AUTH=*@[2001:db8::1]:993/");
        assert_eq!(url("x", "h;o/st", None), "IMAP://x;AUTH=*@h%3Bo%2Fst/");
        assert_eq!(url("\u{e9}", "h", None), "IMAP://%C3%A9;AUTH=*@h/");
    }

    #[test]
    fn router_lines() {
        let lower = |s: &str| s.to_ascii_lowercase();
        let r = Router::parse(
            "; CommuniGate router\n<j.smith> = John@othercompany.com\n<JS>=john\nbroken line\n<a b> = x\n<j.smith> = second\n",
            &lower,
        );
        assert_eq!(r.target("j.smith"), Some("John@othercompany.com"));
        assert_eq!(r.target("js"), Some("john"));
        assert_eq!(r.warnings().len(), 2, "{:?}", r.warnings());
        assert!(r.warnings()[0].starts_with("line 4:"));
        assert_eq!(remote_parts("John@othercompany.com"), Some(("John", "othercompany.com")));
        assert_eq!(remote_parts("john"), None);
    }
}

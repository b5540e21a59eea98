//! Dovecot's passdb extra fields that decide what happens once a password
//! has checked out: `nologin` (with `reason`), `fail`, `allow_nets`,
//! `host`/`port`/`proxy`/`user` (referrals) and `nopassword`.
//!
//! As in Dovecot, a boolean field counts by its presence, whatever its value
//! (`nologin`, `nologin=y` and `nologin=no` all disable the account).

use std::collections::BTreeSet;
use std::net::IpAddr;
use std::sync::Mutex;

use super::referral;

/// One entry of `allow_nets`: an address with a prefix length, or `local`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Net {
    /// An IPv4 or IPv6 network, `addr/len` (a bare address is a /32 or /128).
    Cidr(IpAddr, u8),
    /// Dovecot's `local`: connections without an IP (UNIX sockets); never a TCP client.
    Local,
}

impl Net {
    /// Parses `192.168.0.0/16`, `10.1.2.3`, `2001:db8::/32`, `[::1]` or `local`.
    pub fn parse(s: &str) -> Option<Net> {
        if s.eq_ignore_ascii_case("local") {
            return Some(Net::Local);
        }
        let (addr, len) = match s.split_once('/') {
            Some((a, l)) => (a, Some(l.parse::<u8>().ok()?)),
            None => (s, None),
        };
        let addr = addr.strip_prefix('[').and_then(|a| a.strip_suffix(']')).unwrap_or(addr);
        let ip: IpAddr = addr.parse().ok()?;
        let max = if ip.is_ipv4() { 32 } else { 128 };
        let len = len.unwrap_or(max);
        (len <= max).then_some(Net::Cidr(ip, len))
    }

    /// Whether `ip` lies in this network (IPv4-mapped IPv6 addresses count as IPv4).
    pub fn contains(&self, ip: IpAddr) -> bool {
        let Net::Cidr(net, len) = self else { return false };
        match (canonical(*net), canonical(ip)) {
            (IpAddr::V4(n), IpAddr::V4(a)) => prefix_eq(&n.octets(), &a.octets(), *len),
            (IpAddr::V6(n), IpAddr::V6(a)) => prefix_eq(&n.octets(), &a.octets(), *len),
            _ => false,
        }
    }
}

/// `::ffff:a.b.c.d` as `a.b.c.d`, any other address as it is.
pub fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    }
}

fn prefix_eq(a: &[u8], b: &[u8], len: u8) -> bool {
    let full = usize::from(len / 8);
    let rest = len % 8;
    if a[..full] != b[..full] {
        return false;
    }
    if rest == 0 {
        return true;
    }
    let mask = 0xffu8 << (8 - rest);
    (a[full] & mask) == (b[full] & mask)
}

/// The login-related passdb fields of one account.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoginPolicy {
    /// `nologin`: the password may be right, the login is still refused.
    pub nologin: bool,
    /// `reason=TEXT`: shown to the client instead of the generic failure.
    pub reason: Option<String>,
    /// `fail`: the account never authenticates.
    pub fail: bool,
    /// `allow_nets=NET,NET`: client addresses the account may log in from.
    pub allow_nets: Option<Vec<Net>>,
    /// `host=H`: the server the account lives on (referrals).
    pub host: Option<String>,
    /// `port=N`: that server's IMAP port.
    pub port: Option<u16>,
    /// `proxy`: Dovecot would proxy to `host`; tegami refers the client there.
    pub proxy: bool,
    /// `user=U`: the user name on `host`.
    pub user: Option<String>,
    /// `nopassword`: any password is accepted (only when none is stored).
    pub nopassword: bool,
    /// Problems with these fields found while loading, for the log.
    pub problems: Vec<String>,
}

/// Field names (without `userdb_`) that tegami reads itself or that a
/// colleague module reads through `Account::extra_field`.
const USERDB_FIELDS: &[&str] = &["mail", "home", "uid", "gid", "tegami_admin"];
/// Passdb fields that [`LoginPolicy`] reads.
const PASSDB_FIELDS: &[&str] =
    &["nologin", "reason", "fail", "allow_nets", "host", "port", "proxy", "user", "nopassword"];

fn known(key: &str) -> bool {
    let lower = key.to_ascii_lowercase();
    if PASSDB_FIELDS.contains(&lower.as_str()) {
        return true;
    }
    let bare = lower.strip_prefix("userdb_").unwrap_or(&lower);
    USERDB_FIELDS.contains(&bare) || bare.starts_with("quota_rule")
}

/// Unknown field names already logged by this process: each is logged once.
static WARNED: Mutex<BTreeSet<String>> = Mutex::new(BTreeSet::new());

fn warn_unknown(key: &str) {
    let key = key.to_ascii_lowercase();
    let mut warned = WARNED.lock().unwrap_or_else(|e| e.into_inner());
    if warned.len() < 1000 && warned.insert(key.clone()) {
        log::warn!("passwd-file: extra field {key:?} is not used by tegami and is ignored");
    }
}

impl LoginPolicy {
    /// Reads the policy from an account's extra fields; unknown fields are
    /// logged (once per name and process) and otherwise ignored.
    pub fn from_fields(fields: &[(String, String)]) -> LoginPolicy {
        let mut p = LoginPolicy::default();
        for (key, value) in fields {
            let value = value.as_str();
            match key.to_ascii_lowercase().as_str() {
                "nologin" => p.nologin = true,
                "reason" => p.reason = Some(value.to_string()).filter(|r| !r.is_empty()),
                "fail" => p.fail = true,
                "proxy" => p.proxy = true,
                "nopassword" => p.nopassword = true,
                "host" => p.host = Some(value.to_string()).filter(|h| !h.is_empty()),
                "user" => p.user = Some(value.to_string()).filter(|u| !u.is_empty()),
                "port" => match value.parse() {
                    Ok(port) => p.port = Some(port),
                    Err(_) => p.problems.push(format!("port={value} is not a port number; ignored")),
                },
                "allow_nets" => {
                    let mut nets = Vec::new();
                    for item in value.split(',').map(str::trim).filter(|i| !i.is_empty()) {
                        match Net::parse(item) {
                            Some(n) => nets.push(n),
                            None => {
                                p.problems.push(format!("allow_nets entry {item:?} is not a network; it admits nobody"))
                            }
                        }
                    }
                    p.allow_nets = Some(nets);
                }
                _ if known(key) => {}
                _ => warn_unknown(key),
            }
        }
        if p.host.is_some() && !p.nologin && !p.proxy {
            p.problems
                .push("host= without nologin or proxy is ignored (tegami neither proxies nor half-refers)".into());
        }
        p
    }

    /// What to do with `account` (its passwd-file name) whose password has
    /// just checked out, for a client at `peer`.
    pub fn verdict(&self, account: &str, peer: IpAddr) -> Verdict {
        if self.fail {
            return Verdict::Fail("the passwd-file entry has the fail field".into());
        }
        if let Some(nets) = &self.allow_nets {
            if !nets.iter().any(|n| n.contains(peer)) {
                return Verdict::Fail(format!(
                    "allow_nets check failed: {} is not in the allowed networks",
                    canonical(peer)
                ));
            }
        }
        if let Some(host) = self.host.as_deref().filter(|_| self.nologin || self.proxy) {
            let user = self.user.as_deref().unwrap_or(account);
            let text = self.reason.clone().unwrap_or_else(|| referral::MOVED.to_string());
            return Verdict::Refer {
                url: referral::url(user, host, self.port),
                text,
                why: if self.proxy { "proxy host field" } else { "nologin with host field" }.into(),
            };
        }
        if self.nologin {
            return Verdict::Refuse(self.reason.clone());
        }
        Verdict::Admit
    }
}

/// The decision on a login whose password checked out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Log in.
    Admit,
    /// Fail exactly like a wrong password; the text is for the log only.
    Fail(String),
    /// `nologin`: refused, with Dovecot's `reason` as the client's text when given.
    Refuse(Option<String>),
    /// Refer the client to another server (RFC 2221).
    Refer {
        /// The IMAP URL (RFC 5092).
        url: String,
        /// The human-readable text after the response code.
        text: String,
        /// Where the referral came from, for the log.
        why: String,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(s: &str) -> Vec<(String, String)> {
        s.split_whitespace()
            .map(|kv| match kv.split_once('=') {
                Some((k, v)) => (k.to_string(), v.to_string()),
                None => (kv.to_string(), String::new()),
            })
            .collect()
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn networks() {
        let n = Net::parse("192.168.0.0/16").unwrap();
        assert!(n.contains(ip("192.168.44.1")) && !n.contains(ip("192.169.0.1")));
        assert!(n.contains(ip("::ffff:192.168.1.1")), "mapped IPv4");
        let h = Net::parse("10.0.0.7").unwrap();
        assert!(h.contains(ip("10.0.0.7")) && !h.contains(ip("10.0.0.8")));
        let v6 = Net::parse("2001:db8::/33").unwrap();
        assert!(v6.contains(ip("2001:db8:7fff::1")) && !v6.contains(ip("2001:db8:8000::1")));
        assert!(!v6.contains(ip("10.0.0.7")));
        assert!(Net::parse("[::1]").unwrap().contains(ip("::1")));
        assert!(Net::parse("0.0.0.0/0").unwrap().contains(ip("8.8.8.8")));
        assert!(!Net::Local.contains(ip("127.0.0.1")));
        for bad in ["10.0.0.0/33", "::/129", "nonsense", "10.0.0/8", "1.2.3.4/x", ""] {
            assert_eq!(Net::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn verdicts_in_dovecots_order() {
        let v = |s: &str, peer: &str| LoginPolicy::from_fields(&fields(s)).verdict("js", ip(peer));
        assert_eq!(v("", "1.2.3.4"), Verdict::Admit);
        assert_eq!(v("nologin", "1.2.3.4"), Verdict::Refuse(None));
        assert_eq!(v("nologin=y reason=Locked", "1.2.3.4"), Verdict::Refuse(Some("Locked".into())));
        assert!(matches!(v("fail=y", "1.2.3.4"), Verdict::Fail(_)));
        assert!(matches!(v("fail nologin=y host=x", "1.2.3.4"), Verdict::Fail(_)));
        assert_eq!(v("allow_nets=1.2.3.0/24,::1", "1.2.3.4"), Verdict::Admit);
        assert_eq!(v("allow_nets=1.2.3.0/24,::1", "::1"), Verdict::Admit);
        assert!(matches!(v("allow_nets=1.2.3.0/24", "1.2.4.4"), Verdict::Fail(_)));
        assert!(matches!(v("allow_nets=bogus", "1.2.4.4"), Verdict::Fail(_)));
        assert!(matches!(v("allow_nets=10.0.0.0/8 nologin=y host=h", "1.2.3.4"), Verdict::Fail(_)));
        let Verdict::Refer { url, text, .. } = v("nologin=y host=mail.example.com user=John", "1.2.3.4") else {
            panic!()
        };
        assert_eq!((url.as_str(), text.as_str()), ("IMAP://John;AUTH=*@mail.example.com/", referral::MOVED));
        let Verdict::Refer { url, .. } = v("proxy=y host=10.1.1.1 port=1143", "1.2.3.4") else { panic!() };
        assert_eq!(url, "IMAP://js;AUTH=*@10.1.1.1:1143/");
        assert_eq!(v("host=h", "1.2.3.4"), Verdict::Admit, "host alone is ignored");
    }

    #[test]
    fn problems_are_reported() {
        let p = LoginPolicy::from_fields(&fields("port=x allow_nets=10.0.0.0/8,zz host=h"));
        assert_eq!(p.problems.len(), 3, "{:?}", p.problems);
        assert!(known("userdb_quota_rule2") && known("tegami_admin") && known("userdb_mail") && known("NOLOGIN"));
        assert!(!known("userdb_nologin") && !known("nodelay"));
    }
}

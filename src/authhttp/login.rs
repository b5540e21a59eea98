//! One auth_http request: the same checks as an IMAP LOGIN from the
//! client nginx names in `Client-IP` (its penalty delays, the password
//! against the passwd-file with a dummy hash for unknown names, the
//! passdb fields `nologin`, `fail`, `allow_nets`), then the user's backend.

use std::net::IpAddr;
use std::time::Duration;

use super::{route, Answer};
use crate::auth::policy::{canonical, Verdict};
use crate::auth::sasl::{check_password, AUTH_FAILED};
use crate::auth::{Account, Accounts, MAX_SECRET};
use crate::monitor::http::{Request, Ticket};
use crate::shared::Shared;

/// The refusal nginx passes on to the client (its documented text).
pub const INVALID: &str = "Invalid login or password";
/// After this many attempts on one connection nginx is told to close it
/// (no `Auth-Wait`), as its documentation asks: it keeps memory per attempt.
pub const MAX_ATTEMPTS: u32 = 10;
/// The port of a `host=` field without `port=`.
const IMAP_PORT: u16 = 143;

/// The answer to one request.
pub fn answer(req: &Request, shared: &Shared, ticket: &Ticket) -> Answer {
    if req.method != "GET" {
        return Answer::closing("Only GET is answered");
    }
    if !req.header("auth-protocol").is_some_and(|p| p.eq_ignore_ascii_case("imap")) {
        return Answer::closing("Only IMAP is proxied to tegami");
    }
    if !req.header("auth-method").is_some_and(|m| m.eq_ignore_ascii_case("plain")) {
        return Answer::closing("Only plain (LOGIN, AUTHENTICATE PLAIN) is supported");
    }
    let Some(ip) = req.header("client-ip").and_then(|v| v.parse::<IpAddr>().ok()) else {
        return Answer::closing("Temporary server problem: no Client-IP");
    };
    let attempt = req.header("auth-login-attempt").and_then(|v| v.parse::<u32>().ok()).unwrap_or(1);
    let waited = shared.penalty.before_attempt(ip);
    if !ticket.pause(waited) {
        return Answer::closing(INVALID);
    }
    let dir = shared.directory();
    let user = req.header("auth-user").and_then(unescape).and_then(|u| String::from_utf8(u).ok());
    let (Some(user), Some(pass)) = (user, req.header("auth-pass").and_then(unescape)) else {
        return refused(req, shared, &dir, (ip, attempt), None, "malformed Auth-User or Auth-Pass", waited);
    };
    if user.len() > MAX_SECRET || pass.len() > MAX_SECRET {
        return refused(req, shared, &dir, (ip, attempt), None, "name or password too long", waited);
    }
    let why = match check_password(&dir, &user, &pass).and_then(|name| dir.db.lookup(&name)) {
        None => AUTH_FAILED.to_string(),
        Some(account) => match dir.verdict(account, ip) {
            // A proxy host= is the answer here, not a referral.
            Verdict::Admit | Verdict::Refer { .. } => return admitted(req, shared, &dir, account, &user, ip),
            Verdict::Fail(why) => why,
            Verdict::Refuse(_) => "nologin field".into(),
        },
    };
    refused(req, shared, &dir, (ip, attempt), Some(&user), &why, waited)
}

/// Where a checked user goes: its `host=` (and `port=`), else its backend.
fn admitted(req: &Request, shared: &Shared, dir: &Accounts, account: &Account, login: &str, ip: IpAddr) -> Answer {
    shared.penalty.succeeded(ip, &dir.normalize(login));
    let server = match account.extra_field("host") {
        Some(host) => match host.parse::<IpAddr>() {
            Ok(h) => Some((h, account.extra_field("port").and_then(|p| p.parse().ok()).unwrap_or(IMAP_PORT))),
            Err(_) => {
                log::warn!("auth-http: user=<{}> has host={host}, not an IP address (nginx needs one)", account.user);
                None
            }
        },
        None => route::choose(&account.user, &shared.config.auth_http.backends).map(|a| (a.ip(), a.port())),
    };
    let Some((host, port)) = server else {
        log::warn!("auth-http [{}] no backend for user=<{}>", req.peer, account.user);
        return Answer::closing("Temporary server problem, try again later");
    };
    log::info!("auth-http [{}] login: rip={} user=<{}> backend={host}:{port}", req.peer, canonical(ip), account.user);
    Answer { status: "OK".into(), server: Some((host, port)), wait: None }
}

/// Records a refused login in the penalty table and writes the line
/// fail2ban reads; the answer carries the name's delay as `Auth-Wait`
/// (whole seconds, at least one) so nginx makes the client wait it.
fn refused(
    req: &Request,
    shared: &Shared,
    dir: &Accounts,
    (ip, attempt): (IpAddr, u32),
    login: Option<&str>,
    why: &str,
    waited: Duration,
) -> Answer {
    let name = login.map(|l| dir.normalize(l));
    let extra = shared.penalty.failed(ip, name.as_deref());
    shared.monitor.stats.failed_login();
    let (account, why) = crate::auth::refusal_words(dir, login, why);
    log::warn!(
        "auth-http [{}] login failed: rip={}{account} method=PLAIN reason=\"{why}\" attempt={attempt} delay={}ms",
        req.peer,
        canonical(ip),
        (waited + extra).as_millis()
    );
    let wait = (attempt < MAX_ATTEMPTS).then(|| extra.as_millis().div_ceil(1000).max(1) as u64);
    Answer { status: INVALID.into(), server: None, wait }
}

/// Undoes nginx's escaping of `Auth-User` and `Auth-Pass` (`%XX` for
/// spaces, `%`, controls and octets above 127); `None` on a broken escape.
pub fn unescape(v: &str) -> Option<Vec<u8>> {
    let b = v.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = b.get(i + 1..i + 3).filter(|h| h.iter().all(u8::is_ascii_hexdigit))?;
            // Two hex digits: from_str_radix alone would take a sign too.
            out.push(u8::from_str_radix(std::str::from_utf8(hex).ok()?, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_are_undone_and_broken_ones_refused() {
        assert_eq!(unescape("p%20w%25d%C3%A9").unwrap(), b"p w%d\xc3\xa9");
        assert_eq!(unescape("plain").unwrap(), b"plain");
        assert_eq!(unescape("bad%2"), None);
        assert_eq!(unescape("bad%zz"), None);
        assert_eq!(unescape("bad%+1"), None);
    }

    #[test]
    fn answers_have_nginx_headers() {
        let ok = Answer { status: "OK".into(), server: Some(("127.0.0.2".parse().unwrap(), 1143)), wait: None };
        assert_eq!(
            ok.head(),
            "HTTP/1.0 200 OK\r\nAuth-Status: OK\r\nAuth-Server: 127.0.0.2\r\nAuth-Port: 1143\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        );
        let no = Answer { status: "Invalid login\r\nX: y".into(), server: None, wait: Some(2) };
        assert_eq!(
            no.head(),
            "HTTP/1.0 200 OK\r\nAuth-Status: Invalid loginX: y\r\nAuth-Wait: 2\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        );
    }
}

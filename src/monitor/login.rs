//! The administrator login of `--monitor-auth`: the same path as an IMAP
//! LOGIN. The address's failed-login penalty is waited out first; the
//! password is verified by the auth module (a dummy hash for unknown
//! names, so every name costs the same hash work); the passdb fields
//! (`nologin`, `fail`, `allow_nets`) decide; only then is the account
//! asked whether it administers the server. Every refusal counts in the
//! shared penalty table and is logged at Problems level in the shape of
//! the IMAP line, which the fail2ban filter of contrib/fail2ban matches.

use std::time::Duration;

use base64::Engine;

use super::http::{Request, Ticket, ADMIN_FIELD};
use crate::auth::policy::{canonical, Verdict};
use crate::auth::sasl::{check_password, AUTH_FAILED};
use crate::auth::{Accounts, MAX_SECRET};
use crate::shared::Shared;

/// The method named in the log lines.
const METHOD: &str = "HTTP-BASIC";

/// Checks the request's basic-auth credentials; `Err(status)` to answer
/// when they are missing or not those of a server administrator.
pub fn administrator(req: &Request, shared: &Shared, ticket: &Ticket) -> Result<(), u16> {
    // A browser asks without credentials first: that is no attempt.
    let Some(given) = req.header("authorization") else { return Err(401) };
    let ip = req.peer.ip();
    let waited = shared.penalty.before_attempt(ip);
    if !ticket.pause(waited) {
        return Err(401);
    }
    let dir = shared.directory();
    let Some((user, password)) = credentials(given) else {
        return Err(failed(req, shared, &dir, None, "malformed credentials", waited, ticket));
    };
    let why = match check_password(&dir, &user, &password) {
        None => AUTH_FAILED.to_string(),
        Some(name) => match dir.db.lookup(&name) {
            None => "account vanished".into(),
            Some(account) => match dir.verdict(account, ip) {
                Verdict::Admit if account.extra_field(ADMIN_FIELD) == Some("server") => {
                    shared.penalty.succeeded(ip, &dir.normalize(&user));
                    return Ok(());
                }
                Verdict::Admit => "not a server administrator".into(),
                Verdict::Fail(why) => why,
                Verdict::Refuse(_) => "nologin field".into(),
                Verdict::Refer { .. } => "referred to another server".into(),
            },
        },
    };
    Err(failed(req, shared, &dir, Some(&user), &why, waited, ticket))
}

/// The name and password of a `Basic` Authorization value.
fn credentials(value: &str) -> Option<(String, Vec<u8>)> {
    let (scheme, b64) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") || b64.len() > 4 * MAX_SECRET {
        return None;
    }
    let raw = base64::engine::general_purpose::STANDARD.decode(b64.trim()).ok()?;
    let colon = raw.iter().position(|&b| b == b':')?;
    let user = std::str::from_utf8(&raw[..colon]).ok()?;
    let password = &raw[colon + 1..];
    (user.len() <= MAX_SECRET && password.len() <= MAX_SECRET).then(|| (user.to_string(), password.to_vec()))
}

/// Records a refused login in the penalty table, waits out the name's
/// penalty and writes the line fail2ban reads; the status to answer.
fn failed(
    req: &Request,
    shared: &Shared,
    dir: &Accounts,
    login: Option<&str>,
    why: &str,
    waited: Duration,
    ticket: &Ticket,
) -> u16 {
    let ip = req.peer.ip();
    let name = login.map(|l| dir.normalize(l));
    let extra = shared.penalty.failed(ip, name.as_deref());
    shared.monitor.stats.failed_login();
    let (account, why) = crate::auth::refusal_words(dir, login, why);
    log::warn!(
        "monitor [{}] login failed: rip={}{account} method={METHOD} reason=\"{why}\" attempt=1 delay={}ms",
        req.peer,
        canonical(ip),
        (waited + extra).as_millis()
    );
    ticket.pause(extra);
    401
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_credentials_are_decoded_and_bounded() {
        let b = |s: &str| format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(s));
        assert_eq!(credentials(&b("alice:pw:x")), Some(("alice".into(), b"pw:x".to_vec())));
        assert_eq!(credentials(&b("nocolon")), None);
        assert_eq!(credentials("Bearer abc"), None);
        assert_eq!(credentials(&b(&format!("a:{}", "x".repeat(MAX_SECRET + 1)))), None);
    }
}

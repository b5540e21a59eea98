//! STARTTLS, LOGIN and AUTHENTICATE: everything that leads out of the
//! not-authenticated state.

use std::io;
use std::thread;
use std::time::Duration;

use base64::Engine;

use super::{Done, Effect, Outcome, Reply};
use crate::auth::policy::{canonical, Verdict};
use crate::auth::sasl::{check_password, AUTH_FAILED};
use crate::auth::{cleartext, new_mechanism, Accounts, Step, MAX_SECRET};
use crate::client::{Ctx, MAX_FAILED_LOGINS};
use crate::proto::response::Code;
use crate::proto::untagged::Response;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// STARTTLS (RFC 3501 6.2.1): refused without TLS or over TLS already;
/// else the session answers OK in clear text and runs the handshake
/// (`session::effects`).
pub fn starttls(s: &mut Ctx<'_>, tag: &str) -> Done {
    if s.shared.tls.is_none() {
        s.complete(tag, Err(Reply::no(Code::Cannot, "TLS is not configured on this server")));
        return Done::Completed;
    }
    if s.is_tls() {
        s.complete(tag, Err(Reply::bad("The connection is already encrypted")));
        return Done::Completed;
    }
    Done::Effect(Effect::StartTls)
}

/// The longest AUTHENTICATE continuation line: base64 of [`MAX_SECRET`] octets.
const MAX_SASL_LINE: usize = MAX_SECRET.div_ceil(3) * 4 + 2;

/// The reason logged for an AUTHENTICATE the client ended with `*`.
const CANCELLED: &str = "cancelled by the client";

/// Waits out the client address's penalty before an attempt is checked;
/// returns how long that was.
fn penalty_wait(s: &Ctx<'_>) -> Duration {
    let wait = s.shared.penalty.before_attempt(s.peer.ip());
    thread::sleep(wait);
    wait
}

/// Records a failed login and answers it: the login name's penalty is
/// waited out, one log line is written for fail2ban (`login failed:
/// rip=ADDRESS`, the account only when it exists, never the password), and
/// too many failures on one connection end it.
fn failed(s: &mut Ctx<'_>, dir: &Accounts, login: Option<&str>, method: &str, why: &str, waited: Duration) -> Reply {
    let attempt = s.state.failed_login();
    let name = login.map(|l| dir.normalize(l));
    // A cancelled exchange tested no password: nothing to slow down, and
    // nothing for a flood of made-up names to fill the table with.
    let extra = match why {
        CANCELLED => Duration::ZERO,
        _ => s.shared.penalty.failed(s.peer.ip(), name.as_deref()),
    };
    thread::sleep(extra);
    let (account, why) = crate::auth::refusal_words(dir, login, why);
    log::warn!(
        "{} [{}] login failed: rip={}{account} method={method} reason=\"{why}\" attempt={} delay={}ms",
        s.tag(),
        s.peer,
        canonical(s.peer.ip()),
        attempt,
        (waited + extra).as_millis()
    );
    if attempt >= MAX_FAILED_LOGINS {
        s.respond(Response::Bye("Too many failed login attempts".into()));
        *s.state = crate::client::State::Logout;
    }
    Reply::no(Code::AuthenticationFailed, "Authentication failed")
}

/// After the password checked out: the passdb fields and the router decide
/// (refuse, refer, or log in), then the maildir must be usable.
fn finish(s: &mut Ctx<'_>, dir: &Accounts, account: &str, login: &str, method: &str, waited: Duration) -> Outcome {
    let Some(account) = dir.db.lookup(account).cloned() else {
        return Err(failed(s, dir, Some(login), method, "account vanished", waited));
    };
    match dir.verdict(&account, s.peer.ip()) {
        Verdict::Admit => {}
        Verdict::Fail(why) => return Err(failed(s, dir, Some(login), method, &why, waited)),
        Verdict::Refuse(reason) => {
            // The password was right: not a guess to slow down.
            s.shared.penalty.succeeded(s.peer.ip(), &dir.normalize(login));
            log::warn!(
                "{} [{}] login refused: rip={} user=<{}> method={method} reason=\"nologin field\"",
                s.tag(),
                s.peer,
                canonical(s.peer.ip()),
                account.user
            );
            return Err(match reason {
                // The administrator's reason brings its own code.
                Some(r) if r.starts_with('[') => Reply::no_text(r),
                Some(r) => Reply::no(Code::Alert, r),
                None => Reply::no(Code::AuthenticationFailed, "Authentication failed"),
            });
        }
        Verdict::Refer { url, text, why } => {
            s.shared.penalty.succeeded(s.peer.ip(), &dir.normalize(login));
            log::error!("{} [{}] login of {} referred to {url} ({why})", s.tag(), s.peer, account.user);
            s.out.monitor().stats().referred();
            return Err(Reply::no(Code::Referral(url), text));
        }
    }
    s.logged_in(account, method)?;
    s.shared.penalty.succeeded(s.peer.ip(), &dir.normalize(login));
    Ok(welcome(s))
}

/// A failed password check: the referral when the name has only a router
/// record to another server (an account that moved away, answered as
/// CommuniGate does), otherwise the usual failure.
fn refused(s: &mut Ctx<'_>, dir: &Accounts, login: Option<&str>, method: &str, why: &str, waited: Duration) -> Reply {
    let moved = login.filter(|_| why == AUTH_FAILED).and_then(|l| Some((l, dir.moved_away(l)?)));
    let Some((login, Verdict::Refer { url, text, why })) = moved else {
        return failed(s, dir, login, method, why, waited);
    };
    // No password was checked: neither a failure nor a success, so the
    // penalty of the address stays as it is.
    log::error!("{} [{}] login of {login} referred to {url} ({why})", s.tag(), s.peer);
    s.out.monitor().stats().referred();
    Reply::no(Code::Referral(url), text)
}

fn privacy_required() -> Reply {
    Reply::no(Code::PrivacyRequired, "Clear-text login is disabled on unencrypted connections: use STARTTLS first")
}

/// The tagged OK after a successful login carries the new capabilities.
fn welcome(s: &Ctx<'_>) -> Reply {
    Reply::ok_code(Code::Capability(super::capabilities(s)), "Logged in")
}

/// LOGIN (RFC 3501 6.2.3).
pub fn login(s: &mut Ctx<'_>, user: &[u8], password: &[u8]) -> Outcome {
    if !s.cleartext_allowed() {
        return Err(privacy_required());
    }
    let dir = s.shared.directory();
    if user.len() > MAX_SECRET || password.len() > MAX_SECRET {
        return Err(failed(s, &dir, None, "LOGIN", "user name or password longer than 1024 octets", Duration::ZERO));
    }
    let login = String::from_utf8_lossy(user).into_owned();
    let waited = penalty_wait(s);
    match check_password(&dir, &login, password) {
        Some(account) => finish(s, &dir, &account, &login, "LOGIN", waited),
        None => Err(refused(s, &dir, Some(&login), "LOGIN", AUTH_FAILED, waited)),
    }
}

/// AUTHENTICATE (RFC 3501 6.2.2, SASL-IR RFC 4959). Continuation lines are
/// read here; `*` cancels, which counts as a failed attempt.
pub fn authenticate(s: &mut Ctx<'_>, mechanism: &str, initial: Option<Vec<u8>>) -> io::Result<Outcome> {
    let upper = mechanism.to_ascii_uppercase();
    if !s.shared.config.auth_mechanisms.contains(&upper) {
        return Ok(Err(Reply::no_text(format!("Unsupported authentication mechanism {mechanism}"))));
    }
    if cleartext(mechanism) && !s.cleartext_allowed() {
        return Ok(Err(privacy_required()));
    }
    let Some(mut mech) = new_mechanism(mechanism, "tegami") else {
        return Ok(Err(Reply::no_text(format!("Unsupported authentication mechanism {mechanism}"))));
    };
    let method = format!("AUTHENTICATE-{upper}");
    let dir = s.shared.directory();
    let too_long = "SASL message longer than 1024 octets";
    if initial.as_ref().is_some_and(|r| r.len() > MAX_SECRET) {
        return Ok(Err(failed(s, &dir, None, &method, too_long, Duration::ZERO)));
    }
    let waited = penalty_wait(s);
    let mut response = initial;
    loop {
        match mech.step(response.as_deref(), &dir) {
            Step::Challenge(bytes) => {
                s.out.continuation(&B64.encode(&bytes))?;
                let line = match s.out.read_line(MAX_SASL_LINE) {
                    Ok(Some(line)) => line,
                    Ok(None) => return Err(io::ErrorKind::UnexpectedEof.into()),
                    Err(e) if e.kind() == io::ErrorKind::InvalidData => {
                        log::debug!("{} C: (AUTHENTICATE response over {MAX_SASL_LINE} octets)", s.tag());
                        return Ok(Err(failed(s, &dir, mech.attempted_user(), &method, too_long, waited)));
                    }
                    Err(e) => return Err(e),
                };
                log::debug!("{} C: (AUTHENTICATE response, {} octets)", s.tag(), line.len());
                if line == b"*" {
                    failed(s, &dir, mech.attempted_user(), &method, CANCELLED, waited);
                    return Ok(Err(Reply::bad("AUTHENTICATE cancelled")));
                }
                match B64.decode(&line) {
                    Ok(r) if r.len() > MAX_SECRET => {
                        return Ok(Err(failed(s, &dir, mech.attempted_user(), &method, too_long, waited)))
                    }
                    Ok(r) => response = Some(r),
                    Err(_) => return Ok(Err(Reply::bad("Invalid base64 in AUTHENTICATE response"))),
                }
            }
            Step::Success { authcid, .. } => {
                let login = mech.attempted_user().unwrap_or(&authcid).to_string();
                return Ok(finish(s, &dir, &authcid, &login, &method, waited));
            }
            Step::Failure(why) => {
                let login = mech.attempted_user().map(str::to_string);
                return Ok(Err(refused(s, &dir, login.as_deref(), &method, &why, waited)));
            }
        }
    }
}

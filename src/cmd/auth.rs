//! STARTTLS, LOGIN and AUTHENTICATE: everything that leads out of the
//! not-authenticated state.

use std::ops::ControlFlow;
use std::thread;
use std::time::Duration;

use base64::Engine;

use super::{Done, Effect, Outcome, Reply};
use crate::auth::policy::{canonical, Verdict};
use crate::auth::sasl::Mechanism;
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

/// AUTHENTICATE (RFC 3501 6.2.2, SASL-IR RFC 4959): the checks, then the
/// mechanism's first step. A challenge makes it an effect: the session
/// sends it and reads the client's line (`session::effects`), and
/// [`Exchange::answer`] takes the next step, until the exchange ends.
pub fn authenticate(s: &mut Ctx<'_>, mechanism: &str, initial: Option<Vec<u8>>) -> Done {
    let upper = mechanism.to_ascii_uppercase();
    if !s.shared.config.auth_mechanisms.contains(&upper) {
        return Done::Reply(Err(Reply::no_text(format!("Unsupported authentication mechanism {mechanism}"))));
    }
    if cleartext(mechanism) && !s.cleartext_allowed() {
        return Done::Reply(Err(privacy_required()));
    }
    let Some(mech) = new_mechanism(mechanism, "tegami") else {
        return Done::Reply(Err(Reply::no_text(format!("Unsupported authentication mechanism {mechanism}"))));
    };
    let method = format!("AUTHENTICATE-{upper}");
    let dir = s.shared.directory();
    if initial.as_ref().is_some_and(|r| r.len() > MAX_SECRET) {
        return Done::Reply(Err(failed(s, &dir, None, &method, TOO_LONG, Duration::ZERO)));
    }
    let waited = penalty_wait(s);
    let ex = Exchange { mech, dir, method, waited, challenge: Vec::new() };
    match ex.step(s, initial) {
        ControlFlow::Continue(ex) => Done::Effect(Effect::Sasl(ex)),
        ControlFlow::Break(outcome) => Done::Reply(outcome),
    }
}

/// The reason logged for a SASL response over [`MAX_SECRET`].
const TOO_LONG: &str = "SASL message longer than 1024 octets";

/// An AUTHENTICATE exchange waiting for the client's response to its
/// challenge.
pub struct Exchange {
    mech: Box<dyn Mechanism>,
    dir: Accounts,
    method: String,
    waited: Duration,
    challenge: Vec<u8>,
}

impl Exchange {
    /// The longest response line: base64 of [`MAX_SECRET`] octets.
    pub const MAX_LINE: usize = MAX_SASL_LINE;

    /// The challenge to send, as the continuation request's text.
    pub fn challenge(&self) -> String {
        B64.encode(&self.challenge)
    }

    /// The client's response line (`None`: longer than [`Self::MAX_LINE`]);
    /// the next challenge, or the command's outcome.
    pub fn answer(self, s: &mut Ctx<'_>, line: Option<Vec<u8>>) -> ControlFlow<Outcome, Exchange> {
        let Some(line) = line else {
            log::debug!("{} C: (AUTHENTICATE response over {MAX_SASL_LINE} octets)", s.tag());
            let user = self.mech.attempted_user();
            return ControlFlow::Break(Err(failed(s, &self.dir, user, &self.method, TOO_LONG, self.waited)));
        };
        log::debug!("{} C: (AUTHENTICATE response, {} octets)", s.tag(), line.len());
        if line == b"*" {
            failed(s, &self.dir, self.mech.attempted_user(), &self.method, CANCELLED, self.waited);
            return ControlFlow::Break(Err(Reply::bad("AUTHENTICATE cancelled")));
        }
        match B64.decode(&line) {
            Ok(r) if r.len() > MAX_SECRET => {
                let user = self.mech.attempted_user();
                ControlFlow::Break(Err(failed(s, &self.dir, user, &self.method, TOO_LONG, self.waited)))
            }
            Ok(r) => self.step(s, Some(r)),
            Err(_) => ControlFlow::Break(Err(Reply::bad("Invalid base64 in AUTHENTICATE response"))),
        }
    }

    /// The mechanism's step on `response`.
    fn step(mut self, s: &mut Ctx<'_>, response: Option<Vec<u8>>) -> ControlFlow<Outcome, Exchange> {
        let (dir, method, waited) = (&self.dir, &self.method, self.waited);
        ControlFlow::Break(match self.mech.step(response.as_deref(), dir) {
            Step::Challenge(bytes) => {
                self.challenge = bytes;
                return ControlFlow::Continue(self);
            }
            Step::Success { authcid, .. } => {
                let login = self.mech.attempted_user().unwrap_or(&authcid).to_string();
                finish(s, dir, &authcid, &login, method, waited)
            }
            Step::Failure(why) => {
                let login = self.mech.attempted_user().map(str::to_string);
                Err(refused(s, dir, login.as_deref(), method, &why, waited))
            }
        })
    }
}

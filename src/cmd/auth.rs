//! STARTTLS, LOGIN and AUTHENTICATE: everything that leads out of the
//! not-authenticated state.

use std::io;
use std::thread;
use std::time::Duration;

use base64::Engine;

use super::{Outcome, Reply};
use crate::auth::{cleartext, new_mechanism, Step};
use crate::net::Stream;
use crate::proto::reader::Reader;
use crate::session::{Session, MAX_FAILED_LOGINS};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// STARTTLS (RFC 3501 6.2.1): OK in clear text, then the handshake. Bytes
/// the client pipelined after the command are dropped, never read as if
/// they had come over TLS (an injection defence, RFC 7817 section 3).
pub fn starttls(s: &mut Session, tag: &str) -> io::Result<()> {
    let Some(tls) = s.shared.tls.clone() else {
        s.complete(tag, Err(Reply::No("[CANNOT] TLS is not configured on this server".into())));
        return Ok(());
    };
    if s.is_tls() {
        s.complete(tag, Err(Reply::Bad("The connection is already encrypted".into())));
        return Ok(());
    }
    s.complete(tag, Ok("Begin TLS negotiation now".into()));
    s.flush()?;
    let dropped = s.conn.discard_buffered();
    if dropped > 0 {
        log::warn!("{} [{}] dropped {dropped} octets sent after STARTTLS before the handshake", s.tag(), s.peer);
    }
    // Swap the connection out, upgrade it, and put a fresh reader back.
    let placeholder = Reader::new(Stream::Plain(s.conn.get_ref().tcp().try_clone()?));
    let plain = std::mem::replace(&mut s.conn, placeholder).into_inner();
    let timeout = plain.tcp().read_timeout().ok().flatten();
    let upgraded = plain.upgrade(tls)?;
    let _ = upgraded.tcp().set_read_timeout(timeout);
    log::trace!("{} [{}] TLS started: {}", s.tag(), s.peer, upgraded.tls_description().unwrap_or_default());
    s.conn = Reader::new(upgraded);
    Ok(())
}

/// Records a failed login: logged with the client address, answered after
/// a delay that grows with each failure; too many failures end the session.
fn failed(s: &mut Session, user: &str, why: &str) -> Reply {
    s.failed_logins += 1;
    log::warn!("{} [{}] login failed for {user:?}: {why} (attempt {})", s.tag(), s.peer, s.failed_logins);
    thread::sleep(Duration::from_millis(300 * u64::from(s.failed_logins.min(10))));
    if s.failed_logins >= MAX_FAILED_LOGINS {
        s.untagged("BYE Too many failed login attempts");
        s.state = crate::session::State::Logout;
    }
    Reply::No("[AUTHENTICATIONFAILED] Authentication failed".into())
}

fn privacy_required() -> Reply {
    Reply::No("[PRIVACYREQUIRED] Clear-text login is disabled on unencrypted connections: use STARTTLS first".into())
}

/// The tagged OK after a successful login carries the new capabilities.
fn welcome(s: &Session) -> String {
    format!("[CAPABILITY {}] Logged in", s.capabilities())
}

/// LOGIN (RFC 3501 6.2.3).
pub fn login(s: &mut Session, user: &[u8], password: &[u8]) -> Outcome {
    if !s.cleartext_allowed() {
        return Err(privacy_required());
    }
    let user = String::from_utf8_lossy(user).into_owned();
    match s.shared.account(&user) {
        Some(account) if account.verify(password) => {
            s.logged_in(account, "LOGIN");
            Ok(welcome(s))
        }
        Some(_) => Err(failed(s, &user, "wrong password")),
        None => Err(failed(s, &user, "no such account")),
    }
}

/// AUTHENTICATE (RFC 3501 6.2.2, SASL-IR RFC 4959). Continuation lines are
/// read here; `*` cancels.
pub fn authenticate(s: &mut Session, mechanism: &str, initial: Option<Vec<u8>>) -> io::Result<Outcome> {
    if cleartext(mechanism) && !s.cleartext_allowed() {
        return Ok(Err(privacy_required()));
    }
    let Some(mut mech) = new_mechanism(mechanism, "tegami") else {
        return Ok(Err(Reply::No(format!("Unsupported authentication mechanism {mechanism}"))));
    };
    let mut response = initial;
    loop {
        let step = {
            let db = s.shared.accounts();
            mech.step(response.as_deref(), &*db)
        };
        match step {
            Step::Challenge(bytes) => {
                s.out.extend_from_slice(format!("+ {}\r\n", B64.encode(&bytes)).as_bytes());
                s.flush()?;
                let Some(line) = s.conn.read_line(s.shared.config.max_line)? else {
                    return Err(io::ErrorKind::UnexpectedEof.into());
                };
                log::debug!("{} C: (AUTHENTICATE response, {} octets)", s.tag(), line.len());
                if line == b"*" {
                    return Ok(Err(Reply::Bad("AUTHENTICATE cancelled".into())));
                }
                match B64.decode(&line) {
                    Ok(r) => response = Some(r),
                    Err(_) => return Ok(Err(Reply::Bad("Invalid base64 in AUTHENTICATE response".into()))),
                }
            }
            Step::Success { authcid, .. } => {
                let Some(account) = s.shared.account(&authcid) else {
                    return Ok(Err(failed(s, &authcid, "account vanished")));
                };
                s.logged_in(account, &format!("AUTHENTICATE {}", mechanism.to_ascii_uppercase()));
                return Ok(Ok(welcome(s)));
            }
            Step::Failure(why) => return Ok(Err(failed(s, "(SASL)", &why))),
        }
    }
}

//! Commands valid in any state: CAPABILITY, ID; and ENABLE (LOGOUT is an
//! effect the session carries out, `session::effects`).

use super::Outcome;
use crate::client::{Ctx, State};
use crate::proto::untagged::Response;

/// CAPABILITY (RFC 3501 6.1.1).
pub fn capability(s: &mut Ctx<'_>) -> Outcome {
    let caps = super::capabilities(s);
    s.respond(Response::Capability(caps));
    Ok("CAPABILITY completed".into())
}

type IdParams = Option<Vec<(Vec<u8>, Option<Vec<u8>>)>>;

/// ID (RFC 2971): logs what the client says of itself, answers with ours.
pub fn id(s: &mut Ctx<'_>, params: IdParams) -> Outcome {
    if let Some(p) = params {
        // A trusted front may name its client (see `crate::origin`).
        let tag = s.tag();
        let cx = crate::origin::id::Context {
            proxy: &s.shared.config.proxy,
            before_login: s.state.is_not_authenticated(),
            tag: &tag,
            max_per_ip: s.shared.config.net.max_per_ip,
        };
        if let Some(named) = crate::origin::id::apply(s.origin, &p, &cx) {
            *s.peer = named.client;
            s.out.monitor().set_peer(named.client);
            if named.over_cap {
                s.respond(Response::Bye("Too many connections from your address, try again later".into()));
                *s.state = State::Logout;
            }
        }
        let said: Vec<String> = p
            .iter()
            .map(|(k, v)| {
                let v = v.as_deref().map(String::from_utf8_lossy).unwrap_or("NIL".into());
                format!("{}={v}", String::from_utf8_lossy(k))
            })
            .collect();
        log::debug!("{} client ID: {}", s.tag(), said.join(", "));
    }
    s.respond(Response::Id(&[("name", "tegami"), ("version", env!("CARGO_PKG_VERSION"))]));
    Ok("ID completed".into())
}

/// Extensions ENABLE can switch on (RFC 5161, RFC 9051 6.3.1, RFC 6855 3).
const ENABLEABLE: &[&str] = &["CONDSTORE", "QRESYNC", "IMAP4rev2", "UTF8=ACCEPT"];

/// ENABLE (RFC 5161): switches on, and answers with, the subset tegami
/// supports; IMAP4rev2 and UTF8=ACCEPT change how the writer renders.
pub fn enable(s: &mut Ctx<'_>, capabilities: Vec<String>) -> Outcome {
    let mut on: Vec<String> = Vec::new();
    for c in &capabilities {
        let Some(&known) = ENABLEABLE.iter().find(|e| e.eq_ignore_ascii_case(c)) else { continue };
        if on.iter().any(|o| o == known) {
            continue;
        }
        let d = s.out.dialect_mut();
        match known {
            // RFC 7162 3.2.3: QRESYNC implies CONDSTORE.
            "CONDSTORE" => s.sync_ext.condstore = true,
            "QRESYNC" => {
                s.sync_ext.condstore = true;
                s.sync_ext.qresync = true;
                d.qresync = true;
            }
            "IMAP4rev2" => d.rev2 = true,
            _ => d.utf8 = true,
        }
        on.push(known.to_string());
    }
    s.respond(Response::Enabled(on));
    Ok("ENABLE completed".into())
}

/// NAMESPACE (RFC 2342): the personal namespace, other users' mailboxes
/// under `~user/`, and the public ones (the account `public`) under `~public/`.
pub fn namespace(s: &mut Ctx<'_>) -> Outcome {
    s.respond(Response::Namespace);
    Ok("NAMESPACE completed".into())
}

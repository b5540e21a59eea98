//! GETMETADATA and SETMETADATA (RFC 5464 section 4) on the sidecars of
//! [`crate::metadata`]: mailbox `""` is the account's server entries,
//! any other name goes through the one resolution step, so shared
//! mailboxes (`~user/...`, aliases) have their entries where the mailbox is.

use std::collections::BTreeSet;
use std::path::PathBuf;

use super::{Outcome, Reply};
use crate::acl::Right;
use crate::client::Ctx;
use crate::mail::names::{self, store_error};
use crate::mail::resolve;
use crate::metadata::{self, Entries};
use crate::proto::command::Mailbox;
use crate::proto::metadata::{is_private, Depth, MetadataCommand};
use crate::proto::response::Code;
use crate::proto::untagged::Response;
use crate::store::StoreError;

/// Runs GETMETADATA or SETMETADATA.
pub fn metadata(s: &mut Ctx<'_>, cmd: MetadataCommand) -> Outcome {
    match cmd {
        MetadataCommand::Get { mailbox, max_size, depth, entries } => get(s, &mailbox, max_size, depth, &entries),
        MetadataCommand::Set { mailbox, values } => set(s, &mailbox, values),
    }
}

/// The sidecar of `mailbox` and the name to show in responses. RFC 5464
/// 3.3: on a mailbox, reading and setting entries (private or shared)
/// needs `l` and any one of `r`, `s`, `w`, `i`, `p`.
fn place(s: &Ctx<'_>, mailbox: &Mailbox) -> Result<(PathBuf, String), Reply> {
    if mailbox.0.is_empty() {
        return Ok((s.state.user()?.mail.root().join(metadata::SERVER_FILE), String::new()));
    }
    let name = names::decode_for(&s.dialect(), mailbox)?;
    let t = resolve::target(&s.scope()?, &name)?;
    if !t.rights.has(Right::Lookup) || !t.exists() {
        return Err(resolve::nonexistent(&name));
    }
    if ![Right::Read, Right::Seen, Right::Write, Right::Insert, Right::Post].into_iter().any(|r| t.rights.has(r)) {
        return Err(Reply::no(Code::NoPerm, "METADATA needs one of the rights \"rswip\" on this mailbox"));
    }
    Ok((t.dir()?.join(metadata::MAILBOX_FILE), t.display))
}

fn read(path: &std::path::Path) -> Result<Entries, Reply> {
    metadata::read(path).map_err(|e| store_error(StoreError::io("reading the METADATA entries", e)))
}

/// The entries a GETMETADATA returns, in the order asked, each once: the
/// entry itself (NIL when missing and DEPTH is 0), then with DEPTH 1 its
/// children, with infinity everything below it.
fn select<'a>(all: &'a Entries, user: &str, asked: &'a [String], depth: Depth) -> Vec<(&'a str, Option<&'a [u8]>)> {
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    let mut push = |out: &mut Vec<_>, name: &'a str, v: Option<&'a [u8]>| {
        if seen.insert(name) {
            out.push((name, v));
        }
    };
    for name in asked {
        let Some(map) = all.scope(user, is_private(name)) else {
            if depth == Depth::Zero {
                push(&mut out, name, None);
            }
            continue;
        };
        match map.get_key_value(name.as_str()) {
            Some((k, v)) => push(&mut out, k, Some(v)),
            None if depth == Depth::Zero => push(&mut out, name, None),
            None => {}
        }
        if depth == Depth::Zero {
            continue;
        }
        let prefix = format!("{name}/");
        for (k, v) in map.range(prefix.clone()..).take_while(|(k, _)| k.starts_with(&prefix)) {
            if depth == Depth::Infinity || !k[prefix.len()..].contains('/') {
                push(&mut out, k, Some(v));
            }
        }
    }
    out
}

/// GETMETADATA (RFC 5464 4.2): `* METADATA "mailbox" (entry value ...)`;
/// values over MAXSIZE are left out and the largest of them is named in
/// `OK [METADATA LONGENTRIES n]`.
fn get(s: &mut Ctx<'_>, mailbox: &Mailbox, max_size: Option<u64>, depth: Depth, asked: &[String]) -> Outcome {
    let (path, display) = place(s, mailbox)?;
    let all = read(&path)?;
    let user = s.state.user()?.account.user.clone();
    let mut longest = 0;
    let mut entries = Vec::new();
    for (name, value) in select(&all, &user, asked, depth) {
        let len = value.map_or(0, |v| v.len() as u64);
        if max_size.is_some_and(|m| len > m) {
            longest = longest.max(len);
            continue;
        }
        entries.push((name.to_string(), value.map(<[u8]>::to_vec)));
    }
    if !entries.is_empty() {
        s.respond(Response::Metadata { mailbox: display, entries });
    }
    if longest > 0 {
        return Ok(Reply::ok_code(Code::MetadataLongEntries(longest), "GETMETADATA completed"));
    }
    Ok("GETMETADATA completed".into())
}

/// SETMETADATA (RFC 5464 4.3): every value is set (NIL deletes) or none
/// is: `NO [METADATA MAXSIZE n]` for a value over `--metadata-max-size`,
/// `NO [METADATA TOOMANY]` past `--metadata-max-entries`.
fn set(s: &mut Ctx<'_>, mailbox: &Mailbox, values: Vec<(String, Option<Vec<u8>>)>) -> Outcome {
    if values.iter().any(|(n, _)| n == "/private" || n == "/shared") {
        return Err(Reply::bad("/private and /shared themselves cannot hold a value"));
    }
    let (max_size, most) = (s.shared.config.metadata_max_size, s.shared.config.metadata_max_entries);
    if values.iter().any(|(_, v)| v.as_ref().is_some_and(|v| v.len() as u64 > max_size)) {
        return Err(Reply::no(Code::MetadataMaxSize(max_size), "The value is larger than this server keeps"));
    }
    let (path, display) = place(s, mailbox)?;
    let user = s.state.user()?.account.user.clone();
    let counts = |e: &Entries| (e.shared.len(), e.private.get(&user).map_or(0, |m| m.len()));
    let changed = metadata::update(&path, |e| {
        let before = counts(e);
        for (name, value) in values {
            e.set(&user, &name, value);
        }
        let after = counts(e);
        // A limit lowered since is no reason to refuse a deletion.
        if (after.0 > most && after.0 > before.0) || (after.1 > most && after.1 > before.1) {
            return Err(Reply::no(Code::MetadataTooMany, format!("At most {most} entries per mailbox")));
        }
        Ok(())
    });
    changed.map_err(store_error)??;
    log::info!("{} set METADATA of {}", s.tag(), if display.is_empty() { "the server" } else { &display });
    Ok("SETMETADATA completed".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_selects_the_entry_its_children_or_all_below() {
        let mut e = Entries::default();
        for n in ["/shared/a", "/shared/a/b", "/shared/a/b/c", "/shared/ab", "/private/a/x"] {
            e.set("alice", n, Some(n.as_bytes().to_vec()));
        }
        let names = |asked: &[&str], d| {
            let asked: Vec<String> = asked.iter().map(|s| s.to_string()).collect();
            select(&e, "alice", &asked, d).iter().map(|(n, v)| format!("{n}={}", v.is_some())).collect::<Vec<_>>()
        };
        assert_eq!(names(&["/shared/a"], Depth::Zero), ["/shared/a=true"]);
        assert_eq!(names(&["/shared/a"], Depth::One), ["/shared/a=true", "/shared/a/b=true"]);
        assert_eq!(names(&["/shared/a", "/shared/a/b"], Depth::Infinity).len(), 3);
        assert_eq!(names(&["/shared/none"], Depth::Zero), ["/shared/none=false"]);
        assert!(names(&["/shared/none"], Depth::One).is_empty());
        assert_eq!(names(&["/private"], Depth::Infinity), ["/private/a/x=true"]);
        assert!(select(&e, "bob", &["/private/a/x".into()], Depth::One).is_empty());
    }
}

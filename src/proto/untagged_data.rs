//! The wire form of the untagged answers of single commands (ID, ACL,
//! QUOTA, METADATA, SEARCH...), apart from [`Response::render`]'s file so
//! each stays readable; the dialect reaches them the same way.

use super::{ranges_of, write_mailbox, write_quoted_utf8, write_set, Dialect, Response};
use crate::proto::response::{write_astring, write_num, write_quoted_lossy, write_string};

impl Response {
    /// The untagged answers of single commands (CAPABILITY, ID, ACL,
    /// QUOTA, METADATA...) and the conditions.
    pub(super) fn render_data(&self, d: &Dialect, out: &mut Vec<u8>) {
        let mut word = |w: &[u8], rest: &[u8]| {
            out.extend_from_slice(w);
            out.extend_from_slice(rest);
        };
        match self {
            Response::Capability(caps) => word(b"CAPABILITY ", caps.as_bytes()),
            Response::Bye(t) => word(b"BYE ", t.as_bytes()),
            Response::Thread(t) | Response::Esearch(t) => word(t.as_bytes(), b""),
            Response::Namespace => word(b"NAMESPACE ((\"\" \"/\")) ((\"~\" \"/\")) ((\"~public/\" \"/\"))", b""),
            Response::Condition(reply) => reply.render(out),
            Response::Enabled(caps) => {
                out.extend_from_slice(b"ENABLED");
                for c in caps {
                    out.push(b' ');
                    out.extend_from_slice(c.as_bytes());
                }
            }
            Response::Sort(numbers) => {
                out.extend_from_slice(b"SORT");
                for &n in numbers {
                    out.push(b' ');
                    write_num(out, u64::from(n));
                }
            }
            Response::Id(params) => {
                out.extend_from_slice(b"ID (");
                for (i, (k, v)) in params.iter().enumerate() {
                    if i > 0 {
                        out.push(b' ');
                    }
                    write_quoted_lossy(out, k.as_bytes());
                    out.push(b' ');
                    write_quoted_lossy(out, v.as_bytes());
                }
                out.push(b')');
            }
            Response::GenUrlAuth(urls) => {
                out.extend_from_slice(b"GENURLAUTH");
                for url in urls {
                    out.push(b' ');
                    write_quoted_lossy(out, url);
                }
            }
            rights => rights.render_rights(d, out),
        }
    }

    /// ACL, LISTRIGHTS, MYRIGHTS, QUOTAROOT, QUOTA and METADATA.
    fn render_rights(&self, d: &Dialect, out: &mut Vec<u8>) {
        match self {
            Response::Acl { mailbox, entries } => {
                out.extend_from_slice(b"ACL ");
                write_mailbox(d, out, mailbox);
                for (who, rights) in entries {
                    out.push(b' ');
                    write_astring(out, who.as_bytes());
                    out.push(b' ');
                    write_astring(out, rights.as_bytes());
                }
            }
            Response::ListRights { mailbox, identifier, owner } => {
                out.extend_from_slice(b"LISTRIGHTS ");
                write_mailbox(d, out, mailbox);
                out.push(b' ');
                write_astring(out, identifier);
                // RFC 4314 3.7: the owner always holds `l` and `a`.
                out.extend_from_slice(if *owner { b" la r s w i p k x t e" } else { b" \"\" l r s w i p k x t e a" });
            }
            Response::MyRights { mailbox, rights } => {
                out.extend_from_slice(b"MYRIGHTS ");
                write_mailbox(d, out, mailbox);
                out.push(b' ');
                write_astring(out, rights.as_bytes());
            }
            Response::QuotaRoot { mailbox, root } => {
                out.extend_from_slice(b"QUOTAROOT ");
                write_mailbox(d, out, mailbox);
                out.push(b' ');
                write_astring(out, root.as_bytes());
            }
            Response::Quota { root, resources } => {
                out.extend_from_slice(b"QUOTA ");
                write_astring(out, root.as_bytes());
                out.extend_from_slice(b" (");
                for (i, (name, usage, limit)) in resources.iter().enumerate() {
                    if i > 0 {
                        out.push(b' ');
                    }
                    out.extend_from_slice(name.as_bytes());
                    out.push(b' ');
                    write_num(out, *usage);
                    out.push(b' ');
                    write_num(out, *limit);
                }
                out.push(b')');
            }
            Response::Metadata { mailbox, entries } => render_metadata(d, out, mailbox, entries),
            _ => {}
        }
    }
}

/// `ESEARCH (TAG "t") [UID] ALL set [MODSEQ m]` for IMAP4rev2 (RFC 9051
/// 6.4.4: no RETURN means RETURN (ALL)), `SEARCH n... (MODSEQ m)` otherwise.
pub(super) fn render_search(
    d: &Dialect,
    out: &mut Vec<u8>,
    tag: &str,
    uid: bool,
    numbers: &[u32],
    modseq: Option<u64>,
) {
    if d.rev2 {
        out.extend_from_slice(b"ESEARCH (TAG ");
        write_quoted_utf8(out, tag.as_bytes());
        out.push(b')');
        if uid {
            out.extend_from_slice(b" UID");
        }
        if !numbers.is_empty() {
            out.extend_from_slice(b" ALL ");
            let mut sorted = numbers.to_vec();
            sorted.sort_unstable();
            write_set(out, &ranges_of(&sorted));
            if let Some(m) = modseq {
                out.extend_from_slice(b" MODSEQ ");
                write_num(out, m);
            }
        }
        return;
    }
    out.extend_from_slice(b"SEARCH");
    for &n in numbers {
        out.push(b' ');
        write_num(out, u64::from(n));
    }
    if let (Some(m), false) = (modseq, numbers.is_empty()) {
        out.extend_from_slice(b" (MODSEQ ");
        write_num(out, m);
        out.push(b')');
    }
}

/// `METADATA "mailbox" (entry value ...)`; the RFC's examples quote the
/// mailbox, so an atom is quoted too; a value with NUL is a literal8
/// `~{n}` (RFC 5464 `value = nstring / literal8`).
fn render_metadata(d: &Dialect, out: &mut Vec<u8>, mailbox: &str, entries: &[(String, Option<Vec<u8>>)]) {
    out.extend_from_slice(b"METADATA ");
    let at = out.len();
    write_mailbox(d, out, mailbox);
    if mailbox.is_empty() {
        out.truncate(at);
        out.extend_from_slice(b"\"\"");
    } else if out.get(at).is_some_and(|&b| b != b'"' && b != b'{') {
        out.insert(at, b'"');
        out.push(b'"');
    }
    out.extend_from_slice(b" (");
    for (i, (name, value)) in entries.iter().enumerate() {
        if i > 0 {
            out.push(b' ');
        }
        write_astring(out, name.as_bytes());
        out.push(b' ');
        match value {
            None => out.extend_from_slice(b"NIL"),
            Some(v) if v.contains(&0) => {
                out.extend_from_slice(b"~{");
                write_num(out, v.len() as u64);
                out.extend_from_slice(b"}\r\n");
                out.extend_from_slice(v);
            }
            Some(v) => write_string(out, v),
        }
    }
    out.push(b')');
}

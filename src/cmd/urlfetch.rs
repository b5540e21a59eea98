//! URLFETCH (RFC 4467) and its extended form (RFC 5524, `URLAUTH=BINARY`):
//! `(url BODYPARTSTRUCTURE BINARY)` answers the URL followed by one
//! parenthesised item per parameter, `(BODYPARTSTRUCTURE body)` first, then
//! `(BODY nstring)` or `(BINARY nstring / literal8)`.
//!
//! A URL it will not serve is `url NIL` in either form, whatever the
//! reason (bad syntax, wrong token, expired, no access, no such message or
//! part), so that it tells a prober nothing; the reason goes to the log.
//! BINARY that cannot be made (an encoding tegami does not know, or a
//! HEADER/TEXT/MIME section, which has no transfer encoding to remove) is
//! `(BINARY NIL)`. BODYPARTSTRUCTURE is the part's extended structure as
//! FETCH BODYSTRUCTURE shows it (its encoding and size as stored).
//!
//! `submit+user` URLs are served to the account `--urlauth-submit-user`
//! names (the submission server's login) and to that user's own sessions
//! (a submission server that fetches with the user's own login).

use super::{Outcome, Reply};
use crate::budget::Reservation;
use crate::client::Ctx;
use crate::fetch as render;
use crate::fetch::binary::{binary, needs_literal8};
use crate::mail::urls::{authorize, load_message, read_part_held};
use crate::mime::{self, Part};
use crate::proto::command::{UrlFetchArg, UrlFetchItems};
use crate::proto::response::{write_astring, write_quoted_lossy, Code};
use crate::proto::section::{Partial, Section};

/// Why a URL was not served when the server's memory budget had no room
/// for it (answered NIL, and the command `NO [LIMIT]`).
const NO_ROOM: &str = "the server's memory for clients is in use";

/// Literals at least this long are written from where they lie instead of
/// being copied into the response queue.
const DIRECT_LITERAL: usize = 64 * 1024;

/// A store read's outcome as a reason not to serve a URL.
fn served<T>(read: Result<Result<T, &'static str>, Reply>) -> Result<T, &'static str> {
    match read {
        Ok(r) => r,
        Err(r) if r.is_no(&Code::Limit) => Err(NO_ROOM),
        Err(_) => Err("store error"),
    }
}

/// The octets an authorized URL names (RFC 4467's answer), with what they
/// hold of the server's memory budget, or why they are not served.
fn fetch_one(s: &Ctx<'_>, url: &[u8]) -> Result<(Vec<u8>, Option<Reservation>), &'static str> {
    let (account, u) = authorize(&s.scope().map_err(|_| "not logged in")?, url)?;
    let (data, held) = served(read_part_held(&account, &u.part, Some(&s.shared.budget)))?;
    if memchr::memchr(0, &data).is_some() {
        // A NUL cannot travel in a plain literal (RFC 3501 4.3).
        return Err("the part holds NUL octets");
    }
    Ok((data, held))
}

/// What the extended form answers for one URL: each item asked for,
/// `Some(None)` for a BODY or BINARY that is `NIL`.
struct Metadata {
    structure: Option<Vec<u8>>,
    body: Option<Option<Vec<u8>>>,
    binary: Option<Option<Vec<u8>>>,
    /// The message's hold on the memory budget, until it is written.
    _held: Option<Reservation>,
}

/// RFC 5524's items for an authorized URL, or why it is not served.
fn fetch_metadata(s: &Ctx<'_>, url: &[u8], items: UrlFetchItems) -> Result<Metadata, &'static str> {
    let (account, u) = authorize(&s.scope().map_err(|_| "not logged in")?, url)?;
    let (message, held) = served(load_message(&account, &u.part, Some(&s.shared.budget)))?;
    let msg = message.bytes();
    let root = mime::scan(msg);
    let (section, partial) = (&u.part.section, u.part.partial);
    let part = if section.part.is_empty() { Some(&root) } else { render::section::find_part(&root, &section.part) };
    let part = part.ok_or("no such part")?;
    let structure = items.body_part_structure.then(|| {
        let mut out = Vec::new();
        render::bodystructure::write_body(&mut out, msg, part, true);
        out
    });
    let body = items.body.then(|| {
        let data = if *section == Section::default() {
            render::section::limit(render::section::whole(msg), partial)
        } else {
            render::section(msg, &root, section, partial)
        };
        // An nstring cannot hold NUL: such a part is only served BINARY.
        Some(data.bytes(msg).to_vec()).filter(|d| memchr::memchr(0, d).is_none())
    });
    let binary = items.binary.then(|| decoded(msg, &root, section, partial));
    if message.damaged() {
        return Err("the message changed while it was read");
    }
    Ok(Metadata { structure, body, binary, _held: held })
}

/// BINARY of a URL's section: the numbered part (or the message) with its
/// transfer encoding removed, then cut to the URL's partial; `None` where
/// there is no encoding tegami can remove.
fn decoded(msg: &[u8], root: &Part, section: &Section, partial: Option<Partial>) -> Option<Vec<u8>> {
    if section.text.is_some() {
        return None;
    }
    let data = binary(msg, root, &section.part).ok()?;
    Some(render::section::limit(data, partial).bytes(msg).to_vec())
}

/// Writes ` ` and `data` as a literal (`~{n}` literal8 when `eight`),
/// large ones straight from where they lie.
fn literal(s: &mut Ctx<'_>, data: &[u8], eight: bool) -> Result<(), Reply> {
    let head = format!(" {}{{{}}}\r\n", if eight { "~" } else { "" }, data.len());
    s.out.buffer().extend_from_slice(head.as_bytes());
    if data.len() >= DIRECT_LITERAL {
        s.write_direct(data).map_err(|e| Reply::no_text(format!("write failed: {e}")))?;
    } else {
        s.out.buffer().extend_from_slice(data);
    }
    Ok(())
}

/// Writes the items of [`Metadata`], each in its parentheses.
fn write_metadata(s: &mut Ctx<'_>, m: &Metadata) -> Result<(), Reply> {
    if let Some(structure) = &m.structure {
        let out = s.out.buffer();
        out.extend_from_slice(b" (BODYPARTSTRUCTURE ");
        out.extend_from_slice(structure);
        out.push(b')');
    }
    for (name, item) in [("BODY", &m.body), ("BINARY", &m.binary)] {
        let Some(item) = item else { continue };
        s.out.buffer().extend_from_slice(format!(" ({name}").as_bytes());
        match item {
            // NUL, bare CR or LF: a literal8 (RFC 3516 4.2, RFC 5524 5).
            Some(data) => literal(s, data, name == "BINARY" && needs_literal8(data))?,
            None => s.out.buffer().extend_from_slice(b" NIL"),
        }
        s.out.buffer().push(b')');
    }
    Ok(())
}

/// Writes ` NIL` for a URL not served and logs why; true when the reason
/// was the memory budget.
fn not_served(s: &mut Ctx<'_>, url: &[u8], why: &str) -> bool {
    log::info!("{} URLFETCH {}: {why}", s.tag(), String::from_utf8_lossy(url));
    s.out.buffer().extend_from_slice(b" NIL");
    why == NO_ROOM
}

/// URLFETCH: one response with each URL and its octets or items, or NIL.
/// Written as it is made (one URL's octets held at a time); a URL asked
/// the same way more than once is answered once.
pub fn urlfetch(s: &mut Ctx<'_>, urls: &[UrlFetchArg]) -> Outcome {
    let mut urls = urls.to_vec();
    crate::mail::held::dedup(&mut urls);
    let cap = s.shared.config.net.max_fetch_buffer;
    let mut no_room = false;
    s.out.buffer().extend_from_slice(b"* URLFETCH");
    for arg in &urls {
        let out = s.out.buffer();
        out.push(b' ');
        // Quoted, as RFC 4467's examples show it, unless it cannot be.
        if arg.url.iter().all(|&b| (0x20..0x7f).contains(&b)) {
            write_quoted_lossy(out, &arg.url);
        } else {
            write_astring(out, &arg.url);
        }
        match arg.items {
            None => match fetch_one(s, &arg.url) {
                Ok((data, _held)) => literal(s, &data, false)?,
                Err(why) => no_room |= not_served(s, &arg.url, why),
            },
            Some(items) => match fetch_metadata(s, &arg.url, items) {
                Ok(m) => write_metadata(s, &m)?,
                Err(why) => no_room |= not_served(s, &arg.url, why),
            },
        }
        if s.out.queued() >= cap {
            s.flush().map_err(|e| Reply::no_text(format!("write failed: {e}")))?;
        }
    }
    s.out.buffer().extend_from_slice(b"\r\n");
    if no_room {
        return Err(Reply::no(Code::Limit, "Some URLs were not fetched: the server's memory for clients is in use"));
    }
    Ok("URLFETCH completed".into())
}

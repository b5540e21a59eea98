//! GENURLAUTH, RESETKEY and URLFETCH (RFC 4467, RFC 5524).

use super::lexer::{Lexer, PResult};
use crate::proto::command::CommandBody;

/// `GENURLAUTH 1*(SP url-rump SP mechanism)` after the name.
pub(super) fn genurlauth(p: &mut Lexer<'_>) -> PResult<CommandBody> {
    let mut urls = Vec::new();
    loop {
        p.sp("URL rump")?;
        let url = p.astring("URL rump")?;
        p.sp("URLAUTH mechanism")?;
        urls.push((url, p.atom_upper("URLAUTH mechanism")?));
        if p.peek() != Some(b' ') {
            break;
        }
    }
    p.end()?;
    Ok(CommandBody::GenUrlAuth { urls })
}

/// `RESETKEY [mailbox *(SP mechanism)]` after the name.
pub(super) fn resetkey(p: &mut Lexer<'_>) -> PResult<CommandBody> {
    let mut mailbox = None;
    let mut mechanisms = Vec::new();
    if p.more() {
        mailbox = Some(p.mailbox("mailbox name")?);
        while p.more() {
            mechanisms.push(p.atom_upper("URLAUTH mechanism")?);
        }
    }
    p.end()?;
    Ok(CommandBody::ResetKey { mailbox, mechanisms })
}

/// `URLFETCH 1*(SP url-fetch-arg)` after the name.
pub(super) fn urlfetch(p: &mut Lexer<'_>) -> PResult<CommandBody> {
    let mut urls = Vec::new();
    loop {
        p.sp("URL")?;
        urls.push(urlfetch_arg(p)?);
        if p.peek() != Some(b' ') {
            break;
        }
    }
    p.end()?;
    Ok(CommandBody::UrlFetch { urls })
}

/// `url-fetch-arg = url-full / "(" url-full *(SP url-fetch-param) ")"`
/// (RFC 5524 section 5): the known parameters, each once, not BODY with
/// BINARY (3.1); an unknown one is refused rather than ignored.
fn urlfetch_arg(p: &mut Lexer<'_>) -> PResult<crate::proto::command::UrlFetchArg> {
    use crate::proto::command::{UrlFetchArg, UrlFetchItems};
    if !p.eat(b'(') {
        return Ok(UrlFetchArg { url: p.astring("URL")?, items: None });
    }
    let url = p.astring("URL")?;
    let (mut items, mut any) = (UrlFetchItems::default(), false);
    while p.peek() == Some(b' ') {
        p.sp("URLFETCH parameter")?;
        let slot = match p.atom_upper("URLFETCH parameter")?.as_str() {
            "BODYPARTSTRUCTURE" => &mut items.body_part_structure,
            "BODY" => &mut items.body,
            "BINARY" => &mut items.binary,
            _ => return Err("Unknown URLFETCH parameter (known: BODYPARTSTRUCTURE, BODY, BINARY)".into()),
        };
        if std::mem::replace(slot, true) {
            return Err("A URLFETCH parameter is given twice for one URL".into());
        }
        any = true;
    }
    p.expect(b')', "the closing parenthesis of a URLFETCH argument")?;
    if items.body && items.binary {
        return Err("URLFETCH cannot ask for both BODY and BINARY of one URL".into());
    }
    Ok(UrlFetchArg { url, items: any.then_some(items) })
}

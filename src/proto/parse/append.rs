//! APPEND's messages (RFC 3501, MULTIAPPEND of RFC 3502, CATENATE of RFC
//! 4469, UTF8 of RFC 6855).

use super::lexer::{Lexer, PResult};
use crate::proto::command::{AppendMessage, CatPart, CommandBody};
use crate::proto::datetime::DateTime;

/// `cat-part = text-literal / url` (RFC 4469 section 5), `TEXT` taking a
/// literal8 too (RFC 3516).
fn cat_part(p: &mut Lexer<'_>) -> PResult<CatPart> {
    if p.keyword("TEXT") {
        p.sp("TEXT literal")?;
        let binary = p.eat(b'~');
        if p.peek() != Some(b'{') {
            return Err("CATENATE TEXT needs a literal {n}".into());
        }
        let (data, _) = p.literal("CATENATE TEXT")?;
        Ok(CatPart::Text { data, binary })
    } else if p.keyword("UTF8") {
        // RFC 6855 4: a part with UTF-8 headers, `UTF8 (literal8)`.
        p.sp("UTF8 part")?;
        p.expect(b'(', "UTF8 part")?;
        if !p.eat(b'~') {
            return Err("UTF8 takes the part as a literal8 ~{n} (RFC 6855 section 4)".into());
        }
        let (data, _) = p.literal("CATENATE UTF8")?;
        p.expect(b')', "UTF8 part")?;
        Ok(CatPart::Text { data, binary: true })
    } else if p.keyword("URL") {
        p.sp("URL")?;
        Ok(CatPart::Url(p.astring("CATENATE URL")?))
    } else {
        Err("Expected TEXT or URL in CATENATE".into())
    }
}

/// `APPEND mailbox ([flags] [date-time] (literal / "UTF8" SP "(" literal8 ")"))+`:
/// MULTIAPPEND when several (RFC 3502), UTF8 of RFC 6855 section 4.
pub(super) fn append(p: &mut Lexer<'_>) -> PResult<CommandBody> {
    p.sp("mailbox name")?;
    let mailbox = p.mailbox("mailbox name")?;
    let mut messages = Vec::new();
    loop {
        p.sp("message literal")?;
        let mut flags = Vec::new();
        let mut date = None;
        if p.peek() == Some(b'(') {
            flags = p.flag_list()?;
            p.sp("message literal")?;
        }
        if p.peek() == Some(b'"') {
            let raw = p.quoted("date-time")?;
            date = Some(DateTime::parse(&raw).map_err(|e| e.to_string())?);
            p.sp("message literal")?;
        }
        if p.keyword("CATENATE") {
            p.sp("CATENATE parts")?;
            let parts = p.paren_list("CATENATE parts", false, cat_part)?;
            messages.push(AppendMessage { flags, date, data: Vec::new(), binary: false, catenate: Some(parts) });
            if p.at_end() {
                break;
            }
            continue;
        }
        if p.keyword("UTF8") {
            // RFC 6855 4: `UTF8 (literal8)`, a message with UTF-8 headers.
            p.sp("UTF8 message")?;
            p.expect(b'(', "UTF8 message")?;
            if !p.eat(b'~') {
                return Err("UTF8 takes the message as a literal8 ~{n} (RFC 6855 section 4)".into());
            }
            let (data, _) = p.literal("UTF8 message")?;
            p.expect(b')', "UTF8 message")?;
            messages.push(AppendMessage { flags, date, data, binary: true, catenate: None });
            if p.at_end() {
                break;
            }
            continue;
        }
        let binary = p.eat(b'~');
        if p.peek() != Some(b'{') {
            return Err("Expected the message as a literal {n}".into());
        }
        let (data, _) = p.literal("message")?;
        messages.push(AppendMessage { flags, date, data, binary, catenate: None });
        if p.at_end() {
            break;
        }
    }
    Ok(CommandBody::Append { mailbox, messages })
}

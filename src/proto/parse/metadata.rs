//! GETMETADATA and SETMETADATA (RFC 5464 section 5, formal syntax).

use super::lexer::{Lexer, PResult};
use crate::proto::command::CommandBody;
use crate::proto::metadata::{entry_name, Depth, MetadataCommand};

/// `getmetadata = "GETMETADATA" [SP getmetadata-options] SP mailbox SP
/// entries`; the options are also taken after the mailbox, where the RFC's
/// own examples put them.
pub fn getmetadata(p: &mut Lexer<'_>) -> PResult<CommandBody> {
    p.sp("mailbox name")?;
    let mut options = (None, None);
    if p.peek() == Some(b'(') {
        get_options(p, &mut options)?;
        p.sp("mailbox name")?;
    }
    let mailbox = p.mailbox("mailbox name")?;
    p.sp("entry names")?;
    if options == (None, None) && p.peek() == Some(b'(') && !p.looking_at(b"(/") && !p.looking_at(b"(\"") {
        get_options(p, &mut options)?;
        p.sp("entry names")?;
    }
    let entries = if p.peek() == Some(b'(') { p.paren_list("entry names", false, entry)? } else { vec![entry(p)?] };
    p.end()?;
    let (max_size, depth) = options;
    let depth = depth.unwrap_or(Depth::Zero);
    Ok(CommandBody::Metadata(MetadataCommand::Get { mailbox, max_size, depth, entries }))
}

/// `getmetadata-options = "(" getmetadata-option *(SP getmetadata-option)
/// ")"`, each of `MAXSIZE number` and `DEPTH ("0" / "1" / "infinity")` once.
fn get_options(p: &mut Lexer<'_>, out: &mut (Option<u64>, Option<Depth>)) -> PResult<()> {
    p.paren_list("GETMETADATA options", false, |p| {
        if p.keyword("MAXSIZE") && out.0.is_none() {
            p.sp("MAXSIZE value")?;
            out.0 = Some(p.number64("MAXSIZE value")?);
        } else if p.keyword("DEPTH") && out.1.is_none() {
            p.sp("DEPTH value")?;
            out.1 = Some(if p.keyword("0") {
                Depth::Zero
            } else if p.keyword("1") {
                Depth::One
            } else if p.keyword("INFINITY") {
                Depth::Infinity
            } else {
                return Err("DEPTH takes 0, 1 or infinity".into());
            });
        } else {
            return Err("Unknown or repeated GETMETADATA option (expected MAXSIZE or DEPTH)".into());
        }
        Ok(())
    })?;
    Ok(())
}

/// `entry = astring`, checked by [`entry_name`].
fn entry(p: &mut Lexer<'_>) -> PResult<String> {
    entry_name(&p.astring("entry name")?)
}

/// `setmetadata = "SETMETADATA" SP mailbox SP entry-values`, where
/// `entry-values = "(" entry-value *(SP entry-value) ")"` and `entry-value
/// = entry SP value`, `value = nstring / literal8`.
pub fn setmetadata(p: &mut Lexer<'_>) -> PResult<CommandBody> {
    p.sp("mailbox name")?;
    let mailbox = p.mailbox("mailbox name")?;
    p.sp("entry values")?;
    let values = p.paren_list("entry values", false, |p| {
        let name = entry(p)?;
        p.sp("entry value")?;
        let value = if p.eat(b'~') {
            if p.peek() != Some(b'{') {
                return Err("Expected a literal8 ~{n} as entry value".into());
            }
            Some(p.literal("entry value")?.0)
        } else {
            p.nstring("entry value")?
        };
        Ok((name, value))
    })?;
    p.end()?;
    Ok(CommandBody::Metadata(MetadataCommand::Set { mailbox, values }))
}

#[cfg(test)]
mod tests {
    use super::super::parse_command;
    use crate::proto::command::{CommandBody, Mailbox};
    use crate::proto::metadata::{Depth, MetadataCommand};

    fn get(line: &[u8]) -> (Option<u64>, Depth, Vec<String>) {
        match parse_command(line).unwrap().body {
            CommandBody::Metadata(MetadataCommand::Get { max_size, depth, entries, .. }) => (max_size, depth, entries),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn options_before_or_after_the_mailbox() {
        let want = (Some(1024), Depth::One, vec!["/private/comment".to_string()]);
        assert_eq!(get(b"a GETMETADATA (MAXSIZE 1024 DEPTH 1) INBOX /private/comment"), want);
        assert_eq!(get(b"a GETMETADATA \"INBOX\" (maxsize 1024 depth 1) (/private/comment)"), want);
        let two = get(b"a GETMETADATA \"\" (/shared/comment /Private/Comment)");
        assert_eq!(two, (None, Depth::Zero, vec!["/shared/comment".into(), "/private/comment".into()]));
        assert_eq!(get(b"a GETMETADATA (DEPTH infinity) \"\" /shared").1, Depth::Infinity);
    }

    #[test]
    fn bad_forms_are_refused() {
        for bad in [
            &b"a GETMETADATA INBOX"[..],
            b"a GETMETADATA INBOX ()",
            b"a GETMETADATA (DEPTH 2) INBOX /shared/a",
            b"a GETMETADATA (MAXSIZE 1 MAXSIZE 2) INBOX /shared/a",
            b"a GETMETADATA INBOX /vendor/a",
            b"a SETMETADATA INBOX (/shared/a)",
            b"a SETMETADATA INBOX /shared/a \"x\"",
            b"a SETMETADATA INBOX (/shared/a ~\"x\")",
            b"a SETMETADATA INBOX (/shared/a {5}\r\nab)",
        ] {
            assert!(parse_command(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
    }

    #[test]
    fn values_are_nstrings_or_literal8() {
        let c =
            parse_command(b"a SETMETADATA INBOX (/private/comment {3}\r\na\r\n /shared/x NIL /shared/y ~{2}\r\n\0b)");
        let CommandBody::Metadata(MetadataCommand::Set { mailbox, values }) = c.unwrap().body else { panic!() };
        assert_eq!(mailbox, Mailbox(b"INBOX".to_vec()));
        assert_eq!(
            values,
            vec![
                ("/private/comment".into(), Some(b"a\r\n".to_vec())),
                ("/shared/x".into(), None),
                ("/shared/y".into(), Some(b"\0b".to_vec()))
            ]
        );
    }
}

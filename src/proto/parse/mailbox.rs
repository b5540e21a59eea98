//! Mailbox commands: SELECT/EXAMINE parameters, CREATE, LIST, LSUB, STATUS.

use super::lexer::{Lexer, PResult};
use crate::proto::command::{CommandBody, ListCommand, ListReturn, ListSelect, QResync, SelectParams, StatusItem};
use crate::proto::response::shown;

/// `SELECT`/`EXAMINE mailbox [(params)]` after the name.
pub(super) fn select(p: &mut Lexer<'_>, examine: bool) -> PResult<CommandBody> {
    p.sp("mailbox name")?;
    let mailbox = p.mailbox("mailbox name")?;
    let mut params = SelectParams::default();
    if p.more() {
        p.paren_list("select parameters", false, |p| {
            let w = p.atom_upper("select parameter")?;
            match w.as_str() {
                "CONDSTORE" => params.condstore = true,
                "QRESYNC" => {
                    p.sp("QRESYNC parameters")?;
                    params.qresync = Some(qresync(p)?);
                }
                _ => return Err(format!("Unknown select parameter{}", shown(&w))),
            }
            Ok(())
        })?;
    }
    p.end()?;
    Ok(if examine { CommandBody::Examine { mailbox, params } } else { CommandBody::Select { mailbox, params } })
}

fn qresync(p: &mut Lexer<'_>) -> PResult<QResync> {
    p.expect(b'(', "an opening parenthesis to start QRESYNC parameters")?;
    let uidvalidity = p.nz_number("QRESYNC uidvalidity")?;
    p.sp("QRESYNC mod-sequence")?;
    let modseq = p.number64("QRESYNC mod-sequence")?;
    let mut q = QResync { uidvalidity, modseq, known_uids: None, seq_match: None };
    if p.eat(b' ') {
        if p.peek() != Some(b'(') {
            q.known_uids = Some(p.sequence_set()?);
            p.eat(b' ');
        }
        if p.eat(b'(') {
            let seqs = p.sequence_set()?;
            p.sp("known UID set")?;
            let uids = p.sequence_set()?;
            p.expect(b')', "a closing parenthesis after QRESYNC sequence match data")?;
            q.seq_match = Some((seqs, uids));
        }
    }
    p.expect(b')', "a closing parenthesis after QRESYNC parameters")?;
    Ok(q)
}

/// `CREATE mailbox [(USE (\attr ...))]` after the name.
pub(super) fn create(p: &mut Lexer<'_>) -> PResult<CommandBody> {
    p.sp("mailbox name")?;
    let mailbox = p.mailbox("mailbox name")?;
    let mut special_use = Vec::new();
    if p.more() {
        p.paren_list("create parameters", false, |p| {
            let w = p.atom_upper("create parameter")?;
            if w != "USE" {
                return Err(format!("Unknown create parameter{}", shown(&w)));
            }
            p.sp("special-use attribute list")?;
            special_use = p.paren_list("special-use attribute list", false, |p| {
                p.expect(b'\\', "special-use attribute (e.g. \\Drafts)")?;
                Ok(String::from_utf8_lossy(p.atom("special-use attribute")?).into_owned())
            })?;
            Ok(())
        })?;
    }
    p.end()?;
    Ok(CommandBody::Create { mailbox, special_use })
}

/// One STATUS item name.
pub(super) fn status_item(p: &mut Lexer<'_>) -> PResult<StatusItem> {
    let w = p.atom("status item")?;
    StatusItem::from_name(w)
        .ok_or_else(|| format!("Unknown status item {}", String::from_utf8_lossy(w).to_ascii_uppercase()))
}

/// `STATUS mailbox (items)` after the name.
pub(super) fn status(p: &mut Lexer<'_>) -> PResult<CommandBody> {
    p.sp("mailbox name")?;
    let mailbox = p.mailbox("mailbox name")?;
    p.sp("status item list")?;
    let items = p.paren_list("status item list", false, status_item)?;
    p.end()?;
    Ok(CommandBody::Status { mailbox, items })
}

/// `LSUB reference pattern` after the name.
pub(super) fn lsub(p: &mut Lexer<'_>) -> PResult<CommandBody> {
    p.sp("reference name")?;
    let reference = p.mailbox("reference name")?;
    p.sp("mailbox pattern")?;
    let pattern = p.list_mailbox("mailbox pattern")?;
    p.end()?;
    Ok(CommandBody::Lsub { reference, pattern })
}

/// A return option word (and its argument for STATUS).
fn return_option(p: &mut Lexer<'_>, word: &str) -> PResult<Option<ListReturn>> {
    Ok(Some(match word {
        "SUBSCRIBED" => ListReturn::Subscribed,
        "CHILDREN" => ListReturn::Children,
        "SPECIAL-USE" => ListReturn::SpecialUse,
        "MYRIGHTS" => ListReturn::MyRights,
        "STATUS" => {
            p.sp("STATUS item list")?;
            ListReturn::Status(p.paren_list("STATUS item list", false, status_item)?)
        }
        _ => match StatusItem::from_name(word.as_bytes()) {
            Some(item) => ListReturn::Attribute(item),
            None => return Ok(None),
        },
    }))
}

/// `LIST [(select-opts)] reference (pattern | (patterns)) [RETURN (opts)]`.
/// Return options given among the selection options (CommuniGate's
/// `LIST (CHILDREN UNSEEN) "" "*"`) go to `returns`.
pub(super) fn list(p: &mut Lexer<'_>) -> PResult<CommandBody> {
    p.sp("reference name")?;
    let mut cmd = ListCommand {
        select: Vec::new(),
        reference: crate::proto::command::Mailbox(Vec::new()),
        patterns: Vec::new(),
        returns: Vec::new(),
        extended: false,
    };
    if p.peek() == Some(b'(') {
        cmd.extended = true;
        let mut returns = Vec::new();
        let select = p.paren_list("list selection options", true, |p| {
            let w = p.atom_upper("list selection option")?;
            Ok(Some(match w.as_str() {
                "SUBSCRIBED" => ListSelect::Subscribed,
                "REMOTE" => ListSelect::Remote,
                "RECURSIVEMATCH" => ListSelect::RecursiveMatch,
                "SPECIAL-USE" => ListSelect::SpecialUse,
                _ => match return_option(p, &w)? {
                    Some(r) => {
                        returns.push(r);
                        return Ok(None);
                    }
                    None => return Err(format!("Unknown list selection option{}", shown(&w))),
                },
            }))
        })?;
        cmd.select = select.into_iter().flatten().collect();
        if cmd.select.contains(&ListSelect::RecursiveMatch)
            && !cmd.select.iter().any(|s| matches!(s, ListSelect::Subscribed | ListSelect::SpecialUse))
        {
            return Err("RECURSIVEMATCH needs SUBSCRIBED or SPECIAL-USE".into());
        }
        cmd.returns = returns;
        p.sp("reference name")?;
    }
    cmd.reference = p.mailbox("reference name")?;
    p.sp("mailbox pattern")?;
    if p.peek() == Some(b'(') {
        cmd.extended = true;
        cmd.patterns = p.paren_list("mailbox pattern list", false, |p| p.list_mailbox("mailbox pattern"))?;
    } else {
        cmd.patterns.push(p.list_mailbox("mailbox pattern")?);
    }
    if p.more() {
        if !p.keyword("RETURN") {
            return Err("Unexpected extra arguments after the mailbox pattern (expected RETURN)".into());
        }
        cmd.extended = true;
        p.sp("list return options")?;
        let more = p.paren_list("list return options", true, |p| {
            let w = p.atom_upper("list return option")?;
            return_option(p, &w)?.ok_or_else(|| format!("Unknown list return option {w}"))
        })?;
        cmd.returns.extend(more);
    }
    p.end()?;
    Ok(CommandBody::List(cmd))
}

//! The ACL (RFC 4314) and QUOTA (RFC 9208) commands' arguments.

use super::lexer::{Lexer, PResult};
use crate::proto::command::{CommandBody, Mailbox};

/// `SETACL mailbox identifier rights` after the name.
pub(super) fn setacl(p: &mut Lexer<'_>) -> PResult<CommandBody> {
    let (mailbox, identifier) = mailbox_identifier(p)?;
    p.sp("rights")?;
    let rights = p.astring("rights")?;
    p.end()?;
    Ok(CommandBody::SetAcl { mailbox, identifier, rights })
}

/// `DELETEACL mailbox identifier` after the name.
pub(super) fn deleteacl(p: &mut Lexer<'_>) -> PResult<CommandBody> {
    let (mailbox, identifier) = mailbox_identifier(p)?;
    p.end()?;
    Ok(CommandBody::DeleteAcl { mailbox, identifier })
}

/// `LISTRIGHTS mailbox identifier` after the name.
pub(super) fn listrights(p: &mut Lexer<'_>) -> PResult<CommandBody> {
    let (mailbox, identifier) = mailbox_identifier(p)?;
    p.end()?;
    Ok(CommandBody::ListRights { mailbox, identifier })
}

/// `GETQUOTA root` after the name.
pub(super) fn getquota(p: &mut Lexer<'_>) -> PResult<CommandBody> {
    p.sp("quota root")?;
    let root = p.astring("quota root")?;
    p.end()?;
    Ok(CommandBody::GetQuota { root })
}

/// `SETQUOTA root (resource limit ...)` after the name.
pub(super) fn set_quota(p: &mut Lexer<'_>) -> PResult<CommandBody> {
    p.sp("quota root")?;
    let root = p.astring("quota root")?;
    p.sp("quota resource list")?;
    let limits = p.paren_list("quota resource list", true, |p| {
        let name = p.atom_upper("quota resource name")?;
        p.sp("quota limit")?;
        Ok((name, p.number64("quota limit")?))
    })?;
    p.end()?;
    Ok(CommandBody::SetQuota { root, limits })
}

fn mailbox_identifier(p: &mut Lexer<'_>) -> PResult<(Mailbox, Vec<u8>)> {
    p.sp("mailbox name")?;
    let m = p.mailbox("mailbox name")?;
    p.sp("identifier")?;
    Ok((m, p.astring("identifier")?))
}

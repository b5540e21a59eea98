//! SELECT, EXAMINE, CLOSE, UNSELECT, CHECK, EXPUNGE and UID EXPUNGE: the
//! commands that open, close and tidy the selected mailbox.

use super::{Outcome, Reply};
use crate::client::MailboxView;
use crate::client::{Ctx, Selected};
use crate::mail::flags::mailbox_flags;
use crate::mail::names::{self, store_error};
use crate::proto::command::{Mailbox, QResync, SelectParams};
use crate::proto::response::Code;
use crate::proto::sequence::SequenceSet;
use crate::proto::untagged::Response;
use crate::store::filename::{SEEN, TRASHED};

/// An untagged `OK [code] text`.
fn ok(code: Code, text: &'static str) -> Response {
    Response::Condition(Reply::ok_code(code, text))
}

/// SELECT and EXAMINE (RFC 3501 6.3.1, 6.3.2), with RFC 7162's CONDSTORE
/// and QRESYNC parameters. A failed SELECT leaves no mailbox selected.
pub fn select(s: &mut Ctx<'_>, mailbox: &Mailbox, params: &SelectParams, read_only: bool) -> Outcome {
    if params.qresync.is_some() && !s.sync_ext.qresync {
        return Err(Reply::bad("QRESYNC parameter needs ENABLE QRESYNC first"));
    }
    if s.state.view().is_some() {
        // RFC 7162 3.2.11: whether or not CONDSTORE was enabled.
        s.respond(ok(Code::Closed, "Previous mailbox closed"));
    }
    // The `\Recent` messages this session was first told of stay recent for
    // it when it selects (or examines) the same mailbox again (RFC 3501 2.3.2).
    let held = s.state.unselect().map(|sel| (sel.view.name.clone(), sel.view.held_recent()));
    if params.condstore {
        s.condstore_on();
    }
    let name = names::decode_for(&s.dialect(), mailbox)?;
    let target = crate::mail::resolve::target(&s.scope()?, &name)?;
    target.need(crate::acl::Right::Read)?;
    let read_only = read_only || !target.may_write();
    let mb = target.open()?;
    // A read-only session leaves new/ alone (as Dovecot does): the
    // messages there stay recent for the next read-write session.
    let snapshot = if read_only { mb.sync_keeping_new() } else { mb.sync() };
    let snapshot = snapshot.map_err(store_error)?;
    let mailbox_id = mb.mailbox_id().map_err(store_error)?;
    let selection = s.shared.store.select(&mb);
    let selection = if read_only { selection } else { selection.writing() };
    let mut view = MailboxView::open(name, read_only, selection, snapshot, s.notifier.clone(), *s.sync_ext);
    if let Some((_, recent)) = held.filter(|(n, _)| *n == view.name) {
        view.hold_recent(recent);
    }
    let snap = view.snapshot.clone();
    let permanent = (!read_only).then(|| target.permanent_flags(mailbox_flags(&snap.keywords)));
    for r in view.mailbox_flags(permanent) {
        s.respond(r);
    }
    s.respond(Response::Exists(view.exists()));
    s.respond(Response::Recent(view.recent_count() as u32));
    // RFC 9051 removed the UNSEEN code and asks for the mailbox's LIST
    // response instead (6.3.2, appendix E).
    if !s.dialect().rev2 {
        if let Some(i) = view.flags.iter().position(|f| !f.has(SEEN)) {
            s.respond(ok(Code::Unseen(i as u32 + 1), "First unseen"));
        }
    } else if let Some(info) = listed(s, &view.name) {
        let mut attributes = vec![if info.has_children { "\\HasChildren" } else { "\\HasNoChildren" }.to_string()];
        attributes.extend(info.special_use.iter().map(|&u| names::special_use_attr(u).to_string()));
        let (delimiter, name) = (Some(names::DELIMITER), view.name.clone());
        s.respond(Response::List { lsub: false, attributes, delimiter, name, extra: Vec::new() });
    }
    s.respond(ok(Code::UidValidity(snap.uidvalidity), "UIDs valid"));
    s.respond(ok(Code::UidNext(snap.uidnext), "Predicted next UID"));
    s.respond(ok(Code::MailboxId(mailbox_id), "Ok"));
    // Every mailbox keeps its mod-sequences on disk, so HIGHESTMODSEQ
    // comes with every SELECT and EXAMINE, CONDSTORE enabled or not (RFC
    // 7162 3.1.2.1); clients such as Thunderbird use CONDSTORE only once
    // they see it. 0 would mean none were ever given: NOMODSEQ then.
    s.respond(crate::client::view::highest_line(snap.highest_modseq));
    if let Some(q) = params.qresync.as_ref().filter(|q| q.uidvalidity == snap.uidvalidity) {
        for r in qresync_lines(&view, q) {
            s.respond(r);
        }
    }
    log::debug!("{} selected {}", s.tag(), view.name);
    s.state.enter_selected(Selected::new(view, target));
    Ok(if read_only {
        Reply::ok_code(Code::ReadOnly, "EXAMINE completed")
    } else {
        Reply::ok_code(Code::ReadWrite, "SELECT completed")
    })
}

/// The selected mailbox as LIST shows it: the account's own listing, or
/// a shared or alias mailbox as the resolver finds it.
fn listed(s: &Ctx<'_>, name: &str) -> Option<crate::store::MailboxInfo> {
    let own = s.state.login().and_then(|u| u.mail.list().ok()).and_then(|l| l.into_iter().find(|i| i.name == name));
    own.or_else(|| crate::mail::resolve::info_of(&s.scope().ok()?, name))
}

/// What a QRESYNC client missed since its mod-sequence (RFC 7162 3.2.5):
/// `VANISHED (EARLIER)` for the known UIDs expunged since, then a FETCH
/// of each changed message among the known UIDs.
fn qresync_lines(view: &MailboxView, q: &QResync) -> Vec<Response> {
    let top = view.snapshot.uidnext.saturating_sub(1);
    let known: Vec<(u32, u32)> = match &q.known_uids {
        Some(set) => set.intervals(top),
        None => vec![(1, top.max(1))],
    };
    let mut out = Vec::new();
    let vanished = view.vanished(q.modseq, &known);
    if !vanished.is_empty() {
        out.push(Response::Vanished { earlier: true, uids: vanished });
    }
    let in_known = |u: u32| known.iter().any(|&(a, b)| a <= u && u <= b);
    for i in 0..view.uids.len() {
        let uid = view.uids[i];
        if view.modseqs[i] > q.modseq && in_known(uid) {
            out.push(view.fetch_flags(i, true, true));
        }
    }
    out
}

/// CLOSE (RFC 3501 6.4.2): expunges `\Deleted` messages without reporting
/// them, unless the mailbox is read-only, then leaves the selected state.
pub fn close(s: &mut Ctx<'_>) -> Outcome {
    let quota = crate::mail::resolve::selected_quota(&s.scope()?, s.state.access());
    let may_expunge = crate::mail::resolve::selected_rights(s.state.access()).has(crate::acl::Right::Expunge);
    let view = s.state.view_mut()?;
    if !view.read_only && may_expunge {
        let before = view.mailbox().snapshot();
        match view.mailbox().expunge_deleted() {
            Ok(removed) => quota.record_removed(&before, &removed),
            Err(e) => {
                let r = store_error(e);
                s.state.unselect();
                return Err(r);
            }
        }
    }
    s.state.unselect();
    Ok("CLOSE completed".into())
}

/// UNSELECT (RFC 3691): leaves the selected state without expunging.
pub fn unselect(s: &mut Ctx<'_>) -> Outcome {
    s.state.unselect();
    Ok("UNSELECT completed".into())
}

/// CHECK (RFC 3501 6.4.1): brings the mailbox up to date with the disk.
pub fn check(s: &mut Ctx<'_>) -> Outcome {
    let view = s.state.view_mut()?;
    let mb = view.mailbox();
    // A read-only session leaves new/ alone here too.
    if view.read_only { mb.sync_keeping_new() } else { mb.sync() }.map_err(store_error)?;
    Ok("CHECK completed".into())
}

/// EXPUNGE (RFC 3501 6.4.3) and UID EXPUNGE (RFC 4315 2.1). The EXPUNGE
/// responses come from the view update that follows every command.
pub fn expunge(s: &mut Ctx<'_>, uids: Option<SequenceSet>) -> Outcome {
    let quota = crate::mail::resolve::selected_quota(&s.scope()?, s.state.access());
    let may_expunge = crate::mail::resolve::selected_rights(s.state.access()).has(crate::acl::Right::Expunge);
    let view = s.state.view_mut()?;
    if view.read_only {
        return Err(Reply::no(Code::ReadOnly, "The mailbox is read-only"));
    }
    if !may_expunge {
        return Err(Reply::no(Code::NoPerm, "You lack the right \"e\" (expunge) on this mailbox"));
    }
    let before = view.mailbox().snapshot();
    let removed = match uids {
        None => view.mailbox().expunge_deleted().map_err(store_error)?,
        Some(set) => {
            // The set's UID ranges, each found by binary search: the cost
            // follows the set, not the mailbox.
            let max = view.uids.last().copied().unwrap_or(0);
            let mut chosen: Vec<u32> = Vec::new();
            for (lo, hi) in set.intervals(max) {
                let start = view.uids.partition_point(|&u| u < lo);
                for i in start..view.uids.len() {
                    if view.uids[i] > hi {
                        break;
                    }
                    if view.flags[i].has(TRASHED) {
                        chosen.push(view.uids[i]);
                    }
                }
            }
            chosen.sort_unstable();
            chosen.dedup();
            view.mailbox().expunge(&chosen).map_err(store_error)?
        }
    };
    quota.record_removed(&before, &removed);
    Ok("EXPUNGE completed".into())
}

//! NOTIFY (RFC 5465 section 8): `NOTIFY SET [STATUS] event-groups` and
//! `NOTIFY NONE`, with the section 5 rules on which events go together.

use super::fetch::fetch_attr;
use super::lexer::{Lexer, PResult};
use crate::proto::command::{CommandBody, Mailbox};
use crate::proto::notify::{Event, EventGroup, Filter, NotifySet};
use crate::proto::response::shown;

/// Event groups one NOTIFY SET may hold: each is resolved against the
/// account's mailboxes, so their number is bounded.
const MAX_GROUPS: usize = 32;

/// `notify = "NOTIFY" SP (notify-set / notify-none)` after the name.
pub(super) fn notify(p: &mut Lexer<'_>) -> PResult<CommandBody> {
    p.sp("SET or NONE")?;
    if p.keyword("NONE") {
        p.end()?;
        return Ok(CommandBody::Notify(None));
    }
    if !p.keyword("SET") {
        return Err("NOTIFY takes SET or NONE".into());
    }
    p.sp("event groups")?;
    let status = p.keyword("STATUS");
    if status {
        p.sp("event groups")?;
    }
    let mut groups = vec![event_group(p)?];
    while !p.at_end() {
        if groups.len() == MAX_GROUPS {
            return Err(format!("At most {MAX_GROUPS} event groups"));
        }
        p.sp("event group")?;
        groups.push(event_group(p)?);
    }
    if groups.iter().filter(|g| g.filter.is_selected()).count() > 1 {
        return Err("SELECTED and SELECTED-DELAYED may be given only once".into());
    }
    Ok(CommandBody::Notify(Some(NotifySet { status, groups })))
}

/// `event-group = "(" filter-mailboxes SP events ")"`.
fn event_group(p: &mut Lexer<'_>) -> PResult<EventGroup> {
    p.expect(b'(', "an opening parenthesis to start an event group")?;
    let word = p.atom_upper("mailbox filter")?;
    let filter = match word.as_str() {
        "SELECTED" => Filter::Selected,
        "SELECTED-DELAYED" => Filter::SelectedDelayed,
        "INBOXES" => Filter::Inboxes,
        "PERSONAL" => Filter::Personal,
        "SUBSCRIBED" => Filter::Subscribed,
        "SUBTREE" => Filter::Subtree(mailboxes(p)?),
        "MAILBOXES" => Filter::Mailboxes(mailboxes(p)?),
        _ => return Err(format!("Unknown mailbox filter{}", shown(&word))),
    };
    p.sp("events")?;
    let events =
        if p.keyword("NONE") { Vec::new() } else { p.paren_list("events", false, |p| event(p, filter.is_selected()))? };
    p.expect(b')', "a closing parenthesis after an event group")?;
    check_events(&events)?;
    Ok(EventGroup { filter, events })
}

/// `one-or-more-mailbox = mailbox / many-mailboxes`, after a space.
fn mailboxes(p: &mut Lexer<'_>) -> PResult<Vec<Mailbox>> {
    p.sp("mailbox name")?;
    if p.peek() == Some(b'(') {
        return p.paren_list("mailbox list", false, |p| p.mailbox("mailbox name"));
    }
    Ok(vec![p.mailbox("mailbox name")?])
}

/// One `event`; fetch attributes after MessageNew only for the selected
/// mailbox (RFC 5465 5.2: other mailboxes get STATUS, not FETCH).
fn event(p: &mut Lexer<'_>, selected: bool) -> PResult<Event> {
    let word = p.atom_upper("event")?;
    Ok(match word.as_str() {
        "MESSAGENEW" => {
            let mut attrs = Vec::new();
            if p.looking_at(b" (") {
                if !selected {
                    return Err("MessageNew takes fetch attributes only for SELECTED or SELECTED-DELAYED".into());
                }
                p.sp("fetch attributes")?;
                attrs = p.paren_list("fetch attributes", false, fetch_attr)?;
            }
            Event::MessageNew(attrs)
        }
        "MESSAGEEXPUNGE" => Event::MessageExpunge,
        "FLAGCHANGE" => Event::FlagChange,
        "ANNOTATIONCHANGE" => Event::AnnotationChange,
        "MAILBOXNAME" => Event::MailboxName,
        "SUBSCRIPTIONCHANGE" => Event::SubscriptionChange,
        "MAILBOXMETADATACHANGE" => Event::MailboxMetadataChange,
        "SERVERMETADATACHANGE" => Event::ServerMetadataChange,
        _ => Event::Other(word),
    })
}

/// RFC 5465 5: MessageNew and MessageExpunge come together, and
/// FlagChange or AnnotationChange only with both.
fn check_events(events: &[Event]) -> PResult<()> {
    let new = events.iter().any(|e| matches!(e, Event::MessageNew(_)));
    let expunge = events.contains(&Event::MessageExpunge);
    if new != expunge {
        return Err("MessageNew and MessageExpunge must be given together".into());
    }
    let flags = events.iter().any(|e| matches!(e, Event::FlagChange | Event::AnnotationChange));
    if flags && !new {
        return Err("FlagChange and AnnotationChange need MessageNew and MessageExpunge".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::proto::command::{CommandBody, FetchAttr};
    use crate::proto::notify::{Event, Filter};
    use crate::proto::parse::parse_command;

    #[test]
    fn rfc_5465_examples_parse() {
        let c = parse_command(
            b"a notify set status (selected MessageNew (uid body.peek[header.fields (from to subject)]) MessageExpunge) (subtree Lists MessageNew MessageExpunge)",
        );
        // The second group needs parentheses around its events.
        assert!(c.is_err());
        let c = parse_command(
            b"a notify set status (selected (MessageNew (uid) MessageExpunge)) (subtree Lists (MessageNew MessageExpunge)) (mailboxes (a b) (MailboxName))",
        )
        .unwrap();
        let CommandBody::Notify(Some(set)) = c.body else { panic!() };
        assert!(set.status);
        assert_eq!(set.groups.len(), 3);
        assert_eq!(set.groups[0].filter, Filter::Selected);
        assert_eq!(set.groups[0].events, [Event::MessageNew(vec![FetchAttr::Uid]), Event::MessageExpunge]);
        assert!(matches!(&set.groups[2].filter, Filter::Mailboxes(m) if m.len() == 2));
        assert_eq!(parse_command(b"b NOTIFY NONE").unwrap().body, CommandBody::Notify(None));
    }

    #[test]
    fn event_rules_are_enforced() {
        for bad in [
            &b"a NOTIFY SET (selected (MessageNew))"[..],
            b"a NOTIFY SET (personal (FlagChange))",
            b"a NOTIFY SET (personal (MessageNew (uid) MessageExpunge))",
            b"a NOTIFY SET (selected NONE) (selected-delayed NONE)",
            b"a NOTIFY SET (nowhere (MailboxName))",
            b"a NOTIFY SET",
            b"a NOTIFY",
            b"a NOTIFY NONE extra",
        ] {
            assert!(parse_command(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
        assert!(parse_command(b"a NOTIFY SET (inboxes NONE)").is_ok());
        let many = format!("a NOTIFY SET{}", " (personal (MailboxName))".repeat(33));
        assert!(parse_command(many.as_bytes()).is_err());
    }
}

//! LIST (RFC 3501 6.3.8 with LIST-EXTENDED, RFC 5258; LIST-STATUS, RFC
//! 5819; SPECIAL-USE, RFC 6154; CommuniGate's status attributes) and LSUB.

use std::collections::BTreeSet;

use super::{Outcome, Reply};
use crate::client::Ctx;
use crate::mail::names::{self, store_error};
use crate::mail::resolve;
use crate::mail::status::{counts, status_items};
use crate::proto::command::{ListCommand, ListReturn, ListSelect, Mailbox, StatusItem};
use crate::proto::untagged::{Dialect, Response};
use crate::proto::utf7;
use crate::store::{MailboxInfo, Status};

/// Whether `name` matches a LIST pattern: `*` matches anything, `%`
/// anything but the delimiter. Dynamic programming: no backtracking blow-up.
pub fn matches(pattern: &[char], name: &[char]) -> bool {
    // reach[j]: the first i pattern characters can match name[..j].
    let mut reach = vec![false; name.len() + 1];
    reach[0] = true;
    for &p in pattern {
        let mut next = vec![false; name.len() + 1];
        match p {
            '*' | '%' => {
                for j in 0..=name.len() {
                    // Either the wildcard matches nothing here, or it takes
                    // one more character (never the delimiter for `%`).
                    next[j] = reach[j] || (j > 0 && next[j - 1] && (p == '*' || name[j - 1] != names::DELIMITER));
                }
            }
            c => {
                for j in 1..=name.len() {
                    next[j] = reach[j - 1] && name[j - 1] == c;
                }
            }
        }
        reach = next;
    }
    reach[name.len()]
}

/// A pattern made canonical: reference prepended, decoded (modified UTF-7,
/// or UTF-8 for a session that takes UTF-8 names), an `INBOX` first level
/// upper-cased. A pattern that does not decode is matched as it is.
fn canonical(d: &Dialect, reference: &Mailbox, pattern: &[u8]) -> Vec<char> {
    let mut raw = reference.0.clone();
    raw.extend_from_slice(pattern);
    let decoded = if d.utf8_names() { String::from_utf8(raw.clone()).ok() } else { utf7::decode(&raw).ok() };
    let mut s = decoded.unwrap_or_else(|| String::from_utf8_lossy(&raw).into_owned());
    if s.get(..5).is_some_and(|p| p.eq_ignore_ascii_case("INBOX"))
        && (s.len() == 5 || s[5..].starts_with(names::DELIMITER))
    {
        s.replace_range(..5, "INBOX");
    }
    s.chars().collect()
}

/// A LIST or LSUB response with tegami's delimiter.
fn list_response(lsub: bool, attributes: Vec<String>, name: String) -> Response {
    Response::List { lsub, attributes, delimiter: Some(names::DELIMITER), name, extra: Vec::new() }
}

/// What a LIST command asks for beyond names (RFC 5258's selection and
/// return options, RFC 5819's STATUS, CommuniGate's attributes).
struct Wanted {
    /// `SUBSCRIBED` selection.
    subscribed: bool,
    /// `SPECIAL-USE` selection.
    special: bool,
    /// `\Subscribed` is shown (selected or returned).
    ret_subscribed: bool,
    /// `RECURSIVEMATCH`.
    recursive: bool,
    /// `RETURN (STATUS (...))`.
    status: Vec<StatusItem>,
    /// Status values returned as name attributes.
    attributes: Vec<StatusItem>,
}

impl Wanted {
    fn of(cmd: &ListCommand) -> Wanted {
        let subscribed = cmd.select.contains(&ListSelect::Subscribed);
        let status = cmd
            .returns
            .iter()
            .flat_map(|r| match r {
                ListReturn::Status(items) => items.clone(),
                _ => Vec::new(),
            })
            .collect();
        let attributes = cmd
            .returns
            .iter()
            .filter_map(|r| match r {
                ListReturn::Attribute(i) => Some(*i),
                _ => None,
            })
            .collect();
        Wanted {
            subscribed,
            special: cmd.select.contains(&ListSelect::SpecialUse),
            ret_subscribed: subscribed || cmd.returns.contains(&ListReturn::Subscribed),
            recursive: cmd.select.contains(&ListSelect::RecursiveMatch),
            status,
            attributes,
        }
    }

    /// ` ("CHILDINFO" (...))` for a parent listed for its descendants.
    fn childinfo(&self) -> Vec<u8> {
        let mut tags: Vec<&str> = Vec::new();
        if self.subscribed {
            tags.push("\"SUBSCRIBED\"");
        }
        if self.special {
            tags.push("\"SPECIAL-USE\"");
        }
        format!(" (\"CHILDINFO\" ({}))", tags.join(" ")).into_bytes()
    }
}

/// LIST in both forms.
pub fn list(s: &mut Ctx<'_>, cmd: ListCommand) -> Outcome {
    if cmd.patterns.len() == 1 && cmd.patterns[0].is_empty() {
        // RFC 3501: an empty pattern asks for the delimiter and root.
        s.respond(list_response(false, vec!["\\Noselect".into()], String::new()));
        return Ok("LIST completed".into());
    }
    let d = s.dialect();
    let patterns: Vec<Vec<char>> = cmd.patterns.iter().map(|p| canonical(&d, &cmd.reference, p)).collect();
    let user = s.state.user()?;
    let mut all = user.mail.list().map_err(store_error)?;
    // Aliases are ordinary mailboxes; other users' only when the pattern
    // is in their namespace (RFC 2342).
    all.extend(resolve::alias_listing(&s.scope()?));
    if patterns.iter().any(|p| p.first() == Some(&'~')) {
        all.extend(resolve::foreign_listing(&s.scope()?));
    }
    let subscribed: BTreeSet<String> = user.mail.subscriptions().map_err(store_error)?.into_iter().collect();
    // Children are always shown: CHILDREN is advertised (RFC 3348).
    let want = Wanted::of(&cmd);
    if want.subscribed {
        add_unlisted(s, &mut all, &subscribed, want.recursive);
    }
    let meets = |info: &MailboxInfo| {
        (!want.subscribed || subscribed.contains(&info.name)) && (!want.special || !info.special_use.is_empty())
    };
    let matched = |name: &str| {
        let chars: Vec<char> = name.chars().collect();
        patterns.iter().any(|p| matches(p, &chars))
    };
    // RFC 5258 3.5: with RECURSIVEMATCH a matching mailbox is also listed
    // when a descendant meets the criteria without matching the pattern
    // itself, and says so in CHILDINFO; a descendant that is listed on its
    // own needs no CHILDINFO.
    let hidden_hits: Vec<&str> = if want.recursive {
        all.iter().filter(|i| meets(i) && !matched(&i.name)).map(|i| i.name.as_str()).collect()
    } else {
        Vec::new()
    };
    let mut rows: Vec<(MailboxInfo, bool, bool)> = Vec::new();
    for info in &all {
        if !matched(&info.name) {
            continue;
        }
        let prefix = format!("{}{}", info.name, names::DELIMITER);
        let child_hit = hidden_hits.iter().any(|h| h.starts_with(&prefix));
        if !meets(info) && !child_hit {
            continue;
        }
        let sub = subscribed.contains(&info.name);
        rows.push((info.clone(), sub, child_hit));
    }
    for (info, sub, child_hit) in rows {
        list_row(s, &want, info, sub, child_hit)?;
    }
    Ok("LIST completed".into())
}

/// Names the listing does not have: subscribed ones that no longer exist
/// (listed as \NonExistent), and, for RECURSIVEMATCH, the levels above
/// them, which may exist only through the subscription.
fn add_unlisted(s: &Ctx<'_>, all: &mut Vec<MailboxInfo>, subscribed: &BTreeSet<String>, recursive: bool) {
    let known: BTreeSet<String> = all.iter().map(|i| i.name.clone()).collect();
    let mut extra: BTreeSet<String> = BTreeSet::new();
    for name in subscribed {
        extra.insert(name.clone());
        if !recursive {
            continue;
        }
        let mut prefix = name.as_str();
        while let Some(i) = prefix.rfind(names::DELIMITER) {
            prefix = &prefix[..i];
            extra.insert(prefix.to_string());
        }
    }
    for name in extra.into_iter().filter(|n| !known.contains(n)) {
        let info = s.scope().ok().and_then(|sc| resolve::info_of(&sc, &name)).unwrap_or(MailboxInfo {
            name: name.clone(),
            selectable: false,
            has_children: false,
            special_use: Vec::new(),
        });
        all.push(info);
    }
}

/// One listed mailbox: its LIST response, with the STATUS that follows
/// it when asked for (RFC 5819).
fn list_row(s: &mut Ctx<'_>, want: &Wanted, info: MailboxInfo, sub: bool, child_hit: bool) -> Result<(), Reply> {
    let exists_as_box = info.selectable || info.has_children;
    let mut attrs: Vec<String> = Vec::new();
    if !exists_as_box {
        attrs.push("\\NonExistent".into());
    } else if !info.selectable {
        attrs.push("\\Noselect".into());
    }
    attrs.push(if info.has_children { "\\HasChildren".into() } else { "\\HasNoChildren".into() });
    if want.ret_subscribed && sub {
        attrs.push("\\Subscribed".into());
    }
    for &u in &info.special_use {
        attrs.push(names::special_use_attr(u).into());
    }
    let counts = if (!want.status.is_empty() || !want.attributes.is_empty()) && info.selectable {
        row_counts(s, want, &info.name)?
    } else {
        None
    };
    if let Some(st) = &counts {
        for item in &want.attributes {
            if let Some(v) = status_items(st, &[*item]).first() {
                let (name, value) = v.split_once(' ').unwrap_or((v, ""));
                // A parenthesized value (MAILBOXID's) is not wrapped twice.
                let value = value.strip_prefix('(').and_then(|v| v.strip_suffix(')')).unwrap_or(value);
                attrs.push(format!("\\{name}({value})"));
            }
        }
    }
    let name = info.name;
    let extra = if child_hit { want.childinfo() } else { Vec::new() };
    let delimiter = Some(names::DELIMITER);
    s.respond(Response::List { lsub: false, attributes: attrs, delimiter, name: name.clone(), extra });
    if let Some(st) = &counts {
        if !want.status.is_empty() {
            let items = status_items(st, &want.status).join(" ");
            s.respond(Response::Status { name, items });
        }
    }
    Ok(())
}

/// The status values a listed mailbox shows, when the user may read it.
fn row_counts(s: &Ctx<'_>, want: &Wanted, name: &str) -> Result<Option<Status>, Reply> {
    let wanted: Vec<StatusItem> = want.status.iter().chain(want.attributes.iter()).copied().collect();
    let target = resolve::target(&s.scope()?, name)?;
    let readable = target.need(crate::acl::Right::Read).is_ok();
    Ok(match counts(&target.account, &target.name, &wanted) {
        Ok(st) if readable => Some(st),
        Ok(_) => None,
        Err(e) => {
            log::warn!("{} LIST: status of {name}: {e}", s.tag());
            None
        }
    })
}

/// LSUB (RFC 3501 6.3.9): subscribed names matching the pattern.
pub fn lsub(s: &mut Ctx<'_>, reference: &Mailbox, pattern: &[u8]) -> Outcome {
    let pattern = canonical(&s.dialect(), reference, pattern);
    let user = s.state.user()?;
    let all = user.mail.list().map_err(store_error)?;
    let subscribed = user.mail.subscriptions().map_err(store_error)?;
    let mut lines = Vec::new();
    // Parents that `%` stops at: RFC 3501 6.3.9 wants `foo` with \Noselect
    // when only `foo/bar` is subscribed.
    let mut parents: Vec<String> = Vec::new();
    for name in &subscribed {
        let chars: Vec<char> = name.chars().collect();
        if !matches(&pattern, &chars) {
            let mut prefix = name.as_str();
            while let Some(i) = prefix.rfind(names::DELIMITER) {
                prefix = &prefix[..i];
                let p: Vec<char> = prefix.chars().collect();
                let listed = subscribed.iter().chain(&parents).any(|n| n == prefix);
                if !listed && matches(&pattern, &p) {
                    parents.push(prefix.to_string());
                }
            }
            continue;
        }
        let selectable =
            all.iter().any(|i| &i.name == name && i.selectable) || resolve::info_of(&s.scope()?, name).is_some();
        let attrs = if selectable { vec![] } else { vec!["\\Noselect".to_string()] };
        lines.push(list_response(true, attrs, name.clone()));
    }
    for p in parents {
        lines.push(list_response(true, vec!["\\Noselect".into()], p));
    }
    for r in lines {
        s.respond(r);
    }
    Ok("LSUB completed".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, n: &str) -> bool {
        matches(&p.chars().collect::<Vec<_>>(), &n.chars().collect::<Vec<_>>())
    }

    #[test]
    fn star_crosses_levels_and_percent_does_not() {
        assert!(m("*", "a/b/c"));
        assert!(m("a/*", "a/b/c"));
        assert!(!m("%", "a/b"));
        assert!(m("%", "a"));
        assert!(m("a/%", "a/b"));
        assert!(!m("a/%", "a/b/c"));
        assert!(m("a%c", "abc"));
        assert!(!m("a%c", "a/c"));
        assert!(m("", ""));
        assert!(!m("x", ""));
    }

    #[test]
    fn many_wildcards_stay_fast() {
        let p = "*a".repeat(200);
        let n = "a".repeat(199);
        assert!(!m(&p, &n));
    }
}

//! `PREVIEW` (RFC 8970): up to 200 characters of a message's text for a
//! message list.
//!
//! The text comes from the first text part that is not an attachment;
//! in a multipart/alternative the text/plain alternative is preferred, and
//! an HTML part is used without its tags, comments, `<style>`/`<script>`
//! contents and with its character references decoded. The body is decoded
//! from its transfer encoding and charset to UTF-8; quoted lines (`>`) of
//! plain text are left out, since the new text is what a preview shows;
//! every run of white space becomes one space.

use crate::mime::{decoded_body_text, scan, Kind, Part};

/// Characters in a preview at most (RFC 8970 section 3: SHOULD be 200).
pub const MAX_CHARS: usize = 200;

/// The preview text of `msg` (empty when it has no text).
pub fn preview(msg: &[u8]) -> String {
    let root = scan(msg);
    let Some((part, html)) = pick(&root) else { return String::new() };
    let text = decoded_body_text(msg, part);
    let text = if html { strip_html(&text) } else { drop_quoted(&text) };
    collapse(&text, MAX_CHARS)
}

/// The part a preview is made from, and whether it is HTML.
fn pick(part: &Part) -> Option<(&Part, bool)> {
    match &part.kind {
        Kind::Single => {
            let attachment = part.disposition.as_ref().is_some_and(|(d, _)| d.eq_ignore_ascii_case(b"attachment"));
            if attachment || !part.is_text() {
                return None;
            }
            if part.subtype.eq_ignore_ascii_case(b"plain") {
                Some((part, false))
            } else if part.subtype.eq_ignore_ascii_case(b"html") {
                Some((part, true))
            } else {
                None
            }
        }
        Kind::Multipart(children) => {
            if part.subtype.eq_ignore_ascii_case(b"alternative") {
                if let Some(plain) = children.iter().filter_map(pick).find(|(_, html)| !html) {
                    return Some(plain);
                }
            }
            children.iter().find_map(pick)
        }
        // A forwarded message is not the text of this one.
        Kind::Message(_) => None,
    }
}

/// Plain text without its quoted lines (`> ...`).
fn drop_quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines().filter(|l| !l.trim_start().starts_with('>')) {
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// White space runs as one space, trimmed, cut after `max` characters.
fn collapse(text: &str, max: usize) -> String {
    let mut out = String::new();
    let mut n = 0;
    for word in text.split_whitespace() {
        if n >= max {
            break;
        }
        if n > 0 {
            out.push(' ');
            n += 1;
        }
        for c in word.chars() {
            if n >= max {
                break;
            }
            if !c.is_control() {
                out.push(c);
                n += 1;
            }
        }
    }
    out.trim_end().to_string()
}

/// Elements whose content is not text that a reader sees.
const HIDDEN: &[&str] = &["style", "script", "head", "title"];

/// The text of an HTML document: tags and comments removed (each as a
/// blank), hidden elements' contents dropped, character references decoded.
pub fn strip_html(html: &str) -> String {
    let mut out = String::with_capacity(html.len() / 2);
    let mut rest = html;
    let mut hidden: Option<String> = None;
    while let Some(lt) = rest.find('<') {
        if hidden.is_none() {
            out.push_str(&entities(&rest[..lt]));
        }
        rest = &rest[lt..];
        if let Some(after) = rest.strip_prefix("<!--") {
            rest = after.find("-->").map_or("", |e| &after[e + 3..]);
            out.push(' ');
            continue;
        }
        let Some(gt) = rest.find('>') else {
            rest = "";
            break;
        };
        let tag = &rest[1..gt];
        rest = &rest[gt + 1..];
        let closing = tag.starts_with('/');
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        match &hidden {
            Some(h) if closing && *h == name => hidden = None,
            Some(_) => {}
            None if !closing && HIDDEN.contains(&name.as_str()) && !tag.ends_with('/') => hidden = Some(name),
            None => {}
        }
        out.push(' ');
    }
    if hidden.is_none() {
        out.push_str(&entities(rest));
    }
    out
}

/// Decodes HTML character references: the common named ones and numeric
/// `&#NNN;` / `&#xHH;`; an unknown reference stays as it is.
fn entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let end = rest[1..].find(|c: char| c == ';' || c.is_whitespace() || c == '&').map(|e| e + 1);
        let decoded = match end {
            Some(e) if rest.as_bytes().get(e) == Some(&b';') => entity(&rest[1..e]).map(|c| (c, e + 1)),
            _ => None,
        };
        match decoded {
            Some((c, len)) => {
                out.push(c);
                rest = &rest[len..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn entity(name: &str) -> Option<char> {
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(h) => u32::from_str_radix(h, 16).ok()?,
            None => num.parse().ok()?,
        };
        return char::from_u32(code);
    }
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => ' ',
        "copy" => '©',
        "reg" => '®',
        "euro" => '€',
        "hellip" => '…',
        "mdash" => '—',
        "ndash" => '–',
        "laquo" => '«',
        "raquo" => '»',
        "auml" => 'ä',
        "ouml" => 'ö',
        "uuml" => 'ü',
        "Auml" => 'Ä',
        "Ouml" => 'Ö',
        "Uuml" => 'Ü',
        "szlig" => 'ß',
        "eacute" => 'é',
        "egrave" => 'è',
        "agrave" => 'à',
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn random_text_gives_a_short_preview(text in "\\PC{0,400}", html in proptest::prelude::any::<bool>()) {
            let ty = if html { "html" } else { "plain" };
            let m = format!("Content-Type: text/{ty}; charset=utf-8\r\n\r\n{text}");
            let p = preview(m.as_bytes());
            proptest::prop_assert!(p.chars().count() <= MAX_CHARS);
            proptest::prop_assert!(!p.contains(['\r', '\n']));
        }
    }

    #[test]
    fn html_is_stripped() {
        let h = "<html><head><title>T</title><style>p{color:red}</style></head><body><p>Caf&eacute; &amp; <b>tea</b></p><!-- x --><p>&#8364;5&nbsp;&#x41;</p></body></html>";
        assert_eq!(collapse(&strip_html(h), 200), "Café & tea €5 A");
        assert_eq!(collapse(&strip_html("a &bogus; &amp b"), 200), "a &bogus; &amp b");
    }

    #[test]
    fn previews_are_collapsed_and_cut() {
        assert_eq!(collapse("  a\r\n\tb  c ", 200), "a b c");
        let long = "é".repeat(300);
        assert_eq!(collapse(&long, 200).chars().count(), 200);
    }

    #[test]
    fn alternative_prefers_plain() {
        let m = b"Content-Type: multipart/alternative; boundary=x\r\n\r\n--x\r\nContent-Type: text/html\r\n\r\n<p>html</p>\r\n--x\r\nContent-Type: text/plain\r\n\r\nplain\r\n> quoted\r\n--x--\r\n";
        assert_eq!(preview(m), "plain");
        assert_eq!(preview(b"Content-Type: image/png\r\n\r\nxx"), "");
    }
}

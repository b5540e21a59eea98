//! Address lists (RFC 5322 section 3.4) as ENVELOPE shows them, following
//! Dovecot's observable behaviour: display names kept raw (encoded words not
//! decoded), a comment stands in for a missing display name, a missing local
//! part or domain becomes `MISSING_MAILBOX` / `MISSING_DOMAIN`, and parsing
//! stops at the first syntax error keeping what was read.

/// One ENVELOPE `address`: `(name adl mailbox host)`. Group start is
/// `(NIL NIL "group" NIL)`, group end `(NIL NIL NIL NIL)`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Address {
    /// Display name (phrase), raw.
    pub name: Option<Vec<u8>>,
    /// Source route (`@a,@b`), if any.
    pub adl: Option<Vec<u8>>,
    /// Local part, or the group name for a group start.
    pub mailbox: Option<Vec<u8>>,
    /// Domain.
    pub host: Option<Vec<u8>>,
}

const MISSING_MAILBOX: &[u8] = b"MISSING_MAILBOX";
const MISSING_DOMAIN: &[u8] = b"MISSING_DOMAIN";

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    /// An atom or a quoted string (`quoted` true), already unescaped.
    Word(Vec<u8>, bool),
    /// A special character.
    Special(u8),
    /// A domain literal `[...]`, brackets kept.
    Literal(Vec<u8>),
    /// A comment's text.
    Comment(Vec<u8>),
}

fn is_special(b: u8) -> bool {
    matches!(b, b'(' | b')' | b'<' | b'>' | b'[' | b']' | b':' | b';' | b'@' | b'\\' | b',' | b'.' | b'"')
}

/// Splits an unfolded value into tokens (blanks dropped).
fn lex(s: &[u8]) -> Vec<Tok> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < s.len() {
        let b = s[i];
        match b {
            b' ' | b'\t' | b'\r' | b'\n' => i += 1,
            b'"' => {
                let mut w = Vec::new();
                i += 1;
                while i < s.len() && s[i] != b'"' {
                    if s[i] == b'\\' && i + 1 < s.len() {
                        i += 1;
                    }
                    if s[i] != b'\r' && s[i] != b'\n' {
                        w.push(s[i]);
                    }
                    i += 1;
                }
                i += 1;
                out.push(Tok::Word(w, true));
            }
            b'(' => {
                let mut depth = 0usize;
                let mut w = Vec::new();
                while i < s.len() {
                    let c = s[i];
                    if c == b'\\' && i + 1 < s.len() {
                        i += 1;
                        w.push(s[i]);
                    } else if c == b'(' {
                        if depth > 0 {
                            w.push(c);
                        }
                        depth += 1;
                    } else if c == b')' {
                        depth -= 1;
                        if depth == 0 {
                            i += 1;
                            break;
                        }
                        w.push(c);
                    } else {
                        w.push(c);
                    }
                    i += 1;
                }
                out.push(Tok::Comment(w));
            }
            b'[' => {
                let start = i;
                while i < s.len() && s[i] != b']' {
                    i += 1;
                }
                i = (i + 1).min(s.len());
                out.push(Tok::Literal(s[start..i].to_vec()));
            }
            _ if is_special(b) => {
                out.push(Tok::Special(b));
                i += 1;
            }
            _ => {
                let start = i;
                while i < s.len() && !is_special(s[i]) && !matches!(s[i], b' ' | b'\t' | b'\r' | b'\n') {
                    i += 1;
                }
                out.push(Tok::Word(s[start..i].to_vec(), false));
            }
        }
    }
    out
}

struct Parser {
    toks: Vec<Tok>,
    p: usize,
    /// Text of the last comment skipped (a stand-in display name).
    comment: Option<Vec<u8>>,
}

impl Parser {
    fn peek(&mut self) -> Option<&Tok> {
        while let Some(Tok::Comment(c)) = self.toks.get(self.p) {
            self.comment = Some(c.clone());
            self.p += 1;
        }
        self.toks.get(self.p)
    }

    fn special(&mut self) -> Option<u8> {
        match self.peek() {
            Some(Tok::Special(c)) => Some(*c),
            _ => None,
        }
    }

    /// Words and dots up to the next other special: a phrase or local part.
    /// Returns (joined with single blanks, joined without blanks, count).
    fn words(&mut self) -> (Vec<u8>, Vec<u8>, usize, bool) {
        let mut phrase = Vec::new();
        let mut local = Vec::new();
        let mut n = 0;
        let mut quoted = false;
        loop {
            match self.peek().cloned() {
                Some(Tok::Word(w, q)) => {
                    if !phrase.is_empty() && !phrase.ends_with(b".") {
                        phrase.push(b' ');
                    }
                    phrase.extend_from_slice(&w);
                    local.extend_from_slice(&w);
                    n += 1;
                    quoted |= q;
                    self.p += 1;
                }
                Some(Tok::Special(b'.')) => {
                    phrase.push(b'.');
                    local.push(b'.');
                    self.p += 1;
                }
                _ => return (phrase, local, n, quoted),
            }
        }
    }

    /// A domain after `@`: dot-atoms or a literal; empty when missing.
    fn domain(&mut self) -> Vec<u8> {
        let mut d = Vec::new();
        loop {
            match self.peek().cloned() {
                Some(Tok::Word(w, false)) => d.extend_from_slice(&w),
                Some(Tok::Literal(l)) => d.extend_from_slice(&l),
                Some(Tok::Special(b'.')) => d.push(b'.'),
                _ => return d,
            }
            self.p += 1;
        }
    }

    /// `addr-spec` inside `<...>`, optionally after a route; consumes `>`.
    fn angle_addr(&mut self, name: Option<Vec<u8>>) -> Option<Address> {
        let mut adl = None;
        if self.special() == Some(b'@') {
            // obs-route: "@a,@b:"
            let mut route = Vec::new();
            while self.special() == Some(b'@') {
                self.p += 1;
                route.push(b'@');
                route.extend_from_slice(&self.domain());
                if self.special() == Some(b',') {
                    self.p += 1;
                    route.push(b',');
                }
            }
            if self.special() != Some(b':') {
                return None;
            }
            self.p += 1;
            adl = Some(route);
        }
        let (_, local, _, _) = self.words();
        let host = if self.special() == Some(b'@') {
            self.p += 1;
            self.domain()
        } else {
            Vec::new()
        };
        if self.special() != Some(b'>') {
            return None;
        }
        self.p += 1;
        Some(fill(name, adl, local, host))
    }

    /// One `mailbox`, or `None` on a syntax error.
    fn mailbox(&mut self) -> Option<Address> {
        self.comment = None;
        let (phrase, local, n, quoted) = self.words();
        match self.special() {
            Some(b'<') => {
                self.p += 1;
                let name = (n > 0).then_some(phrase);
                let mut a = self.angle_addr(name)?;
                self.skip_comments();
                if a.name.is_none() {
                    a.name = self.comment.take();
                }
                Some(a)
            }
            Some(b'@') => {
                self.p += 1;
                let host = self.domain();
                self.skip_comments();
                let name = self.comment.take();
                Some(fill(name, None, local, host))
            }
            _ if n == 0 => None,
            _ if n == 1 && !quoted => Some(fill(self.comment.take(), None, local, Vec::new())),
            _ => Some(fill(Some(phrase), None, Vec::new(), Vec::new())),
        }
    }

    fn skip_comments(&mut self) {
        self.peek();
    }
}

fn fill(name: Option<Vec<u8>>, adl: Option<Vec<u8>>, local: Vec<u8>, host: Vec<u8>) -> Address {
    Address {
        name,
        adl,
        mailbox: Some(if local.is_empty() { MISSING_MAILBOX.to_vec() } else { local }),
        host: Some(if host.is_empty() { MISSING_DOMAIN.to_vec() } else { host }),
    }
}

/// Parses an unfolded address-list header value into ENVELOPE addresses,
/// appending to `out`. Groups become start/end markers.
pub fn parse_address_list(value: &[u8], out: &mut Vec<Address>) {
    let mut p = Parser { toks: lex(value), p: 0, comment: None };
    loop {
        // Empty list elements (",,") are allowed.
        while p.special() == Some(b',') {
            p.p += 1;
        }
        if p.peek().is_none() {
            return;
        }
        // A group is "phrase :", seen by looking ahead past the words.
        let save = p.p;
        let (phrase, _, n, _) = p.words();
        if n > 0 && p.special() == Some(b':') {
            p.p += 1;
            out.push(Address { mailbox: Some(phrase), ..Address::default() });
            loop {
                while p.special() == Some(b',') {
                    p.p += 1;
                }
                match p.special() {
                    Some(b';') => {
                        p.p += 1;
                        break;
                    }
                    _ if p.peek().is_none() => break,
                    _ => {}
                }
                match p.mailbox() {
                    Some(a) => out.push(a),
                    None => {
                        out.push(Address::default());
                        return;
                    }
                }
                match p.special() {
                    Some(b',') | Some(b';') => {}
                    _ if p.peek().is_none() => {}
                    _ => {
                        out.push(Address::default());
                        return;
                    }
                }
            }
            out.push(Address::default());
        } else {
            p.p = save;
            match p.mailbox() {
                Some(a) => out.push(a),
                None => return,
            }
        }
        match p.special() {
            Some(b',') => p.p += 1,
            _ => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addrs(s: &str) -> Vec<[Option<String>; 4]> {
        let mut v = Vec::new();
        parse_address_list(s.as_bytes(), &mut v);
        let f = |o: Option<Vec<u8>>| o.map(|b| String::from_utf8(b).unwrap());
        v.into_iter().map(|a| [f(a.name), f(a.adl), f(a.mailbox), f(a.host)]).collect()
    }

    fn a(n: Option<&str>, m: Option<&str>, h: Option<&str>) -> [Option<String>; 4] {
        let s = |x: Option<&str>| x.map(str::to_string);
        [s(n), None, s(m), s(h)]
    }

    #[test]
    fn simple_and_named() {
        assert_eq!(
            addrs("Bob <bob@x.org>, c@y"),
            vec![a(Some("Bob"), Some("bob"), Some("x.org")), a(None, Some("c"), Some("y"))]
        );
        assert_eq!(addrs("\"Doe, J.\" <j@x>"), vec![a(Some("Doe, J."), Some("j"), Some("x"))]);
        assert_eq!(addrs("r@x (Reply Person)"), vec![a(Some("Reply Person"), Some("r"), Some("x"))]);
    }

    #[test]
    fn groups_and_errors() {
        assert_eq!(
            addrs("undisclosed-recipients:;"),
            vec![a(None, Some("undisclosed-recipients"), None), a(None, None, None)]
        );
        assert_eq!(addrs("a@b@c, d@e"), vec![a(None, Some("a"), Some("b"))]);
        assert_eq!(addrs("just a name"), vec![a(Some("just a name"), Some("MISSING_MAILBOX"), Some("MISSING_DOMAIN"))]);
        assert_eq!(addrs("<>"), vec![a(None, Some("MISSING_MAILBOX"), Some("MISSING_DOMAIN"))]);
    }
}

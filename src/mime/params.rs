//! Structured MIME header values: `Content-Type`, `Content-Disposition`,
//! `Content-Transfer-Encoding`, `Content-Language` (RFC 2045 section 5.1,
//! RFC 2183, RFC 3282), parameter lists and RFC 2231 continuations.
//!
//! The lexer is lenient the way Dovecot is: a parameter list is read up to
//! the first syntax error and what was read so far is kept.

/// A parameter `name=value`, both as bytes (quoted strings unescaped).
pub type Param = (Vec<u8>, Vec<u8>);

/// A small lexer over an unfolded header value.
struct Lexer<'a> {
    s: &'a [u8],
    p: usize,
}

fn is_tspecial(b: u8) -> bool {
    matches!(b, b'(' | b')' | b'<' | b'>' | b'@' | b',' | b';' | b':' | b'\\' | b'"' | b'/' | b'[' | b']' | b'?' | b'=')
}

impl<'a> Lexer<'a> {
    fn new(s: &'a [u8]) -> Self {
        Lexer { s, p: 0 }
    }

    /// Skips blanks, line ends and (nested) comments.
    fn skip_cfws(&mut self) {
        while self.p < self.s.len() {
            match self.s[self.p] {
                b' ' | b'\t' | b'\r' | b'\n' => self.p += 1,
                b'(' => {
                    let mut depth = 0usize;
                    while self.p < self.s.len() {
                        match self.s[self.p] {
                            b'\\' => self.p += 1,
                            b'(' => depth += 1,
                            b')' => {
                                depth -= 1;
                                if depth == 0 {
                                    self.p += 1;
                                    break;
                                }
                            }
                            _ => {}
                        }
                        self.p += 1;
                    }
                }
                _ => return,
            }
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.p).copied()
    }

    /// Consumes `c` after optional CFWS; false when something else is next.
    fn eat(&mut self, c: u8) -> bool {
        self.skip_cfws();
        if self.peek() == Some(c) {
            self.p += 1;
            true
        } else {
            false
        }
    }

    /// A token (possibly empty).
    fn token(&mut self) -> &'a [u8] {
        self.skip_cfws();
        let start = self.p;
        while let Some(b) = self.peek() {
            if b <= b' ' || b == 0x7f || is_tspecial(b) {
                break;
            }
            self.p += 1;
        }
        &self.s[start..self.p]
    }

    /// A token or quoted string; `None` on an unterminated quoted string.
    fn value(&mut self) -> Option<Vec<u8>> {
        self.skip_cfws();
        if self.peek() != Some(b'"') {
            return Some(self.token().to_vec());
        }
        self.p += 1;
        let mut out = Vec::new();
        while let Some(b) = self.peek() {
            self.p += 1;
            match b {
                b'"' => return Some(out),
                b'\\' => {
                    if let Some(n) = self.peek() {
                        out.push(n);
                        self.p += 1;
                    }
                }
                b'\r' | b'\n' => {}
                _ => out.push(b),
            }
        }
        None
    }

    /// `*(";" attribute "=" value)`, stopping at the first error.
    fn params(&mut self) -> Vec<Param> {
        let mut out = Vec::new();
        loop {
            if !self.eat(b';') {
                break;
            }
            self.skip_cfws();
            if self.peek().is_none() {
                break;
            }
            let name = self.token().to_vec();
            if !self.eat(b'=') {
                break;
            }
            match self.value() {
                Some(v) => out.push((name, v)),
                None => break,
            }
        }
        merge_rfc2231(out)
    }
}

/// A parsed `Content-Type`: type, subtype and parameters, case as sent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContentType {
    /// The media type, e.g. `text`.
    pub ty: Vec<u8>,
    /// The subtype, e.g. `plain`.
    pub subtype: Vec<u8>,
    /// The parameters in the order BODYSTRUCTURE prints them.
    pub params: Vec<Param>,
}

/// Parses a `Content-Type` value; `None` when type or subtype is missing.
pub fn content_type(v: &[u8]) -> Option<ContentType> {
    let mut lx = Lexer::new(v);
    let ty = lx.token().to_vec();
    if ty.is_empty() || !lx.eat(b'/') {
        return None;
    }
    let subtype = lx.token().to_vec();
    if subtype.is_empty() {
        return None;
    }
    let params = lx.params();
    Some(ContentType { ty, subtype, params })
}

/// Parses a `Content-Disposition` value into its type and parameters.
pub fn disposition(v: &[u8]) -> Option<(Vec<u8>, Vec<Param>)> {
    let mut lx = Lexer::new(v);
    let ty = lx.token().to_vec();
    if ty.is_empty() {
        return None;
    }
    Some((ty, lx.params()))
}

/// Parses a single-token value such as `Content-Transfer-Encoding`.
pub fn single_token(v: &[u8]) -> Option<Vec<u8>> {
    let t = Lexer::new(v).token().to_vec();
    (!t.is_empty()).then_some(t)
}

/// Parses a `Content-Language` list (comma separated language tags).
pub fn language(v: &[u8]) -> Option<Vec<Vec<u8>>> {
    let mut lx = Lexer::new(v);
    let mut out = Vec::new();
    loop {
        let t = lx.token();
        if !t.is_empty() {
            out.push(t.to_vec());
        }
        if !lx.eat(b',') {
            break;
        }
    }
    (!out.is_empty()).then_some(out)
}

/// Joins RFC 2231 continuations (`name*0`, `name*1*`, ...) into one
/// parameter, as Dovecot does: `name` when the first segment is plain,
/// `name*` (value still `charset'lang'%XX` encoded) when it is extended.
/// Other parameters keep their order and come first.
fn merge_rfc2231(params: Vec<Param>) -> Vec<Param> {
    // (base name, index, extended, value)
    let mut segs: Vec<(Vec<u8>, u32, bool, Vec<u8>)> = Vec::new();
    let mut out = Vec::new();
    for (name, value) in params {
        if let Some(star) = name.iter().position(|&b| b == b'*') {
            let rest = &name[star + 1..];
            let (digits, ext) = match rest.strip_suffix(b"*") {
                Some(d) => (d, true),
                None => (rest, false),
            };
            if !digits.is_empty() && digits.len() < 6 && digits.iter().all(u8::is_ascii_digit) {
                let n = digits.iter().fold(0u32, |a, &d| a * 10 + u32::from(d - b'0'));
                segs.push((name[..star].to_vec(), n, ext, value));
                continue;
            }
        }
        out.push((name, value));
    }
    let mut done: Vec<Vec<u8>> = Vec::new();
    for i in 0..segs.len() {
        let base = &segs[i].0;
        if done.iter().any(|d| d.eq_ignore_ascii_case(base)) {
            continue;
        }
        let mut mine: Vec<&(Vec<u8>, u32, bool, Vec<u8>)> =
            segs.iter().filter(|s| s.0.eq_ignore_ascii_case(base)).collect();
        mine.sort_by_key(|s| s.1);
        let mut name = base.clone();
        if mine.first().is_some_and(|s| s.2) {
            name.push(b'*');
        }
        let value = mine.iter().flat_map(|s| s.3.iter().copied()).collect();
        done.push(base.clone());
        out.push((name, value));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(n: &str, v: &str) -> Param {
        (n.as_bytes().to_vec(), v.as_bytes().to_vec())
    }

    #[test]
    fn content_type_with_comments_and_quotes() {
        let ct = content_type(b"text/plain (c) ; charset = \"iso-8859-1\" (x) ; delsp=yes").unwrap();
        assert_eq!(ct.ty, b"text");
        assert_eq!(ct.params, vec![p("charset", "iso-8859-1"), p("delsp", "yes")]);
    }

    #[test]
    fn bad_params_stop_at_error() {
        let ct = content_type(b"text/plain; charset=; format=flowed; =novalue; name=\"unterminated").unwrap();
        assert_eq!(ct.params, vec![p("charset", ""), p("format", "flowed"), p("", "novalue")]);
        assert_eq!(disposition(b"attachment; filename").unwrap().1, vec![]);
    }

    #[test]
    fn rfc2231_continuations() {
        let ct = content_type(b"a/b; x*0*=utf-8''%E2; x*1=\" y\"; n*1=b; n*0=a; t*=q").unwrap();
        assert_eq!(ct.params, vec![p("t*", "q"), p("x*", "utf-8''%E2 y"), p("n", "ab")]);
    }
}

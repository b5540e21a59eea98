//! A strict reader of IMAP response values for the local extension
//! checkers, written from the ABNF of RFC 9051 section 9 (and RFC 3516 for
//! `literal8`), apart from `src/proto`: exactly one SP between values, no
//! CR or LF inside a quoted string, NUL only in `literal8`.

/// One value of a response.
#[derive(Debug)]
pub enum Tok<'a> {
    /// An atom, a number or NIL (ASTRING-CHARs; a flag's leading `\`; a
    /// bracketed section and a `<origin>` of a FETCH item name).
    Atom(&'a str),
    /// A quoted string, escapes undone.
    Quoted(Vec<u8>),
    /// A `{n}` literal's octets.
    Literal(&'a [u8]),
    /// A `~{n}` literal8's octets (RFC 3516).
    Literal8(&'a [u8]),
    /// A parenthesized list.
    List(Vec<Tok<'a>>),
}

/// A cursor over one whole response (CRLF and literals included).
pub struct Lexer<'a> {
    b: &'a [u8],
    /// Offset of the next unread octet.
    pub pos: usize,
}

/// `atom-specials` of RFC 9051 less `]` (an ASTRING-CHAR), and CTLs.
fn atom_char(c: u8) -> bool {
    c > 0x20 && c < 0x7f && !b"(){%*\"\\".contains(&c)
}

impl<'a> Lexer<'a> {
    /// A lexer at the start of `b`.
    pub fn new(b: &'a [u8]) -> Lexer<'a> {
        Lexer { b, pos: 0 }
    }

    /// The next octet, if any.
    pub fn peek(&self) -> Option<u8> {
        self.b.get(self.pos).copied()
    }

    /// The octets from `from` to the cursor.
    pub fn since(&self, from: usize) -> &'a [u8] {
        &self.b[from..self.pos]
    }

    fn err<T>(&self, what: &str) -> Result<T, String> {
        let near = String::from_utf8_lossy(&self.b[self.pos.min(self.b.len())..]).chars().take(40).collect::<String>();
        Err(format!("{what} at offset {} (before {near:?})", self.pos))
    }

    /// Exactly one SP.
    pub fn sp(&mut self) -> Result<(), String> {
        self.byte(b' ', "expected one SP")
    }

    /// The octet `c`.
    pub fn byte(&mut self, c: u8, what: &str) -> Result<(), String> {
        if self.peek() != Some(c) {
            return self.err(what);
        }
        self.pos += 1;
        Ok(())
    }

    /// True when only the final CRLF is left.
    pub fn at_end(&self) -> bool {
        &self.b[self.pos..] == b"\r\n"
    }

    /// The final CRLF and nothing after it.
    pub fn end(&mut self) -> Result<(), String> {
        if !self.at_end() {
            return self.err("expected CRLF at the end of the response");
        }
        self.pos += 2;
        Ok(())
    }

    /// The word `w`, in any case, followed by SP, CRLF or `)`.
    pub fn word(&mut self, w: &str) -> Result<(), String> {
        let end = self.pos + w.len();
        if end > self.b.len() || !self.b[self.pos..end].eq_ignore_ascii_case(w.as_bytes()) {
            return self.err(&format!("expected {w}"));
        }
        self.pos = end;
        Ok(())
    }

    /// One value: atom, quoted string, literal, literal8 or list.
    pub fn value(&mut self) -> Result<Tok<'a>, String> {
        match self.peek() {
            Some(b'"') => self.quoted(),
            Some(b'{') => self.literal(false),
            Some(b'~') if self.b.get(self.pos + 1) == Some(&b'{') => {
                self.pos += 1;
                self.literal(true)
            }
            Some(b'(') => self.list(),
            _ => self.atom(),
        }
    }

    /// `"(" [value *(SP value)] ")"`.
    pub fn list(&mut self) -> Result<Tok<'a>, String> {
        self.byte(b'(', "expected (")?;
        let mut v = Vec::new();
        if self.peek() == Some(b')') {
            self.pos += 1;
            return Ok(Tok::List(v));
        }
        loop {
            v.push(self.value()?);
            match self.peek() {
                Some(b')') => {
                    self.pos += 1;
                    return Ok(Tok::List(v));
                }
                Some(b' ') => self.pos += 1,
                _ => return self.err("expected SP or ) in a list"),
            }
        }
    }

    fn atom(&mut self) -> Result<Tok<'a>, String> {
        let start = self.pos;
        if self.peek() == Some(b'\\') {
            self.pos += 1;
            if self.peek() == Some(b'*') {
                self.pos += 1;
            }
        }
        while let Some(c) = self.peek() {
            if c == b'[' {
                // A FETCH item's section: anything but CR, LF and `]`.
                let close = self.b[self.pos..].iter().position(|&c| c == b']' || c == b'\r' || c == b'\n');
                match close.map(|i| self.pos + i) {
                    Some(i) if self.b[i] == b']' => self.pos = i + 1,
                    _ => return self.err("unclosed ["),
                }
            } else if atom_char(c) {
                self.pos += 1;
            } else {
                break;
            }
        }
        if self.pos == start {
            return self.err("expected a value");
        }
        Ok(Tok::Atom(std::str::from_utf8(&self.b[start..self.pos]).map_err(|e| e.to_string())?))
    }

    fn quoted(&mut self) -> Result<Tok<'a>, String> {
        self.pos += 1;
        let mut out = Vec::new();
        loop {
            match self.peek() {
                None | Some(b'\r') | Some(b'\n') | Some(0) => return self.err("CR, LF or NUL in a quoted string"),
                Some(b'"') => break,
                Some(b'\\') => {
                    let e = self.b.get(self.pos + 1).copied();
                    if e != Some(b'"') && e != Some(b'\\') {
                        return self.err("a \\ in a quoted string escapes only \" and \\");
                    }
                    out.push(e.unwrap_or_default());
                    self.pos += 2;
                }
                Some(c) => {
                    out.push(c);
                    self.pos += 1;
                }
            }
        }
        self.pos += 1;
        // RFC 9051 (and RFC 6855) allow UTF-8 in quoted strings, nothing else.
        if std::str::from_utf8(&out).is_err() {
            return self.err("a quoted string that is not UTF-8");
        }
        Ok(Tok::Quoted(out))
    }

    fn literal(&mut self, eight: bool) -> Result<Tok<'a>, String> {
        self.pos += 1;
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        let n: usize = match std::str::from_utf8(&self.b[start..self.pos]).ok().and_then(|s| s.parse().ok()) {
            Some(n) => n,
            None => return self.err("a literal without its size"),
        };
        if self.b.get(self.pos..self.pos + 3) != Some(b"}\r\n") {
            return self.err("a literal's size not followed by } CRLF");
        }
        self.pos += 3;
        let Some(data) = self.b.get(self.pos..self.pos + n) else { return self.err("a literal cut short") };
        if !eight && data.contains(&0) {
            return self.err("NUL in a literal (only literal8 may hold it)");
        }
        self.pos += n;
        Ok(if eight { Tok::Literal8(data) } else { Tok::Literal(data) })
    }
}

impl Tok<'_> {
    /// The atom's text, if this is an atom.
    pub fn atom(&self) -> Option<&str> {
        match self {
            Tok::Atom(a) => Some(a),
            _ => None,
        }
    }

    /// True for the atom NIL.
    pub fn is_nil(&self) -> bool {
        self.atom().is_some_and(|a| a.eq_ignore_ascii_case("NIL"))
    }
}

/// `number` (RFC 9051: digits, below 2^32) or, with `wide`, `number64`.
pub fn number(t: &Tok, wide: bool) -> Result<u64, String> {
    let a = t.atom().filter(|a| !a.is_empty() && a.bytes().all(|c| c.is_ascii_digit()));
    let n: u64 = a.and_then(|a| a.parse().ok()).ok_or_else(|| format!("expected a number, got {t:?}"))?;
    let max = if wide { i64::MAX as u64 } else { u32::MAX as u64 };
    if n > max {
        return Err(format!("number {n} out of range"));
    }
    Ok(n)
}

/// `nz-number` (or a non-zero `mod-sequence-value` with `wide`).
pub fn nz_number(t: &Tok, wide: bool) -> Result<u64, String> {
    match number(t, wide)? {
        0 => Err("expected a non-zero number, got 0".into()),
        n => Ok(n),
    }
}

/// `sequence-set` (RFC 9051): seq-number / seq-range, comma separated;
/// `$` (RFC 5182) as a whole.
pub fn sequence_set(t: &Tok) -> Result<(), String> {
    let Some(a) = t.atom() else { return Err(format!("expected a sequence set, got {t:?}")) };
    if a == "$" {
        return Ok(());
    }
    for part in a.split(',') {
        for n in part.splitn(2, ':') {
            if n != "*" {
                nz_number(&Tok::Atom(n), false).map_err(|e| format!("in sequence set {a}: {e}"))?;
            }
        }
    }
    Ok(())
}

/// `string` = quoted / literal.
pub fn string(t: &Tok) -> Result<(), String> {
    match t {
        Tok::Quoted(_) | Tok::Literal(_) => Ok(()),
        _ => Err(format!("expected a string, got {t:?}")),
    }
}

/// `nstring` = string / NIL.
pub fn nstring(t: &Tok) -> Result<(), String> {
    if t.is_nil() {
        return Ok(());
    }
    string(t)
}

/// `astring` = 1*ASTRING-CHAR / string (no section brackets, no flags).
pub fn astring(t: &Tok) -> Result<(), String> {
    match t {
        Tok::Atom(a) if a.bytes().all(atom_char) => Ok(()),
        Tok::Quoted(_) | Tok::Literal(_) => Ok(()),
        _ => Err(format!("expected an astring, got {t:?}")),
    }
}

/// A list's items, or an error naming `what`.
pub fn list<'t, 'a>(t: &'t Tok<'a>, what: &str) -> Result<&'t [Tok<'a>], String> {
    match t {
        Tok::List(v) => Ok(v),
        _ => Err(format!("expected a parenthesized {what}, got {t:?}")),
    }
}

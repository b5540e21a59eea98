//! The token layer: a cursor over one command's bytes with the RFC 3501
//! primitives (atoms, quoted strings, literals, numbers, flags...).
//!
//! Error messages say what was expected in the server's own words and
//! never quote the client's bytes: they reach the client and the log, and
//! the rest of a LOGIN line is a password.

use crate::proto::command::{Flag, Mailbox};
use crate::proto::sequence::SequenceSet;

/// An error message for the client; the caller attaches the tag.
pub(crate) type PResult<T> = Result<T, String>;

/// Deepest nesting of parentheses or search keys accepted.
pub(crate) const MAX_DEPTH: usize = 64;

/// True for RFC 3501 `ATOM-CHAR`.
pub(crate) fn is_atom_char(b: u8) -> bool {
    matches!(b, 0x21..=0x7e) && !matches!(b, b'(' | b')' | b'{' | b'%' | b'*' | b'"' | b'\\' | b']')
}

/// True for `ASTRING-CHAR` (`ATOM-CHAR` or `]`).
pub(crate) fn is_astring_char(b: u8) -> bool {
    is_atom_char(b) || b == b']'
}

/// True for `list-char` (`ATOM-CHAR`, wildcards, `]`).
fn is_list_char(b: u8) -> bool {
    is_astring_char(b) || b == b'%' || b == b'*'
}

/// A cursor over one command.
pub(crate) struct Lexer<'a> {
    input: &'a [u8],
    pos: usize,
    /// Current nesting depth (search keys, parentheses).
    pub depth: usize,
}

impl<'a> Lexer<'a> {
    pub fn new(input: &'a [u8]) -> Self {
        Lexer { input, pos: 0, depth: 0 }
    }

    pub fn peek(&self) -> Option<u8> {
        self.input.get(self.pos).copied()
    }

    /// True when the next bytes are `s` (ASCII case ignored); consumes nothing.
    pub fn looking_at(&self, s: &[u8]) -> bool {
        self.input.get(self.pos..self.pos + s.len()).is_some_and(|b| b.eq_ignore_ascii_case(s))
    }

    pub fn at_end(&self) -> bool {
        self.pos >= self.input.len()
    }

    /// Consume `b` if it is next.
    pub fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// Enter one level of nesting, failing past [`MAX_DEPTH`].
    pub fn enter(&mut self) -> PResult<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(format!("Nesting too deep (more than {MAX_DEPTH} levels)"));
        }
        Ok(())
    }

    /// Leave one level of nesting.
    pub fn leave(&mut self) {
        self.depth -= 1;
    }

    /// Require the end of input.
    pub fn end(&self) -> PResult<()> {
        let rest = &self.input[self.pos.min(self.input.len())..];
        if rest.is_empty() {
            Ok(())
        } else if rest.iter().all(|&b| b == b' ') {
            Err("Unexpected space at the end of the command".to_string())
        } else {
            Err("Unexpected extra arguments".to_string())
        }
    }

    /// Require exactly one space; `what` names the argument that must follow.
    pub fn sp(&mut self, what: &str) -> PResult<()> {
        match self.peek() {
            None => Err(format!("Missing {what}")),
            Some(b' ') => {
                self.pos += 1;
                match self.peek() {
                    None => Err(format!("Missing {what}")),
                    Some(b' ') => Err(format!("Extra space before {what}")),
                    _ => Ok(()),
                }
            }
            Some(b')') => Err(format!("Missing {what}")),
            Some(_) => Err(format!("Expected a space before {what}")),
        }
    }

    /// Consume a space if the next bytes are a space and more input.
    pub fn more(&mut self) -> bool {
        if self.peek() == Some(b' ') && self.pos + 1 < self.input.len() {
            self.pos += 1;
            true
        } else {
            false
        }
    }

    /// Require `b`.
    pub fn expect(&mut self, b: u8, what: &str) -> PResult<()> {
        if self.eat(b) {
            Ok(())
        } else if self.at_end() {
            Err(format!("Missing {what}"))
        } else {
            Err(format!("Expected {what}"))
        }
    }

    /// Bytes while `f` holds (possibly none).
    pub fn take_while(&mut self, f: impl Fn(u8) -> bool) -> &'a [u8] {
        let start = self.pos;
        while self.pos < self.input.len() && f(self.input[self.pos]) {
            self.pos += 1;
        }
        &self.input[start..self.pos]
    }

    /// An `atom`.
    pub fn atom(&mut self, what: &str) -> PResult<&'a [u8]> {
        let a = self.take_while(is_atom_char);
        if a.is_empty() {
            return Err(self.invalid(what));
        }
        Ok(a)
    }

    /// An atom, uppercased, as a String.
    pub fn atom_upper(&mut self, what: &str) -> PResult<String> {
        Ok(String::from_utf8_lossy(self.atom(what)?).to_ascii_uppercase())
    }

    fn invalid(&self, what: &str) -> String {
        if self.at_end() {
            format!("Missing {what}")
        } else {
            format!("Invalid {what}")
        }
    }

    /// Consume the keyword `kw` (case-insensitive) if it is next as a whole word.
    pub fn keyword(&mut self, kw: &str) -> bool {
        let n = kw.len();
        let rest = &self.input[self.pos..];
        if rest.len() >= n
            && rest[..n].eq_ignore_ascii_case(kw.as_bytes())
            && rest.get(n).is_none_or(|&b| !is_atom_char(b) || b == b'[')
        {
            self.pos += n;
            true
        } else {
            false
        }
    }

    /// `string` (quoted or literal), or an error naming `what`.
    pub fn string(&mut self, what: &str) -> PResult<Vec<u8>> {
        match self.peek() {
            Some(b'"') => self.quoted(what),
            Some(b'{') => self.literal(what).map(|(d, _)| d),
            _ => Err(self.invalid(what)),
        }
    }

    /// `astring`.
    pub fn astring(&mut self, what: &str) -> PResult<Vec<u8>> {
        match self.peek() {
            Some(b'"') | Some(b'{') => self.string(what),
            _ => {
                let a = self.take_while(is_astring_char);
                if a.is_empty() {
                    return Err(self.invalid(what));
                }
                Ok(a.to_vec())
            }
        }
    }

    /// `nstring`: `None` for NIL.
    pub fn nstring(&mut self, what: &str) -> PResult<Option<Vec<u8>>> {
        if self.keyword("NIL") {
            return Ok(None);
        }
        self.string(what).map(Some)
    }

    /// `mailbox`: an astring, `INBOX` in any case normalised.
    pub fn mailbox(&mut self, what: &str) -> PResult<Mailbox> {
        let name = self.astring(what)?;
        if name.eq_ignore_ascii_case(b"INBOX") {
            return Ok(Mailbox(b"INBOX".to_vec()));
        }
        Ok(Mailbox(name))
    }

    /// `list-mailbox`: list-chars or a string.
    pub fn list_mailbox(&mut self, what: &str) -> PResult<Vec<u8>> {
        match self.peek() {
            Some(b'"') | Some(b'{') => self.string(what),
            _ => {
                let a = self.take_while(is_list_char);
                if a.is_empty() {
                    return Err(self.invalid(what));
                }
                Ok(a.to_vec())
            }
        }
    }

    /// A quoted string, unescaped.
    pub fn quoted(&mut self, what: &str) -> PResult<Vec<u8>> {
        self.expect(b'"', what)?;
        let mut out = Vec::new();
        loop {
            match self.peek() {
                None => return Err(format!("Unterminated quoted string in {what}")),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.pos += 1;
                    match self.peek() {
                        Some(c @ (b'"' | b'\\')) => {
                            out.push(c);
                            self.pos += 1;
                        }
                        _ => {
                            return Err(format!(
                                "Invalid escape in quoted string in {what} (only \\\\ and \\\" are allowed)"
                            ))
                        }
                    }
                }
                Some(0) | Some(b'\r') | Some(b'\n') => {
                    return Err(format!("NUL, CR or LF in quoted string in {what}"));
                }
                Some(c) => {
                    out.push(c);
                    self.pos += 1;
                }
            }
        }
    }

    /// A literal `{n}CRLF...` or `{n+}CRLF...` (after an optional `~` for
    /// literal8, which the caller handles). Returns the data and whether it
    /// was non-synchronizing.
    pub fn literal(&mut self, what: &str) -> PResult<(Vec<u8>, bool)> {
        self.expect(b'{', what)?;
        let digits = self.take_while(|b| b.is_ascii_digit());
        if digits.is_empty() || digits.len() > 10 {
            return Err(format!("Invalid literal length in {what}"));
        }
        let len: u64 = std::str::from_utf8(digits).ok().and_then(|s| s.parse().ok()).unwrap_or(u64::MAX);
        let plus = self.eat(b'+');
        if !self.eat(b'}') {
            return Err(format!("Invalid literal in {what} (expected {{n}} or {{n+}})"));
        }
        if !(self.eat(b'\r') && self.eat(b'\n')) {
            return Err(format!("Literal in {what} must be followed by CRLF"));
        }
        let remaining = (self.input.len() - self.pos) as u64;
        if len > remaining {
            return Err(format!("Literal in {what} is truncated"));
        }
        let len = len as usize;
        let data = self.input[self.pos..self.pos + len].to_vec();
        self.pos += len;
        Ok((data, plus))
    }

    /// `number` (32-bit).
    pub fn number(&mut self, what: &str) -> PResult<u32> {
        let n = self.number64(what)?;
        u32::try_from(n).map_err(|_| format!("Number too large for {what}"))
    }

    /// `nz-number` (32-bit, not zero).
    pub fn nz_number(&mut self, what: &str) -> PResult<u32> {
        match self.number(what)? {
            0 => Err(format!("Invalid {what}: must not be 0")),
            n => Ok(n),
        }
    }

    /// A 63-bit number (`mod-sequence-value`, `number64`).
    pub fn number64(&mut self, what: &str) -> PResult<u64> {
        let digits = self.take_while(|b| b.is_ascii_digit());
        if digits.is_empty() {
            return Err(self.invalid(what));
        }
        if self.peek().is_some_and(|b| b.is_ascii_alphanumeric()) {
            self.pos -= digits.len();
            return Err(self.invalid(what));
        }
        std::str::from_utf8(digits)
            .ok()
            .and_then(|s| s.parse::<u64>().ok())
            .filter(|&n| n <= i64::MAX as u64)
            .ok_or_else(|| format!("Number too large for {what}"))
    }

    /// A `sequence-set` (or `$`).
    pub fn sequence_set(&mut self) -> PResult<SequenceSet> {
        let raw = self.take_while(|b| b.is_ascii_graphic() && b != b')' && b != b'(');
        if raw.is_empty() && self.at_end() {
            return Err("Missing sequence set".to_string());
        }
        SequenceSet::parse(raw).map_err(|_| "Invalid sequence set".to_string())
    }

    /// One `flag` (`\Seen`, keyword atom, `\Extension`).
    pub fn flag(&mut self) -> PResult<Flag> {
        if self.eat(b'\\') {
            let name = self.atom("flag name after \\")?;
            let s = String::from_utf8_lossy(name).into_owned();
            return Ok(match s.to_ascii_lowercase().as_str() {
                "seen" => Flag::Seen,
                "answered" => Flag::Answered,
                "flagged" => Flag::Flagged,
                "deleted" => Flag::Deleted,
                "draft" => Flag::Draft,
                _ => Flag::Extension(s),
            });
        }
        let name = self.atom("flag")?;
        Ok(Flag::Keyword(String::from_utf8_lossy(name).into_owned()))
    }

    /// `flag-list`: `(` [flag *(SP flag)] `)`.
    pub fn flag_list(&mut self) -> PResult<Vec<Flag>> {
        self.expect(b'(', "flag list")?;
        let mut flags = Vec::new();
        if self.eat(b')') {
            return Ok(flags);
        }
        loop {
            flags.push(self.flag()?);
            if self.eat(b')') {
                return Ok(flags);
            }
            self.sp("flag")?;
        }
    }

    /// A parenthesised, space-separated list of items read by `item`.
    pub fn paren_list<T>(
        &mut self,
        what: &str,
        allow_empty: bool,
        mut item: impl FnMut(&mut Self) -> PResult<T>,
    ) -> PResult<Vec<T>> {
        self.expect(b'(', &format!("an opening parenthesis to start {what}"))?;
        let mut out = Vec::new();
        if self.eat(b')') {
            if allow_empty {
                return Ok(out);
            }
            return Err(format!("Empty {what}"));
        }
        loop {
            out.push(item(self)?);
            if self.eat(b')') {
                return Ok(out);
            }
            if self.at_end() {
                return Err(format!("Missing the closing parenthesis of {what}"));
            }
            self.sp(what)?;
        }
    }
}

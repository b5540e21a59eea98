//! Shared by the MIME integration tests: a small reader of IMAP values
//! (parenthesised lists, NIL, numbers, quoted strings, literals) and a
//! checker of the `body` rule of RFC 3501 section 9.
#![allow(dead_code)]

/// An IMAP value as read from a response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum V {
    /// `NIL`
    Nil,
    /// A number.
    Num(u64),
    /// A quoted string or literal, unescaped.
    Str(Vec<u8>),
    /// `( ... )`
    List(Vec<V>),
}

/// Reads one value from the start of `s`; returns it and the bytes used.
pub fn read(s: &[u8]) -> Result<(V, usize), String> {
    let mut p = 0;
    let v = value(s, &mut p, 0)?;
    Ok((v, p))
}

/// Reads exactly one value spanning all of `s`.
pub fn read_all(s: &[u8]) -> Result<V, String> {
    let (v, n) = read(s)?;
    if n != s.len() {
        return Err(format!("trailing bytes at {n}"));
    }
    Ok(v)
}

fn value(s: &[u8], p: &mut usize, depth: usize) -> Result<V, String> {
    if depth > 300 {
        return Err("too deep".into());
    }
    match s.get(*p) {
        None => Err("unexpected end".into()),
        Some(b'(') => {
            *p += 1;
            let mut items = Vec::new();
            loop {
                match s.get(*p) {
                    Some(b')') => {
                        *p += 1;
                        return Ok(V::List(items));
                    }
                    Some(b' ') if !items.is_empty() => *p += 1,
                    _ => {}
                }
                // Items are separated by one space, except after a list.
                items.push(value(s, p, depth + 1)?);
                match s.get(*p) {
                    Some(b')') | Some(b' ') | Some(b'(') => {}
                    _ => return Err(format!("bad separator at {}", *p)),
                }
            }
        }
        Some(b'"') => {
            *p += 1;
            let mut out = Vec::new();
            loop {
                match s.get(*p) {
                    None => return Err("unterminated string".into()),
                    Some(b'"') => {
                        *p += 1;
                        return Ok(V::Str(out));
                    }
                    Some(b'\\') => {
                        let c = *s.get(*p + 1).ok_or("bad escape")?;
                        if c != b'"' && c != b'\\' {
                            return Err("bad escape".into());
                        }
                        out.push(c);
                        *p += 2;
                    }
                    Some(&c) if c == b'\r' || c == b'\n' || c == 0 || c >= 0x80 => {
                        return Err("bad char in quoted".into())
                    }
                    Some(&c) => {
                        out.push(c);
                        *p += 1;
                    }
                }
            }
        }
        Some(b'{') => {
            let close = s[*p..].iter().position(|&b| b == b'}').ok_or("bad literal")? + *p;
            let n: usize =
                std::str::from_utf8(&s[*p + 1..close]).ok().and_then(|t| t.parse().ok()).ok_or("bad literal length")?;
            if s.get(close + 1..close + 3) != Some(b"\r\n") {
                return Err("literal without CRLF".into());
            }
            let start = close + 3;
            let body = s.get(start..start + n).ok_or("short literal")?;
            *p = start + n;
            Ok(V::Str(body.to_vec()))
        }
        Some(b'N') if s[*p..].starts_with(b"NIL") => {
            *p += 3;
            Ok(V::Nil)
        }
        Some(c) if c.is_ascii_digit() => {
            let start = *p;
            while s.get(*p).is_some_and(u8::is_ascii_digit) {
                *p += 1;
            }
            let t = std::str::from_utf8(&s[start..*p]).unwrap();
            t.parse().map(V::Num).map_err(|e| e.to_string())
        }
        Some(c) => Err(format!("unexpected byte {c:#x} at {}", *p)),
    }
}

fn is_nstring(v: &V) -> bool {
    matches!(v, V::Nil | V::Str(_))
}

fn is_str(v: &V) -> bool {
    matches!(v, V::Str(_))
}

fn is_num(v: &V) -> bool {
    matches!(v, V::Num(_))
}

fn check_params(v: &V) -> Result<(), String> {
    match v {
        V::Nil => Ok(()),
        V::List(l) if !l.is_empty() && l.len() % 2 == 0 && l.iter().all(is_str) => Ok(()),
        _ => Err(format!("bad body-fld-param {v:?}")),
    }
}

fn check_dsp(v: &V) -> Result<(), String> {
    match v {
        V::Nil => Ok(()),
        V::List(l) if l.len() == 2 && is_str(&l[0]) => check_params(&l[1]),
        _ => Err(format!("bad body-fld-dsp {v:?}")),
    }
}

fn check_lang(v: &V) -> Result<(), String> {
    match v {
        V::Nil | V::Str(_) => Ok(()),
        V::List(l) if !l.is_empty() && l.iter().all(is_str) => Ok(()),
        _ => Err(format!("bad body-fld-lang {v:?}")),
    }
}

fn check_address(v: &V) -> Result<(), String> {
    match v {
        V::List(a) if a.len() == 4 && a.iter().all(is_nstring) => Ok(()),
        _ => Err(format!("bad address {v:?}")),
    }
}

/// Checks the `envelope` rule.
pub fn check_envelope(v: &V) -> Result<(), String> {
    let V::List(e) = v else {
        return Err("envelope not a list".into());
    };
    if e.len() != 10 {
        return Err("envelope needs 10 fields".into());
    }
    for (i, f) in e.iter().enumerate() {
        match (i, f) {
            (0 | 1 | 8 | 9, f) if is_nstring(f) => {}
            (2..=7, V::Nil) => {}
            (2..=7, V::List(l)) if !l.is_empty() => l.iter().try_for_each(check_address)?,
            _ => return Err(format!("bad envelope field {i}: {f:?}")),
        }
    }
    Ok(())
}

/// Checks the `body` rule; `ext` says whether extension data must follow.
pub fn check_body(v: &V, ext: bool) -> Result<(), String> {
    let V::List(b) = v else {
        return Err("body not a list".into());
    };
    if matches!(b.first(), Some(V::List(_))) {
        // body-type-mpart
        let n = b.iter().take_while(|x| matches!(x, V::List(_))).count();
        for c in &b[..n] {
            check_body(c, ext)?;
        }
        let rest = &b[n..];
        if rest.is_empty() || !is_str(&rest[0]) {
            return Err("multipart without subtype".into());
        }
        if ext {
            if rest.len() != 5 {
                return Err(format!("multipart ext needs 4 fields, got {}", rest.len() - 1));
            }
            check_params(&rest[1])?;
            check_dsp(&rest[2])?;
            check_lang(&rest[3])?;
            if !is_nstring(&rest[4]) {
                return Err("bad location".into());
            }
        } else if rest.len() != 1 {
            return Err("BODY multipart has extension data".into());
        }
        return Ok(());
    }
    if b.len() < 7 {
        return Err("body-type-1part too short".into());
    }
    if !is_str(&b[0]) || !is_str(&b[1]) {
        return Err("bad media type".into());
    }
    check_params(&b[2])?;
    if !is_nstring(&b[3]) || !is_nstring(&b[4]) || !is_str(&b[5]) || !is_num(&b[6]) {
        return Err("bad body-fields".into());
    }
    let ty = |v: &V| match v {
        V::Str(s) => s.to_ascii_lowercase(),
        _ => Vec::new(),
    };
    let mut i = 7;
    if ty(&b[0]) == b"message" && ty(&b[1]) == b"rfc822" {
        check_envelope(b.get(7).ok_or("missing envelope")?)?;
        check_body(b.get(8).ok_or("missing body")?, ext)?;
        if !b.get(9).is_some_and(is_num) {
            return Err("missing message lines".into());
        }
        i = 10;
    } else if ty(&b[0]) == b"text" {
        if !b.get(7).is_some_and(is_num) {
            return Err("missing text lines".into());
        }
        i = 8;
    }
    let rest = &b[i..];
    if ext {
        if rest.len() != 4 {
            return Err(format!("single ext needs 4 fields, got {}", rest.len()));
        }
        if !is_nstring(&rest[0]) {
            return Err("bad md5".into());
        }
        check_dsp(&rest[1])?;
        check_lang(&rest[2])?;
        if !is_nstring(&rest[3]) {
            return Err("bad location".into());
        }
    } else if !rest.is_empty() {
        return Err("BODY has extension data".into());
    }
    Ok(())
}

/// Reads an expected-answer file: `== <item> <len>\n<value>\n` records.
pub fn records(data: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut p = 0;
    while p < data.len() {
        let nl = p + data[p..].iter().position(|&b| b == b'\n').unwrap();
        let head = std::str::from_utf8(&data[p + 3..nl]).unwrap();
        let (item, len) = head.rsplit_once(' ').unwrap();
        let len: usize = len.parse().unwrap();
        out.push((item.to_string(), data[nl + 1..nl + 1 + len].to_vec()));
        p = nl + 1 + len + 1;
    }
    out
}

/// The lengths of the partial fetches made by the reference script, by echo.
pub fn partial_length(item: &str) -> u32 {
    match item {
        "BODY[]<0>" => 20,
        "BODY[TEXT]<5>" => 10,
        "BODY[1]<3>" => 100000,
        "BODY[]<100000>" => 5,
        "BODY[2.2.TEXT]<1>" => 4,
        "BODY[HEADER.FIELDS (FROM)]<2>" => 6,
        other => panic!("unknown partial {other}"),
    }
}

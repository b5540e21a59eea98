//! Reading tegami's own sources for the structure checks of issue 22
//! (`core_layers.rs`: the import graph; `core_functions.rs`: function
//! lengths). A small lexer, not a Rust parser: it blanks comments and the
//! insides of string and character literals, so that braces, `::` paths and
//! `write_all` count only where they are code, and it drops test code.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

pub mod graph;

/// One source file of `src/`, as the checks see it.
pub struct Source {
    /// The path under `src/`, with `/` separators (`store/sync.rs`).
    pub rel: String,
    /// The module path (`["store", "sync"]`; `[]` for lib.rs, `["main"]`
    /// for the binary's main.rs).
    pub module: Vec<String>,
    /// The code: comments and literal contents blanked, test code removed,
    /// line breaks kept (so line numbers hold).
    pub code: String,
}

/// Whether a file of `src/` is test code: `tests.rs`, `*_tests.rs`, or
/// anything in a `tests/` directory.
pub fn is_test_file(rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    name == "tests.rs" || name.ends_with("_tests.rs") || rel.split('/').any(|d| d == "tests")
}

/// The module path of a file given by its path under `src/`.
pub fn module_of(rel: &str) -> Vec<String> {
    let stem = rel.strip_suffix(".rs").unwrap_or(rel);
    let mut segs: Vec<String> = stem.split('/').map(str::to_string).collect();
    if segs.last().is_some_and(|l| l == "mod" || l == "lib") {
        segs.pop();
    }
    segs
}

/// Every `.rs` file under `dir`, test files included, sorted.
pub fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(rust_files(&p));
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
    out.sort();
    out
}

/// The sources of the crate's `src/`, test files left out.
pub fn crate_sources() -> Vec<Source> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let files: Vec<(String, String)> = rust_files(&src)
        .into_iter()
        .map(|p| {
            let rel = p.strip_prefix(&src).unwrap().to_string_lossy().replace('\\', "/");
            (rel, std::fs::read_to_string(&p).unwrap())
        })
        .collect();
    assert!(files.len() > 100, "only {} files under {}: wrong directory?", files.len(), src.display());
    sources_of(&files)
}

/// Sources from `(path under src/, text)` pairs (a synthetic tree in the
/// checks' own tests), test files left out.
pub fn sources_of(files: &[(impl AsRef<str>, impl AsRef<str>)]) -> Vec<Source> {
    files
        .iter()
        .filter(|(rel, _)| !is_test_file(rel.as_ref()))
        .map(|(rel, text)| Source {
            rel: rel.as_ref().to_string(),
            module: module_of(rel.as_ref()),
            code: without_tests(&code_only(text.as_ref())),
        })
        .collect()
}

/// `text` with comments blanked and the contents of string, byte-string,
/// raw-string and character literals blanked (their quotes kept); every
/// line break stays where it was.
pub fn code_only(text: &str) -> String {
    let c: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    // Blanks c[from..to] into out, keeping line breaks.
    let blank = |out: &mut String, part: &[char]| {
        out.extend(part.iter().map(|&ch| if ch == '\n' { '\n' } else { ' ' }));
    };
    let ident = |ch: char| ch.is_alphanumeric() || ch == '_';
    let mut i = 0;
    while i < c.len() {
        let rest = &c[i..];
        if rest.starts_with(&['/', '/']) {
            let end = rest.iter().position(|&ch| ch == '\n').unwrap_or(rest.len());
            blank(&mut out, &rest[..end]);
            i += end;
        } else if rest.starts_with(&['/', '*']) {
            // Block comments nest in Rust.
            let (mut depth, mut j) = (0, 0);
            while j < rest.len() {
                if rest[j..].starts_with(&['/', '*']) {
                    depth += 1;
                    j += 2;
                } else if rest[j..].starts_with(&['*', '/']) {
                    depth -= 1;
                    j += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    j += 1;
                }
            }
            blank(&mut out, &rest[..j]);
            i += j;
        } else if let Some(len) = raw_string_at(rest).filter(|_| i == 0 || !ident(c[i - 1])) {
            blank(&mut out, &rest[..len]);
            i += len;
        } else if rest[0] == '"' {
            let mut j = 1;
            while j < rest.len() && rest[j] != '"' {
                j += if rest[j] == '\\' { 2 } else { 1 };
            }
            let j = j.min(rest.len() - 1);
            out.push('"');
            blank(&mut out, &rest[1..j]);
            out.push('"');
            i += j + 1;
        } else if rest[0] == '\'' {
            // A character literal ('x', '\n', '\u{7b}'), or a lifetime or
            // label ('a), which stays.
            let len = if rest.get(1) == Some(&'\\') {
                rest.iter().skip(3).position(|&ch| ch == '\'').map(|p| p + 4)
            } else if rest.get(2) == Some(&'\'') {
                Some(3)
            } else {
                None
            };
            match len {
                Some(len) => {
                    out.push('\'');
                    blank(&mut out, &rest[1..len - 1]);
                    out.push('\'');
                    i += len;
                }
                None => {
                    out.push('\'');
                    i += 1;
                }
            }
        } else {
            out.push(rest[0]);
            i += 1;
        }
    }
    out
}

/// The length of a raw string literal (`r"..."`, `r#"..."#`, `br".."`) at
/// the start of `s`, if one starts there.
fn raw_string_at(s: &[char]) -> Option<usize> {
    let mut j = usize::from(s.first() == Some(&'b') || s.first() == Some(&'c'));
    if s.get(j) != Some(&'r') {
        return None;
    }
    j += 1;
    let hashes = s[j..].iter().take_while(|&&ch| ch == '#').count();
    j += hashes;
    if s.get(j) != Some(&'"') {
        return None;
    }
    j += 1;
    while j < s.len() {
        if s[j] == '"' && s[j + 1..].iter().take(hashes).filter(|&&ch| ch == '#').count() == hashes {
            return Some(j + 1 + hashes);
        }
        j += 1;
    }
    Some(s.len())
}

/// The index of the delimiter closing the one at `open` (`{`, `(`, `[`),
/// in code from [`code_only`].
pub fn closing(code: &[u8], open: usize) -> usize {
    let (o, c) = match code[open] {
        b'{' => (b'{', b'}'),
        b'(' => (b'(', b')'),
        _ => (b'[', b']'),
    };
    let mut depth = 0;
    for (i, &b) in code.iter().enumerate().skip(open) {
        if b == o {
            depth += 1;
        } else if b == c {
            depth -= 1;
            if depth == 0 {
                return i;
            }
        }
    }
    code.len() - 1
}

/// Code from [`code_only`] with every item under `#[cfg(test)]` blanked
/// (a `mod tests { .. }`, a `mod tests;`, a test-only `use` or `fn`).
pub fn without_tests(code: &str) -> String {
    let mut bytes = code.as_bytes().to_vec();
    let mut from = 0;
    while let Some(at) = find_from(&bytes, b"#[cfg(test)]", from) {
        // The item ends at the first `;` or the block after the first `{`
        // outside brackets (further attributes come first and hold none).
        let mut i = at + b"#[cfg(test)]".len();
        let end = loop {
            match bytes.get(i) {
                None => break bytes.len() - 1,
                Some(b'[') | Some(b'(') => i = closing(&bytes, i) + 1,
                Some(b';') => break i,
                Some(b'{') => break closing(&bytes, i),
                Some(_) => i += 1,
            }
        };
        for b in &mut bytes[at..=end] {
            if *b != b'\n' {
                *b = b' ';
            }
        }
        from = end + 1;
    }
    // Only ASCII bytes were replaced, by ASCII spaces.
    String::from_utf8(bytes).unwrap()
}

/// Where `needle` next occurs in `hay` from `from` on.
pub fn find_from(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    hay.get(from..)?.windows(needle.len()).position(|w| w == needle).map(|p| p + from)
}

/// True when `b` may be part of an identifier.
pub fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

/// The identifier at `at` in `code`.
pub fn ident_at(code: &[u8], at: usize) -> &str {
    let end = code[at..].iter().position(|&b| !is_ident(b)).map_or(code.len(), |p| p + at);
    std::str::from_utf8(&code[at..end]).unwrap_or("")
}

/// The 1-based line of byte `at`.
pub fn line_of(code: &[u8], at: usize) -> usize {
    code[..at].iter().filter(|&&b| b == b'\n').count() + 1
}

/// A function found in the code: its name, and its first (the `fn`
/// keyword's) and last (the closing brace's) lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Function {
    /// Its name.
    pub name: String,
    /// The line of the `fn` keyword.
    pub first: usize,
    /// The line of the closing brace of its body.
    pub last: usize,
}

impl Function {
    /// Lines from the `fn` line to the closing brace, both counted.
    pub fn lines(&self) -> usize {
        self.last - self.first + 1
    }
}

/// Every function with a body in `code` (from [`code_only`]), nested ones
/// included (they also count in the function around them). Bodiless trait
/// methods and `fn(..)` pointer types are not functions here.
pub fn functions(code: &str) -> Vec<Function> {
    let b = code.as_bytes();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(at) = find_from(b, b"fn", from) {
        from = at + 2;
        let word_start = at == 0 || !is_ident(b[at - 1]);
        let spaced = b.get(at + 2).is_some_and(|c| c.is_ascii_whitespace());
        if !word_start || !spaced {
            continue;
        }
        let mut i = at + 2;
        while b.get(i).is_some_and(|c| c.is_ascii_whitespace()) {
            i += 1;
        }
        let name = ident_at(b, i).to_string();
        if name.is_empty() {
            continue;
        }
        // The body is the first block outside the signature's brackets
        // (`[u8; 4]` holds a `;`); a `;` first means no body.
        let body = loop {
            match b.get(i) {
                None | Some(b';') => break None,
                Some(b'(') | Some(b'[') => i = closing(b, i) + 1,
                Some(b'{') => break Some(i),
                Some(_) => i += 1,
            }
        };
        if let Some(open) = body {
            out.push(Function { name, first: line_of(b, at), last: line_of(b, closing(b, open)) });
        }
    }
    out
}

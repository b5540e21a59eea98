//! The import graph of the crate and its writes to a stream, read from the
//! sources of [`super::Source`].
//!
//! An edge `a -> b` means that module `a`'s code names module `b`: a `use`
//! (each `{..}` group expanded, `as` renames followed) or a path in the code
//! (`crate::x::f()`, `super::y::T`, `self::z`, a child module `m::f()`, or a
//! name a `use` brought in: `use crate::cmd;` then `cmd::select::run()`).
//! A path leads to the deepest module (file) it names; naming an item of
//! `b` that `b` re-exports from `c` counts as `b`. Test code is not read.

use std::collections::{BTreeMap, BTreeSet};

use super::{find_from, ident_at, is_ident, Source};

/// A module as a node: its path joined with `::` (`store::sync`), `crate`
/// for lib.rs.
pub fn node(module: &[String]) -> String {
    if module.is_empty() {
        "crate".to_string()
    } else {
        module.join("::")
    }
}

/// The edges between the modules of `sources` (no edge to itself).
pub fn edges(sources: &[Source]) -> BTreeSet<(String, String)> {
    let known: BTreeSet<Vec<String>> = sources.iter().map(|s| s.module.clone()).collect();
    let mut out = BTreeSet::new();
    for s in sources {
        for target in targets(s, &known) {
            if target != s.module {
                out.insert((node(&s.module), node(&target)));
            }
        }
    }
    out
}

/// What names resolve against in one file.
struct Scope<'a> {
    module: &'a [String],
    known: &'a BTreeSet<Vec<String>>,
    /// Names that stand for a module: child modules and `use`d modules.
    aliases: BTreeMap<String, Vec<String>>,
    /// The binary names the library by its crate name.
    is_main: bool,
}

impl Scope<'_> {
    /// The absolute path `segs` stands for, if it starts in this crate.
    fn absolute(&self, segs: &[String]) -> Option<Vec<String>> {
        let (first, rest) = segs.split_first()?;
        let mut base: Vec<String> = match first.as_str() {
            "crate" | "$crate" => Vec::new(),
            "tegami" if self.is_main => Vec::new(),
            "super" => self.module[..self.module.len().saturating_sub(1)].to_vec(),
            "self" => self.module.to_vec(),
            name => self.aliases.get(name)?.clone(),
        };
        for seg in rest {
            if seg == "super" {
                base.pop();
            } else {
                base.push(seg.clone());
            }
        }
        Some(base)
    }

    /// The deepest known module that `abs` names.
    fn module_of(&self, abs: &[String]) -> Vec<String> {
        (0..=abs.len()).rev().map(|n| abs[..n].to_vec()).find(|m| self.known.contains(m)).unwrap_or_default()
    }
}

/// The modules one file names.
fn targets(s: &Source, known: &BTreeSet<Vec<String>>) -> Vec<Vec<String>> {
    let mut scope = Scope { module: &s.module, known, aliases: BTreeMap::new(), is_main: s.rel == "main.rs" };
    for child in child_modules(&s.code) {
        let m: Vec<String> = s.module.iter().cloned().chain([child.clone()]).collect();
        if known.contains(&m) {
            scope.aliases.insert(child, m);
        }
    }
    let (uses, rest) = use_trees(&s.code);
    let mut out = Vec::new();
    // Twice, for a `use` that starts from a name another `use` brought in.
    for _ in 0..2 {
        for (path, name) in &uses {
            let Some(abs) = scope.absolute(path) else { continue };
            let m = scope.module_of(&abs);
            if m == abs && name != "*" {
                scope.aliases.insert(name.clone(), m.clone());
            }
            out.push(m);
        }
    }
    for path in code_paths(&rest) {
        if let Some(abs) = scope.absolute(&path) {
            out.push(scope.module_of(&abs));
        }
    }
    // The crate root (lib.rs) declares modules and is named by none.
    out.retain(|m| !m.is_empty());
    out
}

/// The names of `mod name;` declarations.
fn child_modules(code: &str) -> Vec<String> {
    let b = code.as_bytes();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(at) = find_from(b, b"mod ", from) {
        from = at + 4;
        if at > 0 && is_ident(b[at - 1]) {
            continue;
        }
        let name = ident_at(b, at + 4);
        let after = &code[at + 4 + name.len()..];
        if !name.is_empty() && after.trim_start().starts_with(';') {
            out.push(name.to_string());
        }
    }
    out
}

/// The `use` declarations of `code`, expanded to `(path, name it binds)`
/// (`*` for a glob), and the code with them blanked.
pub fn use_trees(code: &str) -> (Vec<(Vec<String>, String)>, String) {
    let mut b = code.as_bytes().to_vec();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(at) = find_from(&b, b"use", from) {
        from = at + 3;
        let word = (at == 0 || !is_ident(b[at - 1])) && b.get(at + 3).is_some_and(|c| c.is_ascii_whitespace());
        if !word {
            continue;
        }
        let Some(end) = find_from(&b, b";", at) else { break };
        let tree: String = String::from_utf8_lossy(&b[at + 3..end]).split_whitespace().collect::<Vec<_>>().join(" ");
        expand(&[], &tree, &mut out);
        for c in &mut b[at..=end] {
            if *c != b'\n' {
                *c = b' ';
            }
        }
        from = end;
    }
    (out, String::from_utf8(b).unwrap())
}

/// Expands one use tree under `prefix`.
fn expand(prefix: &[String], tree: &str, out: &mut Vec<(Vec<String>, String)>) {
    let tree = tree.trim().trim_start_matches("::");
    if tree.is_empty() {
        return;
    }
    if let Some(open) = tree.find('{') {
        let head = tree[..open].trim().trim_end_matches("::");
        let mut p = prefix.to_vec();
        p.extend(head.split("::").map(str::trim).filter(|s| !s.is_empty()).map(str::to_string));
        let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
        let mut depth = 0;
        let mut start = 0;
        for (i, c) in inner.char_indices() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    expand(&p, &inner[start..i], out);
                    start = i + 1;
                }
                _ => {}
            }
        }
        expand(&p, &inner[start..], out);
        return;
    }
    let (path, rename) = match tree.split_once(" as ") {
        Some((p, r)) => (p.trim(), Some(r.trim())),
        None => (tree, None),
    };
    let segs: Vec<String> = path.split("::").map(|s| s.trim().to_string()).collect();
    let mut full = prefix.to_vec();
    let name = match segs.last().map(String::as_str) {
        Some("self") => prefix.last().cloned().unwrap_or_default(),
        Some("*") => {
            full.extend(segs[..segs.len() - 1].iter().cloned());
            out.push((full, "*".to_string()));
            return;
        }
        _ => segs.last().cloned().unwrap_or_default(),
    };
    full.extend(segs.into_iter().filter(|s| s != "self"));
    out.push((full, rename.unwrap_or(&name).to_string()));
}

/// Every path of two or more segments (`a::b`, `a::b::c`) in `code`.
fn code_paths(code: &str) -> Vec<Vec<String>> {
    let b = code.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let starts = is_ident(b[i]) || (b[i] == b'$' && b.get(i + 1) == Some(&b'c'));
        let fresh = i == 0 || !(is_ident(b[i - 1]) || b[i - 1] == b':' || b[i - 1] == b'$');
        if !(starts && fresh) {
            i += 1;
            continue;
        }
        let mut segs = Vec::new();
        let mut j = i;
        loop {
            let dollar = usize::from(b[j] == b'$');
            let id = ident_at(b, j + dollar);
            if id.is_empty() {
                break;
            }
            segs.push(format!("{}{id}", if dollar == 1 { "$" } else { "" }));
            j += dollar + id.len();
            if b.get(j..j + 2) == Some(b"::") && b.get(j + 2).is_some_and(|&c| is_ident(c)) {
                j += 2;
            } else {
                break;
            }
        }
        if segs.len() >= 2 {
            out.push(segs);
        }
        i = j.max(i + 1);
    }
    out
}

/// The `std::io::Write` calls that write bytes out.
const WRITE_METHODS: [&str; 5] = ["write", "write_all", "write_vectored", "write_fmt", "flush"];

/// Names that stand for the client's connection wherever they appear: the
/// session's `conn`, and the names the code gives a raw stream.
const STREAM_NAMES: [&str; 3] = ["conn", "stream", "sock"];

/// The types of a client connection (`net::Stream`, its socket, the
/// accepted TCP stream).
const STREAM_TYPES: [&str; 3] = ["Stream", "Sock", "TcpStream"];

/// A write to a stream: the line, and the receiver as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamWrite {
    /// The 1-based line of the call.
    pub line: usize,
    /// The receiver expression (`s.conn.get_mut()`).
    pub receiver: String,
}

/// The writes in `code` to a client stream: a call of a method of
/// [`WRITE_METHODS`] (or `Write::name(x, ..)`, `write!(x, ..)`,
/// `writeln!(x, ..)`) whose receiver names one of [`STREAM_NAMES`] or a
/// name this file binds to one of [`STREAM_TYPES`] (a `let` from
/// `Stream::..`, or a parameter or field typed so).
pub fn stream_writes(code: &str) -> Vec<StreamWrite> {
    let b = code.as_bytes();
    let mut names: BTreeSet<String> = STREAM_NAMES.iter().map(|s| s.to_string()).collect();
    names.extend(bound_to_streams(code));
    let mut out = Vec::new();
    for (at, receiver) in write_calls(b) {
        let idents: Vec<&str> = receiver.split(|c: char| !(c.is_alphanumeric() || c == '_')).collect();
        if idents.iter().any(|i| names.contains(*i)) {
            out.push(StreamWrite { line: super::line_of(b, at), receiver });
        }
    }
    out
}

/// Names bound to a stream type in `code`: `name: Stream`, `name: &mut
/// TcpStream`, `name: Reader<Stream>`, `let [mut] name = Stream::..`,
/// `let Ok(mut name) = Stream::..`.
fn bound_to_streams(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in code.lines() {
        for ty in STREAM_TYPES {
            // `name: [&][mut ]Type` or `name: Reader<Type>`.
            for (i, _) in line.match_indices(':') {
                let after = line[i + 1..].trim_start().trim_start_matches('&').trim_start();
                let after = after.strip_prefix("mut ").unwrap_or(after).trim_start();
                let after = after.strip_prefix("Reader<").unwrap_or(after);
                let named = after.strip_prefix(ty).is_some_and(|r| !r.starts_with(|c: char| c.is_alphanumeric()));
                let before = line[..i].trim_end();
                let name = before.rsplit(|c: char| !(c.is_alphanumeric() || c == '_')).next().unwrap_or("");
                if named && !name.is_empty() && !line[..i].ends_with(':') {
                    out.push(name.to_string());
                }
            }
            // `let pattern = Type::..`: the last name of the pattern.
            if let Some(eq) = line.find(&format!("= {ty}::")) {
                if let Some(l) = line[..eq].rfind("let ") {
                    let pattern = &line[l + 4..eq];
                    let last = pattern.split(|c: char| !(c.is_alphanumeric() || c == '_')).rfind(|w| !w.is_empty());
                    out.extend(last.map(str::to_string));
                }
            }
        }
    }
    out
}

/// Every write call in `b`: where it is, and its receiver.
fn write_calls(b: &[u8]) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for m in WRITE_METHODS {
        // `.write_all(`: the receiver is the postfix chain before the dot.
        let pat = format!(".{m}(");
        let mut from = 0;
        while let Some(at) = find_from(b, pat.as_bytes(), from) {
            from = at + 1;
            out.push((at, receiver_before(b, at)));
        }
        // `Write::write_all(&mut x, ..)`: the receiver is the first argument.
        let pat = format!("Write::{m}(");
        from = 0;
        while let Some(at) = find_from(b, pat.as_bytes(), from) {
            from = at + 1;
            out.push((at, first_argument(b, at + pat.len())));
        }
    }
    for mac in ["write!(", "writeln!("] {
        let mut from = 0;
        while let Some(at) = find_from(b, mac.as_bytes(), from) {
            from = at + 1;
            if at == 0 || !is_ident(b[at - 1]) {
                out.push((at, first_argument(b, at + mac.len())));
            }
        }
    }
    out.sort();
    out
}

/// The postfix expression that ends at `dot` (`s.conn.get_mut()`,
/// `self.0.file.lock()`, `x?`).
fn receiver_before(b: &[u8], dot: usize) -> String {
    let mut i = dot;
    while i > 0 {
        let c = b[i - 1];
        if is_ident(c) || c == b'.' || c == b'?' {
            i -= 1;
        } else if c == b')' || c == b']' {
            // Back over a balanced group.
            let (open, close) = if c == b')' { (b'(', b')') } else { (b'[', b']') };
            let mut depth = 0;
            while i > 0 {
                i -= 1;
                if b[i] == close {
                    depth += 1;
                } else if b[i] == open {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
            }
        } else {
            break;
        }
    }
    String::from_utf8_lossy(&b[i..dot]).trim().to_string()
}

/// The first argument of a call whose arguments start at `from`.
fn first_argument(b: &[u8], from: usize) -> String {
    let mut depth = 0;
    let mut i = from;
    while i < b.len() {
        match b[i] {
            b'(' | b'[' | b'{' => depth += 1,
            b')' | b']' | b'}' if depth == 0 => break,
            b')' | b']' | b'}' => depth -= 1,
            b',' if depth == 0 => break,
            _ => {}
        }
        i += 1;
    }
    String::from_utf8_lossy(&b[from..i]).trim().to_string()
}

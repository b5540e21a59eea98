//! Issue 22, Must show 3: replies are typed. No `Response::Raw`, no raw
//! untagged text (`s.untagged(format!(…))`, `untagged_bytes`), and no
//! response code written as a string (`"[NONEXISTENT] …"`, `"NO [TOOBIG]
//! …"`) outside the renderer (`src/proto/code.rs`, `src/proto/untagged.rs`),
//! which alone writes `[CODE …]`. Read from the source files, so a new
//! string code fails here. What is left in files other helpers are
//! splitting is listed exactly in [`ALLOWED`]; an entry that no longer
//! matches anything fails too, so the list only shrinks.

mod scan;

use std::path::Path;

/// The renderer: the only files that may spell a code.
const RENDERER: &[&str] = &["src/proto/code.rs", "src/proto/untagged.rs"];

/// What remains, as (file, text of the offending line): nothing since
/// the FETCH split and the command table typed theirs. Exact: an entry
/// that matches nothing fails, so the list only shrinks.
const ALLOWED: &[(&str, &str)] = &[];

/// One thing found: the file, the 1-based line, what rule, the line.
#[derive(Debug, Clone, PartialEq)]
struct Finding {
    file: String,
    line: usize,
    rule: &'static str,
    text: String,
}

/// Test code is left out: files of tests, and everything from the first
/// `#[cfg(test)]` on (test modules close the files of this tree).
fn is_test_file(path: &str) -> bool {
    path.ends_with("_tests.rs") || path.ends_with("/tests.rs") || path.contains("/tests/")
}

/// The code of a line without its `//` comment (a `//` inside a string,
/// such as a URL, is kept).
fn without_comment(line: &str) -> &str {
    let mut in_str = false;
    let b = line.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' if in_str => i += 1,
            b'"' => in_str = !in_str,
            b'\'' if !in_str => i += char_literal_len(&b[i..]).saturating_sub(1),
            b'/' if !in_str && b.get(i + 1) == Some(&b'/') => return &line[..i],
            _ => {}
        }
        i += 1;
    }
    line
}

/// The length of a char literal at the start of `b` (`'x'`, `'\n'`,
/// `'"'`), or 1 for a lifetime's quote.
fn char_literal_len(b: &[u8]) -> usize {
    if b.get(1) == Some(&b'\\') {
        return b[2..].iter().position(|&c| c == b'\'').map_or(1, |p| p + 3);
    }
    if b.get(2) == Some(&b'\'') {
        return 3;
    }
    1
}

/// The string literals of a line, as written between their quotes.
fn literals(line: &str) -> Vec<&str> {
    let b = line.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\'' => i += char_literal_len(&b[i..]),
            b'"' => {
                let start = i + 1;
                let mut j = start;
                while j < b.len() && b[j] != b'"' {
                    j += if b[j] == b'\\' { 2 } else { 1 };
                }
                out.push(&line[start..j.min(b.len())]);
                i = j + 1;
            }
            _ => i += 1,
        }
    }
    out
}

/// True when a literal starts with a response code, alone or after a
/// status word: `[CODE`, `OK [CODE`, `NO [CODE`, `BAD [CODE`, `* OK [CODE`
/// (a code name is upper-case letters, digits and `-`, then `]` or a
/// space). Prose that mentions a code mid-sentence (flag help) is not a
/// reply.
fn starts_with_code(lit: &str) -> bool {
    let rest = lit.strip_prefix("* ").unwrap_or(lit);
    let rest = ["OK ", "NO ", "BAD ", "BYE "].iter().find_map(|w| rest.strip_prefix(w)).unwrap_or(rest);
    let Some(rest) = rest.strip_prefix('[') else { return false };
    let name_len =
        rest.find(|c: char| !(c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-')).unwrap_or(rest.len());
    name_len >= 2 && rest[name_len..].starts_with([']', ' '])
}

/// Every violation in one file's text.
fn scan(file: &str, text: &str) -> Vec<Finding> {
    let mut out = Vec::new();
    if is_test_file(file) {
        return out;
    }
    let renderer = RENDERER.contains(&file);
    for (n, raw) in text.lines().enumerate() {
        if raw.trim_start().starts_with("#[cfg(test)]") {
            break;
        }
        let code = without_comment(raw);
        let mut hit = |rule: &'static str| {
            out.push(Finding { file: file.to_string(), line: n + 1, rule, text: raw.trim().to_string() })
        };
        if code.contains("Response::Raw") {
            hit("Response::Raw");
        }
        let squeezed: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        if squeezed.contains("untagged(format!") || squeezed.contains("untagged(&format!") {
            hit("untagged(format!)");
        }
        if code.contains(".untagged_bytes(") || code.contains(".untagged_raw(") {
            hit("raw untagged bytes");
        }
        if !renderer && literals(code).iter().any(|l| starts_with_code(l)) {
            hit("response code as a string");
        }
    }
    out
}

fn src_findings() -> Vec<Finding> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    for p in scan::rust_files(&root.join("src")) {
        let rel = p.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
        out.extend(scan(&rel, &std::fs::read_to_string(&p).unwrap()));
    }
    out.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    out
}

fn allowed(f: &Finding) -> bool {
    ALLOWED.iter().any(|(file, text)| f.file == *file && f.text.contains(text))
}

#[test]
fn no_untyped_reply_outside_the_renderer() {
    let findings = src_findings();
    let bad: Vec<String> = findings
        .iter()
        .filter(|f| !allowed(f))
        .map(|f| format!("{}:{} {}: {}", f.file, f.line, f.rule, f.text))
        .collect();
    assert!(bad.is_empty(), "untyped replies (use Reply/Code and typed Response variants):\n{}", bad.join("\n"));
}

#[test]
fn every_allowlist_entry_is_still_needed() {
    let findings = src_findings();
    let stale: Vec<String> = ALLOWED
        .iter()
        .filter(|(file, text)| !findings.iter().any(|f| f.file == *file && f.text.contains(text)))
        .map(|(file, text)| format!("{file}: {text}"))
        .collect();
    assert!(stale.is_empty(), "allowlist entries that match nothing any more (remove them):\n{}", stale.join("\n"));
}

#[test]
fn the_scanner_catches_each_pattern() {
    let rules = |text: &str| scan("src/cmd/x.rs", text).into_iter().map(|f| f.rule).collect::<Vec<_>>();
    assert_eq!(rules("    s.respond(Response::Raw(b\"ID NIL\".to_vec()));"), ["Response::Raw"]);
    assert_eq!(
        rules("    s.untagged(&format!(\"OK [UNSEEN {}] First\", n));"),
        ["untagged(format!)", "response code as a string"]
    );
    assert_eq!(rules("    s.untagged( format!(\"SORT {n}\"));"), ["untagged(format!)"]);
    assert_eq!(rules("    s.untagged_bytes(&line);"), ["raw untagged bytes"]);
    for line in [
        "Err(Reply::No(\"[NONEXISTENT] No such mailbox\".into()))",
        "Ok(format!(\"[APPENDUID {v} {uids}] APPEND completed\"))",
        "response: format!(\"NO [TOOBIG] Literal too large\"),",
        "Frame::Fatal { tag, response: \"BAD [TOOBIG] x\".into() }",
        "let s = \"* OK [ALERT] hello\";",
        "out.extend_from_slice(b\"OK [PERMANENTFLAGS \");",
        "let t = \"[READ-ONLY]\"; // a comment",
    ] {
        assert_eq!(rules(line), ["response code as a string"], "{line}");
    }
    // Not replies: prose in help text, IPv6 literals, subjects, comments,
    // char literals next to brackets, and test code.
    for line in [
        "doc: \"a literal over the limit is answered NO [TOOBIG] at once\",",
        "arg: Arg::Required(\"[ADDR:]PORT\"),",
        "match s.strip_prefix(\"[FWD:\") {",
        "// s.untagged(&format!(\"OK [UNSEEN {n}]\"));",
        "out.push(b'\"'); out.push(b'['); let x = \"a\";",
        "let a = \"[a] hello\";",
    ] {
        assert!(rules(line).is_empty(), "{line}");
    }
    assert!(rules("fn f() {}\n#[cfg(test)]\nmod tests { const X: &str = \"[CANNOT] x\"; }").is_empty());
    assert!(scan("src/proto/untagged_tests.rs", "let s = \"* OK [CLOSED] x\";").is_empty());
    // The renderer may write codes, not raw untagged data.
    assert!(scan("src/proto/code.rs", "out.extend_from_slice(b\"[CLOSED]\");").is_empty());
    assert_eq!(scan("src/proto/untagged.rs", "Response::Raw(b) => {}").len(), 1);
    // The allowlist matches by file and text: the same line elsewhere is caught.
    let elsewhere =
        scan("src/cmd/select.rs", "Reply::No(\"[SERVERBUG] Some of the requested messages could not be read\".into())");
    assert!(!elsewhere.is_empty() && !elsewhere.iter().any(allowed));
}

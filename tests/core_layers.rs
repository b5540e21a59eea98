//! Issue 10, Must show 7: the layers of STYLE.md hold. The protocol layer
//! (`src/proto/`) knows nothing of the store and the store (`src/store/`)
//! nothing of the protocol; the session (`src/session/`) reaches `cmd/`
//! only through its dispatch entry points, never a handler. Read from the
//! source files, so a new `use` that breaks a rule fails here.

use std::path::{Path, PathBuf};

/// What the session may call in `cmd/`: the table's dispatch and what it
/// builds (capabilities), and the log masking of commands.
const SESSION_MAY_USE: &[&str] = &["execute", "execute_streamed", "capabilities", "masked_for_log"];

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(rust_files(&p));
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
    out
}

/// The source without comments (line comments and doc comments), so a
/// comment naming another layer is not taken for an import.
fn code_of(text: &str) -> String {
    text.lines().map(|l| l.find("//").map_or(l, |i| &l[..i])).collect::<Vec<_>>().join("\n")
}

fn ident_at(s: &str) -> &str {
    let end = s.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(s.len());
    &s[..end]
}

/// Every path that code names under `root::` (such as `crate::`): the
/// first two segments, each `{a, b::c}` group expanded one level. A
/// `use crate::{store, ...}` counts as `store`.
fn paths_under(code: &str, root: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let pat = format!("{root}::");
    let mut rest = code;
    while let Some(i) = rest.find(&pat) {
        // `foo_crate::` is not `crate::`.
        let before = rest[..i].chars().last();
        rest = &rest[i + pat.len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        let mut heads: Vec<&str> = Vec::new();
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            heads.extend(group[..end].split(',').map(str::trim).filter(|h| !h.is_empty()));
        } else {
            heads.push(rest);
        }
        for h in heads {
            let first = ident_at(h).to_string();
            let after = &h[first.len()..];
            let second = after.strip_prefix("::").map(|a| ident_at(a).to_string()).unwrap_or_default();
            out.push((first, second));
        }
    }
    out
}

/// The rule violations in one file of `layer`.
fn violations(layer: &str, text: &str) -> Vec<String> {
    let code = &code_of(text);
    let mut bad = Vec::new();
    let mut names = paths_under(code, "crate");
    // In a layer's own modules, `super::` reaches its siblings only, except
    // from the layer's mod.rs children, so `super::super::` is what leaves.
    names.extend(paths_under(code, "super::super"));
    for (first, second) in names {
        match layer {
            "proto" if first == "store" => bad.push(format!("proto uses crate::store::{second}")),
            "store" if first == "proto" => bad.push(format!("store uses crate::proto::{second}")),
            _ => {}
        }
    }
    if layer == "session" {
        // `crate::cmd::x`, or `use crate::cmd;` then `cmd::append::streamed(...)`.
        for (first, second) in paths_under(code, "cmd") {
            let name = if second.is_empty() { first } else { format!("{first}::{second}") };
            if name != "self" && !SESSION_MAY_USE.contains(&name.as_str()) {
                bad.push(format!("session uses cmd::{name}"));
            }
        }
    }
    bad
}

#[test]
fn proto_store_and_session_keep_to_their_layers() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut bad = Vec::new();
    let mut seen = 0;
    for layer in ["proto", "store", "session"] {
        for f in rust_files(&src.join(layer)) {
            seen += 1;
            for v in violations(layer, &std::fs::read_to_string(&f).unwrap()) {
                bad.push(format!("{}: {v}", f.strip_prefix(&src).unwrap().display()));
            }
        }
    }
    assert!(seen > 20, "only {seen} files read: wrong directory?");
    assert!(bad.is_empty(), "layering broken:\n{}", bad.join("\n"));
}

#[test]
fn the_checker_sees_each_kind_of_violation() {
    assert_eq!(violations("proto", "use crate::store::Flags;"), ["proto uses crate::store::Flags"]);
    assert_eq!(violations("proto", "use crate::{mutf7, store::name};"), ["proto uses crate::store::name"]);
    assert_eq!(violations("store", "fn f() { crate::proto::utf7::encode(x) }"), ["store uses crate::proto::utf7"]);
    assert_eq!(violations("session", "use crate::cmd::flags::flag_list;"), ["session uses cmd::flags::flag_list"]);
    assert_eq!(
        violations("session", "use crate::cmd;\nfn f() { cmd::append::streamed(s) }"),
        ["session uses cmd::append::streamed"]
    );
    assert!(violations("session", "use crate::cmd;\nfn f() { cmd::execute(s, c) }").is_empty());
    assert_eq!(
        violations("session", "use crate::cmd::{self, resolve::Target};"),
        ["session uses cmd::resolve::Target"]
    );
    assert!(violations("proto", "// see crate::store::Flags\nuse crate::mutf7;").is_empty());
    assert!(violations("store", "use crate::mutf7;").is_empty());
}

//! Issue 10, Must show 7: the layers of STYLE.md hold. The protocol layer
//! (`src/proto/`) knows nothing of the store and the store (`src/store/`)
//! nothing of the protocol; the session (`src/session/`) reaches `cmd/`
//! only through its dispatch entry points, never a handler. Read from the
//! source files, so a new `use` that breaks a rule fails here.
//!
//! Issue 22, Must show 1: the whole import graph, read the same way (see
//! `graph` below): no cycle among the top-level modules of `src/` nor among
//! the files of `src/store/`; the handlers in `cmd/` do not import each
//! other; only the writer writes to the client's stream. What other work
//! is cutting now is listed, exactly, so each list only shrinks.

mod scan;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// What the session may call in `cmd/`: the table's dispatch, what it
/// returns (a command's outcome, or an effect the session carries out)
/// and builds (capabilities), the steps of what the session reads for a
/// command (AUTHENTICATE's SASL exchange, a streamed APPEND's upload), and
/// the log masking of commands. (The
/// session's sync takes nothing from handler files: kept SORT results are
/// `mail::sorted`, NOTIFY's watched set `mail::watched`, its FETCH of new
/// messages `mail::fetch`.)
const SESSION_MAY_USE: &[&str] =
    &["execute", "capabilities", "masked_for_log", "Ran", "Done", "Effect", "Exchange", "Upload", "Outcome"];

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
        for f in scan::rust_files(&src.join(layer)) {
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

// ---- Issue 22, Must show 1: the whole import graph ----

/// An edge `from -> to` between modules, by their paths (`store::sync`);
/// for the files of `cmd/`, by the file's name alone (`list`).
type Edge = (&'static str, &'static str);

/// Top-level edges that close an import cycle today, one per cycle (the
/// edge that goes the wrong way). Exact: an edge listed that is gone or no
/// longer closes a cycle fails, so the list only shrinks.
const TOP_LEVEL_BEING_CUT: &[Edge] = &[];

/// The same for the files of `store/` and its directories (Build 7, the
/// store model apart, cut the last ones: `mailbox/mod.rs` holds the data
/// and names none of its children, `registry.rs` holds the registry that
/// `account.rs` builds on, `special_use.rs` the enum it decides).
const STORE_BEING_CUT: &[Edge] = &[];

/// Handlers that import other handlers today. Exact, like the lists above.
const HANDLERS_CALLING_HANDLERS: &[Edge] = &[];

/// Files that may write to a client stream: the response writer and the
/// stream itself. The monitor (`monitor/`) serves HTTP on sockets of its
/// own, not an IMAP client's, and so does nginx's auth_http endpoint
/// (`authhttp/`); the AgentX subagent (`agentx/`) speaks to snmpd on a
/// socket of its own.
///
/// "Writing to the stream", precisely (`scan::graph::stream_writes`): a
/// call of `write`, `write_all`, `write_vectored`, `write_fmt` or `flush`
/// (as a method, or as `Write::name(first, ..)`), or a `write!`/`writeln!`,
/// whose receiver (the postfix chain before the dot, or the first
/// argument) names the session's `conn`, a `stream` or `sock`, or a name
/// the same file binds to a `Stream`, `Sock` or `TcpStream` (a parameter or
/// field of that type, or a `let` from `Stream::..`). Sending through the
/// session (`s.flush()`, `s.write_direct(..)`) goes through the writer and
/// is no such write; neither is writing a file or a cache.
const WRITERS: &[&str] = &["session/writer.rs", "net/"];
const OTHER_PROTOCOLS: &[&str] = &["monitor/", "agentx/", "authhttp/"];

/// Writes to a client stream outside the writer, as `path function`.
/// Exact, like the lists above.
const WRITES_OUTSIDE_THE_WRITER: &[&str] = &[];

/// The allowlists the checks run with (the real ones, or a synthetic
/// test's).
struct Lists<'a> {
    top: &'a [Edge],
    store: &'a [Edge],
    handlers: &'a [Edge],
    writes: &'a [&'a str],
}

const TODAY: Lists<'static> = Lists {
    top: TOP_LEVEL_BEING_CUT,
    store: STORE_BEING_CUT,
    handlers: HANDLERS_CALLING_HANDLERS,
    writes: WRITES_OUTSIDE_THE_WRITER,
};

type Graph = BTreeSet<(String, String)>;

/// The nodes `from` reaches in `g`.
fn reachable(g: &Graph, from: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut todo = vec![from.to_string()];
    while let Some(n) = todo.pop() {
        for (_, b) in g.range((n.clone(), String::new())..).take_while(|(a, _)| *a == n) {
            if seen.insert(b.clone()) {
                todo.push(b.clone());
            }
        }
    }
    seen
}

/// The strongly connected parts of `g` with more than one node.
fn cycles(g: &Graph) -> Vec<Vec<String>> {
    let nodes: BTreeSet<&String> = g.iter().flat_map(|(a, b)| [a, b]).collect();
    let reach: BTreeMap<&String, BTreeSet<String>> = nodes.iter().map(|n| (*n, reachable(g, n))).collect();
    let mut out: Vec<Vec<String>> = Vec::new();
    for n in &nodes {
        let part: Vec<String> = nodes
            .iter()
            .filter(|m| reach[*n].contains(**m) && reach[**m].contains(*n))
            .map(|m| m.to_string())
            .collect();
        if part.len() > 1 && !out.contains(&part) {
            out.push(part);
        }
    }
    out
}

/// The violations of one acyclic-graph rule: cycles left once the listed
/// edges are taken out, and listed edges that are gone or close no cycle.
fn cycle_violations(what: &str, g: &Graph, listed: &[Edge], list_name: &str) -> Vec<String> {
    let mut bad = Vec::new();
    for &(a, b) in listed {
        let edge = (a.to_string(), b.to_string());
        if !g.contains(&edge) || !reachable(g, b).contains(a) {
            bad.push(format!("{list_name}: {a} -> {b} no longer closes a cycle among {what}: take it off"));
        }
    }
    let cut: Graph = g.iter().filter(|(a, b)| !listed.contains(&(a.as_str(), b.as_str()))).cloned().collect();
    for part in cycles(&cut) {
        let inside: Vec<String> = cut
            .iter()
            .filter(|(a, b)| part.contains(a) && part.contains(b))
            .map(|(a, b)| format!("{a} -> {b}"))
            .collect();
        bad.push(format!("import cycle among {what}: {} ({})", part.join(", "), inside.join(", ")));
    }
    bad
}

/// The violations of the cmd/ rule: handlers importing handlers, against
/// the list. (The libraries that were in `cmd/` are the mail layer now,
/// `mail/`, which the top-level cycle rule keeps from importing `cmd/`.)
fn cmd_violations(g: &Graph, lists: &Lists) -> Vec<String> {
    let mut bad = Vec::new();
    let mut seen: Vec<(String, String)> = Vec::new();
    for (a, b) in g {
        let (Some(a), Some(b)) = (a.strip_prefix("cmd::"), b.strip_prefix("cmd::")) else { continue };
        // A handler kept in a directory (`cmd/fetch/`) is one handler with
        // its parts: the parts may import each other.
        let (a, b) = (a.split("::").next().unwrap_or(a), b.split("::").next().unwrap_or(b));
        if a == b {
            continue;
        }
        seen.push((a.to_string(), b.to_string()));
        if !lists.handlers.contains(&(a, b)) {
            bad.push(format!("handler cmd::{a} imports handler cmd::{b}"));
        }
    }
    for &(a, b) in lists.handlers {
        if !seen.contains(&(a.to_string(), b.to_string())) {
            bad.push(format!("HANDLERS_CALLING_HANDLERS: cmd::{a} -> cmd::{b} is gone: take it off"));
        }
    }
    bad
}

/// The writes to a client stream outside the writer, against the list.
fn write_violations(sources: &[scan::Source], lists: &Lists) -> Vec<String> {
    let mut bad = Vec::new();
    let mut found = BTreeSet::new();
    for s in sources {
        if WRITERS.iter().chain(OTHER_PROTOCOLS).any(|w| s.rel == *w || (w.ends_with('/') && s.rel.starts_with(w))) {
            continue;
        }
        let functions = scan::functions(&s.code);
        for w in scan::graph::stream_writes(&s.code) {
            // The innermost function around the write names it.
            let f = functions.iter().filter(|f| f.first <= w.line && w.line <= f.last).min_by_key(|f| f.lines());
            let key = format!("{} {}", s.rel, f.map_or("(outside a function)", |f| f.name.as_str()));
            if !lists.writes.contains(&key.as_str()) {
                bad.push(format!("{}:{}: writes to the stream ({}) outside the writer", s.rel, w.line, w.receiver));
            }
            found.insert(key);
        }
    }
    for w in lists.writes {
        if !found.contains(*w) {
            bad.push(format!("WRITES_OUTSIDE_THE_WRITER: {w} writes no more: take it off"));
        }
    }
    bad
}

/// Every violation of the graph rules in `sources`.
fn graph_violations(sources: &[scan::Source], lists: &Lists) -> Vec<String> {
    let edges = scan::graph::edges(sources);
    let top_of = |n: &str| n.split("::").next().unwrap_or(n).to_string();
    let top: Graph = edges
        .iter()
        .map(|(a, b)| (top_of(a), top_of(b)))
        .filter(|(a, b)| a != b && a != "crate" && b != "crate")
        .collect();
    let store: Graph = edges.iter().filter(|(a, b)| top_of(a) == "store" && top_of(b) == "store").cloned().collect();
    let mut bad = cycle_violations("the top-level modules of src/", &top, lists.top, "TOP_LEVEL_BEING_CUT");
    bad.extend(cycle_violations("the files of src/store/", &store, lists.store, "STORE_BEING_CUT"));
    bad.extend(cmd_violations(&edges, lists));
    bad.extend(write_violations(sources, lists));
    bad
}

#[test]
fn the_import_graph_keeps_its_rules() {
    let bad = graph_violations(&scan::crate_sources(), &TODAY);
    assert!(bad.is_empty(), "the import graph breaks its rules:\n{}", bad.join("\n"));
}

#[test]
fn the_graph_reader_sees_every_kind_of_path() {
    let files = [
        ("lib.rs", "pub mod a; pub mod b; pub mod c; pub mod d; pub mod e; pub mod f;"),
        ("a/mod.rs", "pub mod x;\nuse x::Thing;\nuse crate::{b, c::{self as cc}};\nfn f() { b::run(); }"),
        ("a/x.rs", "use super::super::d::*;\nfn g() { crate::e::go(\"crate::f::no\") } // crate::f::no"),
        ("b.rs", "pub fn run() { let s = \"{\"; }"),
        ("c.rs", "use crate::b as bee;\nfn h() { bee::run() }"),
        ("d.rs", "#[cfg(test)]\nmod tests { use crate::f::Z; }"),
        ("e.rs", "use std::io; fn go() { io::stdout(); }"),
        ("f.rs", ""),
    ];
    let got: Vec<String> =
        scan::graph::edges(&scan::sources_of(&files)).into_iter().map(|(a, b)| format!("{a} -> {b}")).collect();
    assert_eq!(got, ["a -> a::x", "a -> b", "a -> c", "a::x -> d", "a::x -> e", "c -> b"]);
}

/// A synthetic tree that keeps every rule, to break one at a time.
fn clean_tree() -> Vec<(&'static str, String)> {
    vec![
        ("lib.rs", "pub mod cmd; pub mod session; pub mod store; pub mod net;".into()),
        ("session/mod.rs", "pub mod writer;\nuse crate::cmd;\nfn run() { cmd::execute(); }".into()),
        ("session/writer.rs", "use std::io::Write;\nfn out(stream: &mut Stream) { stream.write_all(b\"x\"); }".into()),
        ("net/mod.rs", "fn f(sock: &mut Sock) { sock.flush(); }".into()),
        ("cmd/mod.rs", "pub mod list; pub mod select;\nuse crate::store::Store;".into()),
        (
            "cmd/list.rs",
            "use super::Reply;\nuse crate::store::Store;\nfn list(f: &mut File) { f.write_all(b\"\"); }".into(),
        ),
        ("cmd/select.rs", "fn select(s: &mut S) { s.flush(); }".into()),
        ("store/mod.rs", "pub mod a; pub mod b;\npub use a::A;".into()),
        ("store/a.rs", "use super::b::B;".into()),
        ("store/b.rs", "".into()),
    ]
}

fn violations_of(tree: &[(&'static str, String)], lists: &Lists) -> Vec<String> {
    graph_violations(&scan::sources_of(tree), lists)
}

const NONE: Lists<'static> = Lists { top: &[], store: &[], handlers: &[], writes: &[] };

/// `tree` with the file `rel` given `text`.
fn with(rel: &'static str, text: &str) -> Vec<(&'static str, String)> {
    let mut t: Vec<(&'static str, String)> = clean_tree().into_iter().filter(|(r, _)| *r != rel).collect();
    t.push((rel, text.to_string()));
    t
}

#[test]
fn the_graph_checker_catches_each_kind_of_violation() {
    assert!(violations_of(&clean_tree(), &NONE).is_empty(), "{:?}", violations_of(&clean_tree(), &NONE));

    // A cycle among top-level modules: the store names the session.
    let t = with("store/b.rs", "fn f() { crate::session::run() }");
    assert_eq!(
        violations_of(&t, &NONE),
        ["import cycle among the top-level modules of src/: cmd, session, store (cmd -> store, session -> cmd, store -> session)"]
    );
    // Listed, it passes; listed while it does not exist, it is stale.
    assert!(violations_of(&t, &Lists { top: &[("store", "session")], ..NONE }).is_empty());
    assert_eq!(
        violations_of(&clean_tree(), &Lists { top: &[("store", "session")], ..NONE }),
        ["TOP_LEVEL_BEING_CUT: store -> session no longer closes a cycle among the top-level modules of src/: take it off"]
    );

    // A cycle among the files of store/.
    let t = with("store/b.rs", "use super::a::A;");
    assert_eq!(
        violations_of(&t, &NONE),
        ["import cycle among the files of src/store/: store::a, store::b (store::a -> store::b, store::b -> store::a)"]
    );
    assert!(violations_of(&t, &Lists { store: &[("store::b", "store::a")], ..NONE }).is_empty());
    // Inside a directory of store/: a child may name its parent (the
    // parts of `impl MailboxShared` in `mailbox/`), but a parent that names
    // a child back closes a cycle too.
    let mut t = with("store/d/mod.rs", "mod part;\npub struct D;");
    t.push(("store/d/part.rs", "use super::D;\nimpl D { fn go(&self) {} }".into()));
    assert!(violations_of(&t, &NONE).is_empty(), "{:?}", violations_of(&t, &NONE));
    let mut t = with("store/d/mod.rs", "mod part;\npub struct D { p: part::P }");
    t.push(("store/d/part.rs", "use super::D;\npub struct P;".into()));
    assert_eq!(
        violations_of(&t, &NONE),
        ["import cycle among the files of src/store/: store::d, store::d::part (store::d -> store::d::part, store::d::part -> store::d)"]
    );

    // A handler importing a handler, with and without `use`.
    let t = with("cmd/list.rs", "use super::select;\nfn f() { select::select() }");
    assert_eq!(violations_of(&t, &NONE), ["handler cmd::list imports handler cmd::select"]);
    let t = with("cmd/list.rs", "fn f() { crate::cmd::select::select() }");
    assert_eq!(violations_of(&t, &NONE), ["handler cmd::list imports handler cmd::select"]);
    assert!(violations_of(&t, &Lists { handlers: &[("list", "select")], ..NONE }).is_empty());
    assert_eq!(
        violations_of(&clean_tree(), &Lists { handlers: &[("list", "select")], ..NONE }),
        ["HANDLERS_CALLING_HANDLERS: cmd::list -> cmd::select is gone: take it off"]
    );
    // A handler kept in a directory is one handler: its parts import each
    // other freely, but a part importing another handler is caught.
    let mut t = with("cmd/mod.rs", "pub mod list; pub mod select; pub mod fetch;");
    t.push(("cmd/fetch/mod.rs", "mod plan;\nuse plan::Plan;".into()));
    t.push(("cmd/fetch/plan.rs", "use super::super::select;\nfn f() { super::run(); select::select() }".into()));
    assert_eq!(violations_of(&t, &NONE), ["handler cmd::fetch imports handler cmd::select"]);
    // The mail layer importing a handler closes a cycle (cmd -> mail).
    let mut t = with("lib.rs", "pub mod cmd; pub mod session; pub mod store; pub mod net; pub mod mail;");
    t.push(("mail/mod.rs", "pub fn resolve() { crate::cmd::list::list() }".into()));
    t.retain(|(r, _)| *r != "cmd/list.rs");
    t.push(("cmd/list.rs", "use crate::mail;\nfn list() { mail::resolve() }".into()));
    assert_eq!(
        violations_of(&t, &NONE),
        ["import cycle among the top-level modules of src/: cmd, mail (cmd -> mail, mail -> cmd)"]
    );

    // Writes to the stream outside the writer, in each form.
    for (code, receiver) in [
        ("fn f(s: &mut Session) { s.conn.get_mut().write_all(b\"* OK\\r\\n\") }", "s.conn.get_mut()"),
        ("fn f(s: &mut Session) { let _ = s.conn.get_mut().flush(); }", "s.conn.get_mut()"),
        ("fn f(mut t: TcpStream) { t.write(b\"x\"); }", "t"),
        ("fn f() { if let Ok(mut x) = Stream::accept_tls(a, b) { x.flush(); } }", "x"),
        ("fn f(w: &mut Writer) { std::io::Write::write_all(&mut w.stream, b\"x\"); }", "&mut w.stream"),
        ("fn f(sock: Sock) { write!(sock, \"* BYE\\r\\n\"); }", "sock"),
    ] {
        let t = with("cmd/select.rs", code);
        assert_eq!(
            violations_of(&t, &NONE),
            [format!("cmd/select.rs:1: writes to the stream ({receiver}) outside the writer")],
            "{code}"
        );
        assert!(violations_of(&t, &Lists { writes: &["cmd/select.rs f"], ..NONE }).is_empty(), "{code}");
    }
    // Files, caches and the session's own (writer-backed) flush are no stream.
    let t = with("cmd/select.rs", "fn f(s: &mut S, file: File) { s.flush(); file.write_all(b\"\"); cache.flush(); }");
    assert!(violations_of(&t, &NONE).is_empty());
    assert_eq!(
        violations_of(&clean_tree(), &Lists { writes: &["cmd/select.rs f"], ..NONE }),
        ["WRITES_OUTSIDE_THE_WRITER: cmd/select.rs f writes no more: take it off"]
    );
}

/// Issue 22, Must show 5: the picture in `src/lib.rs`'s crate doc names
/// the layers the tree has. Each module of the request's path (and those
/// beside it on sockets of their own) appears in the picture, and each
/// word of the picture that looks like a module path (`name::item` or a
/// layer's name) is a module of `src/`.
#[test]
fn the_crate_doc_picture_matches_the_tree() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let lib = std::fs::read_to_string(src.join("lib.rs")).unwrap();
    let start = lib.find("//! ```text").expect("a picture in the crate doc");
    let end = start + lib[start..].find("//! ```\n").expect("the picture ends");
    let picture = &lib[start..end];
    let modules: BTreeSet<String> = lib
        .lines()
        .filter_map(|l| l.strip_prefix("pub mod ").and_then(|r| r.strip_suffix(';')))
        .map(String::from)
        .collect();
    let layers = [
        "net", "server", "origin", "session", "client", "proto", "cmd", "mail", "store", "monitor", "agentx",
        "authhttp", "activity",
    ];
    for layer in layers {
        assert!(modules.contains(layer), "{layer} is no module of src/ any more: redraw the picture");
        assert!(
            picture.split(|c: char| !(c.is_alphanumeric() || c == '_')).any(|w| w == layer),
            "the picture does not name {layer}"
        );
    }
    // `a::b` in the picture: `a` is a module and `b` one of its files or
    // items (a file `src/a/b.rs`, `src/a/b/`, or `fn b`/`mod b` in `src/a`).
    for word in picture.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':')) {
        let Some((a, b)) = word.split_once("::") else { continue };
        assert!(modules.contains(a), "the picture names {a}, which is no module");
        let dir = src.join(a);
        let named = dir.join(format!("{b}.rs")).exists()
            || dir.join(b).is_dir()
            || scan::rust_files(&dir).iter().any(|f| {
                let text = std::fs::read_to_string(f).unwrap_or_default();
                text.contains(&format!("fn {b}(")) || text.contains(&format!("mod {b};"))
            });
        assert!(named, "the picture names {a}::{b}, which {a} does not have");
    }
}

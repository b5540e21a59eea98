//! Issue 12, LIST-EXTENDED RECURSIVEMATCH (RFC 5258 section 3.5): a parent
//! that matches the pattern is listed, with `("CHILDINFO" ("SUBSCRIBED"))`,
//! when a descendant is subscribed but does not match the pattern itself.
//! Replays RFC 5258 section 5's RECURSIVEMATCH example (order of LIST
//! responses is free, so lines are compared as sets; tegami adds the
//! \HasChildren/\HasNoChildren attributes it always sends).

mod support;

use support::{Client, Server};

/// The untagged lines of a LIST, sorted, without the folders every
/// account starts with (INBOX and the subscribed special-use ones).
fn listed(c: &mut Client, cmd: &str) -> Vec<String> {
    let mut lines = c.ok(cmd);
    lines.pop();
    let defaults = ["INBOX", "Drafts", "Sent", "Trash", "Junk", "Archive"];
    lines.retain(|l| !defaults.iter().any(|d| l.ends_with(&format!("\"/\" {d}"))));
    lines.sort();
    lines
}

fn sorted(lines: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = lines.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

/// The hierarchy and subscriptions of RFC 5258's RECURSIVEMATCH example.
fn rfc_5258_example_8(c: &mut Client) {
    for m in ["Foo2", "Foo2/Bar1", "Foo2/Bar2", "Baz2", "Baz2/Bar2", "Baz2/Bar22", "Baz2/Bar222", "Eps2", "Eps2/Mamba"]
    {
        c.ok(&format!("CREATE {m}"));
    }
    c.ok("CREATE Qux2/Bar2");
    for m in ["Foo2/Bar1", "Foo2/Bar2", "Baz2/Bar2", "Baz2/Bar22", "Baz2/Bar222", "Eps2", "Eps2/Mamba", "Qux2/Bar2"] {
        c.ok(&format!("SUBSCRIBE {m}"));
    }
}

#[test]
fn rfc_5258_recursivematch_example() {
    let server = Server::start(&[]);
    let mut c = server.login("alice");
    rfc_5258_example_8(&mut c);
    // Foo2 is listed for Foo2/Bar1, which "*2" does not match; Baz2's
    // subscribed children all match and are listed on their own; Eps2 is
    // subscribed and has Eps2/Mamba below it.
    assert_eq!(
        listed(&mut c, "LIST (SUBSCRIBED RECURSIVEMATCH) \"\" \"*2\""),
        sorted(&[
            "* LIST (\\HasChildren) \"/\" Foo2 (\"CHILDINFO\" (\"SUBSCRIBED\"))",
            "* LIST (\\HasNoChildren \\Subscribed) \"/\" Foo2/Bar2",
            "* LIST (\\HasNoChildren \\Subscribed) \"/\" Baz2/Bar2",
            "* LIST (\\HasNoChildren \\Subscribed) \"/\" Baz2/Bar22",
            "* LIST (\\HasNoChildren \\Subscribed) \"/\" Baz2/Bar222",
            "* LIST (\\HasChildren \\Subscribed) \"/\" Eps2 (\"CHILDINFO\" (\"SUBSCRIBED\"))",
            "* LIST (\\HasNoChildren \\Subscribed) \"/\" Qux2/Bar2",
        ])
    );
    // Without RECURSIVEMATCH only the subscribed names themselves.
    assert_eq!(
        listed(&mut c, "LIST (SUBSCRIBED) \"\" \"*2\""),
        sorted(&[
            "* LIST (\\HasNoChildren \\Subscribed) \"/\" Foo2/Bar2",
            "* LIST (\\HasNoChildren \\Subscribed) \"/\" Baz2/Bar2",
            "* LIST (\\HasNoChildren \\Subscribed) \"/\" Baz2/Bar22",
            "* LIST (\\HasNoChildren \\Subscribed) \"/\" Baz2/Bar222",
            "* LIST (\\HasChildren \\Subscribed) \"/\" Eps2",
            "* LIST (\\HasNoChildren \\Subscribed) \"/\" Qux2/Bar2",
        ])
    );
    // "%": every top level with a subscribed descendant, none of which
    // "%" reaches.
    assert_eq!(
        listed(&mut c, "LIST (SUBSCRIBED RECURSIVEMATCH) \"\" \"%\""),
        sorted(&[
            "* LIST (\\HasChildren) \"/\" Foo2 (\"CHILDINFO\" (\"SUBSCRIBED\"))",
            "* LIST (\\HasChildren) \"/\" Baz2 (\"CHILDINFO\" (\"SUBSCRIBED\"))",
            "* LIST (\\HasChildren \\Subscribed) \"/\" Eps2 (\"CHILDINFO\" (\"SUBSCRIBED\"))",
            "* LIST (\\HasChildren) \"/\" Qux2 (\"CHILDINFO\" (\"SUBSCRIBED\"))",
        ])
    );
}

#[test]
fn a_parent_of_a_subscribed_child_is_listed_for_a_percent_pattern() {
    let server = Server::start(&[]);
    let mut c = server.login("alice");
    c.ok("CREATE abc/def");
    c.ok("CREATE axe");
    c.ok("SUBSCRIBE abc/def");
    let lines = c.ok("LIST (SUBSCRIBED RECURSIVEMATCH) \"\" \"a%\"");
    assert_eq!(
        lines[..lines.len() - 1],
        ["* LIST (\\HasChildren) \"/\" abc (\"CHILDINFO\" (\"SUBSCRIBED\"))".to_string()]
    );
    // A subscription to a name that does not exist still counts; its
    // parent, which does not exist either, is \NonExistent.
    c.ok("SUBSCRIBE ghost/child");
    let lines = listed(&mut c, "LIST (SUBSCRIBED RECURSIVEMATCH) \"\" \"%\"");
    assert!(
        lines.contains(
            &"* LIST (\\NonExistent \\HasNoChildren) \"/\" ghost (\"CHILDINFO\" (\"SUBSCRIBED\"))".to_string()
        ),
        "{lines:?}"
    );
    // RECURSIVEMATCH alone is refused (RFC 5258 section 3.1).
    let r = c.cmd("LIST (RECURSIVEMATCH) \"\" \"%\"");
    assert!(r.last().unwrap().contains(" BAD "), "{r:?}");
}

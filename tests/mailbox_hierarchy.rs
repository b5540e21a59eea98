//! Issue 3, item 2: CREATE with intermediate levels, LIST with `*` and `%`,
//! RENAME with children, DELETE rules, modified UTF-7 names and names with
//! `.`, hostile names refused with nothing created outside the maildir, and
//! `~` names refused until shared mailboxes exist.

mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use support::{Client, Server};

/// The untagged lines of a command that must succeed.
fn untagged(c: &mut Client, cmd: &str) -> Vec<String> {
    let mut r = c.ok(cmd);
    r.pop();
    r
}

fn tagged_no(c: &mut Client, cmd: &str) -> String {
    let r = c.cmd(cmd);
    let last = r.last().unwrap().clone();
    assert!(last.split(' ').nth(1) == Some("NO"), "{cmd} not refused with NO: {r:?}");
    last
}

const DEFAULTS: [&str; 6] = [
    "* LIST (\\HasNoChildren) \"/\" INBOX",
    "* LIST (\\HasNoChildren \\Archive) \"/\" Archive",
    "* LIST (\\HasNoChildren \\Drafts) \"/\" Drafts",
    "* LIST (\\HasNoChildren \\Junk) \"/\" Junk",
    "* LIST (\\HasNoChildren \\Sent) \"/\" Sent",
    "* LIST (\\HasNoChildren \\Trash) \"/\" Trash",
];

#[test]
fn new_account_lists_inbox_and_special_use_folders() {
    let server = Server::start(&[]);
    let mut c = server.login("alice");
    assert_eq!(untagged(&mut c, "LIST \"\" *"), DEFAULTS);
    assert_eq!(untagged(&mut c, "LIST \"\" %"), DEFAULTS);
    assert_eq!(untagged(&mut c, "LIST \"\" \"\""), ["* LIST (\\Noselect) \"/\" \"\""]);
    let special = untagged(&mut c, "LIST (SPECIAL-USE) \"\" *");
    assert_eq!(special, DEFAULTS[1..]);
    // On disk: Maildir++ folders, each a maildir with `maildirfolder`.
    let md = server.maildir("alice");
    for f in ["Drafts", "Sent", "Trash", "Junk", "Archive"] {
        for sub in ["cur", "new", "tmp"] {
            assert!(md.join(format!(".{f}")).join(sub).is_dir(), "{f}/{sub}");
        }
        assert!(md.join(format!(".{f}/maildirfolder")).is_file());
    }
}

#[test]
fn create_intermediate_levels_list_patterns_rename_delete() {
    let server = Server::start(&[]);
    let md = server.maildir("alice");
    let mut c = server.login("alice");
    c.ok("CREATE a/b/c");
    assert!(md.join(".a/cur").is_dir() && md.join(".a.b/cur").is_dir() && md.join(".a.b.c/cur").is_dir());
    let all = untagged(&mut c, "LIST \"\" *");
    let mut want: Vec<String> = DEFAULTS.iter().map(|s| s.to_string()).collect();
    want.extend([
        "* LIST (\\HasChildren) \"/\" a".to_string(),
        "* LIST (\\HasChildren) \"/\" a/b".to_string(),
        "* LIST (\\HasNoChildren) \"/\" a/b/c".to_string(),
    ]);
    assert_eq!(all, want);
    let top = untagged(&mut c, "LIST \"\" %");
    assert_eq!(top.last().unwrap(), "* LIST (\\HasChildren) \"/\" a");
    assert_eq!(top.len(), 7, "{top:?}");
    assert_eq!(untagged(&mut c, "LIST \"\" a/%"), ["* LIST (\\HasChildren) \"/\" a/b"]);
    assert_eq!(untagged(&mut c, "LIST a/ %"), ["* LIST (\\HasChildren) \"/\" a/b"]);
    assert_eq!(
        untagged(&mut c, "LIST \"\" a/*"),
        ["* LIST (\\HasChildren) \"/\" a/b", "* LIST (\\HasNoChildren) \"/\" a/b/c"]
    );
    assert_eq!(untagged(&mut c, "LIST \"\" %/%/c"), ["* LIST (\\HasNoChildren) \"/\" a/b/c"]);
    assert_eq!(untagged(&mut c, "LIST \"\" nothing*"), Vec::<String>::new());

    // A parent that exists only through a child made by another tool is \Noselect.
    std::fs::create_dir_all(md.join(".p.q/cur")).unwrap();
    std::fs::create_dir_all(md.join(".p.q/new")).unwrap();
    std::fs::create_dir_all(md.join(".p.q/tmp")).unwrap();
    assert_eq!(
        untagged(&mut c, "LIST \"\" p*"),
        ["* LIST (\\Noselect \\HasChildren) \"/\" p", "* LIST (\\HasNoChildren) \"/\" p/q"]
    );

    // RENAME takes the children along, with their messages.
    c.append("a/b/c", "", &support::message("deep"));
    c.ok("RENAME a/b x/y");
    assert_eq!(
        untagged(&mut c, "LIST \"\" x*"),
        ["* LIST (\\HasChildren) \"/\" x", "* LIST (\\HasChildren) \"/\" x/y", "* LIST (\\HasNoChildren) \"/\" x/y/c"]
    );
    assert_eq!(untagged(&mut c, "LIST \"\" a*"), ["* LIST (\\HasNoChildren) \"/\" a"]);
    assert_eq!(untagged(&mut c, "STATUS x/y/c (MESSAGES)"), ["* STATUS x/y/c (MESSAGES 1)"]);
    assert!(!md.join(".a.b").exists() && !md.join(".a.b.c").exists());
    assert!(tagged_no(&mut c, "RENAME a/b z").contains("[NONEXISTENT]"));
    assert!(tagged_no(&mut c, "RENAME x a").contains("[ALREADYEXISTS]"));
    assert!(tagged_no(&mut c, "RENAME x x/inside").contains("into itself"));

    // DELETE: refused with children and for INBOX, with a reason; leaves go.
    let r = tagged_no(&mut c, "DELETE x/y");
    assert!(r.contains("inferior"), "{r}");
    assert!(tagged_no(&mut c, "DELETE INBOX").contains("INBOX cannot be deleted"));
    assert!(tagged_no(&mut c, "DELETE inbox").contains("INBOX cannot be deleted"));
    assert!(tagged_no(&mut c, "DELETE nothing").contains("[NONEXISTENT]"));
    c.ok("DELETE x/y/c");
    c.ok("DELETE x/y");
    assert_eq!(untagged(&mut c, "LIST \"\" x*"), ["* LIST (\\HasNoChildren) \"/\" x"]);
    assert!(!md.join(".x.y.c").exists() && !md.join(".x.y").exists());
    assert!(!support::files(&md).iter().any(|f| f.contains("deleted")), "{:?}", support::files(&md));
    assert!(tagged_no(&mut c, "CREATE x").contains("[ALREADYEXISTS]"));
    assert!(tagged_no(&mut c, "CREATE INBOX").contains("[ALREADYEXISTS]"));
}

#[test]
fn rename_inbox_moves_its_messages_and_leaves_it_empty() {
    let server = Server::start(&[]);
    let mut c = server.login("alice");
    c.append("INBOX", "", &support::message("1"));
    c.append("INBOX", "", &support::message("2"));
    c.ok("RENAME INBOX Old");
    assert_eq!(untagged(&mut c, "STATUS Old (MESSAGES)"), ["* STATUS Old (MESSAGES 2)"]);
    assert_eq!(untagged(&mut c, "STATUS INBOX (MESSAGES)"), ["* STATUS INBOX (MESSAGES 0)"]);
    let sel = c.select("INBOX");
    assert_eq!(Client::number(&sel, "EXISTS"), Some(0), "{sel:?}");
}

#[test]
fn utf7_names_and_names_with_dots() {
    let server = Server::start(&[]);
    let md = server.maildir("alice");
    let mut c = server.login("alice");
    c.ok("CREATE Entw&APw-rfe");
    c.ok("CREATE v1.2/notes");
    c.ok("CREATE \"R&-D\"");
    // Dovecot's Maildir++ names: modified UTF-7 levels, `.` escaped as \2e.
    assert!(md.join(".Entw&APw-rfe/cur").is_dir(), "{:?}", support::files(&md));
    assert!(md.join(".v1\\2e2/cur").is_dir() && md.join(".v1\\2e2.notes/cur").is_dir(), "{:?}", support::files(&md));
    assert!(md.join(".R&-D/cur").is_dir(), "{:?}", support::files(&md));
    let l = untagged(&mut c, "LIST \"\" *");
    assert!(l.contains(&"* LIST (\\HasNoChildren) \"/\" Entw&APw-rfe".to_string()), "{l:?}");
    assert!(l.contains(&"* LIST (\\HasChildren) \"/\" v1.2".to_string()), "{l:?}");
    assert!(l.contains(&"* LIST (\\HasNoChildren) \"/\" v1.2/notes".to_string()), "{l:?}");
    assert!(l.contains(&"* LIST (\\HasNoChildren) \"/\" R&-D".to_string()), "{l:?}");
    assert_eq!(untagged(&mut c, "LIST \"\" Entw*"), ["* LIST (\\HasNoChildren) \"/\" Entw&APw-rfe"]);
    let sel = c.select("Entw&APw-rfe");
    assert!(sel.last().unwrap().contains("[READ-WRITE]"));
    c.ok("RENAME Entw&APw-rfe &ZeVnLIqe-");
    assert!(md.join(".&ZeVnLIqe-/cur").is_dir());
    assert_eq!(untagged(&mut c, "LIST \"\" &ZeVnLIqe-"), ["* LIST (\\HasNoChildren) \"/\" &ZeVnLIqe-"]);
    // Malformed modified UTF-7 is refused.
    let r = c.cmd("CREATE &Jjo!");
    assert!(!r.last().unwrap().contains(" OK "), "{r:?}");
}

/// Every path under `root`.
fn tree(root: &Path) -> BTreeSet<PathBuf> {
    walkdir::WalkDir::new(root).into_iter().flatten().map(|e| e.path().to_path_buf()).collect()
}

#[test]
fn hostile_names_are_refused_and_nothing_escapes_the_maildir() {
    let server = Server::start(&[]);
    let md = server.maildir("alice");
    let mut c = server.login("alice");
    let root = server.dir.path().to_path_buf();
    let before = tree(&root);
    let etc_before = support::files(Path::new("/etc"));
    let long = "n".repeat(10_000);
    let names = ["../x", "a/../../b", "..", "a/./b", "/etc", "/tmp/evil", "a//b", long.as_str()];
    for name in names {
        for cmd in ["CREATE", "SELECT", "DELETE", "STATUS", "SUBSCRIBE"] {
            let text =
                if cmd == "STATUS" { format!("{cmd} \"{name}\" (MESSAGES)") } else { format!("{cmd} \"{name}\"") };
            let r = c.cmd(&text);
            let last = r.last().unwrap();
            assert!(!last.contains(" OK "), "{cmd} {} accepted: {r:?}", &name[..name.len().min(30)]);
            // A reason is given.
            assert!(last.split(' ').count() > 3, "{last}");
        }
        let r = c.cmd(&format!("RENAME Trash \"{name}\""));
        assert!(!r.last().unwrap().contains(" OK "), "{r:?}");
        let r = c.cmd(&format!("APPEND \"{name}\" {{1+}}\r\nx"));
        assert!(!r.last().unwrap().contains(" OK "), "{r:?}");
    }
    // The 10 kB name as a literal too.
    let r = c.cmd(&format!("CREATE {{{}+}}\r\n{long}", long.len()));
    assert!(r.last().unwrap().contains("too long"), "{}", &r.last().unwrap()[..80]);
    // Control characters, quoted and as literals.
    for raw in ["a\u{1}b", "a\tb", "x\u{7f}", "a\rb", "a/\u{1b}[2J"] {
        let r = c.cmd(&format!("CREATE {{{}+}}\r\n{raw}", raw.len()));
        let last = r.last().unwrap();
        assert!(!last.contains(" OK ") && last.split(' ').count() > 3, "{raw:?}: {r:?}");
    }
    // `~` names are other accounts' mailboxes, none of which is open to
    // this user (see tests/share_*.rs).
    for name in ["~", "~bob", "~bob/INBOX", "~public/x"] {
        let last = tagged_no(&mut c, &format!("CREATE {name}"));
        assert!(last.contains("[NONEXISTENT]") || last.contains("[CANNOT]"), "{last}");
        let last = tagged_no(&mut c, &format!("SELECT {name}"));
        assert!(last.contains("[NONEXISTENT]") || last.contains("[CANNOT]"), "{last}");
    }
    assert_eq!(tree(&root), before, "the file system changed");
    assert_eq!(support::files(Path::new("/etc")), etc_before);
    assert!(!Path::new("/tmp/evil").exists());
    // Still only the default folders.
    assert_eq!(untagged(&mut c, "LIST \"\" *"), DEFAULTS);
    drop(md);
}

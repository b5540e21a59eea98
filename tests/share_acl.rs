//! Issue 11, Must show 1-5 and 7: ACL rights (RFC 4314) on shared
//! mailboxes, `~user/...` and `~public/...`, subscriptions of foreign
//! names, and Dovecot's `dovecot-acl` files.

mod share_common;
mod support;

use std::collections::BTreeMap;

use share_common::{login, message, ok, result, start, untagged};
use support::{Client, Server};

/// What alice can do on `~bob/M`, probed command by command, each probe
/// undoing what it did where it succeeded (bob's session `b` helps).
fn probe(server: &Server, b: &mut Client, m: &str) -> BTreeMap<&'static str, bool> {
    let mut a = login(server, "alice");
    let foreign = format!("~bob/{m}");
    let mut out = BTreeMap::new();
    let list = a.ok("LIST \"~\" \"*\"");
    out.insert("list", list.iter().any(|l| l.ends_with(&format!("\"/\" {foreign}"))));
    out.insert("myrights", ok(&a.cmd(&format!("MYRIGHTS {foreign}"))));
    out.insert("status", ok(&a.cmd(&format!("STATUS {foreign} (MESSAGES)"))));
    out.insert("admin", ok(&a.cmd(&format!("GETACL {foreign}"))));
    out.insert("append", ok(&a.append(&foreign, "", &message("from alice"))));
    a.ok("SELECT INBOX");
    out.insert("copy-into", ok(&a.cmd(&format!("COPY 1 {foreign}"))));
    let selected = ok(&a.cmd(&format!("SELECT {foreign}")));
    out.insert("select", selected);
    out.insert("fetch", ok(&a.cmd("FETCH 1 (BODY.PEEK[HEADER.FIELDS (SUBJECT)])")));
    out.insert("copy-from", ok(&a.cmd("COPY 1 INBOX")));
    for (key, flag) in [("seen", "\\Seen"), ("write", "\\Flagged"), ("deleted", "\\Deleted")] {
        let stored = a.cmd(&format!("STORE 1 +FLAGS.SILENT ({flag})"));
        let now = a.cmd("FETCH 1 (FLAGS)");
        let set = ok(&stored) && now.iter().any(|l| l.starts_with("* 1 FETCH") && l.contains(flag));
        out.insert(key, set);
        if set {
            a.ok(&format!("STORE 1 -FLAGS.SILENT ({flag})"));
        }
    }
    out.insert("expunge", ok(&a.cmd("EXPUNGE")));
    a.cmd("UNSELECT");
    let created = ok(&a.cmd(&format!("CREATE {foreign}/sub")));
    out.insert("create", created);
    if created {
        b.ok(&format!("DELETE {m}/sub"));
    }
    // Last: a successful DELETE ends the mailbox.
    out.insert("delete", ok(&a.cmd(&format!("DELETE {foreign}"))));
    a.ok("LOGOUT");
    out
}

fn trues(p: &BTreeMap<&'static str, bool>) -> Vec<&'static str> {
    p.iter().filter(|(_, &v)| v).map(|(&k, _)| k).collect()
}

#[test]
fn each_right_enables_exactly_its_commands() {
    let server = start();
    let mut a = login(&server, "alice");
    a.append("INBOX", "", &message("alice's own"));
    let mut b = login(&server, "bob");
    // (right, the rights it is added to, the probes it must switch on)
    let matrix: &[(&str, &str, &[&str])] = &[
        ("l", "", &["list", "myrights"]),
        ("r", "l", &["copy-from", "fetch", "select", "status"]),
        ("s", "lr", &["seen"]),
        ("w", "lr", &["write"]),
        ("i", "lr", &["append", "copy-into"]),
        ("p", "lr", &[]),
        ("k", "lr", &["create"]),
        ("x", "lr", &["delete"]),
        ("t", "lr", &["deleted"]),
        ("e", "lr", &["expunge"]),
        ("a", "lr", &["admin"]),
    ];
    for (i, (right, base, enabled)) in matrix.iter().enumerate() {
        let m = format!("M{i}");
        b.ok(&format!("CREATE {m}"));
        b.append(&m, "", &message("bob's"));
        let set = |b: &mut Client, rights: &str| {
            b.ok(&format!("SETACL {m} alice \"{rights}\""));
        };
        set(&mut b, base);
        let before = probe(&server, &mut b, &m);
        // Granted: exactly the probes of the right come on.
        set(&mut b, &format!("{base}{right}"));
        let granted = probe(&server, &mut b, &m);
        let mut expect: Vec<&str> = trues(&before);
        expect.extend(enabled.iter());
        expect.sort();
        assert_eq!(trues(&granted), expect, "granting {right:?} on top of {base:?}");
        if *right == "x" {
            // The probe deleted it: nothing to revoke.
            assert_eq!(untagged(&b.cmd(&format!("STATUS {m} (MESSAGES)"))), Vec::<String>::new());
            continue;
        }
        // Revoked (SETACL -right): back to what it was.
        b.ok(&format!("SETACL {m} alice -{right}"));
        let revoked = probe(&server, &mut b, &m);
        assert_eq!(trues(&revoked), trues(&before), "revoking {right:?}");
        b.ok(&format!("DELETE {m}"));
    }
    // Nothing at all without rights; RFC 2086's c and d stand for k x and t e x.
    b.ok("CREATE Old");
    b.ok("SETACL Old alice lrcd");
    let mut a = login(&server, "alice");
    assert_eq!(untagged(&a.ok("MYRIGHTS ~bob/Old")), ["* MYRIGHTS ~bob/Old lrkxtecd"]);
}

#[test]
fn bob_shares_projects_and_sees_alices_changes_in_idle() {
    let server = start();
    let mut b = login(&server, "bob");
    b.ok("CREATE Projects");
    b.append("Projects", "", &message("plan"));
    b.ok("SETACL Projects alice lr");
    let mut a = login(&server, "alice");
    let list = untagged(&a.ok("LIST \"~\" \"*\""));
    assert_eq!(list, ["* LIST (\\Noselect \\HasChildren) \"/\" ~bob", "* LIST (\\HasNoChildren) \"/\" ~bob/Projects"]);
    // Not in the personal namespace.
    assert!(!a.ok("LIST \"\" \"*\"").iter().any(|l| l.contains("~bob")));
    let sel = a.select("~bob/Projects");
    assert!(sel.last().unwrap().contains("OK [READ-ONLY]"), "{sel:?}");
    assert!(sel.contains(&"* 1 EXISTS".to_string()), "{sel:?}");
    let app = a.append("~bob/Projects", "", &message("alice's"));
    assert!(result(&app).starts_with("NO [NOPERM]"), "{app:?}");
    let st = a.cmd("STORE 1 +FLAGS (\\Flagged)");
    assert!(result(&st).starts_with("NO"), "{st:?}");
    let acl = a.cmd("SETACL ~bob/Projects alice lrswi");
    assert!(result(&acl).starts_with("NO [NOPERM]"), "{acl:?}");
    assert_eq!(untagged(&a.ok("MYRIGHTS ~bob/Projects")), ["* MYRIGHTS ~bob/Projects lr"]);

    b.ok("SETACL Projects alice lrswi");
    assert_eq!(untagged(&b.ok("GETACL Projects")), ["* ACL Projects bob lrswipkxteacd alice lrswi"]);
    b.select("Projects");
    let tag = b.next_tag();
    b.send(format!("{tag} IDLE\r\n").as_bytes());
    assert!(b.line().starts_with("+ "));

    let sel = a.select("~bob/Projects");
    assert!(sel.last().unwrap().contains("OK [READ-WRITE]"), "{sel:?}");
    // Without `t`, \Deleted is not hers to set.
    let perm = sel.iter().find(|l| l.starts_with("* OK [PERMANENTFLAGS")).unwrap();
    assert_eq!(perm, "* OK [PERMANENTFLAGS (\\Answered \\Flagged \\Seen \\Draft $Forwarded $MDN $Hidden $Media \\*)] Flags permitted");
    let app = a.append("~bob/Projects", "(\\Seen \\Deleted)", &message("alice's"));
    assert!(ok(&app), "{app:?}");
    let got = b.read_until(|l| l == "* 2 EXISTS");
    assert_eq!(got.last().unwrap(), "* 2 EXISTS");
    a.ok("STORE 1 +FLAGS.SILENT (\\Flagged)");
    let got = b.read_until(|l| l.starts_with("* 1 FETCH"));
    assert_eq!(got.last().unwrap(), "* 1 FETCH (UID 1 FLAGS (\\Flagged \\Recent))");
    b.send(b"DONE\r\n");
    assert!(ok(&b.until_tagged(&tag)));
    let f = b.ok("FETCH 2 (FLAGS)");
    // (\Recent goes to whichever session saw the message first.)
    assert_eq!(f[0].replace(" \\Recent", ""), "* 2 FETCH (FLAGS (\\Seen))", "{f:?}");
    // Her APPEND and COPY are charged to bob's quota, not hers.
    let messages = |c: &mut Client, user: &str| -> u64 {
        let q = untagged(&c.ok("GETQUOTAROOT INBOX"));
        assert!(q[1].starts_with(&format!("* QUOTA #{user} (STORAGE ")), "{q:?}");
        q[1].split("MESSAGE ").nth(1).unwrap().split(' ').next().unwrap().parse().unwrap()
    };
    let (bob_before, alice_before) = (messages(&mut b, "bob"), messages(&mut a, "alice"));
    a.append("INBOX", "", &message("alice's own"));
    let alice_now = messages(&mut a, "alice");
    assert_eq!(alice_now, alice_before + 1);
    assert!(ok(&a.append("~bob/Projects", "", &message("third"))));
    a.ok("SELECT INBOX");
    a.ok("COPY 1 ~bob/Projects");
    assert_eq!(messages(&mut b, "bob"), bob_before + 2);
    assert_eq!(messages(&mut a, "alice"), alice_now);
}

#[test]
fn without_lookup_a_mailbox_does_not_exist() {
    let server = start();
    let mut b = login(&server, "bob");
    b.ok("CREATE Projects");
    b.ok("SETACL Projects alice r");
    let mut a = login(&server, "alice");
    let same = |a: &mut Client, cmd: &str| {
        let real = result(&a.cmd(&cmd.replace("MBOX", "~bob/Projects")));
        let none = result(&a.cmd(&cmd.replace("MBOX", "~bob/Nothing")));
        assert!(real.starts_with("NO [NONEXISTENT]"), "{real}");
        assert_eq!(real.replace("Projects", "X"), none.replace("Nothing", "X"));
    };
    let hidden = |a: &mut Client| {
        same(a, "SELECT MBOX");
        same(a, "EXAMINE MBOX");
        same(a, "STATUS MBOX (MESSAGES UIDNEXT)");
        same(a, "MYRIGHTS MBOX");
        assert!(!a.ok("LIST \"~\" \"*\"").iter().any(|l| l.contains("Projects")));
    };
    hidden(&mut a);
    b.ok("SETACL Projects alice lr");
    a.ok("SELECT ~bob/Projects");
    a.ok("UNSELECT");
    b.ok("DELETEACL Projects alice");
    hidden(&mut a);
}

#[test]
fn public_folders_read_by_all_written_by_some() {
    let server = start();
    let mut p = login(&server, "public");
    p.ok("CREATE news/company");
    p.append("news/company", "", &message("announcement"));
    p.ok("SETACL news/company anyone lr");
    p.ok("SETACL news/company carol lri");
    let ns = untagged(&p.ok("NAMESPACE"));
    assert_eq!(ns, ["* NAMESPACE ((\"\" \"/\")) ((\"~\" \"/\")) ((\"~public/\" \"/\"))"]);
    for user in ["alice", "bob", "eve", "carol"] {
        let mut c = login(&server, user);
        let list = untagged(&c.ok("LIST \"~public/\" \"*\""));
        assert_eq!(
            list,
            [
                "* LIST (\\Noselect \\HasChildren) \"/\" ~public/news",
                "* LIST (\\HasNoChildren) \"/\" ~public/news/company"
            ]
        );
        let sel = c.select("~public/news/company");
        assert!(sel.iter().any(|l| l.ends_with(" EXISTS")), "{sel:?}");
        let f = c.ok("FETCH 1 (BODY.PEEK[HEADER.FIELDS (SUBJECT)])");
        assert!(f.iter().any(|l| l.contains("Subject: announcement")), "{f:?}");
        let app = c.append("~public/news/company", "", &message(&format!("from {user}")));
        if user == "carol" {
            assert!(ok(&app), "{app:?}");
        } else {
            assert!(result(&app).starts_with("NO [NOPERM]"), "{user}: {app:?}");
        }
    }
    let st = untagged(&p.ok("STATUS news/company (MESSAGES)"));
    assert_eq!(st, ["* STATUS news/company (MESSAGES 2)"]);
}

#[test]
fn subscribed_foreign_names_survive_renames() {
    let server = start();
    let mut b = login(&server, "bob");
    b.ok("CREATE Projects");
    b.ok("SETACL Projects alice lr");
    let mut a = login(&server, "alice");
    a.ok("SUBSCRIBE ~bob/Projects");
    let check = |a: &mut Client, there: bool| {
        let lsub: Vec<String> = untagged(&a.ok("LSUB \"\" \"*\"")).into_iter().filter(|l| l.contains("~bob")).collect();
        let list: Vec<String> =
            untagged(&a.ok("LIST (SUBSCRIBED) \"\" \"*\"")).into_iter().filter(|l| l.contains("~bob")).collect();
        if there {
            assert_eq!(lsub, ["* LSUB () \"/\" ~bob/Projects"]);
            assert_eq!(list, ["* LIST (\\HasNoChildren \\Subscribed) \"/\" ~bob/Projects"]);
        } else {
            assert_eq!(lsub, ["* LSUB (\\Noselect) \"/\" ~bob/Projects"]);
            assert_eq!(list, ["* LIST (\\NonExistent \\HasNoChildren \\Subscribed) \"/\" ~bob/Projects"]);
        }
    };
    check(&mut a, true);
    b.ok("RENAME Projects Elsewhere");
    check(&mut a, false);
    b.ok("RENAME Elsewhere Projects");
    check(&mut a, true);
    a.ok("UNSUBSCRIBE ~bob/Projects");
    assert!(!a.ok("LSUB \"\" \"*\"").iter().any(|l| l.contains("~bob")));
}

#[test]
fn dovecot_acl_files_are_shared_with_dovecot() {
    let server = start();
    let mut b = login(&server, "bob");
    b.ok("CREATE Team");
    let dir = server.dir.path().join("home/bob/Maildir/.Team");
    // As Dovecot's vfile backend writes it (doveadm acl set).
    std::fs::write(
        dir.join("dovecot-acl"),
        "owner lrwstipekxa\nuser=alice lrws\nanyone lr\n-user=eve r\ngroup=staff lrwi\n",
    )
    .unwrap();
    for (user, rights) in [("alice", "lrsw"), ("carol", "lr"), ("eve", "l")] {
        let mut c = login(&server, user);
        assert_eq!(untagged(&c.ok("MYRIGHTS ~bob/Team")), [format!("* MYRIGHTS ~bob/Team {rights}")], "{user}");
    }
    // tegami's SETACL writes the same format, in Dovecot's letter order.
    b.ok("SETACL Team carol +i");
    b.ok("SETACL Team -eve +w");
    b.ok("DELETEACL Team anyone");
    let text = std::fs::read_to_string(dir.join("dovecot-acl")).unwrap();
    assert_eq!(text, "group=staff ilrw\nowner akxeilprwts\nuser=alice lrws\nuser=carol i\n-user=eve rw\n");
    assert!(!support::files(&dir).iter().any(|f| f.contains("acl.tmp")), "{:?}", support::files(&dir));
    assert_eq!(untagged(&b.ok("GETACL Team")), ["* ACL Team bob lrswipkxteacd alice lrsw carol i -eve rw"]);
    assert_eq!(untagged(&b.ok("LISTRIGHTS Team alice")), ["* LISTRIGHTS Team alice \"\" l r s w i p k x t e a"]);
    assert_eq!(untagged(&b.ok("LISTRIGHTS Team bob")), ["* LISTRIGHTS Team bob la r s w i p k x t e"]);
    let mut c = login(&server, "carol");
    // Without an `l` of her own she no longer sees it.
    assert!(result(&c.cmd("MYRIGHTS ~bob/Team")).starts_with("NO [NONEXISTENT]"));
}

#[test]
fn a_new_mailbox_inherits_its_parents_acl() {
    let server = start();
    let mut b = login(&server, "bob");
    b.ok("CREATE Projects");
    b.ok("SETACL Projects alice lrki");
    let mut a = login(&server, "alice");
    a.ok("CREATE ~bob/Projects/Sub");
    assert_eq!(untagged(&a.ok("MYRIGHTS ~bob/Projects/Sub")), ["* MYRIGHTS ~bob/Projects/Sub lrikc"]);
    assert!(ok(&a.append("~bob/Projects/Sub", "", &message("in sub"))));
    let list = untagged(&a.ok("LIST \"~bob/\" \"*\""));
    assert_eq!(
        list,
        ["* LIST (\\HasChildren) \"/\" ~bob/Projects", "* LIST (\\HasNoChildren) \"/\" ~bob/Projects/Sub"]
    );
    // A top-level one needs `k` on bob's INBOX, which alice lacks.
    let r = a.cmd("CREATE ~bob/Mine");
    assert!(result(&r).starts_with("NO [NONEXISTENT]"), "{r:?}");
    b.ok("SETACL INBOX alice l");
    let r = a.cmd("CREATE ~bob/Mine");
    assert!(result(&r).starts_with("NO [NOPERM]"), "{r:?}");
}

/// RFC 4314 4: a COPY into a mailbox where the user may insert but not set
/// flags keeps only the flags the user's rights allow there.
#[test]
fn copies_into_a_shared_mailbox_keep_only_the_flags_the_rights_allow() {
    let server = start();
    let mut b = login(&server, "bob");
    b.ok("CREATE Inbound");
    let mut a = login(&server, "alice");
    a.append("INBOX", "(\\Seen \\Flagged \\Deleted $Work)", &message("to bob"));
    a.append("INBOX", "(\\Seen \\Flagged \\Deleted $Work)", &message("to bob again"));
    a.select("INBOX");

    // "i" alone: the copy arrives with no flag at all.
    b.ok("SETACL Inbound alice lri");
    a.ok("COPY 1 ~bob/Inbound");
    // "i" and "s": only \Seen stays (keywords need "w" too).
    b.ok("SETACL Inbound alice lris");
    a.ok("COPY 2 ~bob/Inbound");

    // "i" and "w": \Flagged and the keyword, not \Seen or \Deleted.
    b.ok("SETACL Inbound alice lriw");
    a.ok("COPY 1 ~bob/Inbound");

    b.select("Inbound");
    let flags = untagged(&b.ok("FETCH 1:* (FLAGS)"));
    assert_eq!(
        flags,
        [
            "* 1 FETCH (FLAGS (\\Recent))",
            "* 2 FETCH (FLAGS (\\Seen \\Recent))",
            "* 3 FETCH (FLAGS (\\Flagged $Work \\Recent))"
        ]
    );
    // The owner's own copies keep every flag.
    b.append("INBOX", "(\\Seen \\Flagged)", &message("bob's"));
    b.select("INBOX");
    b.ok("COPY 1 Inbound");
    b.select("Inbound");
    let fourth = untagged(&b.ok("FETCH 4 (FLAGS)"));
    assert_eq!(fourth, ["* 4 FETCH (FLAGS (\\Flagged \\Seen \\Recent))"]);
}

#[test]
fn rights_withdrawn_from_a_selected_mailbox_apply_at_the_next_command() {
    let server = start();
    let mut b = login(&server, "bob");
    b.ok("CREATE Projects");
    b.append("Projects", "", &message("plan"));
    b.ok("SETACL Projects alice lrswite");
    let mut a = login(&server, "alice");
    let sel = a.select("~bob/Projects");
    assert!(sel.last().unwrap().contains("OK [READ-WRITE]"), "{sel:?}");
    a.ok("STORE 1 +FLAGS.SILENT (\\Flagged)");

    // Bob takes "w" and "s" back while alice has the mailbox selected:
    // her next STORE changes nothing (RFC 4314 4: silently left alone).
    b.ok("SETACL Projects alice lri");
    a.ok("STORE 1 -FLAGS.SILENT (\\Flagged)");
    a.ok("STORE 1 +FLAGS.SILENT (\\Seen)");
    assert_eq!(untagged(&a.ok("FETCH 1 (FLAGS)")), ["* 1 FETCH (FLAGS (\\Flagged \\Recent))"]);
    let app = a.append("~bob/Projects", "", &message("still inserting"));
    assert!(ok(&app), "{app:?}");
    // "e" went too: her CLOSE expunges nothing of what bob deleted.
    b.select("Projects");
    b.ok("STORE 1 +FLAGS.SILENT (\\Deleted)");
    b.ok("UNSELECT");
    a.ok("CLOSE");
    let sel = a.select("~bob/Projects");
    assert!(sel.contains(&"* 2 EXISTS".to_string()), "{sel:?}");

    // Without "r" the mailbox is closed for her at once.
    b.ok("DELETEACL Projects alice");
    let noop = a.ok("NOOP");
    assert_eq!(
        untagged(&noop),
        [
            "* NO [NOPERM] The rights on the selected mailbox no longer allow reading it",
            "* OK [CLOSED] The mailbox is no longer selected"
        ]
    );
    let fetch = a.cmd("FETCH 1 (FLAGS)");
    assert!(result(&fetch).starts_with("BAD"), "{fetch:?}");
    // Bob's own session is untouched.
    b.select("Projects");
    assert_eq!(untagged(&b.ok("FETCH 1 (FLAGS)")), ["* 1 FETCH (FLAGS (\\Flagged \\Deleted))"]);
}

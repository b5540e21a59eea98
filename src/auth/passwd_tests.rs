use super::*;
use crate::auth::AuthError;

/// The single line of `text` that was skipped.
fn parse_err_line(text: &str) -> usize {
    let db = PasswdDb::parse(text).unwrap();
    match db.skipped() {
        [line] => *line,
        other => panic!("expected one skipped line, got {other:?}"),
    }
}

#[test]
fn comments_blank_lines_and_optional_fields() {
    let db = PasswdDb::parse(concat!(
        "# comment\n",
        "\n",
        "   \n",
        "  # indented comment\r\n",
        "a@Example.ORG:{PLAIN}pa\r\n",
        "b:{PLAIN}pb:10:20\n",
        "c:{PLAIN}pc:::gecos:/home/c\n",
        "d:{PLAIN}pd::::::\n",
        "nopass\n",
    ))
    .unwrap();
    assert_eq!(db.accounts().len(), 5);
    let a = db.lookup("a@example.org").unwrap();
    assert_eq!(a.user, "a@Example.ORG");
    assert_eq!((a.local_part(), a.domain()), ("a", Some("Example.ORG")));
    assert!(a.verify(b"pa"), "CR stripped from the line end");
    assert!(db.lookup("A@example.org").is_none(), "local part is exact");
    assert!(db.lookup("a").is_none());
    let b = db.lookup("b").unwrap();
    assert_eq!((b.uid, b.gid, b.home.as_deref()), (Some(10), Some(20), None));
    assert_eq!(b.domain(), None);
    assert_eq!(db.lookup("c").unwrap().home.as_deref(), Some(Path::new("/home/c")));
    assert!(db.lookup("d").unwrap().extra.is_empty());
    let nopass = db.lookup("nopass").unwrap();
    assert!(nopass.stored_password().is_none());
    assert!(!nopass.verify(b"") && !nopass.verify(b"x"));
}

#[test]
fn extra_fields() {
    let db = PasswdDb::parse(
        "u@d:{PLAIN}p:1:1::/h::userdb_mail=maildir:~/M:LAYOUT=fs  nologin proxy host=10.0.0.1 userdb_quota_rule=*:storage=1G\n",
    )
    .unwrap();
    let u = db.lookup("u@D").unwrap();
    assert_eq!(u.extra.len(), 5);
    assert_eq!(u.extra_field("mail"), Some("maildir:~/M:LAYOUT=fs"));
    assert_eq!(u.extra_field("userdb_mail"), None, "lookups use the bare key");
    assert_eq!(u.extra_field("quota_rule"), Some("*:storage=1G"));
    assert_eq!(u.extra_field("HOST"), Some("10.0.0.1"));
    assert!(u.has_extra_field("nologin") && u.has_extra_field("proxy"));
    assert!(!u.has_extra_field("referral"));
    assert_eq!(u.extra_field("nologin"), Some(""));
}

#[test]
fn bad_lines_report_their_number() {
    assert_eq!(parse_err_line("ok:{PLAIN}x\n\n:{PLAIN}x\n"), 3);
    assert_eq!(parse_err_line("# c\nu:{PLAIN}x:abc\n"), 2);
    assert_eq!(parse_err_line("u:{PLAIN}x:1:-2\n"), 1);
    assert_eq!(parse_err_line("u:{PLAIN}x:99999999999\n"), 1);
    assert_eq!(parse_err_line("a\nb c:{PLAIN}x\n"), 2);
    assert_eq!(parse_err_line("@d:{PLAIN}x\n"), 1);
    assert_eq!(parse_err_line("u@:{PLAIN}x\n"), 1);
    let bytes = b"u:{PLAIN}x\nv:\xff\n";
    assert_eq!(PasswdDb::parse_bytes(bytes).unwrap().skipped(), &[2]);
    let db = PasswdDb::parse("x:1:2:z\nok:{PLAIN}y\n").unwrap();
    assert_eq!(db.warnings()[0], "line 1: gid \"z\" is not a number: line skipped");
    // The rest of the file stays in force.
    assert!(db.lookup("x").is_none() && db.lookup("ok").unwrap().verify(b"y"));
}

#[test]
fn empty_secrets_never_match() {
    let db = PasswdDb::parse("a::::::\nb:{PLAIN}::::::\nc:{PLAIN.b64}:\nd:{SHA512-CRYPT}\nopen::::::: nopassword\n")
        .unwrap();
    for u in ["a", "b", "c", "d"] {
        let acc = db.lookup(u).unwrap();
        assert!(!acc.verify(b"") && !acc.verify(b"x"), "{u}");
        assert_eq!(acc.plaintext_password(), None, "{u}");
        assert!(acc.stored_password().is_none(), "{u}");
    }
    assert!(db.lookup("open").unwrap().verify(b"anything"), "Dovecot's nopassword");
}

#[test]
fn policy_fields_and_userdb_home() {
    let db =
        PasswdDb::parse("u:{PLAIN}p:::::: nologin=y reason=Moved allow_nets=10.0.0.0/8 userdb_home=/srv/u\n").unwrap();
    let u = db.lookup("u").unwrap();
    assert!(u.policy.nologin);
    assert_eq!(u.policy.reason.as_deref(), Some("Moved"));
    assert_eq!(u.home.as_deref(), Some(Path::new("/srv/u")));
    assert_eq!(u.checked_maildir("%h/Maildir").unwrap(), PathBuf::from("/srv/u/Maildir"));
}

#[test]
fn maildir_must_be_absolute_and_expanded() {
    let db = PasswdDb::parse("nohome:{PLAIN}x\nrel:{PLAIN}x:::::: mail=maildir:Mail/%u\n").unwrap();
    let e = db.lookup("nohome").unwrap().checked_maildir("%h/Maildir").unwrap_err();
    assert!(e.contains("no home"), "{e}");
    assert!(db.lookup("nohome").unwrap().checked_maildir("~/Maildir").is_err());
    assert!(db.lookup("rel").unwrap().checked_maildir("/abs").unwrap_err().contains("not an absolute path"));
    assert_eq!(
        db.lookup("nohome").unwrap().checked_maildir("/var/mail/%u").unwrap(),
        PathBuf::from("/var/mail/nohome")
    );
}

#[test]
fn unknown_scheme_and_duplicates_are_warnings() {
    let db = PasswdDb::parse("old:{MD5-CRYPT}$1$a$b\nu:{PLAIN}one\nU:{PLAIN}x\nu:{PLAIN}two\n").unwrap();
    assert_eq!(db.warnings().len(), 2, "{:?}", db.warnings());
    assert!(db.warnings()[0].starts_with("line 1:"));
    assert!(db.warnings()[1].starts_with("line 4:"));
    assert!(!db.lookup("old").unwrap().verify(b"anything"));
    assert!(db.lookup("u").unwrap().verify(b"one"), "first entry kept");
    assert!(db.lookup("U").unwrap().verify(b"x"));
}

#[test]
fn plaintext_password() {
    let db = PasswdDb::parse("a:{PLAIN}pw\nb:{SHA1}dpDa5PDBV6wFyS8UP+9FxX5mhsI=\n").unwrap();
    assert_eq!(db.lookup("a").unwrap().plaintext_password(), Some(b"pw".to_vec()));
    assert_eq!(db.lookup("b").unwrap().plaintext_password(), None);
}

#[test]
fn maildir_templates() {
    let db = PasswdDb::parse(concat!(
        "j.smith@Example.com:{PLAIN}x:1:1::/home/js\n",
        "nohome@example.com:{PLAIN}x\n",
        "o@example.com:{PLAIN}x:::::: mail=maildir:/srv/o/%n:INDEX=/idx/%u\n",
        "t@example.com:{PLAIN}x:1:1::/home/t::userdb_mail=maildir:~/Mail:LAYOUT=fs\n",
        "m@example.com:{PLAIN}x:::::: mail=mdbox:~/mdbox\n",
    ))
    .unwrap();
    let js = db.lookup("j.smith@example.com").unwrap();
    assert_eq!(js.maildir("/var/mail/%d/%n/Maildir"), PathBuf::from("/var/mail/Example.com/j.smith/Maildir"));
    assert_eq!(js.maildir("maildir:~/Maildir"), PathBuf::from("/home/js/Maildir"));
    assert_eq!(js.maildir("%h/Maildir"), PathBuf::from("/home/js/Maildir"));
    assert_eq!(js.maildir("/m/%u/100%%/%x/%{domain}"), PathBuf::from("/m/j.smith@Example.com/100%/%x/Example.com"));
    assert_eq!(js.maildir("~"), PathBuf::from("/home/js"));
    assert_eq!(js.expand("trailing%"), "trailing%");
    let nohome = db.lookup("nohome@example.com").unwrap();
    assert_eq!(nohome.maildir("~/Maildir"), PathBuf::from("~/Maildir"));
    assert_eq!(nohome.maildir("%h/M"), PathBuf::from("%h/M"));
    let o = db.lookup("o@example.com").unwrap();
    assert_eq!(o.maildir("/ignored/%u"), PathBuf::from("/srv/o/o"));
    let t = db.lookup("t@example.com").unwrap();
    assert_eq!(t.maildir("/ignored"), PathBuf::from("/home/t/Mail"));
    // Not a maildir location: the template wins.
    let m = db.lookup("m@example.com").unwrap();
    assert_eq!(m.maildir("/var/mail/%n"), PathBuf::from("/var/mail/m"));
}

#[test]
fn same_user_compares_domain_case_insensitively() {
    assert!(same_user("a@EXAMPLE.org", "a@example.ORG"));
    assert!(!same_user("A@example.org", "a@example.org"));
    assert!(!same_user("a", "a@example.org"));
}

#[test]
fn load_and_reload_if_changed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("passwd");
    std::fs::write(&path, "a:{PLAIN}one\n").unwrap();
    let mut db = PasswdDb::load(&path).unwrap();
    assert_eq!(db.path(), Some(path.as_path()));
    assert!(!db.reload_if_changed().unwrap());
    // A different size is enough to notice, even within one mtime tick.
    std::fs::write(&path, "a:{PLAIN}two\nb:{PLAIN}three\n").unwrap();
    assert!(db.reload_if_changed().unwrap());
    assert!(db.lookup("a").unwrap().verify(b"two"));
    assert!(db.lookup("b").is_some());
    // A broken line is skipped, and a removed account is gone.
    std::fs::write(&path, "broken:{PLAIN}x:notanumber\n").unwrap();
    assert!(db.reload_if_changed().unwrap());
    assert!(db.lookup("b").is_none() && db.lookup("broken").is_none());
    assert_eq!(db.skipped(), &[1]);
    // A file that went away leaves no account behind.
    std::fs::remove_file(&path).unwrap();
    assert!(db.reload_if_changed().is_err());
    assert!(db.accounts().is_empty());
    let missing = PasswdDb::load(dir.path().join("nope")).unwrap_err();
    assert!(matches!(missing, AuthError::Io { .. }));
    assert!(missing.to_string().contains("nope"));
}

/// The shared fixture: every account logs in with the password in its comment.
#[test]
fn fixture_accounts() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/passwd");
    let db = PasswdDb::load(&path).unwrap();
    assert!(db.warnings().is_empty(), "{:?}", db.warnings());
    let text = std::fs::read_to_string(&path).unwrap();
    let mut checked = 0;
    let mut password = None;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# password: ") {
            password = Some(rest.split("  ").next().unwrap().to_string());
        } else if !line.starts_with('#') && !line.is_empty() {
            let user = line.split(':').next().unwrap();
            let pw = password.take().expect("a password comment above each account");
            let account = db.lookup(user).unwrap();
            assert!(account.verify(pw.as_bytes()), "{user} with {pw}");
            assert!(!account.verify(b"Tegami-wrong"), "{user}");
            checked += 1;
        }
    }
    assert_eq!(checked, db.accounts().len());
    let bob = db.lookup("bob").unwrap();
    assert_eq!(bob.maildir("/var/mail/%n"), PathBuf::from("/home/bob/Mail"));
    assert_eq!(bob.extra_field("quota_rule"), Some("*:storage=1G"));
}

mod prop {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn parsing_random_text_never_panics(text in ".{0,400}") {
            if let Ok(db) = PasswdDb::parse(&text) {
                for a in db.accounts() {
                    let _ = a.verify(b"pw");
                    let _ = a.maildir("~/%u/%n/%d/%h/%%/%{user}/%");
                    prop_assert!(db.lookup(&a.user).is_some());
                }
            }
        }

        #[test]
        fn parsing_passwd_like_lines_never_panics(
            lines in proptest::collection::vec(
                "[a-z@.#{}:$=/~% ]{0,12}(:[{}A-Z0-9.$=:,/+a-z-]{0,40}){0,8}", 0..8)
        ) {
            let text = lines.join("\n");
            if let Ok(db) = PasswdDb::parse(&text) {
                for a in db.accounts() {
                    let _ = a.verify(b"pw");
                    let _ = a.plaintext_password();
                    let _ = a.maildir("maildir:~/Maildir:LAYOUT=fs");
                }
            }
        }
    }
}

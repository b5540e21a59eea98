//! Issue 8, item 2: an account without a home (with the default
//! `%h/Maildir`), or whose maildir template expands to a relative path or
//! still holds `%`/`~`, is refused at login with a log line, and nothing is
//! created, neither in the server's working directory nor anywhere else.
//! Also `--username-format`: `Alice` and `alice` are one account.

mod support;

use std::path::Path;

use support::Server;

fn entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> =
        walk(dir).into_iter().map(|p| p.strip_prefix(dir).unwrap().display().to_string()).collect();
    v.sort();
    v
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        }
        out.push(p);
    }
    out
}

#[test]
fn relative_or_unexpanded_maildirs_are_refused_and_nothing_is_created() {
    let server = Server::start_with(&[], |d| {
        let mut p = std::fs::read_to_string(d.join("passwd")).unwrap();
        p.push_str("nohome:{PLAIN}pw1::::::\n");
        p.push_str("relative:{PLAIN}pw2:::::: userdb_mail=maildir:Mail/%n\n");
        p.push_str("tilde:{PLAIN}pw3:::::: mail=maildir:~/Maildir\n");
        p.push_str("unknown:{PLAIN}pw4:::::: mail=maildir:/srv/mail/%q/x\n");
        std::fs::write(d.join("passwd"), p).unwrap();
    });
    let before = entries(server.dir.path());
    for (user, pw, why) in [
        ("nohome", "pw1", "still holds % or ~ after expansion (the account has no home in the passwd-file)"),
        ("relative", "pw2", "is not an absolute path"),
        ("tilde", "pw3", "still holds % or ~"),
        ("unknown", "pw4", "still holds % or ~"),
    ] {
        let mut c = server.connect();
        let r = c.cmd(&format!("LOGIN {user} {pw}")).pop().unwrap();
        assert_eq!(
            r, "t1 NO [UNAVAILABLE] The account's mailbox location is not usable; the server log says why",
            "{user}"
        );
        assert!(c.cmd("LIST \"\" *").pop().unwrap().contains(" BAD "), "{user} is not logged in");
        let log = server.log();
        assert!(log.contains(&format!("login of {user} refused: maildir ")) && log.contains(why), "{user}: {log}");
    }
    // Nothing new in the server's directory (its working directory too),
    // except the log it writes.
    let after: Vec<String> = entries(server.dir.path()).into_iter().filter(|e| e != "log").collect();
    let before: Vec<String> = before.into_iter().filter(|e| e != "log").collect();
    assert_eq!(after, before);
    assert!(!Path::new("/srv/mail").join("%q").exists());
    // An account with a home still works.
    server.login("alice");
}

#[test]
fn user_names_are_lowercased_by_default_like_dovecots_auth_username_format() {
    let server = Server::start(&[]);
    server.connect().ok("LOGIN Alice wonderland");
    server.connect().ok("LOGIN ALICE wonderland");
    assert!(server.log().contains("login alice (LOGIN)"), "{}", server.log());
    // Both names reach one maildir.
    assert_eq!(std::fs::read_dir(server.dir.path().join("home")).unwrap().count(), 1);
    // %u keeps the name as typed: Alice is then not alice.
    let exact = Server::start(&["--username-format", "%u"]);
    assert!(exact.connect().cmd("LOGIN Alice wonderland").pop().unwrap().contains(" NO "));
    exact.connect().ok("LOGIN alice wonderland");
}

//! Issue 11: in a passwd-file of several domains, `~public/...` is the
//! account `public@` of the user's own domain and `~bob` the `bob@` of it;
//! LIST of `~` shows only the user's own domain.

mod share_common;
mod support;

use share_common::{login, message, untagged, PASSWORD};
use support::Server;

fn start() -> Server {
    let hash = tegami::auth::hash_password("SHA512-CRYPT", PASSWORD.as_bytes()).unwrap();
    Server::start_with(&[], |d| {
        let mut passwd = String::new();
        for u in ["alice@a.example", "bob@a.example", "public@a.example", "carol@b.example", "public@b.example"] {
            passwd.push_str(&format!("{u}:{hash}:{}::{}::\n", support::own_ids(), d.join("home").join(u).display()));
        }
        std::fs::write(d.join("passwd"), passwd).unwrap();
    })
}

#[test]
fn public_and_other_users_are_of_ones_own_domain() {
    let server = start();
    for (public, text) in [("public@a.example", "for a"), ("public@b.example", "for b")] {
        let mut p = login(&server, public);
        p.ok("CREATE news");
        p.append("news", "", &message(text));
        p.ok("SETACL news anyone lr");
    }
    let mut b = login(&server, "bob@a.example");
    b.ok("CREATE Projects");
    b.ok("SETACL Projects anyone lr");
    for (user, text) in [("alice@a.example", "for a"), ("carol@b.example", "for b")] {
        let mut c = login(&server, user);
        c.ok("EXAMINE ~public/news");
        let f = c.ok("FETCH 1 (BODY.PEEK[HEADER.FIELDS (SUBJECT)])");
        assert!(f.iter().any(|l| l.contains(&format!("Subject: {text}"))), "{user}: {f:?}");
        let list = untagged(&c.ok("LIST \"~\" \"*\""));
        if user.ends_with("a.example") {
            assert_eq!(
                list,
                [
                    "* LIST (\\Noselect \\HasChildren) \"/\" ~bob",
                    "* LIST (\\HasNoChildren) \"/\" ~bob/Projects",
                    "* LIST (\\Noselect \\HasChildren) \"/\" ~public",
                    "* LIST (\\HasNoChildren) \"/\" ~public/news",
                ]
            );
        } else {
            assert_eq!(
                list,
                ["* LIST (\\Noselect \\HasChildren) \"/\" ~public", "* LIST (\\HasNoChildren) \"/\" ~public/news"]
            );
            // bob of a.example is reached by his whole name only.
            assert!(c.cmd("EXAMINE ~bob/Projects").last().unwrap().contains("NO [NONEXISTENT]"));
            c.ok("EXAMINE ~bob@a.example/Projects");
        }
    }
}

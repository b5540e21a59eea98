//! Issue 8, must-show 7: alerts queued with the real `tegami alert` command
//! reach the accounts they name as `* OK [ALERT] text`: after LOGIN when
//! queued before, at once in IDLE and at the next NOOP when queued during a
//! session, once per account; domain and server alerts reach every account
//! they name and no other; refused texts queue nothing.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use support::{eventually, Client, Server};

/// Accounts as an administrator writes them: (user, password, extra fields).
const ACCOUNTS: &[(&str, &str, &str)] = &[
    ("alice@example.org", "Alice-pw-1", "userdb_mail=maildir:~/Maildir"),
    ("bob@example.org", "Bob-pw-2", ""),
    ("carol@example.com", "Carol-pw-3", "userdb_quota_rule=*:storage=1G"),
    ("dave", "Dave-pw-4", ""),
];

fn home(d: &Path, user: &str) -> PathBuf {
    d.join("home").join(user)
}

fn passwd_line(d: &Path, user: &str, pw: &str, extra: &str) -> String {
    let hash = tegami::auth::hash_password("SHA512-CRYPT", pw.as_bytes()).unwrap();
    // SAFETY: getuid/getgid have no preconditions.
    let (uid, gid) = unsafe { (libc::getuid(), libc::getgid()) };
    format!("{user}:{hash}:{uid}:{gid}::{}::{extra}\n", home(d, user).display())
}

/// A server with the accounts above and an `--alerts-dir` spool.
struct Site {
    srv: Server,
    spool: tempfile::TempDir,
}

impl Site {
    fn start() -> Site {
        let spool = tempfile::tempdir().unwrap();
        let dir = spool.path().to_str().unwrap().to_string();
        let srv = Server::start_with(&["--alerts-dir", &dir], |d| {
            let text: String = ACCOUNTS.iter().map(|(u, p, x)| passwd_line(d, u, p, x)).collect();
            std::fs::write(d.join("passwd"), text).unwrap();
        });
        Site { srv, spool }
    }

    fn passwd(&self) -> PathBuf {
        self.srv.dir.path().join("passwd")
    }

    /// Runs `tegami alert -u PASSWD --alerts-dir SPOOL ARGS`.
    fn alert(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_tegami"))
            .arg("alert")
            .arg("-u")
            .arg(self.passwd())
            .arg("--alerts-dir")
            .arg(self.spool.path())
            .args(args)
            .output()
            .unwrap()
    }

    /// Queues an alert; the command must succeed.
    fn queue(&self, args: &[&str]) {
        let out = self.alert(args);
        assert!(out.status.success(), "tegami alert {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        assert!(String::from_utf8_lossy(&out.stdout).starts_with("queued alert "), "{out:?}");
    }

    fn connect(&self) -> Client {
        self.srv.connect()
    }

    /// LOGIN as `user`; returns the raw responses, the tagged OK last.
    fn login_bytes(&self, c: &mut Client, user: &str) -> Vec<Vec<u8>> {
        let pw = ACCOUNTS.iter().find(|a| a.0 == user).unwrap().1;
        let lines = c.cmd_bytes(&format!("LOGIN {user} {pw}"));
        let last = String::from_utf8_lossy(lines.last().unwrap()).into_owned();
        assert!(last.starts_with("t") && last.contains(" OK "), "login of {user} failed: {lines:?}");
        lines
    }

    fn login(&self, user: &str) -> Client {
        let mut c = self.connect();
        self.login_bytes(&mut c, user);
        c
    }

    /// Files of the account spool of `user` (`tegami-alerts/` in its maildir).
    fn account_spool(&self, user: &str) -> Vec<String> {
        support::files(&home(self.srv.dir.path(), user).join("Maildir").join("tegami-alerts"))
            .into_iter()
            .filter(|f| f.ends_with(".alert"))
            .collect()
    }
}

/// The `* OK [ALERT] ...` lines among raw responses, as text.
fn alerts_in(lines: &[Vec<u8>]) -> Vec<String> {
    lines.iter().filter(|l| l.starts_with(b"* OK [ALERT]")).map(|l| String::from_utf8(l.clone()).unwrap()).collect()
}

fn alert_line(text: &str) -> String {
    format!("* OK [ALERT] {text}\r\n")
}

/// Sends IDLE and waits for its continuation; returns the tag.
fn idle(c: &mut Client) -> String {
    let tag = c.next_tag();
    c.send(format!("{tag} IDLE\r\n").as_bytes());
    assert!(c.line().starts_with("+ "), "no IDLE continuation");
    tag
}

/// Reads raw lines in IDLE until an `[ALERT]` line; returns it.
fn next_alert_in_idle(c: &mut Client) -> String {
    loop {
        let l = c.response_bytes();
        assert!(!l.is_empty(), "connection closed in IDLE");
        if l.starts_with(b"* OK [ALERT]") {
            return String::from_utf8(l).unwrap();
        }
    }
}

/// Ends IDLE; returns the lines up to the tagged OK.
fn done(c: &mut Client, tag: &str) -> Vec<String> {
    c.send(b"DONE\r\n");
    let lines = c.until_tagged(tag);
    assert!(lines.last().unwrap().starts_with(&format!("{tag} OK")), "{lines:?}");
    lines
}

#[test]
fn alerts_queued_before_login_arrive_after_login_byte_exact_and_once() {
    let site = Site::start();
    site.queue(&["alice@example.org", "Your", "mailbox", "moves", "tonight"]);
    site.queue(&["@example.org", "example.org: webmail is down until 18:00"]);
    site.queue(&["--all", "Server maintenance on Sunday 02:00-03:00 UTC"]);
    assert_eq!(site.account_spool("alice@example.org").len(), 1);

    // Alice: her own alert, the domain's and the server's, in queue order,
    // each a line of its own before the tagged OK of LOGIN.
    let mut c = site.connect();
    let lines = site.login_bytes(&mut c, "alice@example.org");
    let n = lines.len();
    assert!(n >= 4, "{lines:?}");
    assert_eq!(lines[n - 4], alert_line("Your mailbox moves tonight").as_bytes());
    assert_eq!(lines[n - 3], alert_line("example.org: webmail is down until 18:00").as_bytes());
    assert_eq!(lines[n - 2], alert_line("Server maintenance on Sunday 02:00-03:00 UTC").as_bytes());
    assert!(lines[n - 1].starts_with(b"t1 OK "), "{lines:?}");
    assert!(alerts_in(&c.cmd_bytes("NOOP")).is_empty(), "shown twice in one session");
    c.ok("LOGOUT");
    assert!(site.account_spool("alice@example.org").is_empty(), "a shown account alert stays queued");

    // Once per account: a second login of Alice sees none of them.
    let mut c = site.connect();
    assert_eq!(alerts_in(&site.login_bytes(&mut c, "alice@example.org")), Vec::<String>::new());
    c.ok("LOGOUT");

    // Bob (same domain): the domain's and the server's, not Alice's own.
    let mut c = site.connect();
    assert_eq!(
        alerts_in(&site.login_bytes(&mut c, "bob@example.org")),
        vec![
            alert_line("example.org: webmail is down until 18:00"),
            alert_line("Server maintenance on Sunday 02:00-03:00 UTC")
        ]
    );
    // Carol (another domain) and Dave (no domain): the server's only.
    for user in ["carol@example.com", "dave"] {
        let mut c = site.connect();
        assert_eq!(
            alerts_in(&site.login_bytes(&mut c, user)),
            vec![alert_line("Server maintenance on Sunday 02:00-03:00 UTC")],
            "{user}"
        );
        assert!(alerts_in(&site.login_bytes(&mut site.connect(), user)).is_empty(), "{user} saw it twice");
    }

    // An account added after the server alert was queued still gets it
    // once, while the alert file is in the spool; removed, it reaches no one.
    let d = site.srv.dir.path();
    let mut passwd = std::fs::read_to_string(site.passwd()).unwrap();
    passwd.push_str(&passwd_line(d, "erin@example.net", "Erin-pw-5", ""));
    std::fs::write(site.passwd(), passwd).unwrap();
    let erin = |site: &Site| {
        let mut c = site.connect();
        let lines = c.cmd_bytes("LOGIN erin@example.net Erin-pw-5");
        assert!(String::from_utf8_lossy(lines.last().unwrap()).contains(" OK "), "{lines:?}");
        alerts_in(&lines)
    };
    assert_eq!(erin(&site), vec![alert_line("Server maintenance on Sunday 02:00-03:00 UTC")]);
    assert!(erin(&site).is_empty());
    site.queue(&["--all", "second notice"]);
    for f in support::files(site.spool.path()) {
        std::fs::remove_file(site.spool.path().join(f)).unwrap();
    }
    assert!(erin(&site).is_empty(), "a withdrawn alert was shown");
}

#[test]
fn alerts_queued_during_a_session_arrive_at_once_in_idle_and_at_the_next_noop() {
    let site = Site::start();
    let mut alice = site.login("alice@example.org");
    alice.select("INBOX");
    let mut bob = site.login("bob@example.org");
    let mut carol = site.login("carol@example.com");

    // An account alert for Alice reaches her IDLE at once.
    let tag = idle(&mut alice);
    site.queue(&["alice@example.org", "Please call the help desk"]);
    assert_eq!(next_alert_in_idle(&mut alice), alert_line("Please call the help desk"));

    // A domain alert reaches Alice's IDLE; once it has, Bob's flag is raised
    // too, so his very next NOOP carries it. Carol is of another domain.
    site.queue(&["@example.org", "Domain example.org: new spam filter"]);
    assert_eq!(next_alert_in_idle(&mut alice), alert_line("Domain example.org: new spam filter"));
    let noop = bob.cmd_bytes("NOOP");
    assert_eq!(alerts_in(&noop), vec![alert_line("Domain example.org: new spam filter")]);
    assert!(noop.last().unwrap().ends_with(b" OK NOOP completed\r\n"), "{noop:?}");
    assert!(alerts_in(&carol.cmd_bytes("NOOP")).is_empty(), "a domain alert reached another domain");

    // A server alert reaches Alice in IDLE and Carol at a NOOP.
    site.queue(&["--all", "Everyone: restart in 5 minutes"]);
    assert_eq!(next_alert_in_idle(&mut alice), alert_line("Everyone: restart in 5 minutes"));
    assert_eq!(alerts_in(&carol.cmd_bytes("NOOP")), vec![alert_line("Everyone: restart in 5 minutes")]);
    // Each only once: nothing more after DONE or at later commands.
    let after = done(&mut alice, &tag);
    assert!(!after.iter().any(|l| l.contains("[ALERT]")), "{after:?}");
    assert!(alerts_in(&alice.cmd_bytes("NOOP")).is_empty());
    assert_eq!(alerts_in(&bob.cmd_bytes("NOOP")), vec![alert_line("Everyone: restart in 5 minutes")]);
    assert!(alerts_in(&bob.cmd_bytes("NOOP")).is_empty());

    // An account alert for Bob, who does not IDLE: a NOOP shows it (the
    // first NOOP after the server has seen the file), and only one does.
    site.queue(&["bob@example.org", "Bob: your password expires tomorrow"]);
    let mut seen = Vec::new();
    eventually("Bob's alert at a NOOP", || {
        seen.extend(alerts_in(&bob.cmd_bytes("NOOP")));
        !seen.is_empty()
    });
    assert_eq!(seen, vec![alert_line("Bob: your password expires tomorrow")]);
    assert!(alerts_in(&bob.cmd_bytes("NOOP")).is_empty());
    assert!(alerts_in(&carol.cmd_bytes("NOOP")).is_empty());
    assert!(alerts_in(&site.login_bytes(&mut site.connect(), "bob@example.org")).is_empty());
}

#[test]
fn two_sessions_of_one_account_show_each_alert_once() {
    let site = Site::start();
    let mut one = site.login("alice@example.org");
    let mut two = site.login("alice@example.org");
    let (t1, t2) = (idle(&mut one), idle(&mut two));
    site.queue(&["alice@example.org", "For Alice only"]);
    site.queue(&["@example.org", "For example.org"]);
    // Whichever session looks first shows an alert; the other never does.
    site.queue(&["--all", "last"]);
    let (mut a, mut b) = (Vec::new(), Vec::new());
    // Both sessions are woken; each alert ends up in exactly one of them.
    eventually("every alert in one of the sessions", || {
        for (c, got, tag) in [(&mut one, &mut a, &t1), (&mut two, &mut b, &t2)] {
            c.send(b"DONE\r\n");
            let lines = c.until_tagged(tag);
            got.extend(lines.into_iter().filter(|l| l.starts_with("* OK [ALERT] ")));
            c.send(format!("{tag} IDLE\r\n").as_bytes());
            assert!(c.line().starts_with("+ "));
        }
        a.len() + b.len() >= 3
    });
    let mut all: Vec<String> = a.iter().chain(&b).cloned().collect();
    all.sort();
    assert_eq!(all, ["* OK [ALERT] For Alice only", "* OK [ALERT] For example.org", "* OK [ALERT] last"]);
    done(&mut one, &t1);
    done(&mut two, &t2);
    assert!(alerts_in(&one.cmd_bytes("NOOP")).is_empty());
    assert!(alerts_in(&two.cmd_bytes("NOOP")).is_empty());
}

#[test]
fn texts_that_cannot_be_one_line_are_refused_and_nothing_is_queued() {
    let site = Site::start();
    let long = "x".repeat(1025);
    let cases: &[(&[&str], &str)] = &[
        (&["alice@example.org", "line one\r\nline two"], "line break"),
        (&["alice@example.org", "bare\nLF"], "line break"),
        (&["@example.org", "bare\rCR"], "line break"),
        (&["--all", "bell\x07"], "control character"),
        (&["--all", &long], "1025 octets"),
        (&["alice@example.org", &long], "1025 octets"),
        (&["alice@example.org"], "no TEXT"),
        (&["nobody@example.org", "hello"], "no account"),
        (&["@example.invalid", "hello"], "no account of @example.invalid"),
        (&["@bad/domain", "hello"], "not a domain"),
    ];
    for (args, why) in cases {
        let out = site.alert(args);
        assert!(!out.status.success(), "{args:?} was accepted");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.starts_with("tegami alert: ") && err.contains(why), "{args:?}: {err}");
        assert!(out.stdout.is_empty());
    }
    assert!(support::files(site.spool.path()).is_empty(), "something was queued");
    let own = home(site.srv.dir.path(), "alice@example.org").join("Maildir/tegami-alerts");
    assert!(support::files(&own).is_empty(), "something was queued: {:?}", support::files(&own));
    // Nor does a login show anything.
    assert!(alerts_in(&site.login_bytes(&mut site.connect(), "alice@example.org")).is_empty());

    // Without --alerts-dir a domain alert has nowhere to go.
    let out = Command::new(env!("CARGO_BIN_EXE_tegami"))
        .args(["alert", "-u"])
        .arg(site.passwd())
        .args(["--all", "hello"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--alerts-dir"));

    // 1024 octets is the limit, and goes byte for byte to a session that
    // enabled IMAP4rev2 (RFC 9051 allows UTF-8 in response text only
    // then); an IMAP4rev1 login sees 7-bit text, `?` for the é.
    let most = format!("{}é", "y".repeat(1022));
    assert_eq!(most.len(), 1024);
    site.queue(&["alice@example.org", &most]);
    let rev1 = format!("{}?", "y".repeat(1022));
    assert_eq!(alerts_in(&site.login_bytes(&mut site.connect(), "alice@example.org")), vec![alert_line(&rev1)]);
    let mut rev2 = site.login("alice@example.org");
    rev2.ok("ENABLE IMAP4rev2");
    site.queue(&["alice@example.org", &most]);
    let mut seen = Vec::new();
    eventually("the UTF-8 alert at a NOOP", || {
        seen.extend(alerts_in(&rev2.cmd_bytes("NOOP")));
        !seen.is_empty()
    });
    assert_eq!(seen, vec![alert_line(&most)]);
}

/// Python's imaplib, as a real client: it notes the `ALERT` response code
/// once per alert and keeps the texts among the untagged OK responses.
const PY: &str = r#"
import imaplib, sys
m = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]))
m.response("OK")  # the greeting
typ, _ = m.login(sys.argv[2], sys.argv[3])
assert typ == "OK", typ
_, codes = m.response("ALERT")
print("codes:", len(codes or []))
_, oks = m.response("OK")
for d in oks or []:
    print(d.decode())
m.logout()
"#;

#[test]
fn a_real_client_sees_the_alert_of_a_login_and_so_does_authenticate() {
    let site = Site::start();
    site.queue(&["carol@example.com", "Carol: quota almost full"]);
    site.queue(&["--all", "Nightly backup at 01:00"]);
    let port = site.srv.plain.port().to_string();
    let out = Command::new("python3")
        .args(["-c", PY, &port, "carol@example.com", "Carol-pw-3"])
        .output()
        .expect("python3 runs (contrib/test installs it)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "codes: 2\n[ALERT] Carol: quota almost full\n[ALERT] Nightly backup at 01:00\n"
    );

    // AUTHENTICATE PLAIN (SASL-IR) ends a login like LOGIN does.
    use base64::Engine;
    let ir = base64::engine::general_purpose::STANDARD.encode(b"\0dave\0Dave-pw-4");
    let mut c = site.connect();
    let lines = c.cmd_bytes(&format!("AUTHENTICATE PLAIN {ir}"));
    assert!(String::from_utf8_lossy(lines.last().unwrap()).starts_with("t1 OK "), "{lines:?}");
    assert_eq!(alerts_in(&lines), vec![alert_line("Nightly backup at 01:00")]);
}

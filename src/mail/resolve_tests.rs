//! How often a command looks at the selected mailbox's `dovecot-acl`
//! file: a session is driven in-process (as `session::run` would, without
//! the network loop) so the lookups of this thread can be counted.

use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::Arc;

use crate::acl;
use crate::client::State;
use crate::config::{Config, Invocation};
use crate::proto::parse::parse_command;
use crate::session::Session;
use crate::shared::Shared;

/// A logged-in session of `alice` (maildir under `dir`, one message in
/// INBOX, a mailbox Other) and the client end of its socket, kept open while it runs.
fn session(dir: &Path) -> (Session, TcpStream) {
    let home = dir.join("alice");
    let inbox = home.join("Maildir");
    for sub in ["cur", "new", "tmp", ".Other/cur", ".Other/new", ".Other/tmp"] {
        std::fs::create_dir_all(inbox.join(sub)).unwrap();
    }
    std::fs::write(inbox.join("cur/1000.M1P1.test:2,"), "Subject: x\r\n\r\nbody\r\n").unwrap();
    let users = dir.join("users");
    // SAFETY: plain getters without arguments.
    let ids = unsafe { format!("{}:{}", libc::getuid(), libc::getgid()) };
    std::fs::write(&users, format!("alice:{{PLAIN}}pw:{ids}::{}::\n", home.display())).unwrap();
    let args: Vec<String> = vec!["--users".into(), users.display().to_string()];
    let Ok(Invocation::Run(config)) = Config::from_args(&args) else { panic!("arguments refused") };
    let shared = Arc::new(Shared::new(*config, None).unwrap());
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
    let (server, peer) = listener.accept().unwrap();
    let account = shared.account("alice").unwrap();
    let mail = shared.store.account(account.checked_maildir(&shared.config.mail).unwrap());
    let state = State::Authenticated(crate::mail::Login { account, mail });
    let s = Session::for_tests(shared, crate::net::Stream::plain_tcp(server), peer, state);
    (s, client)
}

/// Runs `line` and returns how many times it looked at an ACL file.
fn lookups_of(s: &mut Session, line: &str) -> u64 {
    let before = acl::lookups();
    // What the command queued is not read by anyone here.
    s.execute_for_tests(parse_command(line.as_bytes()).unwrap());
    acl::lookups() - before
}

#[test]
fn a_simple_command_looks_at_the_acl_once() {
    let dir = tempfile::tempdir().unwrap();
    let (mut s, _client) = session(dir.path());
    // Resolving the name reads the rights and the file's identity at once.
    assert_eq!(lookups_of(&mut s, "a1 SELECT INBOX"), 1);
    assert!(s.state().is_selected());
    // The start of each command looks once; the steps after it (others'
    // changes, NOTIFY, context updates) share that look when nothing moved.
    assert_eq!(lookups_of(&mut s, "a2 NOOP"), 1);
    assert_eq!(lookups_of(&mut s, "a3 FETCH 1 (FLAGS)"), 1);
    assert_eq!(lookups_of(&mut s, "a4 UID FETCH 1:* (FLAGS)"), 1);
    assert_eq!(lookups_of(&mut s, "a5 NOOP"), 1);
    // STATUS of another mailbox: the start's look, then its own one.
    assert_eq!(lookups_of(&mut s, "a6 STATUS Other (MESSAGES)"), 2);
    // That one look still sees a right withdrawn since the last command.
    std::fs::write(dir.path().join("alice/Maildir").join(acl::FILE), "owner la\n").unwrap();
    lookups_of(&mut s, "a7 NOOP");
    assert!(matches!(s.state(), State::Authenticated(_)), "reading withdrawn: no longer selected");
}

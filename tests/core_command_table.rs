//! Issue 22, Build 8: one command table (`tegami::proto::table`) is the
//! source of what the server does with a command's name. Each entry's
//! states decide the tagged BAD a command gets in the wrong state, its
//! capabilities are advertised, its "uses sequence numbers" holds EXPUNGE
//! responses back, and a name that is not in the table is an unknown
//! command, as before the table drove the parser.

mod support;

use support::{message, Client, Server};
use tegami::proto::table::{CommandKind, States};

/// A command line (after the tag) of each kind that parses.
fn sample(kind: CommandKind) -> &'static str {
    use CommandKind as K;
    match kind {
        K::Capability => "CAPABILITY",
        K::Noop => "NOOP",
        K::Logout => "LOGOUT",
        K::Id => "ID NIL",
        K::StartTls => "STARTTLS",
        K::Authenticate => "AUTHENTICATE PLAIN",
        K::Login => "LOGIN alice pw",
        K::Enable => "ENABLE CONDSTORE",
        K::Select => "SELECT INBOX",
        K::Examine => "EXAMINE INBOX",
        K::Create => "CREATE x",
        K::Delete => "DELETE x",
        K::Rename => "RENAME x y",
        K::Subscribe => "SUBSCRIBE x",
        K::Unsubscribe => "UNSUBSCRIBE x",
        K::List => "LIST \"\" *",
        K::Lsub => "LSUB \"\" *",
        K::Status => "STATUS INBOX (MESSAGES)",
        K::Append => "APPEND INBOX {1+}\r\nm",
        K::Idle => "IDLE",
        K::Namespace => "NAMESPACE",
        K::Compress => "COMPRESS DEFLATE",
        K::GetQuota => "GETQUOTA \"\"",
        K::GetQuotaRoot => "GETQUOTAROOT INBOX",
        K::SetQuota => "SETQUOTA \"\" (STORAGE 10)",
        K::GetAcl => "GETACL INBOX",
        K::SetAcl => "SETACL INBOX bob lr",
        K::DeleteAcl => "DELETEACL INBOX bob",
        K::ListRights => "LISTRIGHTS INBOX bob",
        K::GenUrlAuth => "GENURLAUTH \"imap://alice@h/INBOX;urlauth=anonymous\" INTERNAL",
        K::ResetKey => "RESETKEY",
        K::UrlFetch => "URLFETCH \"imap://alice@h/INBOX/;uid=1;urlauth=anonymous:internal:00\"",
        K::MyRights => "MYRIGHTS INBOX",
        K::Check => "CHECK",
        K::Close => "CLOSE",
        K::Unselect => "UNSELECT",
        K::Expunge => "EXPUNGE",
        K::UidExpunge => "UID EXPUNGE 1",
        K::Search => "SEARCH ALL",
        K::UidSearch => "UID SEARCH ALL",
        K::Fetch => "FETCH 1 FLAGS",
        K::UidFetch => "UID FETCH 1 FLAGS",
        K::Store => "STORE 1 +FLAGS (\\Seen)",
        K::UidStore => "UID STORE 1 +FLAGS (\\Seen)",
        K::Copy => "COPY 1 x",
        K::UidCopy => "UID COPY 1 x",
        K::Move => "MOVE 1 x",
        K::UidMove => "UID MOVE 1 x",
        K::Sort => "SORT (DATE) UTF-8 ALL",
        K::UidSort => "UID SORT (DATE) UTF-8 ALL",
        K::Thread => "THREAD REFERENCES UTF-8 ALL",
        K::UidThread => "UID THREAD REFERENCES UTF-8 ALL",
        K::CancelUpdate => "CANCELUPDATE \"a\"",
        K::Notify => "NOTIFY NONE",
        K::GetMetadata => "GETMETADATA \"\" /shared/comment",
        K::SetMetadata => "SETMETADATA \"\" (/shared/comment NIL)",
    }
}

/// Sends the sample of every kind not valid in `state`; each must get
/// exactly one line, the tagged BAD `expected` gives.
fn refused_outside(c: &mut Client, state: States, expected: impl Fn(CommandKind) -> String) -> usize {
    let mut sent = 0;
    for &kind in CommandKind::ALL {
        if kind.spec().states.intersects(state) {
            continue;
        }
        let lines = c.cmd(sample(kind));
        let tag = lines[0].split(' ').next().unwrap_or("").to_string();
        assert_eq!(lines, [format!("{tag} BAD {}", expected(kind))], "{}", kind.name());
        sent += 1;
    }
    sent
}

#[test]
fn a_command_outside_its_states_gets_the_tables_bad() {
    let server = Server::start(&[]);
    let mut c = server.connect();
    // Before login: every command of the logged-in states.
    let n =
        refused_outside(&mut c, States::NOT_AUTH, |k| format!("{} needs a logged-in session: LOGIN first", k.name()));
    assert!(n > 40, "{n}");
    c.ok("NOOP");
    let mut c = server.login("alice");
    // Logged in: the commands of the selected state, and those of login.
    let n = refused_outside(&mut c, States::AUTH, |k| match k.spec().states {
        States::NOT_AUTH => format!("{}: already logged in", k.name()),
        _ => format!("{}: no mailbox selected", k.name()),
    });
    assert_eq!(n, 3 + 20);
    c.select("INBOX");
    // Selected: login's commands, and ENABLE (valid before SELECT only).
    let n = refused_outside(&mut c, States::SELECTED, |k| match k {
        CommandKind::Enable => "ENABLE is not valid in this state".to_string(),
        _ => format!("{}: already logged in", k.name()),
    });
    assert_eq!(n, 4);
    c.ok("NOOP");
}

#[test]
fn names_not_in_the_table_are_unknown_commands() {
    let server = Server::start(&[]);
    let mut c = server.login("alice");
    assert_eq!(c.cmd("FROB"), ["t2 BAD Unknown command FROB"]);
    assert_eq!(
        c.cmd("uid frob 1"),
        ["t3 BAD Unknown command UID FROB (expected COPY, MOVE, FETCH, STORE, SEARCH, EXPUNGE, SORT or THREAD)"]
    );
    assert_eq!(
        c.cmd("UID CAPABILITY"),
        ["t4 BAD Unknown command UID CAPABILITY (expected COPY, MOVE, FETCH, STORE, SEARCH, EXPUNGE, SORT or THREAD)"]
    );
    // A name in any case is the table's.
    assert_eq!(c.cmd("nOoP"), ["t5 OK NOOP completed"]);
    let long = "X".repeat(5000);
    assert_eq!(c.cmd(&long), ["t6 BAD Unknown command"]);
    c.ok("NOOP");
}

#[test]
fn capability_lists_what_the_table_brings() {
    let server = Server::start(&[]);
    let mut c = server.login("alice");
    let lines = c.cmd("CAPABILITY");
    let caps: Vec<&str> = lines[0].trim_end().split(' ').skip(2).collect();
    for kind in CommandKind::ALL {
        for cap in kind.spec().caps {
            assert!(caps.contains(cap), "{cap} of {} missing from {caps:?}", kind.name());
        }
    }
}

#[test]
fn expunges_wait_after_the_commands_that_use_sequence_numbers() {
    let server = Server::start(&[]);
    let mut a = server.login("alice");
    for subject in ["one", "two", "three"] {
        a.append("INBOX", "", &message(subject));
    }
    a.select("INBOX");
    let mut b = server.login("alice");
    b.select("INBOX");
    b.ok("STORE 3 +FLAGS.SILENT (\\Deleted)");
    b.ok("EXPUNGE");
    let seq: Vec<CommandKind> = CommandKind::ALL.iter().copied().filter(|k| k.spec().uses_sequence_numbers()).collect();
    assert_eq!(seq.len(), 5);
    for kind in seq {
        let lines = a.cmd(sample(kind));
        assert!(lines.last().is_some_and(|l| l.contains(" OK ")), "{lines:?}");
        assert!(!lines.iter().any(|l| l.contains("EXPUNGE")), "{}: {lines:?}", kind.name());
    }
    // Its UID form is no such command: the expunge is told now.
    let lines = a.cmd(sample(CommandKind::UidFetch));
    assert!(lines.contains(&"* 3 EXPUNGE".to_string()), "{lines:?}");
}

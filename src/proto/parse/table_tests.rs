//! The command table is the one source of command names: every kind's
//! name parses to that kind, and every parsed command names itself from
//! the table.

use super::*;
use std::collections::HashSet;

/// One command line (after the tag) of each kind.
const SAMPLES: &[(CommandKind, &str)] = &[
    (CommandKind::Capability, "CAPABILITY"),
    (CommandKind::Noop, "NOOP"),
    (CommandKind::Logout, "LOGOUT"),
    (CommandKind::Id, "ID NIL"),
    (CommandKind::StartTls, "STARTTLS"),
    (CommandKind::Authenticate, "AUTHENTICATE PLAIN"),
    (CommandKind::Login, "LOGIN joe secret"),
    (CommandKind::Enable, "ENABLE CONDSTORE"),
    (CommandKind::Select, "SELECT INBOX"),
    (CommandKind::Examine, "EXAMINE INBOX"),
    (CommandKind::Create, "CREATE x"),
    (CommandKind::Delete, "DELETE x"),
    (CommandKind::Rename, "RENAME x y"),
    (CommandKind::Subscribe, "SUBSCRIBE x"),
    (CommandKind::Unsubscribe, "UNSUBSCRIBE x"),
    (CommandKind::List, "LIST \"\" *"),
    (CommandKind::Lsub, "LSUB \"\" *"),
    (CommandKind::Status, "STATUS x (MESSAGES)"),
    (CommandKind::Append, "APPEND x {1}\r\nm"),
    (CommandKind::Idle, "IDLE"),
    (CommandKind::Namespace, "NAMESPACE"),
    (CommandKind::Compress, "COMPRESS DEFLATE"),
    (CommandKind::GetQuota, "GETQUOTA \"\""),
    (CommandKind::GetQuotaRoot, "GETQUOTAROOT INBOX"),
    (CommandKind::SetQuota, "SETQUOTA \"\" (STORAGE 10)"),
    (CommandKind::GetAcl, "GETACL x"),
    (CommandKind::SetAcl, "SETACL x bob lr"),
    (CommandKind::DeleteAcl, "DELETEACL x bob"),
    (CommandKind::ListRights, "LISTRIGHTS x bob"),
    (CommandKind::GenUrlAuth, "GENURLAUTH \"imap://joe@h/INBOX;urlauth=anonymous\" INTERNAL"),
    (CommandKind::ResetKey, "RESETKEY"),
    (CommandKind::UrlFetch, "URLFETCH \"imap://joe@h/INBOX/;uid=1;urlauth=anonymous:internal:00\""),
    (CommandKind::MyRights, "MYRIGHTS x"),
    (CommandKind::Check, "CHECK"),
    (CommandKind::Close, "CLOSE"),
    (CommandKind::Unselect, "UNSELECT"),
    (CommandKind::Expunge, "EXPUNGE"),
    (CommandKind::UidExpunge, "UID EXPUNGE 1"),
    (CommandKind::Search, "SEARCH ALL"),
    (CommandKind::UidSearch, "UID SEARCH ALL"),
    (CommandKind::Fetch, "FETCH 1 FLAGS"),
    (CommandKind::UidFetch, "UID FETCH 1 FLAGS"),
    (CommandKind::Store, "STORE 1 +FLAGS (\\Seen)"),
    (CommandKind::UidStore, "UID STORE 1 +FLAGS (\\Seen)"),
    (CommandKind::Copy, "COPY 1 x"),
    (CommandKind::UidCopy, "UID COPY 1 x"),
    (CommandKind::Move, "MOVE 1 x"),
    (CommandKind::UidMove, "UID MOVE 1 x"),
    (CommandKind::Sort, "SORT (DATE) UTF-8 ALL"),
    (CommandKind::UidSort, "UID SORT (DATE) UTF-8 ALL"),
    (CommandKind::Thread, "THREAD REFERENCES UTF-8 ALL"),
    (CommandKind::UidThread, "UID THREAD REFERENCES UTF-8 ALL"),
    (CommandKind::CancelUpdate, "CANCELUPDATE \"a\""),
    (CommandKind::Notify, "NOTIFY NONE"),
    (CommandKind::GetMetadata, "GETMETADATA \"\" /shared/comment"),
    (CommandKind::SetMetadata, "SETMETADATA \"\" (/shared/comment NIL)"),
];

fn kind_of(line: &str) -> CommandKind {
    match parse_command(format!("t {line}").as_bytes()) {
        Ok(c) => c.body.kind(),
        Err(e) => panic!("{line:?}: {e}"),
    }
}

#[test]
fn every_kind_has_one_sample_and_it_parses_to_that_kind() {
    let sampled: HashSet<CommandKind> = SAMPLES.iter().map(|(k, _)| *k).collect();
    assert_eq!(sampled.len(), SAMPLES.len(), "a kind sampled twice");
    let missing: Vec<&str> = CommandKind::ALL.iter().filter(|k| !sampled.contains(k)).map(|k| k.name()).collect();
    assert!(missing.is_empty(), "no sample for {missing:?}");
    for &(kind, line) in SAMPLES {
        assert_eq!(kind_of(line), kind, "{line}");
        // The name the parser reads is the table's, in any case.
        assert!(line.starts_with(&format!("{} ", kind.name())) || line == kind.name(), "{line}");
        assert_eq!(kind_of(&line.to_ascii_lowercase()), kind, "{line}");
        let body = parse_command(format!("t {line}").as_bytes()).map(|c| c.body);
        assert_eq!(body.map(|b| (b.name(), b.is_uid())), Ok((kind.name(), kind.name().starts_with("UID "))));
    }
}

#[test]
fn a_name_not_in_the_table_is_an_unknown_command() {
    let unknown = |line: &str| parse_command(line.as_bytes()).map(|c| c.body.name()).map_err(|e| e.to_string());
    assert_eq!(unknown("a FROB"), Err("a BAD Unknown command FROB".into()));
    assert_eq!(unknown("a frob x y"), Err("a BAD Unknown command FROB".into()));
    assert_eq!(unknown("a UID"), Err("a BAD Missing command after UID".into()));
    assert_eq!(
        unknown("a UID CAPABILITY"),
        Err(
            "a BAD Unknown command UID CAPABILITY (expected COPY, MOVE, FETCH, STORE, SEARCH, EXPUNGE, SORT or THREAD)"
                .into()
        )
    );
    assert_eq!(unknown("a UID X-Y"), Err("a BAD Invalid command after UID".into()));
    assert_eq!(unknown("a UID-FETCH 1 FLAGS"), Err("a BAD Unknown command UID-FETCH".into()));
    // A name too long to be shown is not shown (nor copied).
    assert_eq!(unknown(&format!("a {}", "X".repeat(33))), Err("a BAD Unknown command".into()));
    assert_eq!(unknown(&format!("a {}", "X".repeat(32))), Err(format!("a BAD Unknown command {}", "X".repeat(32))));
    let long = format!("a UID {}", "F".repeat(100_000));
    assert!(unknown(&long).is_err_and(|e| e.starts_with("a BAD Unknown command UID (expected")));
}

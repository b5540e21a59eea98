use super::*;
use crate::proto::response::Code;

fn text(r: &Response, d: Dialect) -> String {
    let mut v = Vec::new();
    r.render(&d, &mut v);
    String::from_utf8(v).unwrap()
}

#[test]
fn sets_are_compact() {
    assert_eq!(set_text(&ranges_of(&[1, 2, 3, 5, 7, 8])), "1:3,5,7:8");
    assert_eq!(set_text(&[(1, 2), (2, 4), (6, 6)]), "1:4,6");
    assert_eq!(set_text(&[]), "");
}

const REV1: Dialect = Dialect { rev2: false, utf8: false, qresync: false };
const REV2: Dialect = Dialect { rev2: true, utf8: false, qresync: false };
const UTF8: Dialect = Dialect { rev2: false, utf8: true, qresync: false };
const QRESYNC: Dialect = Dialect { rev2: false, utf8: false, qresync: true };

fn flags(names: &[&str], recent: bool, star: bool) -> FlagList {
    FlagList { names: names.iter().map(|n| n.to_string()).collect(), recent, star }
}

#[test]
fn recent_is_written_for_rev1_only() {
    let f = Response::FetchFlags(7, vec![FetchItem::Uid(9), FetchItem::Flags(flags(&["\\Seen"], true, false))]);
    assert_eq!(text(&f, REV1), "* 7 FETCH (UID 9 FLAGS (\\Seen \\Recent))\r\n");
    assert_eq!(text(&f, REV2), "* 7 FETCH (UID 9 FLAGS (\\Seen))\r\n");
    let only_recent = Response::FetchFlags(1, vec![FetchItem::Flags(flags(&[], true, false)), FetchItem::ModSeq(12)]);
    assert_eq!(text(&only_recent, REV1), "* 1 FETCH (FLAGS (\\Recent) MODSEQ (12))\r\n");
    assert_eq!(text(&only_recent, REV2), "* 1 FETCH (FLAGS () MODSEQ (12))\r\n");
    assert_eq!(text(&Response::Recent(3), REV1), "* 3 RECENT\r\n");
    assert_eq!(text(&Response::Recent(3), REV2), "");
    let perm = Response::PermanentFlags(flags(&["\\Seen", "$MDN"], false, true), "Flags permitted".into());
    assert_eq!(text(&perm, REV2), "* OK [PERMANENTFLAGS (\\Seen $MDN \\*)] Flags permitted\r\n");
    let none = Response::PermanentFlags(FlagList::default(), "Read-only mailbox".into());
    assert_eq!(text(&none, REV1), "* OK [PERMANENTFLAGS ()] Read-only mailbox\r\n");
}

#[test]
fn expunges_are_expunge_lines_or_one_vanished() {
    let gone = Response::Expunged(vec![(5, 50), (3, 30), (3, 31)]);
    assert_eq!(text(&gone, REV1), "* 5 EXPUNGE\r\n* 3 EXPUNGE\r\n* 3 EXPUNGE\r\n");
    assert_eq!(text(&gone, QRESYNC), "* VANISHED 30:31,50\r\n");
    assert_eq!(text(&Response::Expunged(vec![]), REV1), "");
    assert_eq!(text(&Response::Expunged(vec![]), QRESYNC), "");
    let earlier = Response::Vanished { earlier: true, uids: vec![(1, 3), (4, 4), (9, 9)] };
    assert_eq!(text(&earlier, QRESYNC), "* VANISHED (EARLIER) 1:4,9\r\n");
}

fn list(name: &str) -> Response {
    Response::List { lsub: false, attributes: vec![], delimiter: Some('/'), name: name.into(), extra: vec![] }
}

#[test]
fn mailbox_names_by_dialect() {
    assert_eq!(text(&list("INBOX"), REV1), "* LIST () \"/\" INBOX\r\n");
    assert_eq!(text(&list("Entwürfe"), REV1), "* LIST () \"/\" Entw&APw-rfe\r\n");
    assert_eq!(text(&list("Entwürfe"), UTF8), "* LIST () \"/\" \"Entwürfe\"\r\n");
    assert_eq!(text(&list("Entwürfe"), REV2), "* LIST () \"/\" \"Entwürfe\"\r\n");
    // `&` is escaped only in modified UTF-7.
    assert_eq!(text(&list("R&D"), REV1), "* LIST () \"/\" R&-D\r\n");
    assert_eq!(text(&list("R&D"), UTF8), "* LIST () \"/\" R&D\r\n");
    // Names that cannot be atoms: quoted, with `"` and `\` escaped.
    assert_eq!(text(&list("a b"), REV1), "* LIST () \"/\" \"a b\"\r\n");
    assert_eq!(text(&list("nil"), UTF8), "* LIST () \"/\" \"nil\"\r\n");
    assert_eq!(text(&list("\"ü\\"), UTF8), "* LIST () \"/\" \"\\\"ü\\\\\"\r\n");
    assert_eq!(text(&list(""), REV1), "* LIST () \"/\" \"\"\r\n");
    // A CR cannot be quoted even in UTF-8: a literal.
    assert_eq!(text(&list("ü\r"), UTF8), "* LIST () \"/\" {3}\r\nü\r\r\n");
    let lsub = Response::List {
        lsub: true,
        attributes: vec!["\\Noselect".into(), "\\HasChildren".into()],
        delimiter: None,
        name: "x".into(),
        extra: b" (\"CHILDINFO\" (\"SUBSCRIBED\"))".to_vec(),
    };
    assert_eq!(text(&lsub, REV1), "* LSUB (\\Noselect \\HasChildren) NIL x (\"CHILDINFO\" (\"SUBSCRIBED\"))\r\n");
    let st = Response::Status { name: "Größe".into(), items: "MESSAGES 2".into() };
    assert_eq!(text(&st, REV1), "* STATUS Gr&APYA3w-e (MESSAGES 2)\r\n");
    assert_eq!(text(&st, UTF8), "* STATUS \"Größe\" (MESSAGES 2)\r\n");
}

#[test]
fn search_or_esearch() {
    let hits = |numbers: Vec<u32>, modseq| Response::Search { tag: "A1".into(), uid: false, numbers, modseq };
    assert_eq!(text(&hits(vec![2, 3, 10], None), REV1), "* SEARCH 2 3 10\r\n");
    assert_eq!(text(&hits(vec![2, 3, 10], Some(9)), REV1), "* SEARCH 2 3 10 (MODSEQ 9)\r\n");
    assert_eq!(text(&hits(vec![], Some(9)), REV1), "* SEARCH\r\n");
    assert_eq!(text(&hits(vec![10, 2, 3], None), REV2), "* ESEARCH (TAG \"A1\") ALL 2:3,10\r\n");
    assert_eq!(text(&hits(vec![2, 3, 10], Some(9)), REV2), "* ESEARCH (TAG \"A1\") ALL 2:3,10 MODSEQ 9\r\n");
    assert_eq!(text(&hits(vec![], None), REV2), "* ESEARCH (TAG \"A1\")\r\n");
    let uid = Response::Search { tag: "b".into(), uid: true, numbers: vec![4], modseq: None };
    assert_eq!(text(&uid, REV2), "* ESEARCH (TAG \"b\") UID ALL 4\r\n");
    assert_eq!(text(&uid, REV1), "* SEARCH 4\r\n");
}

#[test]
fn tagged_continuation_and_conditions() {
    assert_eq!(
        text(&Response::Tagged("a1".into(), Reply::no(Code::TryCreate, "No")), REV2),
        "a1 NO [TRYCREATE] No\r\n"
    );
    assert_eq!(text(&Response::Continuation("idling".into()), REV1), "+ idling\r\n");
    assert_eq!(text(&Response::Condition(Reply::bad("x")), REV1), "* BAD x\r\n");
    assert_eq!(text(&Response::Enabled(vec![]), REV1), "* ENABLED\r\n");
    assert_eq!(text(&Response::Enabled(vec!["IMAP4rev2".into()]), REV1), "* ENABLED IMAP4rev2\r\n");
    assert_eq!(text(&Response::Id(&[("name", "tegami")]), REV1), "* ID (\"name\" \"tegami\")\r\n");
    assert_eq!(text(&Response::Bye("Logging out".into()), REV2), "* BYE Logging out\r\n");
}

#[test]
fn codes_are_written_in_one_place() {
    let code = |c: Code| {
        let mut v = Vec::new();
        c.render(&mut v);
        String::from_utf8(v).unwrap()
    };
    assert_eq!(code(Code::AppendUid(7, vec![3, 4, 5, 9])), "[APPENDUID 7 3:5,9]");
    assert_eq!(code(Code::CopyUid(7, vec![9, 2, 3], vec![10, 11, 12])), "[COPYUID 7 9,2:3 10:12]");
    assert_eq!(code(Code::Modified(vec![1, 2, 4])), "[MODIFIED 1:2,4]");
    assert_eq!(code(Code::HighestModSeq(u64::MAX)), "[HIGHESTMODSEQ 18446744073709551615]");
    assert_eq!(code(Code::BadCharset(&["UTF-8", "US-ASCII"])), "[BADCHARSET (UTF-8 US-ASCII)]");
    assert_eq!(code(Code::MetadataLongEntries(12)), "[METADATA LONGENTRIES 12]");
    assert_eq!(code(Code::NoUpdate("a b".into())), "[NOUPDATE \"a b\"]");
    assert_eq!(code(Code::MailboxId("F1".into())), "[MAILBOXID (F1)]");
    assert_eq!(code(Code::BadUrl(String::new())), "[BADURL ]");
    assert_eq!(code(Code::ReadWrite), "[READ-WRITE]");
    let reply = Reply::ok_code(Code::UidNext(4), "Predicted next UID");
    assert_eq!(text(&Response::Condition(reply), REV1), "* OK [UIDNEXT 4] Predicted next UID\r\n");
    assert_eq!(Reply::no_text("x").to_string(), "NO x");
}

#[test]
fn command_answers_render_exactly() {
    let acl = Response::Acl { mailbox: "Ünï".into(), entries: vec![("joe".into(), "lr".into())] };
    assert_eq!(text(&acl, REV1), "* ACL &ANw-n&AO8- joe lr\r\n");
    assert_eq!(text(&acl, REV2), "* ACL \"Ünï\" joe lr\r\n");
    let quota = Response::Quota { root: "#joe".into(), resources: vec![("STORAGE", 10, 1024), ("MESSAGE", 1, 5)] };
    assert_eq!(text(&quota, REV1), "* QUOTA #joe (STORAGE 10 1024 MESSAGE 1 5)\r\n");
    let meta =
        Response::Metadata { mailbox: "INBOX".into(), entries: vec![("/shared/a".into(), Some(b"x\0".to_vec()))] };
    assert_eq!(text(&meta, REV1), "* METADATA \"INBOX\" (/shared/a ~{2}\r\nx\0)\r\n");
    let server = Response::Metadata { mailbox: String::new(), entries: vec![("/shared/b".into(), None)] };
    assert_eq!(text(&server, REV1), "* METADATA \"\" (/shared/b NIL)\r\n");
    assert_eq!(text(&Response::Sort(vec![3, 1]), REV1), "* SORT 3 1\r\n");
    let expunged = Response::Expunged(vec![(3, 30), (3, 31)]);
    assert_eq!(text(&expunged, REV1), "* 3 EXPUNGE\r\n* 3 EXPUNGE\r\n");
    assert_eq!(text(&expunged, QRESYNC), "* VANISHED 30:31\r\n");
}

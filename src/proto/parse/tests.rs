//! Known-answer and robustness tests for the command parser.

use super::*;
use crate::proto::command::*;
use crate::proto::datetime::Date;
use crate::proto::section::{Partial, Section, SectionText};
use crate::proto::sequence::SequenceSet;
use proptest::prelude::*;

fn ok(input: &[u8]) -> CommandBody {
    match parse_command(input) {
        Ok(c) => {
            assert_eq!(c.tag, String::from_utf8_lossy(&input[..input.iter().position(|&b| b == b' ').unwrap()]));
            c.body
        }
        Err(e) => panic!("{:?} failed: {e}", String::from_utf8_lossy(input)),
    }
}

fn err(input: &[u8]) -> ParseError {
    match parse_command(input) {
        Ok(c) => panic!("{:?} parsed as {c:?}", String::from_utf8_lossy(input)),
        Err(e) => e,
    }
}

fn mb(s: &str) -> Mailbox {
    Mailbox(s.as_bytes().to_vec())
}

fn set(s: &str) -> SequenceSet {
    s.parse().unwrap()
}

fn date(s: &str) -> Date {
    Date::parse(s.as_bytes()).unwrap()
}

#[test]
fn simple_commands() {
    let cases: &[(&[u8], CommandBody)] = &[
        (b"a CAPABILITY", CommandBody::Capability),
        (b"a noop", CommandBody::Noop),
        (b"a LogOut", CommandBody::Logout),
        (b"a STARTTLS", CommandBody::StartTls),
        (b"a IDLE", CommandBody::Idle),
        (b"a CHECK", CommandBody::Check),
        (b"a CLOSE", CommandBody::Close),
        (b"a UNSELECT", CommandBody::Unselect),
        (b"a EXPUNGE", CommandBody::Expunge { uids: None }),
        (b"a NAMESPACE", CommandBody::Namespace),
        (b"a UID EXPUNGE 3:5,9", CommandBody::Expunge { uids: Some(set("3:5,9")) }),
        (b"a COMPRESS deflate", CommandBody::Compress { mechanism: "DEFLATE".into() }),
        (
            b"a ENABLE CONDSTORE qresync",
            CommandBody::Enable { capabilities: vec!["CONDSTORE".into(), "QRESYNC".into()] },
        ),
        (b"a ID NIL", CommandBody::Id { params: None }),
        (
            b"a ID (\"name\" \"mutt\" \"version\" NIL)",
            CommandBody::Id {
                params: Some(vec![(b"name".to_vec(), Some(b"mutt".to_vec())), (b"version".to_vec(), None)]),
            },
        ),
    ];
    for (input, want) in cases {
        assert_eq!(&ok(input), want, "{}", String::from_utf8_lossy(input));
    }
}

#[test]
fn login_and_authenticate() {
    assert_eq!(
        ok(b"a1 LOGIN fred \"pa\\\"ss\\\\word\""),
        CommandBody::Login { username: b"fred".to_vec(), password: b"pa\"ss\\word".to_vec() }
    );
    assert_eq!(
        ok(b"a1 LOGIN {4+}\r\nf\0r\n {3}\r\n\r\n]"),
        CommandBody::Login { username: b"f\0r\n".to_vec(), password: b"\r\n]".to_vec() }
    );
    assert_eq!(ok(b"a LOGIN user]x pw"), CommandBody::Login { username: b"user]x".to_vec(), password: b"pw".to_vec() });
    assert_eq!(
        ok(b"a AUTHENTICATE plain AGZyZWQAcGFzcw=="),
        CommandBody::Authenticate { mechanism: "PLAIN".into(), initial_response: Some(b"\0fred\0pass".to_vec()) }
    );
    assert_eq!(
        ok(b"a AUTHENTICATE PLAIN ="),
        CommandBody::Authenticate { mechanism: "PLAIN".into(), initial_response: Some(vec![]) }
    );
    assert_eq!(
        ok(b"a AUTHENTICATE CRAM-MD5"),
        CommandBody::Authenticate { mechanism: "CRAM-MD5".into(), initial_response: None }
    );
    assert!(err(b"a AUTHENTICATE PLAIN ab$").message.contains("extra"));
    assert!(err(b"a AUTHENTICATE PLAIN a").message.contains("base64"));
}

#[test]
fn mailbox_commands() {
    assert_eq!(ok(b"a SELECT inbox"), CommandBody::Select { mailbox: mb("INBOX"), params: SelectParams::default() });
    assert_eq!(
        ok(b"a EXAMINE \"Entw&APw-rfe\" (CONDSTORE)"),
        CommandBody::Examine { mailbox: mb("Entw&APw-rfe"), params: SelectParams { condstore: true, qresync: None } }
    );
    assert_eq!(
        ok(b"a SELECT INBOX (QRESYNC (67890007 20050715194045000 41,43:211,214:541 (1:9 1:100)))"),
        CommandBody::Select {
            mailbox: mb("INBOX"),
            params: SelectParams {
                condstore: false,
                qresync: Some(QResync {
                    uidvalidity: 67890007,
                    modseq: 20050715194045000,
                    known_uids: Some(set("41,43:211,214:541")),
                    seq_match: Some((set("1:9"), set("1:100"))),
                }),
            },
        }
    );
    assert_eq!(
        ok(b"a SELECT INBOX (QRESYNC (1 2))"),
        CommandBody::Select {
            mailbox: mb("INBOX"),
            params: SelectParams {
                condstore: false,
                qresync: Some(QResync { uidvalidity: 1, modseq: 2, known_uids: None, seq_match: None }),
            },
        }
    );
    assert_eq!(
        ok(b"a CREATE Drafts (USE (\\Drafts \\Sent))"),
        CommandBody::Create { mailbox: mb("Drafts"), special_use: vec!["Drafts".into(), "Sent".into()] }
    );
    assert_eq!(ok(b"a DELETE \"a b\""), CommandBody::Delete { mailbox: mb("a b") });
    assert_eq!(ok(b"a RENAME a {1}\r\nb"), CommandBody::Rename { from: mb("a"), to: mb("b") });
    assert_eq!(ok(b"a SUBSCRIBE ~public/news"), CommandBody::Subscribe { mailbox: mb("~public/news") });
    assert_eq!(ok(b"a UNSUBSCRIBE x"), CommandBody::Unsubscribe { mailbox: mb("x") });
    assert_eq!(ok(b"a LSUB \"\" %/x*"), CommandBody::Lsub { reference: mb(""), pattern: b"%/x*".to_vec() });
    assert_eq!(
        ok(b"A001 STATUS box (UNSEEN OLDEST INTERNALSIZE UNSEENMEDIA messages)"),
        CommandBody::Status {
            mailbox: mb("box"),
            items: vec![
                StatusItem::Unseen,
                StatusItem::Oldest,
                StatusItem::InternalSize,
                StatusItem::UnseenMedia,
                StatusItem::Messages
            ],
        }
    );
}

#[test]
fn list_forms() {
    assert_eq!(
        ok(b"a LIST \"\" *"),
        CommandBody::List(ListCommand {
            select: vec![],
            reference: mb(""),
            patterns: vec![b"*".to_vec()],
            returns: vec![],
            extended: false
        })
    );
    assert_eq!(
        ok(b"a LIST (SUBSCRIBED RECURSIVEMATCH) \"\" (\"INBOX\" \"Foo/%\" {3}\r\nx*y) RETURN (CHILDREN STATUS (MESSAGES UNSEEN) SPECIAL-USE MYRIGHTS UIDNEXT)"),
        CommandBody::List(ListCommand {
            select: vec![ListSelect::Subscribed, ListSelect::RecursiveMatch],
            reference: mb(""),
            patterns: vec![b"INBOX".to_vec(), b"Foo/%".to_vec(), b"x*y".to_vec()],
            returns: vec![
                ListReturn::Children,
                ListReturn::Status(vec![StatusItem::Messages, StatusItem::Unseen]),
                ListReturn::SpecialUse,
                ListReturn::MyRights,
                ListReturn::Attribute(StatusItem::UidNext),
            ],
            extended: true
        })
    );
    // CommuniGate's form: return options among the selection options.
    assert_eq!(
        ok(b"A001 LIST (CHILDREN UNSEEN INTERNALSIZE) \"\" \"ma%\""),
        CommandBody::List(ListCommand {
            select: vec![],
            reference: mb(""),
            patterns: vec![b"ma%".to_vec()],
            returns: vec![
                ListReturn::Children,
                ListReturn::Attribute(StatusItem::Unseen),
                ListReturn::Attribute(StatusItem::InternalSize)
            ],
            extended: true
        })
    );
    assert_eq!(
        ok(b"a list () \"\" % return ()"),
        CommandBody::List(ListCommand {
            select: vec![],
            reference: mb(""),
            patterns: vec![b"%".to_vec()],
            returns: vec![],
            extended: true
        })
    );
    assert!(err(b"a LIST (RECURSIVEMATCH) \"\" *").message.contains("RECURSIVEMATCH"));
    assert!(err(b"a LIST (REMOTE RECURSIVEMATCH) \"\" *").message.contains("RECURSIVEMATCH"));
    assert!(parse_command(b"a LIST (SPECIAL-USE RECURSIVEMATCH) \"\" *").is_ok());
    assert!(err(b"a LIST (FOO) \"\" *").message.contains("FOO"));
    assert!(err(b"a LIST \"\" * BOGUS").message.contains("RETURN"));
}

#[test]
fn preview_items_and_their_modifiers() {
    let items = |c: &[u8]| match ok(c) {
        CommandBody::Fetch { items, changed_since, .. } => (items, changed_since),
        other => panic!("{other:?}"),
    };
    assert_eq!(items(b"a FETCH 1 PREVIEW"), (vec![FetchAttr::Preview { lazy: false }], None));
    assert_eq!(items(b"a FETCH 1 preview (lazy)"), (vec![FetchAttr::Preview { lazy: true }], None));
    assert_eq!(items(b"a FETCH 1 PREVIEW (CHANGEDSINCE 4)"), (vec![FetchAttr::Preview { lazy: false }], Some(4)));
    assert_eq!(
        items(b"a FETCH 1 (PREVIEW (LAZY) FLAGS)"),
        (vec![FetchAttr::Preview { lazy: true }, FetchAttr::Flags], None)
    );
    assert!(err(b"a FETCH 1 (PREVIEW (LAZY FOO))").message.contains("PREVIEW"));
}

#[test]
fn fetch_items() {
    assert_eq!(
        ok(b"a FETCH 1:* (FLAGS BODY.PEEK[1.2.HEADER.FIELDS (From To)]<0.100> BINARY[1]<5.10> BINARY.SIZE[] body[] BODY[2.MIME] BODY[TEXT] RFC822.SIZE)"),
        CommandBody::Fetch {
            uid: false,
            set: set("1:*"),
            items: vec![
                FetchAttr::Flags,
                FetchAttr::BodySection {
                    peek: true,
                    section: Section {
                        part: vec![1, 2],
                        text: Some(SectionText::HeaderFields(vec![b"From".to_vec(), b"To".to_vec()]))
                    },
                    partial: Some(Partial { start: 0, length: 100 }),
                },
                FetchAttr::Binary { peek: false, part: vec![1], partial: Some(Partial { start: 5, length: 10 }) },
                FetchAttr::BinarySize { part: vec![] },
                FetchAttr::BodySection { peek: false, section: Section::default(), partial: None },
                FetchAttr::BodySection {
                    peek: false,
                    section: Section { part: vec![2], text: Some(SectionText::Mime) },
                    partial: None
                },
                FetchAttr::BodySection {
                    peek: false,
                    section: Section { part: vec![], text: Some(SectionText::Text) },
                    partial: None
                },
                FetchAttr::Rfc822Size,
            ],
            changed_since: None,
            vanished: false,
        }
    );
    assert_eq!(
        ok(b"a UID FETCH 300:* FAST (CHANGEDSINCE 12345 VANISHED)"),
        CommandBody::Fetch {
            uid: true,
            set: set("300:*"),
            items: vec![FetchAttr::Flags, FetchAttr::InternalDate, FetchAttr::Rfc822Size],
            changed_since: Some(12345),
            vanished: true,
        }
    );
    assert_eq!(
        ok(b"a FETCH $ body"),
        CommandBody::Fetch {
            uid: false,
            set: SequenceSet::Saved,
            items: vec![FetchAttr::Body],
            changed_since: None,
            vanished: false
        }
    );
    let CommandBody::Fetch { items, .. } =
        ok(b"a FETCH 1 (BODY[HEADER.FIELDS.NOT (\"X-A\" {3}\r\nX-B)] MODSEQ UID ENVELOPE)")
    else {
        panic!()
    };
    assert_eq!(
        items[0],
        FetchAttr::BodySection {
            peek: false,
            section: Section {
                part: vec![],
                text: Some(SectionText::HeaderFieldsNot(vec![b"X-A".to_vec(), b"X-B".to_vec()]))
            },
            partial: None
        }
    );
    assert_eq!(&items[1..], &[FetchAttr::ModSeq, FetchAttr::Uid, FetchAttr::Envelope]);
    assert_eq!(
        ok(b"a FETCH 2 FULL"),
        CommandBody::Fetch {
            uid: false,
            set: set("2"),
            items: vec![
                FetchAttr::Flags,
                FetchAttr::InternalDate,
                FetchAttr::Rfc822Size,
                FetchAttr::Envelope,
                FetchAttr::Body
            ],
            changed_since: None,
            vanished: false
        }
    );
    for (bad, needle) in [
        (&b"a FETCH 1 (FLAGS"[..], "Missing the closing parenthesis of"),
        (b"a FETCH 1 BODY[MIME]", "MIME"),
        (b"a FETCH 1 BODY[1.FOO]", "FOO"),
        (b"a FETCH 1 BODY[]<0.0>", "partial length"),
        (b"a FETCH 1 FOO", "Unknown fetch item FOO"),
        (b"a FETCH 0 FLAGS", "Invalid sequence set"),
        (b"a FETCH 1 FLAGS (VANISHED)", "CHANGEDSINCE"),
        (b"a FETCH", "Missing sequence set"),
        (b"a FETCH 1", "Missing fetch items"),
    ] {
        let e = err(bad);
        assert_eq!(e.tag.as_deref(), Some("a"));
        assert!(e.message.contains(needle), "{:?}: {}", String::from_utf8_lossy(bad), e.message);
    }
}

#[test]
fn store_copy_move() {
    assert_eq!(
        ok(b"a UID STORE 1:3 +FLAGS.SILENT (\\Deleted $MDN)"),
        CommandBody::Store {
            uid: true,
            set: set("1:3"),
            unchanged_since: None,
            mode: StoreMode::Add,
            silent: true,
            flags: vec![Flag::Deleted, Flag::Keyword("$MDN".into())],
        }
    );
    assert_eq!(
        ok(b"a STORE 4 (UNCHANGEDSINCE 320162338) -flags \\seen \\Recent foo"),
        CommandBody::Store {
            uid: false,
            set: set("4"),
            unchanged_since: Some(320162338),
            mode: StoreMode::Remove,
            silent: false,
            flags: vec![Flag::Seen, Flag::Extension("Recent".into()), Flag::Keyword("foo".into())],
        }
    );
    assert_eq!(
        ok(b"a STORE 1 FLAGS ()"),
        CommandBody::Store {
            uid: false,
            set: set("1"),
            unchanged_since: None,
            mode: StoreMode::Replace,
            silent: false,
            flags: vec![]
        }
    );
    assert!(err(b"a STORE 1 XFLAGS (\\Seen)").message.contains("store item"));
    assert_eq!(
        ok(b"a COPY 2:4 MEETING"),
        CommandBody::Copy { uid: false, set: set("2:4"), mailbox: mb("MEETING"), encrypted: None }
    );
    assert_eq!(
        ok(b"a UID COPY 2 x ENCRYPTED *"),
        CommandBody::Copy { uid: true, set: set("2"), mailbox: mb("x"), encrypted: Some(Certificate::Own) }
    );
    assert_eq!(
        ok(b"a COPY 2 x ENCRYPTED {8}\r\nTUlJQg=="),
        CommandBody::Copy {
            uid: false,
            set: set("2"),
            mailbox: mb("x"),
            encrypted: Some(Certificate::Base64(b"TUlJQg==".to_vec()))
        }
    );
    assert!(err(b"a COPY 2 x ENCRYPTED \"**\"").message.contains("base64"));
    assert_eq!(
        ok(b"a UID MOVE 42:69 foo"),
        CommandBody::Move { uid: true, set: set("42:69"), mailbox: mb("foo"), encrypted: None }
    );
    assert_eq!(
        ok(b"a MOVE 1 x ENCRYPTED *"),
        CommandBody::Move { uid: false, set: set("1"), mailbox: mb("x"), encrypted: Some(Certificate::Own) }
    );
    assert_eq!(
        ok(b"a UID MOVE 1 x ENCRYPTED TUlJQg=="),
        CommandBody::Move {
            uid: true,
            set: set("1"),
            mailbox: mb("x"),
            encrypted: Some(Certificate::Base64(b"TUlJQg==".to_vec()))
        }
    );
    // Base64 letters that do not decode (bad length, padding inside) are a
    // syntax error, like other characters.
    assert!(err(b"a COPY 2 x ENCRYPTED TUlJQ").message.contains("not valid base64"));
    assert!(err(b"a MOVE 2 x ENCRYPTED TU=lJQg=").message.contains("not valid base64"));
    assert!(err(b"a MOVE 2 x ENCRYPTED").message.contains("certificate"));
    let pem = b"a COPY 2 x ENCRYPTED {39}\r\n-----BEGIN CERTIFICATE-----\r\nTUlJQg==\r\n";
    assert!(matches!(ok(pem), CommandBody::Copy { encrypted: Some(Certificate::Base64(_)), .. }));
}

#[test]
fn search_keys() {
    assert_eq!(
        ok(b"a SEARCH OR (FROM a) NOT SEEN 1:*"),
        CommandBody::Search {
            uid: false,
            returns: None,
            charset: None,
            key: SearchKey::And(vec![
                SearchKey::Or(
                    Box::new(SearchKey::And(vec![SearchKey::From(b"a".to_vec())])),
                    Box::new(SearchKey::Not(Box::new(SearchKey::Seen)))
                ),
                SearchKey::SequenceSet(set("1:*")),
            ]),
        }
    );
    assert_eq!(
        ok(b"a UID SEARCH RETURN (MIN COUNT SAVE) CHARSET UTF-8 SUBJECT {4}\r\n\xc3\xa4bc since \"1-Feb-1994\" BEFORE 10-mar-2020 HEADER X-Foo \"\" UID $ LARGER 100 KEYWORD $Media MODSEQ \"/flags/\\\\draft\" all 620162338"),
        CommandBody::Search {
            uid: true,
            returns: Some(vec![SearchReturn::Min, SearchReturn::Count, SearchReturn::Save]),
            charset: Some("UTF-8".into()),
            key: SearchKey::And(vec![
                SearchKey::Subject("äbc".as_bytes().to_vec()),
                SearchKey::Since(date("1-Feb-1994")),
                SearchKey::Before(date("10-Mar-2020")),
                SearchKey::Header(b"X-Foo".to_vec(), vec![]),
                SearchKey::Uid(SequenceSet::Saved),
                SearchKey::Larger(100),
                SearchKey::Keyword("$Media".into()),
                SearchKey::ModSeq {
                    entry: Some(ModSeqEntry { name: b"/flags/\\draft".to_vec(), kind: "all".into() }),
                    modseq: 620162338
                },
            ]),
        }
    );
    assert_eq!(
        ok(b"a SEARCH RETURN () all"),
        CommandBody::Search { uid: false, returns: Some(vec![]), charset: None, key: SearchKey::All }
    );
    assert_eq!(
        ok(b"a SEARCH ((DELETED) UNKEYWORD x)"),
        CommandBody::Search {
            uid: false,
            returns: None,
            charset: None,
            key: SearchKey::And(vec![SearchKey::And(vec![SearchKey::Deleted]), SearchKey::Unkeyword("x".into())]),
        }
    );
    for (bad, needle) in [
        (&b"a SEARCH"[..], "Missing search criteria"),
        (b"a SEARCH FOO", "Unknown search key FOO"),
        (b"a SEARCH SINCE 30-Feb-2000", "Invalid date"),
        (b"a SEARCH OR SEEN", "Missing second search key of OR"),
        (b"a SEARCH (SEEN", "Missing the closing parenthesis of"),
        (b"a SEARCH LARGER x", "Invalid LARGER size"),
        (b"a SEARCH RETURN (FOO) ALL", "FOO"),
    ] {
        let e = err(bad);
        assert_eq!(e.tag.as_deref(), Some("a"));
        assert!(e.message.contains(needle), "{:?}: {}", String::from_utf8_lossy(bad), e.message);
    }
}

#[test]
fn sort_and_thread() {
    assert_eq!(
        ok(b"a UID SORT (REVERSE DATE subject) UTF-8 SINCE 1-Feb-1994"),
        CommandBody::Sort {
            uid: true,
            returns: None,
            criteria: vec![
                SortCriterion { reverse: true, key: SortKey::Date },
                SortCriterion { reverse: false, key: SortKey::Subject }
            ],
            charset: "UTF-8".into(),
            key: SearchKey::Since(date("1-Feb-1994")),
        }
    );
    assert_eq!(
        ok(b"a SORT RETURN (COUNT) (ARRIVAL) US-ASCII ALL"),
        CommandBody::Sort {
            uid: false,
            returns: Some(vec![SearchReturn::Count]),
            criteria: vec![SortCriterion { reverse: false, key: SortKey::Arrival }],
            charset: "US-ASCII".into(),
            key: SearchKey::All,
        }
    );
    assert_eq!(
        ok(b"a THREAD references \"UTF-8\" UNDELETED"),
        CommandBody::Thread {
            uid: false,
            algorithm: ThreadAlgorithm::References,
            charset: "UTF-8".into(),
            key: SearchKey::Undeleted
        }
    );
    assert!(err(b"a SORT (REVERSE) UTF-8 ALL").message.contains("sort criterion"));
}

#[test]
fn append_forms() {
    let CommandBody::Append { mailbox, messages } =
        ok(b"a APPEND saved-messages (\\Seen $MDN) \" 7-Feb-1994 21:52:25 -0800\" {12+}\r\nHi\r\nthere\0\r\n")
    else {
        panic!()
    };
    assert_eq!(mailbox, mb("saved-messages"));
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].flags, vec![Flag::Seen, Flag::Keyword("$MDN".into())]);
    assert_eq!(messages[0].date.unwrap().to_string(), "07-Feb-1994 21:52:25 -0800");
    assert_eq!(messages[0].data, b"Hi\r\nthere\0\r\n");
    assert!(!messages[0].binary);
    let CommandBody::Append { messages, .. } = ok(b"a APPEND x {1}\r\nA ~{2}\r\n\0B () {0}\r\n") else { panic!() };
    assert_eq!(messages.len(), 3);
    assert_eq!(
        messages[0],
        AppendMessage { flags: vec![], date: None, data: b"A".to_vec(), binary: false, catenate: None }
    );
    assert_eq!(
        messages[1],
        AppendMessage { flags: vec![], date: None, data: b"\0B".to_vec(), binary: true, catenate: None }
    );
    assert_eq!(messages[2].data, b"");
    assert!(err(b"a APPEND x \"hello\"").message.contains("date-time"));
    assert!(err(b"a APPEND x (\\Seen) \"17-Jul-1996 02:44:25 -0700\"").message.contains("Missing message literal"));
    assert!(err(b"a APPEND x (\\Seen) abc").message.contains("literal"));
    assert!(err(b"a APPEND x {10}\r\nabc").message.contains("truncated"));
    assert!(err(b"a APPEND x {3}abc").message.contains("CRLF"));
}

#[test]
fn quota_and_acl() {
    assert_eq!(ok(b"a GETQUOTA \"\""), CommandBody::GetQuota { root: vec![] });
    assert_eq!(ok(b"a GETQUOTAROOT INBOX"), CommandBody::GetQuotaRoot { mailbox: mb("INBOX") });
    assert_eq!(
        ok(b"a SETQUOTA \"\" (STORAGE 512 message 1000)"),
        CommandBody::SetQuota { root: vec![], limits: vec![("STORAGE".into(), 512), ("MESSAGE".into(), 1000)] }
    );
    assert_eq!(ok(b"a SETQUOTA r ()"), CommandBody::SetQuota { root: b"r".to_vec(), limits: vec![] });
    assert_eq!(ok(b"a GETACL INBOX"), CommandBody::GetAcl { mailbox: mb("INBOX") });
    assert_eq!(
        ok(b"a SETACL INBOX/Drafts Chris +cda"),
        CommandBody::SetAcl { mailbox: mb("INBOX/Drafts"), identifier: b"Chris".to_vec(), rights: b"+cda".to_vec() }
    );
    assert_eq!(
        ok(b"a DELETEACL x -anyone"),
        CommandBody::DeleteAcl { mailbox: mb("x"), identifier: b"-anyone".to_vec() }
    );
    assert_eq!(
        ok(b"a LISTRIGHTS x smith"),
        CommandBody::ListRights { mailbox: mb("x"), identifier: b"smith".to_vec() }
    );
    assert_eq!(ok(b"a MYRIGHTS x"), CommandBody::MyRights { mailbox: mb("x") });
}

#[test]
fn errors_carry_tag_and_reason() {
    let untagged: &[(&[u8], &str)] = &[
        (b"", "Empty command line"),
        (b" NOOP", "Missing tag"),
        (b"a+b NOOP", "Invalid characters in tag"),
        (b"a\"b NOOP", "Invalid characters in tag"),
        (b"a{1} NOOP", "Invalid characters in tag"),
        (b"a\0 NOOP", "Invalid characters in tag"),
    ];
    for (input, msg) in untagged {
        let e = err(input);
        assert_eq!(e.tag, None, "{:?}", String::from_utf8_lossy(input));
        assert_eq!(e.message, *msg);
    }
    let tagged: &[(&[u8], &str)] = &[
        (b"a", "Missing command name"),
        (b"a FOO", "Unknown command FOO"),
        (b"a UID FOO 1", "Unknown command UID FOO"),
        (b"a UID EXPUNGE", "Missing UID set"),
        (b"a SELECT", "Missing mailbox name"),
        (b"a RENAME a", "Missing new mailbox name"),
        (b"a NOOP extra", "Unexpected extra arguments"),
        (b"a LOGIN fred", "Missing password"),
        (b"a LOGIN fred \"pw", "Unterminated quoted string in password"),
        (b"a LOGIN fred \"p\\w\"", "Invalid escape"),
        (b"a LOGIN fred  pw", "Extra space before password"),
        (b"a LOGIN fred pw\r\n", "Unexpected extra arguments"),
        (b"a LOGIN fred p\0w", "Unexpected extra arguments"),
        (b"a STATUS x (FOO)", "Unknown status item FOO"),
        (b"a STATUS x ()", "Empty status item list"),
        (b"a SELECT x (FOO)", "Unknown select parameter FOO"),
        (b"a NOOP\0", "Invalid command name"),
        (b"a CHECK ", "Unexpected space at the end"),
        (b"a FETCH 1 FLAGS UID", "Several fetch items must be given in parentheses"),
        (b"a STORE 1:x FLAGS \\Seen", "Invalid sequence set"),
        (b"a ID (\"a\")", "Missing ID field value"),
        (b"a SELECT x ", "Unexpected space at the end"),
    ];
    for (input, msg) in tagged {
        let e = err(input);
        assert_eq!(e.tag.as_deref(), Some("a"), "{:?}", String::from_utf8_lossy(input));
        assert!(e.message.starts_with(msg), "{:?}: {}", String::from_utf8_lossy(input), e.message);
    }
}

#[test]
fn names_and_flags_display() {
    assert_eq!(ok(b"a UID FETCH 1 UID").name(), "UID FETCH");
    assert!(ok(b"a UID EXPUNGE 1").is_uid());
    assert!(!ok(b"a COPY 1 x").is_uid());
    let CommandBody::Store { flags, .. } = ok(b"a STORE 1 FLAGS (\\seen \\Foo $MDN)") else { panic!() };
    let shown: Vec<String> = flags.iter().map(|f| f.to_string()).collect();
    assert_eq!(shown, ["\\Seen", "\\Foo", "$MDN"]);
}

#[test]
fn nesting_is_bounded() {
    let deep = format!("a SEARCH {}SEEN{}", "(".repeat(100), ")".repeat(100));
    assert!(err(deep.as_bytes()).message.contains("Nesting too deep"));
    let nots = format!("a SEARCH {}SEEN", "NOT ".repeat(100_000));
    assert!(err(nots.as_bytes()).message.contains("Nesting too deep"));
    let ors = format!("a SEARCH {}", "OR SEEN ".repeat(1000));
    assert!(err(ors.as_bytes()).message.contains("Nesting too deep"));
    let ok_depth = format!("a SEARCH {}SEEN{}", "(".repeat(60), ")".repeat(60));
    assert!(parse_command(ok_depth.as_bytes()).is_ok());
}

const VALID: &[&[u8]] = &[
    b"a1 FETCH 1:*,3 (FLAGS BODY.PEEK[1.2.HEADER.FIELDS (From To)]<0.100> BINARY[2]<1.3>)",
    b"a2 UID SEARCH RETURN (MIN) CHARSET UTF-8 OR (FROM {3}\r\na\0b) NOT SEEN SINCE 1-Feb-1994 1:*",
    b"a3 LIST (SUBSCRIBED) \"\" (\"a\" b%) RETURN (STATUS (MESSAGES) CHILDREN)",
    b"a4 APPEND x (\\Seen) \"17-Jul-1996 02:44:25 -0700\" {3+}\r\nabc ~{1}\r\n\0",
    b"a5 UID STORE 1:3 (UNCHANGEDSINCE 5) +FLAGS.SILENT (\\Deleted)",
    b"a6 SELECT INBOX (QRESYNC (1 2 3:4 (1 2)))",
    b"a7 UID SORT (REVERSE DATE) UTF-8 ALL",
    b"a8 SETQUOTA \"\" (STORAGE 10)",
    b"a9 ID (\"name\" NIL)",
    b"b1 AUTHENTICATE PLAIN AGZyZWQAcGFzcw==",
];

proptest! {
    #[test]
    fn random_bytes_never_panic(input in prop::collection::vec(any::<u8>(), 0..200)) {
        let _ = parse_command(&input);
    }

    #[test]
    fn random_ascii_commands_never_panic(rest in "[ -~\r\n]{0,80}", name in prop::sample::select(vec![
        "FETCH", "UID FETCH", "SEARCH", "LIST", "APPEND", "STORE", "SELECT", "SORT", "THREAD", "LOGIN", "ID", "COPY",
    ])) {
        let input = format!("t {name} {rest}");
        let _ = parse_command(input.as_bytes());
    }

    #[test]
    fn mutations_never_panic(
        which in 0..VALID.len(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..6),
    ) {
        let mut v = VALID[which].to_vec();
        for (at, byte, op) in edits {
            let i = at.index(v.len() + 1);
            match op {
                0 if i < v.len() => v[i] = byte,
                1 => v.insert(i, byte),
                _ if i < v.len() => { v.remove(i); }
                _ => {}
            }
        }
        if let Err(e) = parse_command(&v) {
            prop_assert!(!e.message.is_empty());
        }
    }
}

#[test]
fn valid_samples_parse() {
    for v in VALID {
        assert!(parse_command(v).is_ok(), "{}: {:?}", String::from_utf8_lossy(v), parse_command(v));
    }
}

#[test]
fn context_return_options_and_cancelupdate() {
    let CommandBody::Search { returns, .. } = ok(b"a UID SEARCH RETURN (CONTEXT UPDATE PARTIAL 500:1 COUNT) ALL")
    else {
        panic!()
    };
    assert_eq!(
        returns,
        Some(vec![SearchReturn::Context, SearchReturn::Update, SearchReturn::Partial(1, 500), SearchReturn::Count])
    );
    let CommandBody::Sort { returns, .. } = ok(b"a SORT RETURN (PARTIAL 1:10) (DATE) UTF-8 ALL") else { panic!() };
    assert_eq!(returns, Some(vec![SearchReturn::Partial(1, 10)]));
    for bad in [
        &b"a SEARCH RETURN (PARTIAL 1:2 PARTIAL 3:4) ALL"[..],
        b"a SEARCH RETURN (ALL PARTIAL 1:2) ALL",
        b"a SEARCH RETURN (UPDATE UPDATE) ALL",
        b"a SEARCH RETURN (PARTIAL) ALL",
        b"a SEARCH RETURN (PARTIAL 0:5) ALL",
        b"a SEARCH RETURN (PARTIAL 1:*) ALL",
        b"a CANCELUPDATE",
        b"a CANCELUPDATE b1",
    ] {
        err(bad);
    }
    assert_eq!(ok(b"a CANCELUPDATE \"b1\" \"b2\""), CommandBody::CancelUpdate { tags: vec!["b1".into(), "b2".into()] });
}

//! Issue 21, "An independent check": every response the integration tests
//! read through `tests/support` (`Client::line`, `response`,
//! `response_bytes`, `cmd`, `until_tagged`, `read_until`, `quiet`, `closed`: plain
//! TCP and inside TLS alike) is framed by `support::grammar::Stream` and
//! parsed by a grammar that is not tegami's. A response it rejects panics
//! in the reader. There is no switch to turn it off.
//!
//! Who checks what:
//! - imap-codec 2.0.0-alpha.10 (quirks off; features condstore/qresync,
//!   id, list-extended, login and mailbox referrals, metadata, namespace,
//!   status=size, utf8, within): the greeting; continuation requests;
//!   tagged and untagged status responses and their codes; CAPABILITY,
//!   ENABLED, FLAGS, EXISTS, RECENT, EXPUNGE, VANISHED, LIST/LSUB, STATUS,
//!   SEARCH (with MODSEQ), SORT, THREAD, FETCH (ENVELOPE, BODY and
//!   BODYSTRUCTURE, sections, BINARY and BINARY.SIZE with literal8, MODSEQ,
//!   UID, FLAGS, RFC822*), QUOTA and QUOTAROOT (RFC 9208), NAMESPACE
//!   (RFC 2342), ID (RFC 2971), METADATA (RFC 5464), UIDPLUS's codes
//!   (RFC 4315), COMPRESS (RFC 4978).
//! - Local checkers (`tests/support/grammar/ext.rs`, written from each
//!   RFC's formal syntax, apart from `src/proto`), for what imap-codec
//!   does not know: ESEARCH (RFC 4731) with MULTISEARCH's correlator
//!   (RFC 7377), CONDSTORE's MODSEQ (RFC 7162), CONTEXT's ADDTO/REMOVEFROM
//!   (RFC 5267) and PARTIAL (RFC 9394); ACL, LISTRIGHTS, MYRIGHTS
//!   (RFC 4314); GENURLAUTH and URLFETCH (RFC 4467, and RFC 5524's
//!   extended form); LIST-EXTENDED's CHILDINFO (RFC 5258) and NOTIFY's
//!   OLDNAME (RFC 5465); the FETCH items EMAILID and THREADID (RFC 8474),
//!   SAVEDATE (RFC 8514), PREVIEW (RFC 8970) and the FUZZY draft's
//!   `SNIPPET (FUZZY text)` and `PREVIEW (FUZZY text)` (Dovecot's
//!   SNIPPET=FUZZY, PREVIEW=FUZZY); the STATUS items MAILBOXID
//!   (RFC 8474) and APPENDLIMIT (RFC 7889). For FETCH, STATUS and LIST
//!   only those items are checked locally: they are cut out and imap-codec
//!   judges the rest.
//!
//! Where imap-codec and tegami disagreed, the RFC decided:
//! - `BINARY[5]<10> ~{10}`: RFC 3516 4.2 and RFC 9051 7.5.2 describe the
//!   origin of a partial BINARY fetch; their ABNF (imap-codec follows it)
//!   lacks it. The item is checked locally (section, origin, nstring or
//!   literal8).
//! - UTF-8 in response text: RFC 9051 allows it after ENABLE IMAP4rev2,
//!   imap-codec's text is ASCII. The stream notes `* ENABLED IMAP4rev2`;
//!   after it a status response's UTF-8 text goes to imap-codec with its
//!   non-ASCII characters made ASCII. Before it, tegami was wrong: alerts
//!   with UTF-8 went to IMAP4rev1 sessions (fixed in `src/alerts`).
//! - CommuniGate's extensions, sent only to a client that asks for them:
//!   the STATUS items INTERNALSIZE, OLDEST, UNSEENMEDIA (name and value
//!   pairs as RFC 9051's status-att-val, checked locally) and the LIST
//!   attributes `\MESSAGES(5)` of `LIST (MESSAGES) ...`, which no IMAP
//!   grammar allows (a flag is `\` atom; an atom holds no parenthesis):
//!   checked locally as CommuniGate writes them, then cut out.
//!
//! Not read through the support client, so not checked here: the tests
//! with readers of their own (sec_garbage, sec_memory, store_crash,
//! conn_hostile's trickle) and the real clients (Python's imaplib,
//! offlineimap, Thunderbird-shaped scripts); after COMPRESS,
//! conn_compress feeds the text it inflated to `grammar::responses`.

mod support;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;

use support::grammar::{greeting, response, response_in, responses, Stream};

fn pass(examples: &[&[u8]]) {
    for e in examples {
        if let Err(err) = response(e) {
            panic!("rejected: {err}\n  {}", e.escape_ascii());
        }
    }
}

fn fail(examples: &[&[u8]]) {
    for e in examples {
        assert!(response(e).is_err(), "accepted: {}", e.escape_ascii());
    }
}

#[test]
fn rfc_3501_and_9051_examples_pass() {
    for g in [
        &b"* OK IMAP4rev2 server ready\r\n"[..],
        b"* PREAUTH IMAP4rev1 server logged in as Smith\r\n",
        b"* BYE Autologout; idle for too long\r\n",
    ] {
        greeting(g).unwrap();
    }
    pass(&[
        b"* CAPABILITY IMAP4rev1 STARTTLS AUTH=GSSAPI LOGINDISABLED\r\n",
        b"* 172 EXISTS\r\n",
        b"* 1 RECENT\r\n",
        b"* OK [UNSEEN 12] Message 12 is first unseen\r\n",
        b"* OK [UIDVALIDITY 3857529045] UIDs valid\r\n",
        b"* OK [UIDNEXT 4392] Predicted next UID\r\n",
        b"* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n",
        b"* OK [PERMANENTFLAGS (\\Deleted \\Seen \\*)] Limited\r\n",
        b"A142 OK [READ-WRITE] SELECT completed\r\n",
        b"* LIST (\\Noselect) \"/\" \"\"\r\n",
        b"* LIST () \".\" #news.comp.mail.misc\r\n",
        b"* LSUB () \".\" #news.comp.mail.mime\r\n",
        b"* STATUS blurdybloop (MESSAGES 231 UIDNEXT 44292)\r\n",
        b"* SEARCH 2 84 882\r\n",
        b"* SEARCH\r\n",
        b"* 23 FETCH (FLAGS (\\Seen) UID 4827313)\r\n",
        b"* 12 FETCH (FLAGS (\\Seen) INTERNALDATE \"17-Jul-1996 02:44:25 -0700\" RFC822.SIZE 4286 ENVELOPE (\"Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\" \"IMAP4rev1 WG mtg summary and minutes\" ((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) ((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) ((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) ((NIL NIL \"imap\" \"cac.washington.edu\")) ((NIL NIL \"minutes\" \"CNRI.Reston.VA.US\")(\"John Klensin\" NIL \"KLENSIN\" \"MIT.EDU\")) NIL NIL \"<B27397-0100000@cac.washington.edu>\") BODY (\"TEXT\" \"PLAIN\" (\"CHARSET\" \"US-ASCII\") NIL NIL \"7BIT\" 3028 92))\r\n",
        b"* 12 FETCH (BODY[HEADER] {11}\r\nSubject: x\n)\r\n",
        b"* 3 EXPUNGE\r\n",
        b"* NO Disk is 98% full, please delete unnecessary data\r\n",
        b"* BAD Command line too long\r\n",
        b"+ Ready for additional command text\r\n",
        b"A001 OK LOGIN completed\r\n",
        b"A003 OK [APPENDUID 38505 3955] APPEND completed\r\n",
        b"A004 OK [COPYUID 38505 304,319:320 3956:3958] Done\r\n",
    ]);
}

#[test]
fn extension_examples_pass() {
    pass(&[
        // CONDSTORE/QRESYNC, RFC 7162.
        b"* OK [HIGHESTMODSEQ 715194045007] Highest\r\n",
        b"* OK [NOMODSEQ] Sorry, this mailbox format doesn't support modsequences\r\n",
        b"* 1 FETCH (UID 4 MODSEQ (65402) FLAGS (\\Seen))\r\n",
        b"d105 OK [MODIFIED 7,9] Conditional STORE failed\r\n",
        b"* SEARCH 2 5 6 7 11 12 18 19 20 23 (MODSEQ 917162500)\r\n",
        b"* VANISHED (EARLIER) 41,43:116,118,120:211,214:540\r\n",
        b"* VANISHED 405,407,410,425\r\n",
        b"* OK [CLOSED] Previous mailbox closed\r\n",
        b"* STATUS blurdybloop (MESSAGES 231 UIDNEXT 44292 HIGHESTMODSEQ 7011231777)\r\n",
        // ENABLE, RFC 5161.
        b"* ENABLED X-GOOD-IDEA\r\n",
        b"* ENABLED CONDSTORE QRESYNC\r\n",
        // ESEARCH, RFC 4731; CONTEXT, RFC 5267; MULTISEARCH, RFC 7377.
        b"* ESEARCH (TAG \"A282\") MIN 2 COUNT 3\r\n",
        b"* ESEARCH (TAG \"A283\") ALL 2,10:11\r\n",
        b"* ESEARCH (TAG \"A284\") MIN 4\r\n",
        b"* ESEARCH (TAG \"A285\") UID MIN 7 MAX 3800\r\n",
        b"* ESEARCH (TAG \"A286\") COUNT 15\r\n",
        b"* ESEARCH (TAG \"a\") ALL 1:3,5 MODSEQ 1236\r\n",
        b"* ESEARCH (TAG \"C01\") UID ADDTO (0 32768:32769)\r\n",
        b"* ESEARCH (TAG \"C01\") UID REMOVEFROM (0 32768)\r\n",
        b"* ESEARCH (TAG \"tag1\" MAILBOX \"folder1\" UIDVALIDITY 1) UID ALL 3001:3004,3788\r\n",
        b"* ESEARCH (TAG \"tag1\" MAILBOX \"folder2/banana\" UIDVALIDITY 503) UID ALL 3001\r\n",
        b"* ESEARCH (TAG \"A04\") UID PARTIAL (-1:-100 NIL)\r\n",
        // LIST-EXTENDED, RFC 5258; SPECIAL-USE, RFC 6154; NOTIFY, RFC 5465.
        b"* LIST (\\Marked \\NoInferiors \\Subscribed) \"/\" \"inbox\"\r\n",
        b"* LIST () \"/\" \"Fruit\" (\"CHILDINFO\" (\"SUBSCRIBED\"))\r\n",
        b"* LIST (\\Subscribed \\NonExistent) \"/\" \"Fruit/Peach\"\r\n",
        b"* LIST (\\HasChildren) \"/\" \"Tofu\"\r\n",
        b"* LIST (\\Remote) \"/\" \"Bread\"\r\n",
        b"* LIST (\\Sent \\HasNoChildren) \"/\" \"Sent Mail\"\r\n",
        b"* LIST (\\Drafts) \"/\" Drafts\r\n",
        b"* LIST () \"/\" \"NewMailbox\" (\"OLDNAME\" (\"OldMailbox\"))\r\n",
        b"* OK [NOTIFICATIONOVERFLOW] ...A pox on you!\r\n",
        // LIST-STATUS, RFC 5819; STATUS=SIZE, RFC 8438.
        b"* STATUS \"INBOX\" (MESSAGES 17 UNSEEN 16)\r\n",
        b"* STATUS INBOX (MESSAGES 12 SIZE 3400)\r\n",
        // QUOTA, RFC 9208.
        b"* QUOTAROOT INBOX \"\"\r\n",
        b"* QUOTA \"\" (STORAGE 10 512)\r\n",
        b"* QUOTAROOT comp.mail.mime\r\n",
        b"* QUOTA \"#user/alice\" (STORAGE 54 111 MESSAGE 42 1000)\r\n",
        // ACL, RFC 4314.
        b"* ACL INBOX Fred rwipsldexta\r\n",
        b"* LISTRIGHTS ~/Mail/saved smith la r swicdkxte\r\n",
        b"* MYRIGHTS INBOX rwiptsldaex\r\n",
        // NAMESPACE, RFC 2342.
        b"* NAMESPACE ((\"\" \"/\")) NIL NIL\r\n",
        b"* NAMESPACE NIL NIL ((\"\" \".\"))\r\n",
        b"* NAMESPACE ((\"\" \"/\")) ((\"~\" \"/\")) ((\"#shared/\" \"/\")(\"#public/\" \"/\")(\"#ftp/\" \"/\")(\"#news.\" \".\"))\r\n",
        // ID, RFC 2971.
        b"* ID (\"name\" \"Cyrus\" \"version\" \"1.5\" \"os\" \"sunos\" \"os-version\" \"5.5\" \"support-url\" \"mailto:cyrus-bugs+@andrew.cmu.edu\")\r\n",
        b"* ID NIL\r\n",
        // SORT and THREAD, RFC 5256.
        b"* SORT 2 84 882\r\n",
        b"* THREAD (2)(3 6 (4 23)(44 7 96))\r\n",
        b"* THREAD ((3)(5))\r\n",
        // BINARY, RFC 3516 (a partial one with its origin, see above).
        b"* 172 FETCH (BINARY.SIZE[3] 4182)\r\n",
        b"* 1 FETCH (BINARY[1] ~{3}\r\na\x00b)\r\n",
        b"* 1 FETCH (BINARY[5]<10> ~{4}\r\njk\nl)\r\n",
        // URLAUTH, RFC 4467; URLAUTH=BINARY, RFC 5524.
        b"* GENURLAUTH \"imap://joe@example.com/INBOX/;uid=20/;section=1.2;urlauth=submit+fred:internal:91354a473744909de610943775f92038\"\r\n",
        b"* URLFETCH \"imap://joe@example.com/INBOX/;uid=20/;section=1.2;urlauth=submit+fred:internal:91354a473744909de610943775f92038\" {28}\r\nChocolate is a good sweet.\r\n\r\n",
        b"* URLFETCH \"imap://x@example.com/INBOX/;uid=1/;urlauth=anonymous:internal:0123\" NIL\r\n",
        b"* URLFETCH \"imap://x/INBOX/;uid=1/;section=2;urlauth=anonymous:internal:0123\" (BODYPARTSTRUCTURE (\"TEXT\" \"PLAIN\" NIL NIL NIL \"BASE64\" 8 1) BINARY ~{3}\r\nab\x00)\r\n",
        b"* URLFETCH \"imap://x/INBOX/;uid=1/;section=2;urlauth=anonymous:internal:0123\" (BODYPARTSTRUCTURE (\"TEXT\" \"PLAIN\" NIL NIL NIL \"BASE64\" 8 1)) (BINARY ~{3}\r\nab\x00)\r\n",
        // OBJECTID, RFC 8474.
        b"* OK [MAILBOXID (F2212ea87-6097-4256-9d51-71338625)] Ok\r\n",
        b"* 1 FETCH (EMAILID (M6d99ac3275bb4e) THREADID (T64b478a75b7ea9))\r\n",
        b"* 3 FETCH (UID 5 EMAILID (M5fdc09b49ea703) THREADID NIL FLAGS (\\Seen))\r\n",
        b"* STATUS foo (MAILBOXID (F6352ae03-b7f5-463c-896f-d8b48ee3))\r\n",
        // SAVEDATE, RFC 8514; PREVIEW, RFC 8970; APPENDLIMIT, RFC 7889.
        b"* 1 FETCH (UID 8 SAVEDATE \"17-Jul-2020 02:44:25 -0700\")\r\n",
        b"* 2 FETCH (UID 9 SAVEDATE NIL)\r\n",
        b"* 1 FETCH (UID 1 PREVIEW \"Hello, this is a preview\")\r\n",
        // The FUZZY draft's forms, as Dovecot sends them.
        b"* 1 FETCH (UID 1 SNIPPET (FUZZY \"Hello, this is a preview\"))\r\n",
        b"* 1 FETCH (UID 1 PREVIEW (FUZZY NIL))\r\n",
        b"* STATUS INBOX (APPENDLIMIT 5000 MESSAGES 1)\r\n",
        // METADATA, RFC 5464.
        b"* METADATA \"INBOX\" (/private/comment \"My own comment\")\r\n",
        b"a OK [METADATA LONGENTRIES 2199] GETMETADATA complete\r\n",
        // COMPRESS, RFC 4978.
        b"t NO [COMPRESSIONACTIVE] DEFLATE active via TLS\r\n",
    ]);
    // UTF-8 text (RFC 9051) once IMAP4rev2 is enabled, and only then.
    response_in("* OK [ALERT] café\r\n".as_bytes(), true).unwrap();
    assert!(response_in("* OK [ALERT] café\r\n".as_bytes(), false).is_err());
}

#[test]
fn malformed_responses_are_rejected() {
    fail(&[
        // A quoted string holding CRLF, and one with a bare LF.
        b"* LIST () \"/\" \"a\r\nb\"\r\n",
        b"* 1 FETCH (ENVELOPE (NIL \"a\nb\" NIL NIL NIL NIL NIL NIL NIL NIL))\r\n",
        // Unbalanced parentheses in FETCH.
        b"* 1 FETCH (UID 1 FLAGS (\\Seen)\r\n",
        b"* 1 FETCH (UID 1 FLAGS (\\Seen)))\r\n",
        b"* 1 FETCH (UID 1 EMAILID (M1) FLAGS (\\Seen)\r\n",
        b"* 1 FETCH (EMAILID (M1)\r\n",
        // RFC 9208: a quota-list holds at least one resource.
        b"* QUOTA x ()\r\n",
        // Response text is at least one character; a literal holds no NUL.
        b"t1 OK\r\n",
        b"* 1 FETCH (BODY[] {3}\r\na\x00b)\r\n",
        // Two spaces, a trailing space, a zero message number.
        b"* 1  EXISTS\r\n",
        b"* SEARCH 1 \r\n",
        b"* 0 FETCH (UID 1)\r\n",
        // Local checkers.
        b"* ESEARCH (TAG \"a\") MIN 0\r\n",
        b"* ESEARCH (TAG \"a\") FOO 1\r\n",
        b"* ESEARCH (TAG a) MIN 1\r\n",
        b"* ESEARCH (TAG \"a\") ALL\r\n",
        b"* MYRIGHTS INBOX\r\n",
        b"* ACL INBOX Fred\r\n",
        b"* LISTRIGHTS INBOX smith\r\n",
        b"* GENURLAUTH\r\n",
        b"* URLFETCH \"imap://x\"\r\n",
        b"* 1 FETCH (SNIPPET \"no algorithm\")\r\n",
        b"* 1 FETCH (SNIPPET (LAZY \"text\"))\r\n",
        b"* 1 FETCH (PREVIEW (FUZZY \"text\" \"more\"))\r\n",
        b"* URLFETCH \"imap://x\" (BINARY)\r\n",
        b"* URLFETCH \"imap://x\" (FOO \"a\")\r\n",
        b"* 1 FETCH (EMAILID (M!x))\r\n",
        b"* 1 FETCH (EMAILID M1)\r\n",
        b"* 1 FETCH (SAVEDATE \"yesterday\")\r\n",
        b"* 1 FETCH (BINARY[1]<x> ~{1}\r\na)\r\n",
        b"* LIST () \"/\" x (\"CHILDINFO\" ())\r\n",
        b"* LIST () \"/\" x (\"FOO\" (\"BAR\"))\r\n",
        b"* LIST (\\HasNoChildren \\MAILBOXID()) \"/\" x\r\n",
        b"* STATUS x (MAILBOXID ())\r\n",
        b"* STATUS x (APPENDLIMIT -1)\r\n",
    ]);
    // A continuation line's UTF-8 is not response text.
    assert!(response_in("+ café\r\n".as_bytes(), true).is_err());
}

/// A one-shot server: the greeting, then `script` once the first command
/// line has come.
fn fake_server(script: Vec<u8>) -> std::net::SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    std::thread::spawn(move || {
        let (mut s, _) = l.accept().unwrap();
        s.write_all(b"* OK fake ready\r\n").unwrap();
        let mut line = String::new();
        BufReader::new(s.try_clone().unwrap()).read_line(&mut line).unwrap();
        let _ = s.write_all(&script);
    });
    addr
}

/// What a NOOP through the support client makes of `script`: Ok with
/// the lines, or the reader's panic message.
fn through_client(script: &[u8]) -> Result<Vec<String>, String> {
    let addr = fake_server(script.to_vec());
    std::panic::catch_unwind(move || support::Client::plain(addr).cmd("NOOP")).map_err(|e| {
        e.downcast_ref::<String>()
            .cloned()
            .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default()
    })
}

#[test]
fn the_support_reader_fails_a_test_on_a_malformed_response() {
    // A quoted string holding CRLF: its first line is a response cut short.
    let e = through_client(b"* LIST () \"/\" \"a\r\nb\"\r\nt1 OK done\r\n").unwrap_err();
    assert!(e.contains("independent parser rejects") && e.contains("* LIST () \\\"/\\\" \\\"a\\r\\n"), "{e}");
    // An unbalanced parenthesis in FETCH.
    let e = through_client(b"* 1 FETCH (UID 1 FLAGS (\\Seen)\r\nt1 OK done\r\n").unwrap_err();
    assert!(e.contains("independent parser rejects") && e.contains("FETCH (UID 1 FLAGS"), "{e}");
    // An empty QUOTA list.
    let e = through_client(b"* QUOTA x ()\r\nt1 OK done\r\n").unwrap_err();
    assert!(e.contains("* QUOTA x ()"), "{e}");
    // A valid response with a literal and a literal8 across lines passes.
    let good = b"* 1 FETCH (UID 1 BODY[] {8}\r\nab\r\ncd\r\n BINARY[1] ~{2}\r\n\x00\n)\r\nt1 OK done\r\n";
    let lines = through_client(good).unwrap();
    assert_eq!(lines.last().unwrap(), "t1 OK done");
}

#[test]
fn there_is_no_switch_to_turn_the_check_off() {
    // Whatever the environment says, a malformed response is rejected.
    for var in ["TEGAMI_TEST_NO_PARSER", "TEGAMI_NO_PARSER", "TEGAMI_TEST_PARSER"] {
        std::env::set_var(var, "1");
    }
    let r = std::panic::catch_unwind(|| Stream::default().feed(b"* OK hi\r\n* 1 FETCH (UID 1\r\n"));
    assert!(r.is_err(), "a malformed response went through");
    let support = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/grammar")).unwrap();
    for f in support {
        let text = std::fs::read_to_string(f.unwrap().path()).unwrap();
        assert!(!text.contains("env::var"), "the parser reads the environment");
    }
    // After COMPRESS the test itself feeds what it inflated.
    responses(b"z1 NO [COMPRESSIONACTIVE] DEFLATE is already active\r\nz2 OK NOOP completed\r\n");
}

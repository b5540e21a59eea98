//! Known-answer tests: four small messages and, for every key, the hits
//! worked out by hand from the fixtures below (not by running the code).

use super::*;
use crate::proto::command::{CommandBody, SearchKey, SearchReturn};
use crate::proto::datetime::Date;
use crate::proto::parse::parse_command;

/// Seconds since the epoch of a UTC date and time.
fn at(y: i32, mo: u32, d: u32, h: i64, mi: i64) -> i64 {
    Date::from_ymd(y, mo, d).unwrap().unix_midnight() + h * 3600 + mi * 60
}

const M1: &str = "Date: Mon, 7 Feb 1994 21:52:25 -0800 (PST)\r\n\
From: \"Alice Example\" <alice@example.org>\r\n\
To: bob@example.com\r\n\
Cc: Carol <carol@example.net>\r\n\
Subject: Lunch plans\r\n\
Message-ID: <1@example.org>\r\n\
\r\n\
Let's meet at NOON.\r\n";

const M2: &str = "Date: Sun, 01 Mar 2020 00:30:00 +1300\r\n\
From: =?ISO-8859-1?Q?Andr=E9?= Dupont <andre@example.fr>\r\n\
To: \"Smith, John\" <john@example.com>,\r\n bob@example.com\r\n\
Bcc: secret@example.com\r\n\
Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=\r\n\
MIME-Version: 1.0\r\n\
Content-Type: text/plain; charset=utf-8\r\n\
Content-Transfer-Encoding: base64\r\n\
\r\n\
R3LDvMOfZSBhdXMgTcO8bmNoZW4sIGxpZWJlIEdyw7zDn2UNCg==\r\n";

const M3: &str = "From: Taro <taro@example.jp>\r\n\
To: hanako@example.jp\r\n\
Subject: =?ISO-2022-JP?B?GyRCRnxLXDhsGyhC?=\r\n\
MIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"b1\"\r\n\
\r\n\
--b1\r\n\
Content-Type: text/plain; charset=iso-8859-1\r\n\
Content-Transfer-Encoding: quoted-printable\r\n\
\r\n\
Un caf=E9 cr=E8me, s'il vous pla=EEt.\r\n\
--b1\r\n\
Content-Type: message/rfc822\r\n\
\r\n\
From: inner@example.org\r\n\
Subject: Inner secret\r\n\
\r\n\
nested needle here\r\n\
--b1\r\n\
Content-Type: application/octet-stream\r\n\
Content-Transfer-Encoding: base64\r\n\
\r\n\
bmVlZGxlMiBpbiBhbiBhdHRhY2htZW50\r\n\
--b1--\r\n";

const M4: &str = "Date: not a date\r\n\
From: Mallory <mallory@evil.test>\r\n\
Subject: Re: lunch\r\n\
X-Priority: 1\r\n\
X-Empty:\r\n\
\r\n\
short\r\n";

/// The mailbox: seq 1..4, UIDs 11 12 15 20.
///
/// | seq | uid | flags                     | keywords   | internal (UTC)   | size | Date: day   |
/// |-----|-----|---------------------------|------------|------------------|------|-------------|
/// | 1   | 11  | seen                      |            | 1994-02-08 05:52 | 300  | 1994-02-07  |
/// | 2   | 12  | answered flagged          | $Forwarded | 2020-02-29 11:30 | 1500 | 2020-03-01  |
/// | 3   | 15  | seen deleted draft recent |            | 2021-06-15 12:00 | 4000 | (none)      |
/// | 4   | 20  | recent                    | Work       | 2021-06-16 00:00 | 1000 | (garbage)   |
///
/// With `stored`, each message also carries its text as the search index
/// stores it (`document::document`), which the evaluator reads instead.
fn mailbox_of(stored: bool) -> Vec<Message<'static>> {
    // (uid, text, flags, keywords, internal date, size)
    type Row = (u32, &'static str, SystemFlags, &'static [&'static str], i64, u64);
    let spec: [Row; 4] = [
        (11, M1, SystemFlags { seen: true, ..Default::default() }, &[], at(1994, 2, 8, 5, 52), 300),
        (
            12,
            M2,
            SystemFlags { answered: true, flagged: true, ..Default::default() },
            &["$Forwarded"],
            at(2020, 2, 29, 11, 30),
            1500,
        ),
        (
            15,
            M3,
            SystemFlags { seen: true, deleted: true, draft: true, recent: true, ..Default::default() },
            &[],
            at(2021, 6, 15, 12, 0),
            4000,
        ),
        (20, M4, SystemFlags { recent: true, ..Default::default() }, &["Work"], at(2021, 6, 16, 0, 0), 1000),
    ];
    spec.iter()
        .enumerate()
        .map(|(i, &(uid, text, flags, kw, date, size))| {
            let mut m = Message::new(i as u32 + 1, uid, move || Some(text.as_bytes().to_vec()));
            if stored {
                let doc = document::document(text.as_bytes());
                let head = doc.head.clone();
                m = m.with_stored(move || Some(head.clone()), move || Some(doc.bodies.clone()));
            }
            m.max_seq = 4;
            m.max_uid = 20;
            m.flags = flags;
            m.keywords = kw.iter().map(|s| s.to_string()).collect();
            m.internal_date = date;
            m.size = size;
            m
        })
        .collect()
}

fn mailbox() -> Vec<Message<'static>> {
    mailbox_of(false)
}

/// The key and charset of `SEARCH <criteria>` as the real parser reads them.
fn parse(criteria: &[u8]) -> (SearchKey, Option<String>) {
    let mut line = b"a SEARCH ".to_vec();
    line.extend_from_slice(criteria);
    match parse_command(&line).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(criteria))).body {
        CommandBody::Search { key, charset, .. } => (key, charset),
        other => panic!("not a search: {other:?}"),
    }
}

/// Sequence numbers of the fixture messages matching `criteria`.
fn run(criteria: &[u8]) -> Vec<u32> {
    let (key, charset) = parse(criteria);
    let program = prepare(&key, charset.as_deref()).unwrap();
    let hits: Vec<u32> = mailbox().iter().filter(|m| matches(&program, *m)).map(|m| m.seq).collect();
    let stored: Vec<u32> = mailbox_of(true).iter().filter(|m| matches(&program, *m)).map(|m| m.seq).collect();
    assert_eq!(hits, stored, "stored text and message differ: {}", String::from_utf8_lossy(criteria));
    hits
}

/// A literal for non-ASCII search strings.
fn lit(s: &[u8]) -> Vec<u8> {
    let mut v = format!("{{{}}}\r\n", s.len()).into_bytes();
    v.extend_from_slice(s);
    v
}

fn check(table: &[(&str, &[u32])]) {
    for (criteria, want) in table {
        assert_eq!(run(criteria.as_bytes()), *want, "SEARCH {criteria}");
    }
}

#[test]
fn flag_keys() {
    check(&[
        ("ALL", &[1, 2, 3, 4]),
        ("ANSWERED", &[2]),
        ("UNANSWERED", &[1, 3, 4]),
        ("DELETED", &[3]),
        ("UNDELETED", &[1, 2, 4]),
        ("DRAFT", &[3]),
        ("UNDRAFT", &[1, 2, 4]),
        ("FLAGGED", &[2]),
        ("UNFLAGGED", &[1, 3, 4]),
        ("SEEN", &[1, 3]),
        ("UNSEEN", &[2, 4]),
        ("RECENT", &[3, 4]),
        ("OLD", &[1, 2]),
        ("NEW", &[4]),
        ("KEYWORD $Forwarded", &[2]),
        ("KEYWORD $forwarded", &[2]),
        ("UNKEYWORD $Forwarded", &[1, 3, 4]),
        ("KEYWORD Work", &[4]),
        ("KEYWORD Absent", &[]),
        ("UNKEYWORD Absent", &[1, 2, 3, 4]),
    ]);
}

#[test]
fn size_sequence_and_uid_keys() {
    check(&[
        ("LARGER 1000", &[2, 3]),
        ("LARGER 4000", &[]),
        ("SMALLER 1000", &[1]),
        ("SMALLER 1001", &[1, 4]),
        ("2:3", &[2, 3]),
        ("*", &[4]),
        ("3:1", &[1, 2, 3]),
        ("1,4", &[1, 4]),
        ("UID 12:15", &[2, 3]),
        ("UID *", &[4]),
        ("UID 13", &[]),
        ("UID 1:11", &[1]),
        ("UID 16:*", &[4]),
        ("UID 21:*", &[4]),
    ]);
}

#[test]
fn date_keys() {
    check(&[
        ("BEFORE 15-Jun-2021", &[1, 2]),
        ("ON 15-Jun-2021", &[3]),
        ("SINCE 15-Jun-2021", &[3, 4]),
        ("ON 16-Jun-2021", &[4]),
        ("ON 29-Feb-2020", &[2]),
        ("ON 1-Mar-2020", &[]),
        ("ON 8-Feb-1994", &[1]),
        // The Date: header's own day, not its UTC day.
        ("SENTON 1-Mar-2020", &[2]),
        ("SENTON 29-Feb-2020", &[]),
        ("SENTON 7-Feb-1994", &[1]),
        // No Date: and an unparsable one fall back to INTERNALDATE.
        ("SENTON 15-Jun-2021", &[3]),
        ("SENTON 16-Jun-2021", &[4]),
        ("SENTBEFORE 1-Mar-2020", &[1]),
        ("SENTSINCE 1-Mar-2020", &[2, 3, 4]),
        ("SENTBEFORE 16-Jun-2021", &[1, 2, 3]),
    ]);
}

#[test]
fn address_and_header_keys() {
    check(&[
        ("FROM alice", &[1]),
        ("FROM \"Alice Example\"", &[1]),
        ("FROM \"alice example <alice@\"", &[1]),
        ("FROM example.org", &[1]),
        ("FROM taro", &[3]),
        ("TO bob", &[1, 2]),
        ("TO \"smith, john\"", &[2]),
        ("TO HANAKO", &[3]),
        ("CC carol", &[1]),
        ("CC \"\"", &[1]),
        ("BCC secret", &[2]),
        ("BCC bob", &[]),
        ("SUBJECT lunch", &[1, 4]),
        ("SUBJECT \"\"", &[1, 2, 3, 4]),
        ("SUBJECT inner", &[]),
        ("HEADER X-Priority 1", &[4]),
        ("HEADER x-empty \"\"", &[4]),
        ("HEADER Message-ID \"\"", &[1]),
        ("HEADER X-Missing \"\"", &[]),
        ("HEADER subject plans", &[1]),
    ]);
}

#[test]
fn decoded_headers_found_by_utf8_strings() {
    let cases: [(&[u8], &str, &[u32]); 6] = [
        // ISO-8859-1 encoded word in a display name.
        (b"FROM ", "andré", &[2]),
        (b"FROM ", "ANDRÉ DUPONT", &[2]),
        (b"SUBJECT ", "grüße", &[2]),
        // ISO-2022-JP encoded word.
        (b"SUBJECT ", "日本", &[3]),
        (b"SUBJECT ", "日本語", &[3]),
        (b"TEXT ", "本語", &[3]),
    ];
    for (key, s, want) in cases {
        let mut c = key.to_vec();
        c.extend(lit(s.as_bytes()));
        assert_eq!(run(&c), want, "{s}");
    }
}

#[test]
fn body_and_text_keys() {
    check(&[
        ("BODY noon", &[1]),
        ("BODY \"meet at\"", &[1]),
        // Inside the nested message/rfc822: its body and its header.
        ("BODY \"nested needle\"", &[3]),
        ("BODY \"inner secret\"", &[3]),
        // Inside a base64 application/octet-stream part: not text.
        ("BODY needle2", &[]),
        // Header only.
        ("BODY lunch", &[]),
        ("TEXT lunch", &[1, 4]),
        ("TEXT noon", &[1]),
        ("TEXT alice", &[1]),
        ("TEXT x-priority", &[4]),
        ("TEXT zzz", &[]),
    ]);
    // Base64 UTF-8 and quoted-printable ISO-8859-1 bodies.
    let mut c = b"BODY ".to_vec();
    c.extend(lit("MÜNCHEN".as_bytes()));
    assert_eq!(run(&c), vec![2]);
    let mut c = b"TEXT ".to_vec();
    c.extend(lit("crème".as_bytes()));
    assert_eq!(run(&c), vec![3]);
}

#[test]
fn charset_conversion() {
    let mut c = b"CHARSET ISO-8859-1 BODY ".to_vec();
    c.extend(lit(b"CAF\xc9"));
    assert_eq!(run(&c), vec![3]);
    let mut c = b"CHARSET iso-8859-1 FROM ".to_vec();
    c.extend(lit(b"Andr\xe9"));
    assert_eq!(run(&c), vec![2]);
    assert_eq!(run(b"CHARSET US-ASCII SUBJECT Lunch"), vec![1, 4]);
    assert_eq!(run(b"CHARSET UTF-8 BODY noon"), vec![1]);
    // ISO-2022-JP search string for the ISO-2022-JP subject.
    let mut c = b"CHARSET ISO-2022-JP SUBJECT ".to_vec();
    c.extend(lit(b"\x1b$BF|K\\\x1b(B"));
    assert_eq!(run(&c), vec![3]);
}

#[test]
fn bad_charset() {
    let (key, _) = parse(b"SUBJECT x");
    let err = prepare(&key, Some("X-NO-SUCH-CHARSET")).unwrap_err();
    assert_eq!(err, SearchError::BadCharset("X-NO-SUCH-CHARSET".into()));
    assert!(err.to_string().contains("X-NO-SUCH-CHARSET"));
    assert!(prepare(&key, Some("ISO-2022-KR")).is_err());
    assert!(prepare(&key, Some("utf-8")).is_ok());
    assert_eq!(SUPPORTED_CHARSETS, &["UTF-8", "US-ASCII"]);
}

#[test]
fn nesting() {
    check(&[
        ("NOT SEEN", &[2, 4]),
        ("NOT NOT SEEN", &[1, 3]),
        ("OR SEEN FLAGGED", &[1, 2, 3]),
        ("NOT (OR SEEN FLAGGED)", &[4]),
        ("NOT OR SEEN FLAGGED", &[4]),
        ("OR NOT SEEN NOT RECENT", &[1, 2, 4]),
        ("(SEEN RECENT)", &[3]),
        ("SEEN RECENT", &[3]),
        ("OR FROM alice BODY zzz", &[1]),
        ("NOT OR ANSWERED OR DELETED KEYWORD Work", &[1]),
        ("OR (SUBJECT lunch UNSEEN) (DELETED NOT 1:2)", &[3, 4]),
        ("(OR 1 2) (OR 2 3)", &[2]),
        ("NOT (BODY noon OR TO bob SUBJECT lunch)", &[2, 3, 4]),
    ]);
}

#[test]
fn flag_only_search_reads_no_message() {
    let (key, _) = parse(b"OR SEEN NOT (UID 12 LARGER 5) SENTBEFORE 1-Jan-2000");
    let p = prepare(&key, None).unwrap();
    assert!(p.needs_message() && !p.needs_body());
    let (key, _) = parse(b"OR SEEN NOT (UID 12 LARGER 5)");
    let p = prepare(&key, None).unwrap();
    assert!(!p.needs_message());
    let boxes = mailbox();
    for m in &boxes {
        matches(&p, m);
        assert!(!m.was_loaded());
    }
    // The cheap key decides first even when the client wrote it last.
    let (key, _) = parse(b"BODY noon UNSEEN");
    let p = prepare(&key, None).unwrap();
    assert!(p.needs_body());
    assert!(!matches(&p, &boxes[0]));
    assert!(!boxes[0].was_loaded());
}

#[test]
fn unreadable_message_matches_no_text_key() {
    let mut m = Message::new(1, 1, || None);
    m.internal_date = at(2000, 1, 2, 3, 4);
    for (c, want) in [("BODY x", false), ("NOT SUBJECT \"\"", true), ("SENTON 2-Jan-2000", true), ("TEXT \"\"", false)]
    {
        let (key, _) = parse(c.as_bytes());
        assert_eq!(matches(&prepare(&key, None).unwrap(), &m), want, "{c}");
    }
}

#[test]
fn saved_result_older_younger_modseq() {
    let boxes = mailbox();
    let (key, _) = parse(b"$");
    let p = prepare(&key, None).unwrap().with_saved(vec![20, 12]);
    let hits: Vec<u32> = boxes.iter().filter(|m| matches(&p, *m)).map(|m| m.seq).collect();
    assert_eq!(hits, vec![2, 4]);
    let now = at(2021, 6, 16, 0, 0);
    let (key, _) = parse(b"YOUNGER 43200");
    let p = prepare(&key, None).unwrap().with_now(now);
    let hits: Vec<u32> = boxes.iter().filter(|m| matches(&p, *m)).map(|m| m.seq).collect();
    assert_eq!(hits, vec![4]);
    let (key, _) = parse(b"OLDER 43200");
    let p = prepare(&key, None).unwrap().with_now(now);
    let hits: Vec<u32> = boxes.iter().filter(|m| matches(&p, *m)).map(|m| m.seq).collect();
    assert_eq!(hits, vec![1, 2, 3]);
    let mut m = Message::new(1, 1, || None);
    let p = prepare(&SearchKey::ModSeq { entry: None, modseq: 5 }, None).unwrap();
    assert!(!matches(&p, &m));
    m.modseq = Some(5);
    assert!(matches(&p, &m));
}

#[test]
fn esearch_formatting() {
    use SearchReturn as R;
    // RFC 4731 section 3.1 examples.
    assert_eq!(
        esearch_response("A282", false, &[R::Min, R::Count], &[2, 10, 11]),
        "ESEARCH (TAG \"A282\") MIN 2 COUNT 3"
    );
    assert_eq!(esearch_response("A283", false, &[], &[2, 10, 11]), "ESEARCH (TAG \"A283\") ALL 2,10:11");
    assert_eq!(esearch_response("A284", false, &[R::Min], &[]), "ESEARCH (TAG \"A284\")");
    assert_eq!(
        esearch_response("A285", true, &[R::Min, R::Max], &[7, 3800]),
        "ESEARCH (TAG \"A285\") UID MIN 7 MAX 3800"
    );
    assert_eq!(
        esearch_response("A286", true, &[R::All, R::Count, R::Max, R::Min], &[17, 4, 5, 10, 15, 16, 5]),
        "ESEARCH (TAG \"A286\") UID MIN 4 MAX 17 COUNT 6 ALL 4:5,10,15:17"
    );
    assert_eq!(esearch_response("A287", false, &[R::Count, R::All], &[]), "ESEARCH (TAG \"A287\") COUNT 0");
    assert_eq!(esearch_response("A288", false, &[R::Save], &[1, 2]), "ESEARCH (TAG \"A288\")");
    assert_eq!(search_response(&[]), "SEARCH");
    assert_eq!(search_response(&[1, 2, 3]), "SEARCH 1 2 3");
    assert_eq!(sequence_set_string(&[1, 2, 3, 5, 7, 8, u32::MAX]), "1:3,5,7:8,4294967295");
    assert_eq!(saved_result(&[R::Save, R::Min], &[9, 4, 6]), vec![4]);
    assert_eq!(saved_result(&[R::Save, R::Min, R::Max], &[9, 4, 6]), vec![4, 9]);
    assert_eq!(saved_result(&[R::Save, R::Min, R::All], &[9, 4, 6]), vec![4, 6, 9]);
    assert_eq!(saved_result(&[R::Save], &[9, 4, 6]), vec![4, 6, 9]);
}

mod props;

#[test]
fn stored_text_answers_text_keys_without_the_message() {
    for criteria in [
        &b"BODY noon"[..],
        b"TEXT \"alice example\"",
        b"FROM andre",
        b"CC carol",
        b"HEADER message-id 1@",
        b"NOT CC \"\"",
    ] {
        let (key, charset) = parse(criteria);
        let program = prepare(&key, charset.as_deref()).unwrap();
        let plain: Vec<u32> = mailbox().iter().filter(|m| matches(&program, *m)).map(|m| m.seq).collect();
        let with = mailbox_of(true);
        let stored: Vec<u32> = with.iter().filter(|m| matches(&program, *m)).map(|m| m.seq).collect();
        assert_eq!(plain, stored, "{}", String::from_utf8_lossy(criteria));
        assert!(
            !plain.is_empty() && plain.len() < 4,
            "{}: a key that tells messages apart",
            String::from_utf8_lossy(criteria)
        );
        assert!(with.iter().all(|m| !m.was_loaded()), "{}", String::from_utf8_lossy(criteria));
    }
}

#[test]
fn stored_text_round_trips_and_damage_is_refused() {
    let doc = document::document(M2.as_bytes());
    let head = doc.head.encode();
    let bodies = stored::encode_bodies(&doc.bodies);
    assert_eq!(stored::Head::decode(&head), Some(doc.head.clone()));
    assert_eq!(stored::decode_bodies(&bodies).as_deref(), Some(&doc.bodies[..]));
    for cut in 0..head.len() {
        assert_eq!(stored::Head::decode(&head[..cut]), None);
    }
    for cut in 0..bodies.len() {
        assert_eq!(stored::decode_bodies(&bodies[..cut]), None);
    }
    let mut long = bodies.clone();
    long.push(0);
    assert_eq!(stored::decode_bodies(&long), None);
    assert_eq!(stored::decode_bodies(&[0xff, 0xff, 0xff, 0xff]), None);
}

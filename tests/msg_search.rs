//! Issue 4, "Must show" 4: every RFC 3501 SEARCH key at least once over a
//! small seeded mailbox, each answer checked against an evaluation written
//! here from the messages' model (not from their bytes); CHARSET UTF-8
//! body search inside base64 and quoted-printable parts; BADCHARSET;
//! ESEARCH return options.

mod support;

use support::{Client, Seed, Server};

/// What the test knows about one message, written by hand.
struct M {
    from: &'static str,
    to: &'static str,
    cc: &'static str,
    bcc: &'static str,
    /// Subject as sent (maybe an encoded word) and as decoded.
    subject_raw: String,
    subject: &'static str,
    date: &'static str,
    /// The Date: header's day as written, (year, month, day).
    sent: (u32, u32, u32),
    /// Extra header lines.
    extra: &'static str,
    /// MIME header lines and body as sent, and the body's decoded text.
    mime: String,
    body_raw: String,
    body: &'static str,
    /// Maildir info letters and keywords.
    info: &'static str,
    keywords: &'static [&'static str],
    /// INTERNALDATE day; the time is always 12:00 UTC.
    internal: (u32, u32, u32),
    recent: bool,
    seq: u32,
    uid: u32,
}

impl M {
    fn raw(&self) -> Vec<u8> {
        let mut h = format!("From: {}\r\nTo: {}\r\n", self.from, self.to);
        if !self.cc.is_empty() {
            h.push_str(&format!("Cc: {}\r\n", self.cc));
        }
        if !self.bcc.is_empty() {
            h.push_str(&format!("Bcc: {}\r\n", self.bcc));
        }
        h.push_str(&format!("Subject: {}\r\nDate: {}\r\n{}{}\r\n", self.subject_raw, self.date, self.extra, self.mime));
        h.push_str(&self.body_raw);
        h.into_bytes()
    }

    /// The header text as a client would search it (decoded subject).
    fn header_text(&self) -> String {
        format!(
            "From: {}\nTo: {}\nCc: {}\nBcc: {}\nSubject: {}\nDate: {}\n{}{}",
            self.from, self.to, self.cc, self.bcc, self.subject, self.date, self.extra, self.mime
        )
    }

    fn has(&self, letter: char) -> bool {
        self.info.contains(letter)
    }

    fn header(&self, name: &str) -> Option<String> {
        self.extra.split("\r\n").find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
        })
    }

    fn size(&self) -> usize {
        self.raw().len()
    }
}

/// Case-insensitive (Unicode lower case) substring test.
fn ci(hay: &str, needle: &str) -> bool {
    hay.to_lowercase().contains(&needle.to_lowercase())
}

fn days(d: (u32, u32, u32)) -> u32 {
    d.0 * 10000 + d.1 * 100 + d.2
}

/// Seconds since the epoch of a day at 12:00 UTC (days-from-civil).
fn noon(d: (u32, u32, u32)) -> i64 {
    let (y, m, dd) = (d.0 as i64, d.1 as i64, d.2 as i64);
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + dd - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    (era * 146097 + doe - 719468) * 86400 + 12 * 3600
}

fn base64(data: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in data.chunks(3) {
        let n = (c[0] as u32) << 16 | (*c.get(1).unwrap_or(&0) as u32) << 8 | *c.get(2).unwrap_or(&0) as u32;
        for i in 0..4 {
            if i <= c.len() {
                out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

const PLAIN: &str = "Content-Type: text/plain; charset=us-ascii\r\n";

fn model() -> Vec<M> {
    let report: String = "report line\r\n".repeat(250);
    let koeln = "Grüße aus Köln, Straße 5";
    let mk = |from, to, subject: &'static str, date, sent, body: &'static str| M {
        from,
        to,
        cc: "",
        bcc: "",
        subject_raw: subject.to_string(),
        subject,
        date,
        sent,
        extra: "",
        mime: PLAIN.to_string(),
        body_raw: format!("{body}\r\n"),
        body,
        info: "",
        keywords: &[],
        internal: sent,
        recent: false,
        seq: 0,
        uid: 0,
    };
    let mut v = vec![
        // Moved away before the searches, so that UIDs differ from numbers.
        mk("zed@example.com", "alice@wonderland.example", "gone", "Sun, 1 Mar 2020 12:00:00 +0000", (2020, 3, 1), "gone"),
        M {
            from: "Alice Liddell <alice@wonderland.example>",
            cc: "carol@example.com",
            info: "S",
            keywords: &["$Important"],
            ..mk(
                "",
                "bob@builder.example",
                "Meeting notes",
                "Mon, 02 Mar 2020 10:00:00 +0000",
                (2020, 3, 2),
                "Hello world, meeting notes attached.",
            )
        },
        M {
            bcc: "secret@hidden.example",
            subject_raw: format!("=?UTF-8?B?{}?=", base64("Überraschung party".as_bytes())),
            extra: "X-Tag: alpha\r\n",
            mime: "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n".into(),
            body_raw: format!(
                "--b\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n{}\r\n--b--\r\n",
                base64(koeln.as_bytes())
            ),
            body: "Grüße aus Köln, Straße 5",
            info: "FR",
            internal: (2020, 3, 3),
            ..mk(
                "bob@builder.example",
                "alice@wonderland.example",
                "Überraschung party",
                // Late on the 2nd where it was written: SENTON is the 2nd.
                "Mon, 2 Mar 2020 23:30:00 -0500",
                (2020, 3, 2),
                "",
            )
        },
        M {
            mime: "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n".into(),
            body_raw: "caf=C3=A9 au lait, soft=\r\nbreak\r\n".into(),
            body: "café au lait, softbreak",
            info: "D",
            keywords: &["$Important", "Work"],
            ..mk(
                "carol@example.com",
                "Team: alice@wonderland.example, dave@example.com;",
                "Re: Meeting notes",
                "Tue, 10 Mar 2020 12:00:00 +0100",
                (2020, 3, 10),
                "",
            )
        },
        M {
            extra: "X-Tag: beta\r\n",
            body_raw: report.clone(),
            body: "report line",
            info: "T",
            ..mk("dave@example.com", "bob@builder.example", "Large report", "Wed, 1 Apr 2020 08:00:00 +0000", (2020, 4, 1), "")
        },
        mk("alice@wonderland.example", "carol@example.com", "Lunch?", "Thu, 2 Apr 2020 12:00:00 +0000", (2020, 4, 2), "Pizza?"),
        M {
            info: "S",
            ..mk("eve@example.com", "alice@wonderland.example", "plain ascii", "Fri, 3 Apr 2020 12:00:00 +0000", (2020, 4, 3), "nothing special")
        },
        // APPENDed with \Flagged by the searching session: \Recent there.
        M {
            info: "F",
            recent: true,
            ..mk("frank@example.com", "alice@wonderland.example", "new arrival", "Sun, 5 Apr 2020 12:00:00 +0000", (2020, 4, 5), "fresh")
        },
    ];
    for (i, m) in v.iter_mut().enumerate() {
        m.uid = i as u32 + 1;
        m.seq = i as u32; // after the first one is moved away
    }
    v
}

/// Starts the server and leaves a session with INBOX selected: the first
/// message moved away, keywords stored, the last message APPENDed.
fn setup(v: &[M]) -> (Server, Client) {
    let raws: Vec<Vec<u8>> = v.iter().map(M::raw).collect();
    let n = v.len() - 1;
    let seeds: Vec<Seed> =
        v[..n].iter().zip(&raws).map(|(m, r)| Seed { data: r, info: m.info, mtime: noon(m.internal) }).collect();
    let server = Server::start_seeded(&[], &seeds);
    let mut a = server.login("alice");
    a.ok("SELECT INBOX");
    a.ok("MOVE 1 Trash");
    for m in &v[1..n] {
        if !m.keywords.is_empty() {
            a.ok(&format!("UID STORE {} +FLAGS.SILENT ({})", m.uid, m.keywords.join(" ")));
        }
    }
    a.ok("LOGOUT");
    let mut c = server.login("alice");
    let last = &v[n];
    let l = c.append_dated("INBOX", "\\Flagged", Some("05-Apr-2020 12:00:00 +0000"), &raws[n]);
    assert!(l.last().unwrap().contains("[APPENDUID "), "{l:?}");
    let l = c.ok("SELECT INBOX");
    assert!(l.contains(&format!("* {} EXISTS", last.seq)), "{l:?}");
    assert!(l.contains(&"* 1 RECENT".to_string()), "{l:?}");
    (server, c)
}

/// Sends a command whose last argument is a UTF-8 literal.
fn cmd_literal(c: &mut Client, head: &str, arg: &str) -> Vec<String> {
    let tag = c.next_tag();
    c.send(format!("{tag} {head} {{{}}}\r\n", arg.len()).as_bytes());
    let cont = c.line();
    assert!(cont.starts_with('+'), "{cont}");
    c.send(arg.as_bytes());
    c.send(b"\r\n");
    c.until_tagged(&tag)
}

/// The numbers of a `* SEARCH` answer.
fn hits(lines: &[String]) -> Vec<u32> {
    assert!(lines.last().unwrap().contains(" OK "), "{lines:?}");
    let l: Vec<&String> = lines.iter().filter(|l| l.starts_with("* SEARCH")).collect();
    assert_eq!(l.len(), 1, "{lines:?}");
    l[0]["* SEARCH".len()..].split_whitespace().map(|n| n.parse().unwrap()).collect()
}

type Pred = Box<dyn Fn(&M) -> bool>;

#[test]
fn every_search_key_agrees_with_the_model() {
    let all = model();
    let (_server, mut c) = setup(&all);
    let v = &all[1..];
    let before = |d| move |m: &M| days(m.internal) < days(d);
    let cases: Vec<(&str, Pred)> = vec![
        ("ALL", Box::new(|_| true)),
        ("ANSWERED", Box::new(|m| m.has('R'))),
        ("BCC secret", Box::new(|m| ci(m.bcc, "secret"))),
        ("BEFORE 3-Mar-2020", Box::new(before((2020, 3, 3)))),
        ("BODY meeting", Box::new(|m| ci(m.body, "meeting"))),
        ("BODY \"report line\"", Box::new(|m| ci(m.body, "report line"))),
        ("CC carol", Box::new(|m| ci(m.cc, "carol"))),
        ("DELETED", Box::new(|m| m.has('T'))),
        ("DRAFT", Box::new(|m| m.has('D'))),
        ("FLAGGED", Box::new(|m| m.has('F'))),
        ("FROM alice", Box::new(|m| ci(m.from, "alice"))),
        ("FROM LIDDELL", Box::new(|m| ci(m.from, "liddell"))),
        ("HEADER X-Tag alpha", Box::new(|m| m.header("X-Tag").is_some_and(|t| ci(&t, "alpha")))),
        ("HEADER X-Tag \"\"", Box::new(|m| m.header("X-Tag").is_some())),
        ("KEYWORD $Important", Box::new(|m| m.keywords.contains(&"$Important"))),
        ("LARGER 1000", Box::new(|m| m.size() > 1000)),
        ("NEW", Box::new(|m| m.recent && !m.has('S'))),
        ("NOT SEEN", Box::new(|m| !m.has('S'))),
        ("OLD", Box::new(|m| !m.recent)),
        ("ON 2-Mar-2020", Box::new(|m| m.internal == (2020, 3, 2))),
        ("OR FROM alice TO carol", Box::new(|m| ci(m.from, "alice") || ci(m.to, "carol"))),
        ("RECENT", Box::new(|m| m.recent)),
        ("SEEN", Box::new(|m| m.has('S'))),
        ("SENTBEFORE 3-Mar-2020", Box::new(|m| days(m.sent) < days((2020, 3, 3)))),
        ("SENTON 2-Mar-2020", Box::new(|m| m.sent == (2020, 3, 2))),
        ("SENTSINCE 1-Apr-2020", Box::new(|m| days(m.sent) >= days((2020, 4, 1)))),
        ("SINCE 2-Apr-2020", Box::new(|m| days(m.internal) >= days((2020, 4, 2)))),
        ("SMALLER 200", Box::new(|m| m.size() < 200)),
        ("SUBJECT meeting", Box::new(|m| ci(m.subject, "meeting"))),
        ("SUBJECT PARTY", Box::new(|m| ci(m.subject, "party"))),
        ("TEXT hidden.example", Box::new(|m| ci(&m.header_text(), "hidden.example") || ci(m.body, "hidden.example"))),
        ("TEXT pizza", Box::new(|m| ci(&m.header_text(), "pizza") || ci(m.body, "pizza"))),
        ("TO dave", Box::new(|m| ci(m.to, "dave"))),
        ("UID 3:5", Box::new(|m| (3..=5).contains(&m.uid))),
        ("UID 7:*", Box::new(|m| m.uid >= 7)),
        ("UNANSWERED", Box::new(|m| !m.has('R'))),
        ("UNDELETED", Box::new(|m| !m.has('T'))),
        ("UNDRAFT", Box::new(|m| !m.has('D'))),
        ("UNFLAGGED", Box::new(|m| !m.has('F'))),
        ("UNKEYWORD Work", Box::new(|m| !m.keywords.contains(&"Work"))),
        ("UNSEEN", Box::new(|m| !m.has('S'))),
        ("2,4:5", Box::new(|m| [2, 4, 5].contains(&m.seq))),
        ("*", Box::new(|m| m.seq == 7)),
        ("5:3", Box::new(|m| (3..=5).contains(&m.seq))),
        ("(OR SEEN FLAGGED) NOT DELETED", Box::new(|m| (m.has('S') || m.has('F')) && !m.has('T'))),
        ("NOT (FROM alice SUBJECT lunch)", Box::new(|m| !(ci(m.from, "alice") && ci(m.subject, "lunch")))),
        (
            "OR (SMALLER 300 UNSEEN) (KEYWORD Work)",
            Box::new(|m| m.size() < 300 && !m.has('S') || m.keywords.contains(&"Work")),
        ),
        (
            "SINCE 1-Mar-2020 BEFORE 1-Apr-2020 UNDRAFT",
            Box::new(|m| {
                days(m.internal) >= days((2020, 3, 1)) && days(m.internal) < days((2020, 4, 1)) && !m.has('D')
            }),
        ),
        ("CHARSET US-ASCII BODY pizza", Box::new(|m| ci(m.body, "pizza"))),
        ("CHARSET UTF-8 SUBJECT notes", Box::new(|m| ci(m.subject, "notes"))),
    ];
    let mut wrong = Vec::new();
    for (key, pred) in &cases {
        let want: Vec<u32> = v.iter().filter(|m| pred(m)).map(|m| m.seq).collect();
        let got = hits(&c.cmd(&format!("SEARCH {key}")));
        if got != want {
            wrong.push(format!("SEARCH {key}: want {want:?}, got {got:?}"));
        }
        let want_uids: Vec<u32> = v.iter().filter(|m| pred(m)).map(|m| m.uid).collect();
        let got = hits(&c.cmd(&format!("UID SEARCH {key}")));
        if got != want_uids {
            wrong.push(format!("UID SEARCH {key}: want {want_uids:?}, got {got:?}"));
        }
    }
    // Every key of RFC 3501 6.4.4 was used at least once.
    let used: String = cases.iter().map(|c| format!(" {} ", c.0)).collect();
    for k in [
        "ALL",
        "ANSWERED",
        "BCC",
        "BEFORE",
        "BODY",
        "CC",
        "DELETED",
        "DRAFT",
        "FLAGGED",
        "FROM",
        "HEADER",
        "KEYWORD",
        "LARGER",
        "NEW",
        "NOT",
        "OLD",
        "ON",
        "OR",
        "RECENT",
        "SEEN",
        "SENTBEFORE",
        "SENTON",
        "SENTSINCE",
        "SINCE",
        "SMALLER",
        "SUBJECT",
        "TEXT",
        "TO",
        "UID",
        "UNANSWERED",
        "UNDELETED",
        "UNDRAFT",
        "UNFLAGGED",
        "UNKEYWORD",
        "UNSEEN",
    ] {
        assert!(used.contains(&format!(" {k} ")) || used.contains(&format!("({k} ")), "key {k} not tested");
    }
    // The model is not degenerate: most keys split the mailbox.
    let trivial = cases
        .iter()
        .filter(|(_, p)| {
            let n = v.iter().filter(|m| p(m)).count();
            n == 0 || n == v.len()
        })
        .count();
    assert!(trivial <= 3, "{trivial} keys match all or nothing");
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// Must show 4: a UTF-8 body search finds text inside a base64 part (and a
/// quoted-printable one), case-insensitively beyond ASCII; encoded-word
/// subjects are searched decoded; unknown charsets give BADCHARSET.
#[test]
fn charset_searches_decode_bodies_and_headers() {
    let all = model();
    let (_server, mut c) = setup(&all);
    for (word, want) in [
        ("Köln", vec![2]),
        ("KÖLN", vec![2]),
        ("straße", vec![2]),
        ("café", vec![3]),
        ("softbreak", vec![3]),
        ("Grüße aus", vec![2]),
        ("Zürich", vec![]),
    ] {
        let l = cmd_literal(&mut c, "SEARCH CHARSET UTF-8 BODY", word);
        assert_eq!(hits(&l), want, "BODY {word}");
        let l = cmd_literal(&mut c, "SEARCH CHARSET UTF-8 TEXT", word);
        assert_eq!(hits(&l), want, "TEXT {word}");
    }
    // The base64 text is not matched as its encoded form.
    let encoded = base64("Grüße aus Köln, Straße 5".as_bytes());
    assert_eq!(hits(&c.cmd(&format!("SEARCH BODY {}", &encoded[..12]))), Vec::<u32>::new());
    let l = cmd_literal(&mut c, "SEARCH CHARSET UTF-8 SUBJECT", "überraschung");
    assert_eq!(hits(&l), [2]);
    // ISO-8859-1 search text: "Köln" in Latin-1 octets.
    let tag = c.next_tag();
    c.send(format!("{tag} SEARCH CHARSET ISO-8859-1 BODY {{4}}\r\n").as_bytes());
    assert!(c.line().starts_with('+'));
    c.send(b"K\xf6ln\r\n");
    assert_eq!(hits(&c.until_tagged(&tag)), [2]);
    let l = c.cmd("SEARCH CHARSET X-NO-SUCH-CHARSET BODY x");
    let last = l.last().unwrap();
    assert!(last.contains(" NO [BADCHARSET (") && last.contains("UTF-8") && last.contains("US-ASCII"), "{l:?}");
    assert!(!l.iter().any(|x| x.starts_with("* SEARCH")), "{l:?}");
}

#[test]
fn esearch_return_options_exact() {
    let all = model();
    let (_server, mut c) = setup(&all);
    let esearch = |c: &mut Client, cmd: &str| -> String {
        let l = c.cmd(cmd);
        let tag = l.last().unwrap().split(' ').next().unwrap().to_string();
        assert!(l.last().unwrap().starts_with(&format!("{tag} OK")), "{l:?}");
        assert_eq!(l.len(), 2, "{l:?}");
        l[0].replace(&format!("(TAG \"{tag}\")"), "(TAG)")
    };
    // UNSEEN: 2, 3, 4, 5, 7 by number, UIDs one more.
    assert_eq!(
        esearch(&mut c, "SEARCH RETURN (MIN MAX COUNT ALL) UNSEEN"),
        "* ESEARCH (TAG) MIN 2 MAX 7 COUNT 5 ALL 2:5,7"
    );
    assert_eq!(
        esearch(&mut c, "UID SEARCH RETURN (MIN MAX COUNT ALL) UNSEEN"),
        "* ESEARCH (TAG) UID MIN 3 MAX 8 COUNT 5 ALL 3:6,8"
    );
    assert_eq!(esearch(&mut c, "SEARCH RETURN (COUNT) DELETED"), "* ESEARCH (TAG) COUNT 1");
    assert_eq!(esearch(&mut c, "SEARCH RETURN () FLAGGED"), "* ESEARCH (TAG) ALL 2,7");
    assert_eq!(esearch(&mut c, "SEARCH RETURN (MIN MAX COUNT ALL) SUBJECT nothing-matches"), "* ESEARCH (TAG) COUNT 0");
    assert_eq!(esearch(&mut c, "UID SEARCH RETURN (MAX) ALL"), "* ESEARCH (TAG) UID MAX 8");
    assert_eq!(esearch(&mut c, "SEARCH RETURN (MIN) 3:*"), "* ESEARCH (TAG) MIN 3");
    // The tag itself is exact.
    let l = c.cmd("SEARCH RETURN (COUNT) ALL");
    let tag = l[1].split(' ').next().unwrap();
    assert_eq!(l[0], format!("* ESEARCH (TAG \"{tag}\") COUNT 7"));
}

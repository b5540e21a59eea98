//! Issue 9, "Must show" 1 and 2: RFC 7162's CONDSTORE and QRESYNC, as the
//! RFC's examples show them (mod-sequences are the server's own, read back
//! from its answers), and HIGHESTMODSEQ never going backwards.

mod support;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use support::{message, Client, Server};

/// The number inside `MODSEQ (n)` of a FETCH line.
fn modseq(line: &str) -> u64 {
    let rest = line.split("MODSEQ (").nth(1).unwrap_or_else(|| panic!("no MODSEQ in {line}"));
    rest.split(')').next().unwrap().parse().unwrap()
}

/// HIGHESTMODSEQ of a SELECT's answer.
fn highest(lines: &[String]) -> u64 {
    Client::code(lines, "HIGHESTMODSEQ").unwrap_or_else(|| panic!("no HIGHESTMODSEQ: {lines:?}")).parse().unwrap()
}

/// A server with three messages in INBOX.
fn three() -> (Server, Client) {
    let server = Server::start(&[]);
    let mut c = server.login("alice");
    for i in 1..=3 {
        c.append("INBOX", "", &message(&format!("m{i}")));
    }
    (server, c)
}

#[test]
fn capability_enable_select_condstore_and_status() {
    let (server, mut c) = three();
    let caps = c.ok("CAPABILITY");
    assert!(caps[0].contains(" CONDSTORE") && caps[0].contains(" QRESYNC"), "{caps:?}");
    // Without an enabling command SELECT sends HIGHESTMODSEQ all the same:
    // tegami keeps mod-sequences for every mailbox (RFC 7162 3.1.2.1).
    let plain = c.select("INBOX");
    let h0 = highest(&plain);
    assert!(plain.contains(&format!("* OK [HIGHESTMODSEQ {h0}] Highest")), "{plain:?}");
    // RFC 7162 3.1.2.1's example: SELECT (CONDSTORE); CLOSED first since a
    // mailbox was selected (3.2.11).
    let l = c.ok("SELECT INBOX (CONDSTORE)");
    assert_eq!(l[0], "* OK [CLOSED] Previous mailbox closed");
    let h = highest(&l);
    assert_eq!(h, h0, "nothing changed in between");
    assert!(l.iter().any(|x| x == &format!("* OK [HIGHESTMODSEQ {h}] Highest")), "{l:?}");
    assert!(l.last().unwrap().ends_with(" OK [READ-WRITE] SELECT completed"), "{l:?}");
    // STATUS with HIGHESTMODSEQ (3.1.6's example).
    let st = c.ok("STATUS INBOX (MESSAGES UIDNEXT HIGHESTMODSEQ)");
    assert_eq!(st[0], format!("* STATUS INBOX (MESSAGES 3 UIDNEXT 4 HIGHESTMODSEQ {h})"));
    // ENABLE in another session: both extensions, no mailbox yet.
    let mut d = server.login("alice");
    assert_eq!(d.ok("ENABLE CONDSTORE QRESYNC")[0], "* ENABLED CONDSTORE QRESYNC");
    let l = d.select("INBOX");
    assert_eq!(highest(&l), h);
}

#[test]
fn fetch_modseq_changedsince_and_unsolicited_fetches() {
    let (server, mut c) = three();
    c.select("INBOX");
    // FETCH MODSEQ enables CONDSTORE with a mailbox selected: HIGHESTMODSEQ
    // is sent, then the items (3.1.4.1's example).
    let l = c.ok("FETCH 1:3 (MODSEQ)");
    let h = highest(&l);
    let m: Vec<u64> = l[1..4].iter().map(|x| modseq(x)).collect();
    assert_eq!(l[1], format!("* 1 FETCH (MODSEQ ({}))", m[0]));
    assert!(m.iter().all(|&x| x <= h) && m[2] == h, "{l:?}");
    // A flag change in another session gets the next modseq; this session
    // hears of it with UID and MODSEQ (3.1).
    let mut d = server.login("alice");
    d.select("INBOX");
    d.ok("STORE 2 +FLAGS (\\Flagged)");
    let l = c.ok("NOOP");
    let m2 = modseq(&l[0]);
    assert!(m2 > h);
    assert_eq!(l[0], format!("* 2 FETCH (UID 2 FLAGS (\\Flagged \\Recent) MODSEQ ({m2}))"));
    // CHANGEDSINCE: only what changed, MODSEQ added (3.1.4.1).
    let l = c.ok(&format!("FETCH 1:* (FLAGS) (CHANGEDSINCE {h})"));
    assert_eq!(l.len(), 2, "{l:?}");
    assert_eq!(l[0], format!("* 2 FETCH (FLAGS (\\Flagged \\Recent) MODSEQ ({m2}))"));
    let l = c.ok(&format!("UID FETCH 1:* (FLAGS) (CHANGEDSINCE {m2})"));
    assert_eq!(l.len(), 1, "{l:?}");
    // A FETCH that sets \Seen reports it with UID and MODSEQ.
    let l = c.ok("FETCH 3 (BODY[HEADER.FIELDS (SUBJECT)])");
    let m3 = modseq(&l[0]);
    assert!(m3 > m2 && l[0].ends_with(&format!(" FLAGS (\\Seen \\Recent) UID 3 MODSEQ ({m3}))")), "{l:?}");
    // Searching by MODSEQ returns the highest modseq found (3.1.5).
    let l = c.ok(&format!("SEARCH MODSEQ {}", h + 1));
    assert_eq!(l[0], format!("* SEARCH 2 3 (MODSEQ {m3})"));
    let l = c.ok(&format!("UID SEARCH RETURN (ALL) MODSEQ \"/flags/\\\\flagged\" all {}", h + 1));
    let tag = l.last().unwrap().split(' ').next().unwrap().to_string();
    assert_eq!(l[0], format!("* ESEARCH (TAG \"{tag}\") UID ALL 2:3 MODSEQ {m3}"));
    let l = c.ok(&format!("SEARCH MODSEQ {}", m3 + 1));
    assert_eq!(l[0], "* SEARCH");
}

#[test]
fn store_unchangedsince_reports_modified() {
    let (_server, mut c) = three();
    let l = c.ok("SELECT INBOX (CONDSTORE)");
    let h = highest(&l);
    // Message 2 changes after the client's picture of it (modseq h).
    let l = c.ok("STORE 2 +FLAGS.SILENT (\\Seen)");
    let m2 = modseq(&l[0]);
    assert_eq!(l[0], format!("* 2 FETCH (MODSEQ ({m2}))"));
    // 3.1.3's example 10: the conditional STORE fails for 2 only.
    let l = c.ok(&format!("STORE 1:3 (UNCHANGEDSINCE {h}) +FLAGS.SILENT (\\Deleted)"));
    assert_eq!(l.len(), 3, "{l:?}");
    let (a, b) = (modseq(&l[0]), modseq(&l[1]));
    assert_eq!(l[0], format!("* 1 FETCH (MODSEQ ({a}))"));
    assert_eq!(l[1], format!("* 3 FETCH (MODSEQ ({b}))"));
    assert!(a > m2 && b > a);
    assert!(l[2].ends_with(" OK [MODIFIED 2] Conditional STORE failed"), "{l:?}");
    let l = c.ok("FETCH 2 (FLAGS)");
    assert!(!l[0].contains("\\Deleted"), "{l:?}");
    // UID STORE, not silent: FLAGS, UID and MODSEQ; UNCHANGEDSINCE 0 fails.
    let l = c.ok(&format!("UID STORE 2,3 (UNCHANGEDSINCE {b}) -FLAGS (\\Deleted)"));
    // 2 had no \Deleted: unchanged, its modseq too; 3 changed.
    assert_eq!(l[0], format!("* 2 FETCH (FLAGS (\\Seen \\Recent) UID 2 MODSEQ ({m2}))"));
    let m = modseq(&l[1]);
    assert!(m > b);
    assert_eq!(l[1], format!("* 3 FETCH (FLAGS (\\Recent) UID 3 MODSEQ ({m}))"));
    assert!(l[2].ends_with(" OK UID STORE completed"), "{l:?}");
    let l = c.ok("UID STORE 1 (UNCHANGEDSINCE 0) +FLAGS (\\Answered)");
    assert_eq!(l.len(), 1);
    assert!(l[0].ends_with(" OK [MODIFIED 1] Conditional STORE failed"), "{l:?}");
}

#[test]
fn qresync_select_vanished_expunge_and_fetch() {
    let (server, mut c) = three();
    c.append("INBOX", "", &message("m4"));
    let l = c.ok("SELECT INBOX (CONDSTORE)");
    let (v, h) = (Client::code(&l, "UIDVALIDITY").unwrap(), highest(&l));
    c.ok("LOGOUT");
    // Another client changes 1 and expunges 2 and 4.
    let mut d = server.login("alice");
    d.select("INBOX");
    d.ok("STORE 1 +FLAGS (\\Answered)");
    d.ok("STORE 2,4 +FLAGS (\\Deleted)");
    d.ok("EXPUNGE");
    d.ok("LOGOUT");
    // QRESYNC needs ENABLE first.
    let mut c = server.login("alice");
    let l = c.cmd(&format!("SELECT INBOX (QRESYNC ({v} {h}))"));
    assert!(l.last().unwrap().contains(" BAD "), "{l:?}");
    assert_eq!(c.ok("ENABLE QRESYNC")[0], "* ENABLED QRESYNC");
    // 3.2.5.2's example: VANISHED (EARLIER) for the known UIDs gone, then
    // the changed ones, after the usual SELECT data.
    let l = c.ok(&format!("SELECT INBOX (QRESYNC ({v} {h} 1:4))"));
    let n = l.len();
    assert_eq!(l[n - 3], "* VANISHED (EARLIER) 2,4");
    let m1 = modseq(&l[n - 2]);
    assert_eq!(l[n - 2], format!("* 1 FETCH (UID 1 FLAGS (\\Answered) MODSEQ ({m1}))"));
    assert!(l[n - 4].starts_with("* OK [HIGHESTMODSEQ "), "{l:?}");
    assert!(l[n - 1].ends_with(" OK [READ-WRITE] SELECT completed"));
    // Nothing missed since then: nothing sent.
    let h2 = highest(&l);
    let l = c.ok(&format!("SELECT INBOX (QRESYNC ({v} {h2}))"));
    assert_eq!(l[0], "* OK [CLOSED] Previous mailbox closed");
    assert!(!l.iter().any(|x| x.contains("VANISHED") || x.contains("FETCH")), "{l:?}");
    // Another UIDVALIDITY: a plain SELECT.
    let l = c.ok(&format!("SELECT INBOX (QRESYNC (1 {h2}))"));
    assert!(!l.iter().any(|x| x.contains("VANISHED") || x.contains("FETCH")), "{l:?}");
    // EXPUNGE answers VANISHED once QRESYNC is on (3.2.10).
    c.ok("STORE 1 +FLAGS.SILENT (\\Deleted)");
    let l = c.ok("EXPUNGE");
    assert_eq!(l.len(), 3, "{l:?}");
    assert_eq!(l[0], "* VANISHED 1");
    // Then how far the client is up to date: the expunge's modseq.
    let h3: u64 = Client::code(&l, "HIGHESTMODSEQ").unwrap().parse().unwrap();
    assert_eq!(l[1], format!("* OK [HIGHESTMODSEQ {h3}] Highest"));
    assert!(h3 > h2);
    // UID FETCH ... (CHANGEDSINCE n VANISHED) (3.2.6).
    let l = c.ok(&format!("UID FETCH 1:* (FLAGS) (CHANGEDSINCE {h} VANISHED)"));
    assert_eq!(l[0], "* VANISHED (EARLIER) 1:2,4");
    assert_eq!(l.len(), 2, "message 3 did not change: {l:?}");
    let l = c.cmd(&format!("FETCH 1:* (FLAGS) (CHANGEDSINCE {h} VANISHED)"));
    assert!(l.last().unwrap().contains(" BAD "), "{l:?}");
}

#[test]
fn highestmodseq_never_goes_backwards_across_kill_9() {
    let (mut server, mut c) = three();
    let l = c.ok("SELECT INBOX (CONDSTORE)");
    let mut seen = highest(&l);
    drop(c);
    for round in 0..3 {
        let top = Arc::new(Mutex::new(seen));
        let stop = Arc::new(AtomicBool::new(false));
        let mut threads = Vec::new();
        for t in 0..4 {
            let (addr, top, stop) = (server.plain, top.clone(), stop.clone());
            threads.push(thread::spawn(move || {
                let Ok(mut c) = std::panic::catch_unwind(|| {
                    let mut c = Client::plain(addr);
                    c.ok("LOGIN alice wonderland");
                    c.ok("SELECT INBOX (CONDSTORE)");
                    c
                }) else {
                    return;
                };
                for n in 0.. {
                    if stop.load(Ordering::Relaxed) {
                        return;
                    }
                    let cmd = if t % 2 == 0 {
                        format!("STORE 1:3 {}FLAGS (\\Flagged)", if n % 2 == 0 { "+" } else { "-" })
                    } else {
                        format!("APPEND INBOX {{{}+}}\r\n{}", 20, "Subject: x\r\n\r\nbody..")
                    };
                    let Ok(lines) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| c.cmd(&cmd))) else {
                        return;
                    };
                    if !lines.last().is_some_and(|l| l.contains(" OK ")) {
                        return;
                    }
                    for l in lines.iter().filter(|l| l.contains("MODSEQ (")) {
                        let m = modseq(l);
                        let mut top = top.lock().unwrap();
                        *top = (*top).max(m);
                    }
                }
            }));
        }
        thread::sleep(Duration::from_millis(300 + 100 * round));
        server.kill();
        stop.store(true, Ordering::Relaxed);
        for t in threads {
            let _ = t.join();
        }
        let before = *top.lock().unwrap();
        server.restart(&[]);
        let mut c = server.login("alice");
        let now = highest(&c.ok("SELECT INBOX (CONDSTORE)"));
        assert!(now >= before && now >= seen, "round {round}: HIGHESTMODSEQ {now} after {before}");
        // And the next change gets a modseq never given before.
        let l = c.ok("STORE 1 -FLAGS (\\Flagged)");
        let l2 = c.ok("STORE 1 +FLAGS (\\Flagged)");
        let m = l.iter().chain(&l2).filter(|x| x.contains("MODSEQ (")).map(|x| modseq(x)).max().unwrap();
        assert!(m > before, "round {round}: modseq {m} repeats one of before {before}");
        seen = m;
    }
}

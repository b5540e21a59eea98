//! Issue 19 item 6: what a client sends never comes back raw. Line breaks,
//! NUL and U+2028 smuggled in mailbox names (modified UTF-7 or UTF-8) are
//! refused in the server's own words and reach neither a response nor the
//! log; passwords never reach the log, whatever the typing mistake; an
//! internal error tells the client no path; a name too long for the file
//! system is refused before anything is made.

mod support;

use support::{Client, Server};

/// A server logging everything (`all-info`), accounts as an administrator
/// writes them.
fn server() -> Server {
    Server::start_hashed(&["--log-level", "all-info"])
}

/// Every line of the log is one record (a timestamp first), and none of
/// the smuggled characters is in it.
fn assert_log_clean(server: &Server) {
    let log = server.log();
    for line in log.lines() {
        assert!(line.starts_with(|c: char| c.is_ascii_digit()), "a log line that is not a record: {line:?}");
        assert!(!line.contains('\r') && !line.contains('\0'), "{line:?}");
    }
    for c in ['\u{2028}', '\u{2029}', '\u{202e}', '\u{85}'] {
        assert!(!log.contains(c), "{c:?} raw in the log");
    }
}

/// No line of an answer is the one the client tried to inject.
fn assert_no_injected_line(lines: &[String]) {
    for l in lines {
        assert!(!l.starts_with("* 3 EXISTS") && !l.starts_with("c OK"), "injected: {lines:?}");
        assert!(!l.contains('\0') && !l.contains('\r') && !l.contains('\u{2028}'), "{lines:?}");
    }
}

/// Sends `text` with a fresh tag; returns every line and the tagged one
/// with its tag cut off.
fn answer(c: &mut Client, text: &str) -> (Vec<String>, String) {
    let lines = c.cmd(text);
    let last = lines.last().unwrap();
    let result = last.split_once(' ').unwrap().1.to_string();
    assert_no_injected_line(&lines);
    (lines, result)
}

/// The commands a name goes through, with `@` standing for it.
const USES: &[&str] = &["SELECT @", "CREATE @", "RENAME INBOX @", "RENAME @ x", "SUBSCRIBE @", "STATUS @ (MESSAGES)"];

#[test]
fn modified_utf7_names_with_line_breaks_nul_or_separators_are_refused_in_the_servers_words() {
    let server = server();
    let mut c = server.login("alice");
    let cases = [
        // The attack: CR LF in base64.
        ("\"x&AA0ACg-* 3 EXISTS&AA0ACg-c OK fake\"", "it has ASCII inside an &-shift"),
        ("\"x&AAA-y\"", "it has ASCII inside an &-shift"),
        // "../" spelt in base64.
        ("\"&AC4ALgAv-etc\"", "it has ASCII inside an &-shift"),
        ("\"x&ICg-* 3 EXISTS\"", "it has a control character"),
        ("\"x&ICk-y\"", "it has a control character"),
        ("\"x&IC4-y\"", "it has a control character"),
        ("\"x&AIU-y\"", "it has a control character"),
        ("\"x&AOQ-&APY-\"", "it has two &-shifts in a row"),
        ("\"x&AOQ\"", "it has an unterminated &-shift"),
    ];
    for (name, why) in cases {
        for use_ in USES {
            let (_, result) = answer(&mut c, &use_.replace('@', name));
            assert_eq!(result, format!("NO [CANNOT] Invalid mailbox name: {why}"), "{use_} {name}");
        }
    }
    // As literals: the raw CR LF and NUL are outside modified UTF-7.
    for raw in ["x\r\n* 3 EXISTS\r\nc OK fake", "x\0y"] {
        for use_ in USES {
            let (before, after) = use_.split_once('@').unwrap();
            let (_, result) = answer(&mut c, &format!("{before}{{{}+}}\r\n{raw}{after}", raw.len()));
            assert_eq!(result, "NO [CANNOT] Invalid mailbox name: it has a byte outside printable ASCII", "{use_}");
        }
    }
    // A LIST pattern matches nothing and echoes nothing.
    let (lines, result) = answer(&mut c, "LIST \"\" \"*&AA0ACg-* 3 EXISTS\"");
    assert_eq!((lines.len(), result.as_str()), (1, "OK LIST completed"));
    let (lines, _) = answer(&mut c, "LIST \"\" {22+}\r\n*\r\n* 3 EXISTS\r\nc OK x");
    assert_eq!(lines.len(), 1, "{lines:?}");
    // Nothing was made of any of it.
    let (lines, _) = answer(&mut c, "LIST \"\" *");
    assert_eq!(lines.len(), 7, "INBOX, five special-use folders, OK: {lines:?}");
    assert_log_clean(&server);
}

#[test]
fn utf8_names_with_line_breaks_or_separators_are_refused_in_the_servers_words() {
    let server = server();
    let mut c = server.login("alice");
    c.ok("ENABLE UTF8=ACCEPT");
    for raw in ["x\r\n* 3 EXISTS\r\nc OK fake", "x\u{2028}* 3 EXISTS", "x\u{202e}gpj.exe", "x\u{85}y", "x\u{7f}"] {
        for use_ in USES {
            let (before, after) = use_.split_once('@').unwrap();
            let (_, result) = answer(&mut c, &format!("{before}{{{}+}}\r\n{raw}{after}", raw.len()));
            assert_eq!(
                result, "NO [CANNOT] Invalid mailbox name: control characters are not allowed",
                "{use_} {raw:?}"
            );
            if !raw.contains('\r') {
                // Quoted strings may hold UTF-8 (RFC 6855), not CR or LF.
                let (_, result) = answer(&mut c, &use_.replace('@', &format!("\"{raw}\"")));
                assert_eq!(result, "NO [CANNOT] Invalid mailbox name: control characters are not allowed");
            }
        }
    }
    assert_log_clean(&server);
}

#[test]
fn answers_do_not_echo_the_clients_bytes() {
    let server = server();
    let mut c = server.login("alice");
    let (_, r) = answer(&mut c, "SELECT \"no such box\"");
    assert_eq!(r, "NO [NONEXISTENT] Mailbox does not exist");
    let (_, r) = answer(&mut c, "SEARCH RETURN (PARTIAL 1) ALL");
    assert_eq!(r, "BAD Expected ':' in partial range");
    let (_, r) = answer(&mut c, "NOOP secret-looking-words");
    assert_eq!(r, "BAD Unexpected extra arguments");
    let (_, r) = answer(&mut c, "FETCH 1:x FLAGS");
    assert_eq!(r, "BAD Invalid sequence set");
    c.ok("CREATE Kept");
    let (_, r) = answer(&mut c, "CREATE Kept");
    assert_eq!(r, "NO [ALREADYEXISTS] Mailbox already exists");
}

/// A unique password per case: grepping the log for it finds any trace.
const MARK: &str = "Pw7xQ";

#[test]
fn no_password_reaches_the_log_at_all_info_whatever_the_mistake() {
    let server = server();
    let b64 = |s: &str| {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(s)
    };
    let plain1 = b64(&format!("\0alice\0{MARK}1"));
    let plain2 = b64(&format!("\0alice\0{MARK}2"));
    let lines: Vec<Vec<u8>> = vec![
        // The issue's: a parenthesised password is a parse error.
        format!("a LOGIN alice ({MARK}0)\r\n").into_bytes(),
        // A vertical tab where a space belongs.
        format!("a LOGIN\x0balice {MARK}3\r\n").into_bytes(),
        format!("a LOGIN alice\x0b{MARK}4\r\n").into_bytes(),
        // No tag at all.
        format!("LOGIN alice {MARK}5\r\n").into_bytes(),
        // Mistyped AUTHENTICATE: command, mechanism, an extra space.
        format!("a AUTHENTICATEE PLAIN {plain1}\r\n").into_bytes(),
        format!("a AUTHENTICATE PLAN {plain1}\r\n").into_bytes(),
        format!("a AUTHENTICATE PLAIN  {plain2}\r\n").into_bytes(),
        // The credentials alone on a line, as after a refused AUTHENTICATE.
        format!("{plain2}\r\n").into_bytes(),
        // A literal password, right and with garbage after it.
        format!("a LOGIN alice {{6+}}\r\n{MARK}6\r\n").into_bytes(),
        format!("a LOGIN alice {{6+}}\r\n{MARK}7 extra\r\n").into_bytes(),
    ];
    for line in &lines {
        let mut c = server.connect();
        c.send(line);
        let reply = c.line();
        // (A line of credentials alone comes back as a tag: to its sender.)
        assert!(!reply.contains(MARK) && !reply.contains(&plain1), "{reply}");
        assert!(reply.contains(" NO ") || reply.contains(" BAD "), "{:?}: {reply}", String::from_utf8_lossy(line));
        c.ok("LOGOUT");
    }
    let log = server.log();
    for secret in [MARK, &plain1, &plain2, &plain1[8..], &plain2[8..]] {
        assert!(!log.contains(secret), "{secret} in the log:\n{log}");
    }
    // The attempts were logged, only without their secrets.
    assert!(log.contains("a LOGIN alice ***"), "{log}");
    assert!(log.contains("octets)"), "{log}");
}

#[test]
fn an_internal_error_answers_without_a_path_and_logs_it_under_an_id() {
    let server = server();
    let mut c = server.login("alice");
    // A file where the parent mailbox's directory should be: making the
    // child fails with ENOTDIR, an error the client cannot cause otherwise.
    std::fs::write(server.maildir("alice").join(".Parent"), "not a directory").unwrap();
    let (_, r) = answer(&mut c, "CREATE Parent/Child");
    let id = r
        .strip_prefix("NO [SERVERBUG] Internal error ")
        .and_then(|rest| rest.strip_suffix(", see the server log"))
        .unwrap_or_else(|| panic!("{r}"));
    assert!(!r.contains('/') && !r.contains("directory"), "{r}");
    let log = server.log();
    let record = log.lines().find(|l| l.contains(&format!("internal error {id}:"))).expect("logged");
    assert!(record.contains(".Parent"), "{record}");
}

#[test]
fn a_name_too_long_for_the_file_system_is_refused_before_anything_is_made() {
    let server = server();
    let mut c = server.login("alice");
    let root = server.maildir("alice");
    let entries = || {
        let mut v: Vec<String> =
            std::fs::read_dir(&root).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        v.sort();
        v
    };
    let before = entries();
    // Each level fits in 255 bytes; `.a.b.c` as one directory name does not.
    let (a, b, d) = ("a".repeat(100), "b".repeat(100), "d".repeat(60));
    let (_, r) = answer(&mut c, &format!("CREATE {a}/{b}/{d}"));
    assert_eq!(r, "NO [LIMIT] Mailbox name too long for the file system");
    assert_eq!(entries(), before, "something was made");
    // A rename whose child would end up too long moves nothing.
    c.ok(&format!("CREATE {a}/{b}"));
    let made = entries();
    let (_, r) = answer(&mut c, &format!("RENAME {a} {}", "e".repeat(160)));
    assert_eq!(r, "NO [LIMIT] Mailbox name too long for the file system");
    assert_eq!(entries(), made, "something moved");
    c.ok(&format!("SELECT {a}/{b}"));
}

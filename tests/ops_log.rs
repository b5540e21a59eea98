//! No client can forge a log record (issue 14, must-show 7): CR, LF and
//! other control characters in client data (the low-level `C:` lines, ID
//! values, quoted strings, IDLE's DONE line) are escaped, at the low-level
//! and all-info levels.

mod ops_common;
mod support;

use ops_common::Ops;

/// What a forged record would look like; no real record starts in 1999.
const FORGED: &str = "1999-01-01T00:00:00Z MAJOR   IMAP-00009 [192.0.2.66] login root (LOGIN)";

/// True when `line` has the shape of a record this server writes.
fn is_record(line: &str) -> bool {
    let mut w = line.split_whitespace();
    let stamp_ok = w.next().is_some_and(|t| t.len() == 20 && t.starts_with("20") && t.ends_with('Z'));
    stamp_ok && w.next().is_some_and(|l| ["MAJOR", "PROBLEM", "INFO", "LOW", "LINK"].contains(&l))
}

#[test]
fn control_characters_from_clients_are_escaped_at_low_level_and_all_info() {
    for level in ["low-level", "all-info"] {
        let ops = Ops::start(&["--log-level", level]);
        let mut c = ops.connect();
        // An ID value with CR LF, through a non-synchronizing literal.
        let value = format!("x\r\n{FORGED}");
        c.send(format!("i1 ID (\"name\" {{{}+}}\r\n{value})\r\n", value.len()).as_bytes());
        let lines = c.until_tagged("i1");
        assert!(lines.last().unwrap().starts_with("i1 OK"), "{lines:?}");
        // A quoted string with a bare CR, and one with a bare LF.
        c.send(format!("q1 LOGIN \"a\r{FORGED}\" pw\r\n").as_bytes());
        c.until_tagged("q1");
        // (Three bad commands in a row before login end the connection.)
        c.ok("NOOP");
        c.send(format!("q2 STATUS \"b\n{FORGED}\" (MESSAGES)\r\n").as_bytes());
        let _ = c.until_tagged("q2");
        // Other control characters: ESC sequences, NUL, DEL (in a literal:
        // a command that does not parse is not logged, and a NUL outside
        // a literal before login ends the connection).
        c.send(b"q3 ID (\"name\" {6+}\r\n\x1b[2J\x00\x7f)\r\n");
        c.until_tagged("q3");
        // IDLE's continuation line is logged as well.
        let mut idler = ops.login("bob");
        idler.ok("SELECT INBOX");
        idler.send(b"d1 IDLE\r\n");
        assert!(idler.line().starts_with("+ "));
        idler.send(format!("DONE\r{FORGED}\r\n").as_bytes());
        idler.until_tagged("d1");
        drop(c);
        drop(idler);
        support::eventually("the sessions to end", || ops.sessions().is_empty());

        let log = ops.log();
        for line in log.lines() {
            assert!(is_record(line), "{level}: a line that is no record of the server: {line:?}\n{log}");
            assert!(!line.contains('\r') && !line.contains('\u{1b}') && !line.contains('\0'), "{line:?}");
        }
        assert!(log.contains(&format!("name=x\\r\\n{FORGED}")), "{level}: the ID value is logged, escaped\n{log}");
        assert!(log.contains(&format!("\\r{FORGED}")), "{level}: the quoted string is logged, escaped");
        assert!(log.contains("\\x1b[2J\\x00\\x7f"), "{level}\n{log}");
        assert!(log.contains(&format!("C: DONE\\r{FORGED}")), "{level}\n{log}");
        if level == "all-info" {
            assert!(log.lines().any(|l| l.contains(" LINK ") && l.contains("octets in")), "link level records");
        }
    }
}

//! Issue 3, item 7: real clients. curl lists mailboxes and appends with
//! `-T`; Python's imaplib creates, renames and deletes folders.

mod support;

use std::process::Command;
use support::{files, Client, Server};

fn have(program: &str, arg: &str) -> bool {
    Command::new(program).arg(arg).output().is_ok_and(|o| o.status.success())
}

#[test]
fn curl_lists_and_appends() {
    if !have("curl", "--version") {
        eprintln!("curl is not installed; skipped");
        return;
    }
    let protocols = String::from_utf8(Command::new("curl").arg("--version").output().unwrap().stdout).unwrap();
    assert!(protocols.contains(" imap "), "this curl lacks IMAP: {protocols}");
    let server = Server::start(&[]);
    let url = format!("imap://{}/", server.plain);
    let out =
        Command::new("curl").args(["-sS", "--max-time", "30", &url, "--user", "alice:wonderland"]).output().unwrap();
    assert!(out.status.success(), "curl failed: {}", String::from_utf8_lossy(&out.stderr));
    let listing = String::from_utf8(out.stdout).unwrap();
    for name in ["INBOX", "Archive", "Drafts", "Junk", "Sent", "Trash"] {
        assert!(
            listing.lines().any(|l| l.starts_with("* LIST ") && l.trim_end().ends_with(&format!(" {name}"))),
            "{name} not in {listing}"
        );
    }

    let dir = tempfile::tempdir().unwrap();
    let msg = dir.path().join("msg.eml");
    std::fs::write(&msg, "From: curl@example.org\r\nSubject: via curl\r\n\r\nHello from curl.\r\n").unwrap();
    let out = Command::new("curl")
        .args(["-sS", "--max-time", "30", "-T"])
        .arg(&msg)
        .arg(format!("imap://{}/Sent", server.plain))
        .args(["--user", "alice:wonderland"])
        .output()
        .unwrap();
    assert!(out.status.success(), "curl -T failed: {}", String::from_utf8_lossy(&out.stderr));
    let cur = files(&server.maildir("alice").join(".Sent/cur"));
    assert_eq!(cur.len(), 1, "{cur:?}");
    let body = std::fs::read_to_string(server.maildir("alice").join(".Sent/cur").join(&cur[0])).unwrap();
    assert!(body.contains("Subject: via curl"), "{body}");
    let mut c = server.login("alice");
    let sel = c.select("Sent");
    assert_eq!(Client::number(&sel, "EXISTS"), Some(1));
}

const PY: &str = r#"
import imaplib, sys
port = int(sys.argv[1])
m = imaplib.IMAP4("127.0.0.1", port)
m.login("bob", "builder")
def ok(r):
    typ, data = r
    assert typ == "OK", (typ, data)
    return data
ok(m.create("Projekte/2024"))
ok(m.create("Entw&APw-rfe"))
names = [l.decode() for l in ok(m.list('""', "*"))]
print("\n".join(names))
assert any(n.endswith(' Projekte/2024') for n in names), names
assert any(n.endswith(' Projekte') and 'HasChildren' in n for n in names), names
ok(m.rename("Projekte", "Alt"))
names = [l.decode() for l in ok(m.list('""', "Alt*"))]
assert [n.split(' ')[-1] for n in names] == ["Alt", "Alt/2024"], names
typ, data = m.delete("Alt")
assert typ == "NO", (typ, data)
ok(m.delete("Alt/2024"))
ok(m.delete("Alt"))
ok(m.delete("Entw&APw-rfe"))
ok(m.select("INBOX"))
ok(m.append("INBOX", r"(\Seen)", None, b"Subject: py\r\n\r\nhi\r\n"))
typ, data = m.status("INBOX", "(MESSAGES UNSEEN)")
assert data[0] == b"INBOX (MESSAGES 1 UNSEEN 0)", data
names = [l.decode() for l in ok(m.list('""', "*"))]
assert not any("Alt" in n or "Projekte" in n for n in names), names
m.logout()
print("PYTHON-OK")
"#;

#[test]
fn python_imaplib_creates_renames_deletes() {
    if !have("python3", "--version") {
        eprintln!("python3 is not installed; skipped");
        return;
    }
    let server = Server::start(&[]);
    let out = Command::new("python3").args(["-c", PY, &server.plain.port().to_string()]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("PYTHON-OK"),
        "imaplib failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let md = server.maildir("bob");
    assert!(!md.join(".Alt").exists() && !md.join(".Projekte").exists());
    assert_eq!(files(&md.join("cur")).len(), 1);
}

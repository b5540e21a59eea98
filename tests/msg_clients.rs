//! Issue 4, "Must show" 5: real clients (installed by `contrib/test`) sync
//! a seeded account and the test checks what they got: message count,
//! flags and a hash of the message texts (line endings normalised, since
//! maildir clients store LF).

mod support;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use support::{Seed, Server};

fn msg(i: u32) -> Vec<u8> {
    format!(
        "From: sender{i}@example.com\r\nTo: alice@wonderland.example\r\nSubject: message {i}\r\n\
         Date: Mon, {i} Mar 2020 12:00:00 +0000\r\nMessage-ID: <m{i}@example.com>\r\n\r\n\
         Body of message {i}.\r\nSecond line {i}.\r\n"
    )
    .into_bytes()
}

/// Three messages: one seen, one flagged and answered, one new.
fn seeded() -> (Server, Vec<Vec<u8>>) {
    let msgs: Vec<Vec<u8>> = (1..=3).map(msg).collect();
    let infos = ["S", "FR", ""];
    let seeds: Vec<Seed> = msgs
        .iter()
        .zip(infos)
        .map(|(m, info)| Seed {
            data: m,
            info,
            mtime: 1_580_000_000,
        })
        .collect();
    (Server::start_seeded(&[], &seeds), msgs)
}

/// FNV-1a over the sorted texts, CRs removed: equal sets hash equal.
fn hash(texts: &[Vec<u8>]) -> u64 {
    let mut v: Vec<Vec<u8>> = texts
        .iter()
        .map(|t| t.iter().copied().filter(|&b| b != b'\r').collect())
        .collect();
    v.sort();
    let mut h: u64 = 0xcbf29ce484222325;
    for t in v {
        for b in t.iter().chain(b"\0") {
            h ^= *b as u64;
            h = h.wrapping_mul(0x100000001b3);
        }
    }
    h
}

/// A maildir's messages: message text by Message-ID, with info letters.
fn read_maildir(dir: &Path) -> BTreeMap<String, (String, Vec<u8>)> {
    let mut out = BTreeMap::new();
    for sub in ["cur", "new"] {
        let Ok(rd) = std::fs::read_dir(dir.join(sub)) else {
            continue;
        };
        for e in rd {
            let e = e.unwrap();
            let name = e.file_name().into_string().unwrap();
            let info = name
                .split_once(":2,")
                .map(|x| x.1.to_string())
                .unwrap_or_default();
            let data = std::fs::read(e.path()).unwrap();
            out.insert(message_id(&data), (info, data));
        }
    }
    out
}

fn message_id(data: &[u8]) -> String {
    let t = String::from_utf8_lossy(data);
    t.lines()
        .find_map(|l| l.strip_prefix("Message-ID: "))
        .unwrap_or_else(|| panic!("no Message-ID in {t}"))
        .trim()
        .to_string()
}

/// The server's view of INBOX: Message-ID -> FLAGS.
fn server_flags(server: &Server) -> BTreeMap<String, String> {
    let mut c = server.login("alice");
    c.ok("EXAMINE INBOX");
    let l = c.ok("FETCH 1:* (FLAGS BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])");
    l[..l.len() - 1]
        .iter()
        .map(|x| {
            let f = x
                .split("FLAGS (")
                .nth(1)
                .unwrap()
                .split(')')
                .next()
                .unwrap()
                .to_string();
            (message_id(x.as_bytes()), f)
        })
        .collect()
}

fn run(cmd: &mut Command) -> String {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{cmd:?}: {e} (install with contrib/test)"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{cmd:?} failed: {text}");
    text
}

#[test]
fn curl_fetches_and_searches() {
    let (server, msgs) = seeded();
    let base = format!("imap://127.0.0.1:{}/INBOX", server.plain.port());
    let out = run(Command::new("curl").args([
        "-sS",
        "--user",
        "alice:wonderland",
        &base,
        "-X",
        "SEARCH ALL",
    ]));
    assert_eq!(out, "* SEARCH 1 2 3\r\n");
    let out = run(Command::new("curl").args([
        "-sS",
        "--user",
        "alice:wonderland",
        &base,
        "-X",
        "UID SEARCH UNSEEN",
    ]));
    assert_eq!(out, "* SEARCH 2 3\r\n");
    let mut got = Vec::new();
    for uid in 1..=3 {
        let out = Command::new("curl")
            .args([
                "-sS",
                "--user",
                "alice:wonderland",
                &format!("{base};UID={uid}"),
            ])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(out.stdout, msgs[uid - 1], "UID {uid}");
        got.push(out.stdout);
    }
    assert_eq!(hash(&got), hash(&msgs));
    // A section.
    let out = run(Command::new("curl").args([
        "-sS",
        "--user",
        "alice:wonderland",
        &format!("{base};UID=2;SECTION=TEXT"),
    ]));
    assert_eq!(out, "Body of message 2.\r\nSecond line 2.\r\n");
    // curl's FETCH sets \Seen on what it read (no PEEK).
    let flags = server_flags(&server);
    assert!(flags.values().all(|f| f.contains("\\Seen")), "{flags:?}");
}

const PY: &str = r#"
import imaplib, sys, hashlib
port = int(sys.argv[1])
M = imaplib.IMAP4("127.0.0.1", port)
M.login("alice", "wonderland")
typ, data = M.select("INBOX")
print("SELECT", typ, data[0].decode())
typ, data = M.fetch("1:*", "(UID FLAGS BODY.PEEK[])")
bodies = [d[1] for d in data if isinstance(d, tuple)]
print("FETCH", typ, len(bodies), hashlib.sha256(b"".join(sorted(b.replace(b"\r", b"") for b in bodies))).hexdigest())
typ, data = M.store("3", "+FLAGS", "(\\Flagged $Work)")
print("STORE", typ, data[0].decode())
typ, data = M.search(None, "FLAGGED")
print("SEARCH", typ, data[0].decode())
typ, data = M.uid("SEARCH", "KEYWORD", "$Work")
print("UIDSEARCH", typ, data[0].decode())
typ, data = M.copy("1:2", "Archive")
print("COPY", typ, data[0].decode())
typ, data = M.uid("MOVE", "1", "Trash")
print("MOVE", typ, data)
typ, data = M.fetch("1:*", "(UID FLAGS)")
print("AFTER", typ, " | ".join(d.decode() for d in data))
typ, data = M.status("Archive", "(MESSAGES)")
print("STATUS", typ, data[0].decode())
M.logout()
"#;

#[test]
fn python_imaplib_fetch_store_search_copy_move() {
    let (server, msgs) = seeded();
    let out = run(Command::new("python3").args(["-c", PY, &server.plain.port().to_string()]));
    let lines: Vec<&str> = out.lines().collect();
    let mut v = msgs.clone();
    v.iter_mut().for_each(|m| m.retain(|&b| b != b'\r'));
    v.sort();
    let sha = Command::new("python3")
        .args([
            "-c",
            "import sys,hashlib;print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())",
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut p| {
            use std::io::Write;
            p.stdin.take().unwrap().write_all(&v.concat())?;
            p.wait_with_output()
        })
        .unwrap();
    let sha = String::from_utf8(sha.stdout).unwrap();
    assert_eq!(lines[0], "SELECT OK 3", "{out}");
    assert_eq!(lines[1], format!("FETCH OK 3 {}", sha.trim()), "{out}");
    assert_eq!(
        lines[2], "STORE OK 3 (FLAGS (\\Flagged $Work \\Recent))",
        "{out}"
    );
    assert_eq!(lines[3], "SEARCH OK 2 3", "{out}");
    assert_eq!(lines[4], "UIDSEARCH OK 3", "{out}");
    assert!(
        lines[5].starts_with("COPY OK [COPYUID ") && lines[5].ends_with(" 1:2 1:2] COPY completed"),
        "{out}"
    );
    assert_eq!(lines[6], "MOVE OK [None]", "{out}");
    assert_eq!(
        lines[7],
        "AFTER OK 1 (UID 2 FLAGS (\\Answered \\Flagged \\Recent)) | 2 (UID 3 FLAGS (\\Flagged $Work \\Recent))",
        "{out}"
    );
    assert_eq!(lines[8], "STATUS OK Archive (MESSAGES 2)", "{out}");
}

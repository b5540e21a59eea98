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
    let seeds: Vec<Seed> =
        msgs.iter().zip(infos).map(|(m, info)| Seed { data: m, info, mtime: 1_580_000_000 }).collect();
    (Server::start_seeded(&[], &seeds), msgs)
}

/// A message text without CRs and without the `X-TUID:` header mbsync
/// adds to find its own uploads.
fn normalise(t: &[u8]) -> Vec<u8> {
    let t: Vec<u8> = t.iter().copied().filter(|&b| b != b'\r').collect();
    let s = String::from_utf8_lossy(&t);
    s.split_inclusive('\n').filter(|l| !l.starts_with("X-TUID: ")).collect::<String>().into_bytes()
}

/// FNV-1a over the sorted texts, CRs removed: equal sets hash equal.
fn hash(texts: &[Vec<u8>]) -> u64 {
    let mut v: Vec<Vec<u8>> = texts.iter().map(|t| normalise(t)).collect();
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
            let info = name.split_once(":2,").map(|x| x.1.to_string()).unwrap_or_default();
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
            let f = x.split("FLAGS (").nth(1).unwrap().split(')').next().unwrap().to_string();
            (message_id(x.as_bytes()), f)
        })
        .collect()
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e} (install with contrib/test)"));
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(out.status.success(), "{cmd:?} failed: {text}");
    text
}

#[test]
fn curl_fetches_and_searches() {
    let (server, msgs) = seeded();
    let base = format!("imap://127.0.0.1:{}/INBOX", server.plain.port());
    let out = run(Command::new("curl").args(["-sS", "--user", "alice:wonderland", &base, "-X", "SEARCH ALL"]));
    assert_eq!(out, "* SEARCH 1 2 3\r\n");
    let out = run(Command::new("curl").args(["-sS", "--user", "alice:wonderland", &base, "-X", "UID SEARCH UNSEEN"]));
    assert_eq!(out, "* SEARCH 2 3\r\n");
    let mut got = Vec::new();
    for uid in 1..=3 {
        let out = Command::new("curl")
            .args(["-sS", "--user", "alice:wonderland", &format!("{base};UID={uid}")])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(out.stdout, msgs[uid - 1], "UID {uid}");
        got.push(out.stdout);
    }
    assert_eq!(hash(&got), hash(&msgs));
    // A section.
    let out =
        run(Command::new("curl").args(["-sS", "--user", "alice:wonderland", &format!("{base};UID=2;SECTION=TEXT")]));
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
        .args(["-c", "import sys,hashlib;print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())"])
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
    assert_eq!(lines[2], "STORE OK 3 (FLAGS (\\Flagged $Work \\Recent))", "{out}");
    assert_eq!(lines[3], "SEARCH OK 2 3", "{out}");
    assert_eq!(lines[4], "UIDSEARCH OK 3", "{out}");
    assert!(lines[5].starts_with("COPY OK [COPYUID ") && lines[5].ends_with(" 1:2 1:2] COPY completed"), "{out}");
    assert_eq!(lines[6], "MOVE OK [None]", "{out}");
    assert_eq!(
        lines[7],
        "AFTER OK 1 (UID 2 FLAGS (\\Answered \\Flagged \\Recent)) | 2 (UID 3 FLAGS (\\Flagged $Work \\Recent))",
        "{out}"
    );
    assert_eq!(lines[8], "STATUS OK Archive (MESSAGES 2)", "{out}");
}

/// Runs mbsync with a config for `server` syncing INBOX into `local`.
fn mbsync(server: &Server, dir: &Path) -> String {
    std::fs::create_dir_all(dir.join("local")).unwrap();
    let rc = dir.join("mbsyncrc");
    std::fs::write(
        &rc,
        format!(
            "IMAPAccount t\nHost 127.0.0.1\nPort {}\nUser alice\nPass wonderland\nSSLType IMAPS\n\
             CertificateFile {}\n\nIMAPStore remote\nAccount t\n\n\
             MaildirStore local\nPath {}/local/\nInbox {}/local/INBOX\n\n\
             Channel c\nFar :remote:\nNear :local:\nPatterns INBOX\nSync All\nCreate Both\nExpunge Both\n\
             SyncState *\n",
            server.tls.port(),
            server.cert().display(),
            dir.display(),
            dir.display()
        ),
    )
    .unwrap();
    run(Command::new("mbsync").args(["-c", rc.to_str().unwrap(), "-a"]))
}

/// Maildir info letters with mbsync's and offlineimap's bookkeeping
/// removed, as a comparable set of flags.
fn letters(info: &str) -> String {
    let mut v: Vec<char> = info.chars().filter(|c| c.is_ascii_uppercase()).collect();
    v.sort();
    v.into_iter().collect()
}

#[test]
fn mbsync_both_ways() {
    let (server, mut msgs) = seeded();
    let dir = tempfile::tempdir().unwrap();
    mbsync(&server, dir.path());
    let local = read_maildir(&dir.path().join("local/INBOX"));
    assert_eq!(local.len(), 3, "{:?}", local.keys());
    let flags: Vec<String> = local.values().map(|(i, _)| letters(i)).collect();
    assert_eq!(flags, ["S", "FR", ""]);
    let texts: Vec<Vec<u8>> = local.values().map(|(_, d)| d.clone()).collect();
    assert_eq!(
        hash(&texts),
        hash(&msgs),
        "{:?}",
        texts.iter().map(|t| String::from_utf8_lossy(t).into_owned()).collect::<Vec<_>>()
    );
    // Local side: flag message 3, add a message. Server side: mark 1
    // answered, append a message.
    let inbox = dir.path().join("local/INBOX");
    let mut flagged = 0;
    for sub in ["cur", "new"] {
        for e in std::fs::read_dir(inbox.join(sub)).unwrap() {
            let p = e.unwrap().path();
            if message_id(&std::fs::read(&p).unwrap()) == "<m3@example.com>" {
                let name = p.file_name().unwrap().to_str().unwrap().to_string();
                let (base, info) = name.split_once(":2,").unwrap_or((&name, ""));
                std::fs::rename(&p, inbox.join("cur").join(format!("{base}:2,F{info}"))).unwrap();
                flagged += 1;
            }
        }
    }
    assert_eq!(flagged, 1);
    let m4 = msg(4);
    std::fs::write(dir.path().join("local/INBOX/new/1600000000.local4.host"), &m4).unwrap();
    let m5 = msg(5);
    let mut c = server.login("alice");
    c.append_dated("INBOX", "\\Draft", None, &m5);
    c.ok("SELECT INBOX");
    c.ok("STORE 1 +FLAGS (\\Answered)");
    c.ok("LOGOUT");
    mbsync(&server, dir.path());
    msgs.push(m4);
    msgs.push(m5);
    let local = read_maildir(&dir.path().join("local/INBOX"));
    let texts: Vec<Vec<u8>> = local.values().map(|(_, d)| d.clone()).collect();
    assert_eq!(hash(&texts), hash(&msgs), "{:?}", local.keys());
    let want = [
        ("<m1@example.com>", "RS"),
        ("<m2@example.com>", "FR"),
        ("<m3@example.com>", "F"),
        ("<m4@example.com>", ""),
        ("<m5@example.com>", "D"),
    ];
    let got: Vec<(&str, String)> = local.iter().map(|(k, (i, _))| (k.as_str(), letters(i))).collect();
    assert_eq!(got, want.map(|(k, f)| (k, f.to_string())));
    let on_server = server_flags(&server);
    let got: Vec<(&str, String)> =
        on_server.iter().map(|(k, f)| (k.as_str(), f.replace("\\Recent", "").trim().to_string())).collect();
    let want_server = [
        ("<m1@example.com>", "\\Answered \\Seen"),
        ("<m2@example.com>", "\\Answered \\Flagged"),
        ("<m3@example.com>", "\\Flagged"),
        ("<m4@example.com>", ""),
        ("<m5@example.com>", "\\Draft"),
    ];
    assert_eq!(got, want_server.map(|(k, f)| (k, f.to_string())));
    // The server holds the local message's text.
    let mut c = server.login("alice");
    c.ok("EXAMINE INBOX");
    let l = c.ok("UID SEARCH HEADER Message-ID <m4@example.com>");
    let uid = l[0].strip_prefix("* SEARCH ").unwrap().to_string();
    let rs = c.cmd_bytes(&format!("UID FETCH {uid} (BODY.PEEK[TEXT])"));
    let text = String::from_utf8_lossy(&rs[0]).into_owned();
    assert!(text.contains("Body of message 4.\r\nSecond line 4.\r\n"), "{text}");
}

#[test]
fn offlineimap_one_shot() {
    let (server, msgs) = seeded();
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display();
    let conf = dir.path().join("offlineimaprc");
    std::fs::write(
        &conf,
        format!(
            "[general]\naccounts = t\nmetadata = {d}/meta\n\n[Account t]\nlocalrepository = L\nremoterepository = R\n\n\
             [Repository L]\ntype = Maildir\nlocalfolders = {d}/mail\n\n\
             [Repository R]\ntype = IMAP\nremotehost = 127.0.0.1\nremoteport = {}\nremoteuser = alice\n\
             remotepass = wonderland\nssl = no\nstarttls = no\nfolderfilter = lambda f: f == 'INBOX'\n",
            server.plain.port()
        ),
    )
    .unwrap();
    run(Command::new("offlineimap").args(["-c", conf.to_str().unwrap(), "-o", "-u", "quiet"]));
    let local = read_maildir(&dir.path().join("mail/INBOX"));
    let flags: Vec<String> = local.values().map(|(i, _)| letters(i)).collect();
    assert_eq!(flags, ["S", "FR", ""]);
    let texts: Vec<Vec<u8>> = local.values().map(|(_, d)| d.clone()).collect();
    assert_eq!(hash(&texts), hash(&msgs));
    // Reading with offlineimap leaves the server's flags alone.
    let f: Vec<String> = server_flags(&server).into_values().collect();
    assert_eq!(f, ["\\Seen", "\\Answered \\Flagged", ""]);
}

#[test]
fn fetchmail_keep_all() {
    let (server, msgs) = seeded();
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    let mda = dir.path().join("deliver.sh");
    std::fs::write(&mda, format!("#!/bin/sh\ncat > \"$(mktemp {}/m.XXXXXX)\"\n", out.display())).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&mda, std::fs::Permissions::from_mode(0o755)).unwrap();
    let rc = dir.path().join("fetchmailrc");
    std::fs::write(
        &rc,
        format!(
            "poll 127.0.0.1 service {} protocol IMAP auth password\n  user \"alice\" password \"wonderland\" \
             mda \"{}\" sslproto '' keep fetchall\n",
            server.plain.port(),
            mda.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&rc, std::fs::Permissions::from_mode(0o600)).unwrap();
    run(Command::new("fetchmail")
        .args(["-f", rc.to_str().unwrap(), "--nodetach", "--pidfile"])
        .arg(dir.path().join("pid"))
        .env("HOME", dir.path())
        .env("FETCHMAILHOME", dir.path()));
    let mut got: Vec<Vec<u8>> =
        std::fs::read_dir(&out).unwrap().map(|e| std::fs::read(e.unwrap().path()).unwrap()).collect();
    assert_eq!(got.len(), 3);
    // fetchmail adds a Received: header; the original message follows.
    got.sort_by_key(|t| message_id(t));
    for (g, m) in got.iter().zip(&msgs) {
        let g: Vec<u8> = g.iter().copied().filter(|&b| b != b'\r').collect();
        let m: Vec<u8> = m.iter().copied().filter(|&b| b != b'\r').collect();
        assert!(g.ends_with(&m), "{}", String::from_utf8_lossy(&g));
    }
    // Kept on the server, and marked seen once fetched.
    let f: Vec<String> = server_flags(&server).into_values().collect();
    assert_eq!(f.len(), 3);
    assert!(f.iter().all(|x| x.contains("\\Seen")), "{f:?}");
}

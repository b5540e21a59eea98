//! The monitor's session table (issue 14, must-show 1): three sessions in
//! three states, as `/sessions.json` shows them, with the IDs of the log.

mod ops_common;
mod support;

use ops_common::{local_port, row, tag_of, Ops};
use support::eventually;

/// A message large enough that the server blocks writing it to a client
/// that does not read (more than the socket buffers of both ends hold).
fn seed_big_message(d: &std::path::Path) {
    let md = d.join("home/alice/Maildir");
    for sub in ["cur", "new", "tmp"] {
        std::fs::create_dir_all(md.join(sub)).unwrap();
    }
    let mut m = b"From: a@example.org\r\nTo: alice@example.org\r\nSubject: big\r\n\r\n".to_vec();
    let line = [b'x'; 998];
    while m.len() < 48 * 1024 * 1024 {
        m.extend_from_slice(&line);
        m.extend_from_slice(b"\r\n");
    }
    std::fs::write(md.join("cur/1700000000.big.example:2,"), m).unwrap();
}

#[test]
fn three_sessions_in_three_states() {
    let ops = Ops::start_with(&["--monitor-auth"], seed_big_message);

    // One authenticating: connected, a command, no login.
    let mut anon = ops.connect();
    anon.ok("CAPABILITY");
    anon.send(b"anon-marker NOOP\r\n");
    anon.until_tagged("anon-marker");

    // One in IDLE on INBOX.
    let mut idler = ops.login("bob");
    idler.ok("SELECT INBOX");
    idler.send(b"idle-marker IDLE\r\n");
    assert!(idler.line().starts_with("+ "));

    // One in a FETCH that cannot finish: a 48 MB body to a client that does
    // not read, so the server blocks in write.
    let mut fetcher = ops.login("alice");
    fetcher.ok("SELECT INBOX");
    fetcher.send(b"fetch-marker FETCH 1 BODY[]\r\n");

    let mut rows = Vec::new();
    eventually("the FETCH and the IDLE to show", || {
        rows = ops.sessions();
        let state = |p| row(&rows, p).map(|r| r["state"].as_str().unwrap_or("").to_string());
        state(local_port(&fetcher)).as_deref() == Some("FETCH") && state(local_port(&idler)).as_deref() == Some("IDLE")
    });
    assert_eq!(rows.len(), 3, "{rows:?}");
    let log = ops.log();

    let a = row(&rows, local_port(&anon)).unwrap();
    assert_eq!(a["state"], "Authenticating");
    assert_eq!(a["account"], serde_json::Value::Null);
    assert_eq!(a["operation_seconds"], serde_json::Value::Null);
    assert_eq!(Some(a["tag"].as_str().unwrap().to_string()), tag_of(&log, "C: anon-marker NOOP"), "{log}");

    let i = row(&rows, local_port(&idler)).unwrap();
    assert_eq!(
        (i["account"].as_str(), i["mailbox"].as_str(), i["command"].as_str()),
        (Some("bob"), Some("INBOX"), Some("IDLE"))
    );
    assert_eq!(Some(i["tag"].as_str().unwrap().to_string()), tag_of(&log, "C: idle-marker IDLE"));

    let f = row(&rows, local_port(&fetcher)).unwrap();
    assert_eq!((f["account"].as_str(), f["mailbox"].as_str()), (Some("alice"), Some("INBOX")));
    assert_eq!(Some(f["tag"].as_str().unwrap().to_string()), tag_of(&log, "C: fetch-marker FETCH"));

    for r in [&a, &i, &f] {
        assert_eq!(r["address"], "127.0.0.1");
        let tag = r["tag"].as_str().unwrap();
        assert_eq!(tag, format!("IMAP-{:05}", r["id"].as_u64().unwrap()));
        let (connected, since) =
            (r["connected_seconds"].as_f64().unwrap(), r["since_connect_seconds"].as_f64().unwrap());
        assert!(connected >= 0.0 && connected <= since, "{r}");
        assert_eq!(r["tls"], false);
    }
    // The running operations have times; the FETCH has sent part of the body.
    for r in [&i, &f] {
        assert!(r["operation_seconds"].as_f64().unwrap() >= 0.0, "{r}");
    }
    assert!(f["bytes_out"].as_u64().unwrap() > 0);
    // Logged in after connecting: the connected time counts from the login.
    let first = i["operation_seconds"].as_f64().unwrap();
    eventually("the IDLE's time to grow", || {
        let rows = ops.sessions();
        row(&rows, local_port(&idler)).unwrap()["operation_seconds"].as_f64().unwrap() > first
    });

    // Once the IDLE ends, the state says where the session is.
    idler.send(b"DONE\r\n");
    idler.until_tagged("idle-marker");
    let rows = ops.sessions();
    let i = row(&rows, local_port(&idler)).unwrap();
    assert_eq!(i["state"], "Connected to mailbox INBOX");
    assert_eq!(i["operation_seconds"], serde_json::Value::Null);
    idler.ok("UNSELECT");
    assert_eq!(row(&ops.sessions(), local_port(&idler)).unwrap()["state"], "selecting a mailbox");

    // Kicked, the FETCH that cannot finish is cut off after the grace time.
    let id = f["id"].as_u64().unwrap();
    assert_eq!(ops_common::http(ops.monitor, "POST", &format!("/kick/{id}"), ops.admin).0, 200);
    eventually("the FETCH session to end", || ops.sessions().len() == 2);
    assert!(ops.log().contains(&format!("IMAP-{id:05} did not end within")));
    drop(fetcher);
}

#[test]
fn page_json_and_text_show_the_same_sessions() {
    let ops = Ops::start(&[]);
    let mut c = ops.login("bob");
    c.ok("SELECT INBOX");
    let rows = ops.sessions();
    let tag = rows[0]["tag"].as_str().unwrap().to_string();
    let page = ops.get_ok("/");
    assert!(page.contains(&format!("<tr data-id=\"{tag}\">")), "{page}");
    assert!(page.contains("<td>Connected to mailbox INBOX</td>"));
    assert!(page.contains("name=\"viewport\"") && page.contains("http-equiv=\"refresh\""));
    assert!(!page.contains("http://") && !page.contains("https://"), "no external assets");
    let sorted = ops.get_ok("/?sort=2");
    assert!(sorted.contains(&tag));
    let text = ops.get_ok("/sessions.txt");
    let line = text.lines().find(|l| l.starts_with(&tag)).unwrap();
    assert!(line.contains("bob") && line.contains("Connected to mailbox INBOX"), "{text}");
    let stats: serde_json::Value = serde_json::from_str(&ops.get_ok("/stats.json")).unwrap();
    assert_eq!(stats["sessions"], 1);
    assert_eq!(stats["logins"], 1);
    assert_eq!(stats["max_channels"], 1000);
    assert!(stats["commands"]["SELECT"]["count"].as_u64().unwrap() >= 1);
}

#[test]
fn hostile_http_clients_get_an_error_and_cost_little() {
    use std::io::{Read, Write};
    let ops = Ops::start(&[]);
    assert_eq!(ops.get("/nothing").0, 404);
    assert_eq!(ops_common::http(ops.monitor, "DELETE", "/metrics", None).0, 405);
    // A head that never ends is cut off at its size limit.
    let mut s = std::net::TcpStream::connect(ops.monitor).unwrap();
    let junk = vec![b'a'; 64 * 1024];
    let _ = s.write_all(b"GET / HTTP/1.1\r\nX: ");
    let _ = s.write_all(&junk);
    let mut answer = String::new();
    let _ = s.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 431"), "{answer}");
    // Garbage is answered 400 and the monitor keeps working.
    let mut s = std::net::TcpStream::connect(ops.monitor).unwrap();
    s.write_all(b"\x01\x02garbage\r\n\r\n").unwrap();
    let mut answer = String::new();
    let _ = s.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    // A broken TLS handshake is closed.
    let mut s = std::net::TcpStream::connect(ops.monitor).unwrap();
    s.write_all(b"\x16\x03\x01garbage\r\n\r\n").unwrap();
    let mut answer = Vec::new();
    let _ = s.read_to_end(&mut answer);
    assert!(!answer.starts_with(b"HTTP"), "{answer:?}");
    assert_eq!(ops.get("/stats.json").0, 200);
    // Clients that say nothing hold at most MAX_CLIENTS (32) connections:
    // beyond that the longest-idle ones are closed, so a request is still
    // answered at once (issue 19 item 4: 8 idle clients blocked it for 10 s).
    let mut silent: Vec<_> = (0..40).map(|_| std::net::TcpStream::connect(ops.monitor).unwrap()).collect();
    assert_eq!(ops.get("/stats.json").0, 200, "answered beside 40 idle clients");
    // The oldest were closed to make room; the newest still wait.
    let mut first = [0u8; 1];
    silent[0].set_read_timeout(Some(std::time::Duration::from_secs(30))).unwrap();
    assert_eq!(silent[0].read(&mut first).unwrap_or(0), 0, "the longest-idle client was closed");
    silent.clear();
}

#[test]
fn the_monitor_speaks_https_with_the_servers_certificate() {
    use std::io::{Read, Write};
    let ops = Ops::start(&[]);
    let _bob = ops.login("bob");
    let sock = std::net::TcpStream::connect(ops.monitor).unwrap();
    sock.set_read_timeout(Some(std::time::Duration::from_secs(30))).unwrap();
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let conn =
        rustls::ClientConnection::new(support::tls_client_config(&ops.dir.path().join("cert.pem")), name).unwrap();
    let mut tls = rustls::StreamOwned::new(conn, sock);
    tls.write_all(b"GET /sessions.json HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n").unwrap();
    let mut answer = Vec::new();
    let _ = tls.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
    assert!(answer.contains("\"account\":\"bob\""), "{answer}");
    // Plain HTTP on the same port goes on working.
    assert!(ops.get_ok("/sessions.json").contains("\"bob\""));
}

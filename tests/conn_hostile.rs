//! Issue 10, item 1: hostile and careless clients against the real binary.
//! Each test prints what it measured (run with --no-capture to see it).

mod support;

use std::io::{BufRead, BufReader, Write};
use std::net::{Ipv4Addr, TcpStream};
use std::sync::{mpsc, Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use support::{Client, Conn, Server};

const MB: usize = 1024 * 1024;

/// `VmRSS` and `VmHWM` (peak) of a process, in kB.
fn rss_kb(pid: u32) -> (u64, u64) {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

#[test]
fn two_hundred_unauthenticated_connections_with_fifty_one_megabyte_literals_stay_small() {
    const CONNS: usize = 200;
    let server = Server::start(&["--max-channels-per-ip", "0", "--max-channels", "400"]);
    let pid = server.pid();
    let (rss_before, _) = rss_kb(pid);
    let ready = Arc::new(Barrier::new(CONNS + 1));
    let done = Arc::new(Barrier::new(CONNS + 1));
    let mut handles = Vec::new();
    for i in 0..CONNS {
        let (addr, ready, done) = (server.plain, ready.clone(), done.clone());
        handles.push(thread::spawn(move || {
            let mut c = Client::plain(addr);
            assert!(c.greeting.starts_with("* OK"), "{}", c.greeting);
            ready.wait();
            let answer = if i % 2 == 0 {
                // Synchronizing: the client waits for `+`, which never comes.
                c.send(format!("a{i} APPEND INBOX {{{MB}}}\r\n").as_bytes());
                vec![c.line()]
            } else {
                // LITERAL+: all 50 literals are sent without waiting, from
                // a second thread, while this one reads the answer.
                let Conn::Plain(sock) = c.r.get_ref() else { unreachable!() };
                let mut w = sock.try_clone().unwrap();
                let writer = thread::spawn(move || {
                    let _ = w.write_all(format!("a{i} LOGIN").as_bytes());
                    let chunk = vec![b'x'; MB];
                    for _ in 0..50 {
                        if w.write_all(format!(" {{{MB}+}}\r\n").as_bytes()).is_err() || w.write_all(&chunk).is_err() {
                            break;
                        }
                    }
                    let _ = w.write_all(b"\r\n");
                });
                let lines = vec![c.line(), c.line()];
                let _ = writer.join();
                lines
            };
            done.wait();
            answer
        }));
    }
    ready.wait();
    // Sample the server's memory while the literals arrive.
    let (stop_tx, stop_rx) = mpsc::channel::<()>();
    let sampler = thread::spawn(move || {
        let mut most = 0;
        while stop_rx.try_recv().is_err() {
            most = most.max(rss_kb(pid).0);
            thread::sleep(Duration::from_millis(20));
        }
        most
    });
    done.wait();
    let answers: Vec<Vec<String>> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    stop_tx.send(()).unwrap();
    let sampled = sampler.join().unwrap();
    let (rss_after, peak) = rss_kb(pid);
    println!(
        "{CONNS} connections x 50 literals of 1 MB: server RSS {rss_before} kB before, {sampled} kB most sampled, \
         {rss_after} kB after, {peak} kB peak (VmHWM)"
    );
    for (i, a) in answers.iter().enumerate() {
        if i % 2 == 0 {
            assert!(a[0].starts_with(&format!("a{i} NO [TOOBIG] Command too large before login")), "{a:?}");
        } else {
            assert!(
                a[0].starts_with(&format!("a{i} NO [AUTHENTICATIONFAILED] User name or password too long")),
                "{a:?}"
            );
            assert!(a[1].starts_with("* BYE "), "{a:?}");
        }
    }
    assert!(peak < 100 * 1024, "peak RSS {peak} kB");
    // The server is still there for everyone else.
    server.login("alice").ok("NOOP");
}

/// Sends `bytes` one at a time, `gap` apart, until the server closes; returns
/// how many were sent, the lines the server sent, and the time to the close.
fn trickle(sock: TcpStream, bytes: &[u8], gap: Duration) -> (usize, Vec<String>, Duration) {
    let start = Instant::now();
    let reader = sock.try_clone().unwrap();
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let mut lines = Vec::new();
        let mut r = BufReader::new(reader);
        loop {
            let mut l = Vec::new();
            match r.read_until(b'\n', &mut l) {
                Ok(0) | Err(_) => break,
                Ok(_) => lines.push(String::from_utf8_lossy(&l).trim_end().to_string()),
            }
        }
        let _ = tx.send((lines, start.elapsed()));
    });
    let mut w = sock;
    let mut sent = 0;
    for b in bytes {
        if let Ok((lines, t)) = rx.try_recv() {
            return (sent, lines, t);
        }
        if w.write_all(&[*b]).is_err() {
            break;
        }
        sent += 1;
        thread::sleep(gap);
    }
    let (lines, t) = rx.recv_timeout(Duration::from_secs(60)).expect("the server closed");
    (sent, lines, t)
}

#[test]
fn a_client_trickling_a_byte_at_a_time_is_dropped_at_the_login_deadline() {
    // One byte a minute, simulated: a byte every 700 ms against a 3 s
    // deadline; any timeout per read would let it live for ever.
    let server = Server::start(&["--login-timeout", "3"]);
    let line = b"a1 LOGIN alice wonderland\r\n";
    let sock = TcpStream::connect(server.plain).unwrap();
    let (sent, lines, t) = trickle(sock, line, Duration::from_millis(700));
    println!("clear text: dropped after {:.1} s, {sent} of {} octets sent: {lines:?}", t.as_secs_f64(), line.len());
    assert!(sent < line.len(), "the command was never completed");
    assert!(lines[0].starts_with("* OK"), "{lines:?}");
    assert_eq!(lines.last().unwrap(), "* BYE Login time limit reached");

    // The TLS handshake counts against the same deadline: a ClientHello
    // that never completes.
    let mut hello = vec![0x16, 0x03, 0x01, 0x02, 0x00];
    hello.resize(40, 0);
    let sock = TcpStream::connect(server.tls).unwrap();
    let (sent, lines, t) = trickle(sock, &hello, Duration::from_millis(700));
    println!("TLS: handshake dropped after {:.1} s, {sent} of {} octets sent", t.as_secs_f64(), hello.len());
    assert!(sent < hello.len(), "the handshake was cut short");
    assert!(lines.iter().all(|l| !l.contains("OK")), "{lines:?}");
    assert!(server.log().contains("TLS handshake failed"), "{}", server.log());
    server.login("bob").ok("NOOP");
}

#[test]
fn a_client_that_never_reads_is_dropped_at_the_write_deadline_and_its_channel_reused() {
    let server = Server::start(&["--write-timeout", "2", "--max-channels", "1"]);
    let message = {
        let mut m = b"Subject: big\r\n\r\n".to_vec();
        while m.len() < MB {
            m.extend_from_slice(b"all work and no play makes jack a dull boy\r\n");
        }
        m
    };
    let mut c = server.login("alice");
    let r = c.append("INBOX", "", &message);
    assert!(r.last().unwrap().contains(" OK "), "{r:?}");
    c.ok("SELECT INBOX");
    // 200 FETCHes of 1 MB each, pipelined, never read.
    let mut cmds = Vec::new();
    for i in 0..200 {
        cmds.extend_from_slice(format!("f{i} FETCH 1 BODY.PEEK[]\r\n").as_bytes());
    }
    c.send(&cmds);
    let start = Instant::now();
    // With one channel, a new connection is refused until the stalled
    // session is dropped; then it is greeted.
    let mut refused = 0;
    loop {
        let n = Client::plain(server.plain);
        if n.greeting.starts_with("* OK") {
            break;
        }
        assert!(n.greeting.starts_with("* BYE Too many connections"), "{}", n.greeting);
        refused += 1;
        assert!(refused < 240, "the channel never came back");
        thread::sleep(Duration::from_millis(250));
    }
    println!(
        "never-reading client dropped and its channel reused {:.1} s after its commands ({refused} refusals meanwhile)",
        start.elapsed().as_secs_f64()
    );
    assert!(server.log().contains("read nothing for --write-timeout"), "{}", server.log());
    drop(c);
}

#[test]
fn one_address_cannot_take_more_than_its_cap_while_another_still_connects() {
    // Clear-text LOGIN from 127.0.0.2, another host for the default rule.
    let server = Server::start(&["--max-channels-per-ip", "3", "--allow-cleartext-login"]);
    let one = Ipv4Addr::new(127, 0, 0, 1);
    let held: Vec<Client> = (0..3).map(|_| Client::plain_from(one, server.plain)).collect();
    assert!(held.iter().all(|c| c.greeting.starts_with("* OK")));
    let mut over = Client::plain_from(one, server.plain);
    println!("4th connection from 127.0.0.1: {}", over.greeting);
    assert_eq!(over.greeting, "* BYE Too many connections from your address, try again later");
    assert!(over.closed());
    let mut other = Client::plain_from(Ipv4Addr::new(127, 0, 0, 2), server.plain);
    println!("from 127.0.0.2 meanwhile: {}", other.greeting);
    assert!(other.greeting.starts_with("* OK"), "{}", other.greeting);
    other.ok("LOGIN bob builder");
    // A slot given back is usable again at once (freed before the close).
    let mut held = held;
    let mut first = held.remove(0);
    first.ok("LOGOUT");
    assert!(first.closed());
    let again = Client::plain_from(one, server.plain);
    assert!(again.greeting.starts_with("* OK"), "{}", again.greeting);
    assert!(server.log().contains("connections from this address"), "{}", server.log());
}

/// Raises this test process's own descriptor limit: it holds one end of
/// every connection it opens.
fn raise_own_nofile(want: u64) {
    let mut lim = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    // SAFETY: valid out-parameter.
    unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) };
    lim.rlim_cur = lim.rlim_max.min(want.max(lim.rlim_cur));
    // SAFETY: valid in-parameter.
    unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &lim) };
}

#[test]
fn max_channels_1000_with_a_soft_limit_of_1024() {
    // Soft 1,024 and a higher hard limit: the server raises its own limit
    // and serves more connections than 1,024 descriptors would allow.
    let server = Server::start_wrapped(
        &["prlimit", "--nofile=1024:8192", "--"],
        &["--max-channels", "1000", "--max-channels-per-ip", "0"],
    );
    let limits = std::fs::read_to_string(format!("/proc/{}/limits", server.pid())).unwrap();
    let open_files = limits.lines().find(|l| l.starts_with("Max open files")).unwrap().to_string();
    println!("server started under prlimit --nofile=1024:8192: {open_files}");
    assert!(open_files.split_whitespace().nth(3) == Some("8192"), "{open_files}");
    raise_own_nofile(4096);
    const N: usize = 400;
    let mut clients = Vec::new();
    for i in 0..N {
        let mut c = Client::plain(server.plain);
        assert!(c.greeting.starts_with("* OK"), "connection {i}: {}", c.greeting);
        if i % 100 == 0 {
            c.ok("NOOP");
        }
        clients.push(c);
    }
    let fds = std::fs::read_dir(format!("/proc/{}/fd", server.pid())).unwrap().count();
    println!("{N} sessions open: the server holds {fds} descriptors (more than 1,024)");
    assert!(fds > 1024, "{fds}");
    clients.last_mut().unwrap().ok("LOGIN alice wonderland");
    drop(clients);

    // Soft and hard limit 1,024: refused at start, with a message.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("passwd"), "alice:{PLAIN}x::::/nonexistent::\n").unwrap();
    let out = std::process::Command::new("prlimit")
        .args(["--nofile=1024:1024", "--", env!("CARGO_BIN_EXE_tegami"), "-l", "127.0.0.1:0", "-u"])
        .arg(dir.path().join("passwd"))
        .args(["--max-channels", "1000"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    println!("under prlimit --nofile=1024:1024: exit {:?}, {err}", out.status.code());
    assert!(!out.status.success());
    assert!(err.contains("--max-channels 1000 needs about 6064 file descriptors"), "{err}");
    assert!(err.contains("give --max-channels 160 or less"), "{err}");

    // Without --max-channels the default shrinks to what fits, and says so.
    let server = Server::start_wrapped(&["prlimit", "--nofile=1024:1024", "--"], &[]);
    server.login("alice").ok("NOOP");
    let log = server.log();
    assert!(log.contains("Maximum Number of Channels lowered to 160"), "{log}");
}

#[test]
fn one_command_after_login_is_capped_multiappend_included() {
    let server = Server::start(&["--max-command", "2500000"]);
    let mut c = server.login("alice");
    let message = |i: usize| {
        let mut m = format!("Subject: part {i}\r\n\r\n").into_bytes();
        m.resize(1_200_000, b'x');
        m
    };
    // Two 1.2 MB messages fit; the third passes 2.5 MB: refused when it is
    // announced, before its octets come, and the first two are taken back.
    c.send(format!("m1 APPEND INBOX {{{}}}\r\n", message(1).len()).as_bytes());
    assert!(c.line().starts_with("+ "));
    for i in 1..=2 {
        c.send(&message(i));
        c.send(format!(" {{{}}}\r\n", message(i + 1).len()).as_bytes());
        let answer = c.line();
        println!("message {} announced: {answer}", i + 1);
        if i == 1 {
            assert!(answer.starts_with("+ "), "{answer}");
        } else {
            assert_eq!(answer, "m1 NO [TOOBIG] Command too large (limit 2500000 octets, literals included)");
        }
    }
    let lines = c.ok("SELECT INBOX");
    assert!(lines.iter().any(|l| l == "* 0 EXISTS"), "all or nothing: {lines:?}");
    // One message of the same size alone is fine.
    let r = c.append("INBOX", "", &message(1));
    assert!(r.last().unwrap().contains("OK [APPENDUID"), "{r:?}");
}

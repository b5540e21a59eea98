//! Issue 9, "Must show" 4: `kill -9` of the server at random instants
//! during 8 concurrent APPEND sessions and an MTA writing into `new/`,
//! ten times. After each restart: no acknowledged message lost, none
//! duplicated, every APPENDUID still the message's UID, UIDVALIDITY
//! unchanged, and the first SELECT succeeds without waiting for a stale
//! lock to time out: a lock left by the dead server is broken because its
//! holder is gone (the log says so), not because it aged (the server's
//! stale time is two minutes, and every wait here gives up long before).

mod support;

use std::collections::HashMap;
use std::fs;
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use support::{Client, Server};

const APPENDERS: usize = 8;
const ROUNDS: usize = 10;

/// One appending session: APPENDs until the server dies; records each
/// acknowledged (subject, UIDVALIDITY, UID).
fn appender(addr: SocketAddr, name: String, acked: Arc<Mutex<Vec<(String, u32, u32)>>>) {
    let Ok(tcp) = TcpStream::connect(addr) else { return };
    let _ = tcp.set_read_timeout(Some(Duration::from_secs(60)));
    let mut w = tcp.try_clone().unwrap();
    let mut r = BufReader::new(tcp);
    let mut line = String::new();
    let mut read_tagged = |r: &mut BufReader<TcpStream>, tag: &str| -> Option<String> {
        loop {
            line.clear();
            match r.read_line(&mut line) {
                Ok(0) | Err(_) => return None,
                Ok(_) if line.starts_with(&format!("{tag} ")) => return Some(line.trim_end().to_string()),
                Ok(_) => {}
            }
        }
    };
    if w.write_all(b"l LOGIN alice wonderland\r\n").is_err() || read_tagged(&mut r, "l").is_none() {
        return;
    }
    for n in 0.. {
        let subject = format!("{name}-{n}");
        let msg = support::message(&subject);
        let tag = format!("a{n}");
        let mut cmd = format!("{tag} APPEND INBOX {{{}+}}\r\n", msg.len()).into_bytes();
        cmd.extend_from_slice(&msg);
        cmd.extend_from_slice(b"\r\n");
        if w.write_all(&cmd).is_err() {
            return;
        }
        let Some(reply) = read_tagged(&mut r, &tag) else { return };
        assert!(reply.contains(" OK "), "{subject}: {reply}");
        let code = reply.split("[APPENDUID ").nth(1).and_then(|c| c.split(']').next()).unwrap();
        let (v, u) = code.split_once(' ').unwrap();
        acked.lock().unwrap().push((subject, v.parse().unwrap(), u.parse().unwrap()));
    }
}

/// The MTA: writes into `tmp/`, renames into `new/`; a message counts as
/// delivered once renamed.
fn mta(md: &Path, round: usize, stop: &AtomicBool, delivered: &Mutex<Vec<String>>) {
    for n in 0.. {
        if stop.load(Ordering::Relaxed) {
            return;
        }
        let subject = format!("r{round}-mta-{n}");
        let name = format!("1700000000.M{n}P{round}.mta");
        let tmp = md.join("tmp").join(&name);
        fs::write(&tmp, support::message(&subject)).unwrap();
        fs::File::open(&tmp).unwrap().sync_all().unwrap();
        fs::rename(&tmp, md.join("new").join(&name)).unwrap();
        delivered.lock().unwrap().push(subject);
        thread::sleep(Duration::from_millis(3));
    }
}

/// A small random number from the clock and a counter (no crate needed).
fn random_below(n: u64, salt: u64) -> u64 {
    let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().subsec_nanos() as u64;
    (t ^ salt.wrapping_mul(0x9e37_79b9_7f4a_7c15)).wrapping_mul(6364136223846793005) % n
}

/// UID → Subject of every message, from the server.
fn subjects(c: &mut Client) -> Vec<(u32, String)> {
    let lines = c.ok("UID FETCH 1:* (BODY.PEEK[HEADER.FIELDS (SUBJECT)])");
    let mut out = Vec::new();
    for l in &lines[..lines.len() - 1] {
        let uid: u32 = l.split("UID ").nth(1).and_then(|x| x.split([' ', ')']).next()).unwrap().parse().unwrap();
        let subject = l.split("Subject: ").nth(1).map(|s| s.split('\r').next().unwrap().trim().to_string());
        out.push((uid, subject.unwrap_or_else(|| panic!("no subject in {l}"))));
    }
    out
}

/// The pid of a process that ran and is gone, as a killed server's is.
fn dead_pid() -> u32 {
    let mut child = std::process::Command::new("true").spawn().unwrap();
    let pid = child.id();
    child.wait().unwrap();
    pid
}

#[test]
fn kill_9_during_appends_and_deliveries_loses_nothing() {
    let mut server = Server::start(&[]);
    let md = server.maildir("alice");
    let mut c = server.login("alice");
    let uidvalidity = Client::code(&c.select("INBOX"), "UIDVALIDITY").unwrap();
    drop(c);
    let acked = Arc::new(Mutex::new(Vec::new()));
    let delivered = Arc::new(Mutex::new(Vec::new()));
    let mut planted = 0;
    let lock = md.join("dovecot-uidlist.lock");
    for round in 0..ROUNDS {
        let stop = Arc::new(AtomicBool::new(false));
        let mut threads = Vec::new();
        for i in 0..APPENDERS {
            let (addr, acked) = (server.plain, acked.clone());
            threads.push(thread::spawn(move || appender(addr, format!("r{round}-s{i}"), acked)));
        }
        let (md2, stop2, delivered2) = (md.clone(), stop.clone(), delivered.clone());
        threads.push(thread::spawn(move || mta(&md2, round, &stop2, &delivered2)));
        thread::sleep(Duration::from_millis(150 + random_below(350, round as u64)));
        server.kill();
        stop.store(true, Ordering::Relaxed);
        for t in threads {
            t.join().unwrap();
        }
        // A lock the dead server left behind carries its pid; when it left
        // none, leave one as it would have (pid:host of a dead process).
        let pid = match fs::read_to_string(&lock) {
            Ok(text) => {
                assert!(!text.is_empty(), "round {round}: an empty lock was left");
                text.split(':').next().unwrap().parse::<u32>().unwrap()
            }
            Err(_) => {
                let pid = dead_pid();
                fs::write(&lock, format!("{pid}:{}", tegami::store::filename::raw_hostname())).unwrap();
                planted += 1;
                pid
            }
        };
        server.restart(&[]);
        let mut c = server.login("alice");
        let sel = c.select("INBOX");
        assert_eq!(Client::code(&sel, "UIDVALIDITY").unwrap(), uidvalidity, "round {round}");
        let broken = format!("dovecot-uidlist.lock: its holder, process {pid} of this host, is gone");
        assert!(server.log().contains(&broken), "round {round}: no log line {broken:?}");

        let on_server = subjects(&mut c);
        let mut by_subject: HashMap<&str, Vec<u32>> = HashMap::new();
        for (uid, s) in &on_server {
            by_subject.entry(s.as_str()).or_default().push(*uid);
        }
        for (s, uids) in &by_subject {
            assert_eq!(uids.len(), 1, "round {round}: {s} is there {} times: {uids:?}", uids.len());
        }
        for (s, v, u) in acked.lock().unwrap().iter() {
            assert_eq!(v.to_string(), uidvalidity, "{s}");
            assert_eq!(by_subject.get(s.as_str()), Some(&vec![*u]), "round {round}: acknowledged {s} (UID {u})");
        }
        for s in delivered.lock().unwrap().iter() {
            assert!(by_subject.contains_key(s.as_str()), "round {round}: delivered {s} is missing");
        }
        c.ok("LOGOUT");
    }
    let acked = acked.lock().unwrap().len();
    assert!(acked > ROUNDS * APPENDERS, "too few appends to mean anything: {acked}");
    eprintln!("{acked} appends acknowledged; {} rounds left a lock of their own", ROUNDS - planted);
}

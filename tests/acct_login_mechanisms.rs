//! Issue 8, items 3 and 4: `--auth-mechanisms` offers CRAM-MD5 and
//! SCRAM-SHA-256 only when asked; then each mechanism works for an account
//! whose stored scheme allows it and fails with a log line otherwise. An
//! empty stored secret never authenticates, whatever the mechanism. SCRAM
//! salts do not tell unknown users from known ones.

mod support;

use std::path::Path;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use support::{Client, Server};

const ALL: &str = "plain login cram-md5 scram-sha-256";
/// Failed-login delays are tested in acct_login_penalty.rs; these tables
/// fail on purpose many times and would wait minutes for them.
const NO_PENALTY: [&str; 2] = ["--auth-penalty", "0"];
/// Stored keys for the password "Tegami-scram" (the fixture's entry).
const SCRAM_ENTRY: &str = "{SCRAM-SHA-256}4096,dGVnYW1pLWZpeHR1cmUtc2FsdA==,whNN47l8XsFDVz4GOT3Y3YUGV7yyxYWWb08ed/XGCQ4=,/2TiNzIu78jzd/bQ8Dh9ryLjWzJOHuzCE06JQIQn3fM=";

fn passwd(d: &Path) -> String {
    let home = |u: &str| d.join("home").join(u).display().to_string();
    let crypt = tegami::auth::hash_password("SHA512-CRYPT", b"crypt-pw").unwrap();
    [
        format!("clear:{{PLAIN}}clear-pw::::{}::", home("clear")),
        format!("scram:{SCRAM_ENTRY}::::{}::", home("scram")),
        format!("crypt:{crypt}::::{}::", home("crypt")),
        format!("emptyplain:{{PLAIN}}::::{}::", home("emptyplain")),
        format!("nopass:::::{}::", home("nopass")),
        format!("emptyb64:{{PLAIN.b64}}::::{}::", home("emptyb64")),
    ]
    .join("\n")
        + "\n"
}

fn start(extra: &[&str]) -> Server {
    Server::start_with(extra, |d| std::fs::write(d.join("passwd"), passwd(d)).unwrap())
}

fn is_ok(line: &str) -> bool {
    line.split(' ').nth(1) == Some("OK")
}

fn hmac256(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut m = Hmac::<Sha256>::new_from_slice(key).unwrap();
    m.update(data);
    m.finalize().into_bytes().to_vec()
}

fn login(c: &mut Client, user: &str, pw: &str) -> String {
    c.cmd(&format!("LOGIN {user} \"{pw}\"")).pop().unwrap()
}

fn plain(c: &mut Client, user: &str, pw: &str) -> String {
    c.cmd(&format!("AUTHENTICATE PLAIN {}", B64.encode(format!("\0{user}\0{pw}")))).pop().unwrap()
}

fn sasl_login(c: &mut Client, user: &str, pw: &str) -> String {
    c.send(b"l1 AUTHENTICATE LOGIN\r\n");
    assert!(c.line().starts_with("+ "));
    c.send(format!("{}\r\n", B64.encode(user)).as_bytes());
    assert!(c.line().starts_with("+ "));
    c.send(format!("{}\r\n", B64.encode(pw)).as_bytes());
    c.tagged("l1")
}

fn cram(c: &mut Client, user: &str, pw: &str) -> String {
    c.send(b"c1 AUTHENTICATE CRAM-MD5\r\n");
    let line = c.line();
    let challenge = B64.decode(line.strip_prefix("+ ").expect(&line)).unwrap();
    let mut mac = Hmac::<md5::Md5>::new_from_slice(pw.as_bytes()).unwrap();
    mac.update(&challenge);
    let hex: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
    c.send(format!("{}\r\n", B64.encode(format!("{user} {hex}"))).as_bytes());
    c.tagged("c1")
}

/// The server-first message of a SCRAM exchange for `user`, then the
/// exchange finished with `pw`; returns (server-first, tagged line).
fn scram(c: &mut Client, user: &str, pw: &str) -> (String, String) {
    let first_bare = format!("n={user},r=fyko+d2lbbFgONRv9qkxdawL");
    c.send(format!("s1 AUTHENTICATE SCRAM-SHA-256 {}\r\n", B64.encode(format!("n,,{first_bare}"))).as_bytes());
    let line = c.line();
    let server_first = String::from_utf8(B64.decode(line.strip_prefix("+ ").expect(&line)).unwrap()).unwrap();
    let attr = |k: &str| server_first.split(',').find_map(|p| p.strip_prefix(k)).unwrap().to_string();
    let (nonce, salt, iterations) = (attr("r="), B64.decode(attr("s=")).unwrap(), attr("i=").parse().unwrap());
    let mut salted = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<Sha256>(pw.as_bytes(), &salt, iterations, &mut salted);
    let client_key = hmac256(&salted, b"Client Key");
    let without_proof = format!("c=biws,r={nonce}");
    let auth_message = format!("{first_bare},{server_first},{without_proof}");
    let signature = hmac256(&Sha256::digest(&client_key), auth_message.as_bytes());
    let proof: Vec<u8> = client_key.iter().zip(&signature).map(|(a, b)| a ^ b).collect();
    c.send(format!("{}\r\n", B64.encode(format!("{without_proof},p={}", B64.encode(proof)))).as_bytes());
    let line = c.line();
    if !line.starts_with("+ ") {
        return (server_first, line);
    }
    c.send(b"\r\n");
    (server_first, c.tagged("s1"))
}

type Mech = fn(&mut Client, &str, &str) -> String;

fn scram_tagged(c: &mut Client, user: &str, pw: &str) -> String {
    scram(c, user, pw).1
}

const MECHS: &[(&str, Mech)] = &[
    ("LOGIN command", login),
    ("PLAIN", plain),
    ("LOGIN", sasl_login),
    ("CRAM-MD5", cram),
    ("SCRAM-SHA-256", scram_tagged),
];

#[test]
fn by_default_only_plain_and_login_are_offered() {
    let server = start(&[]);
    let mut c = server.connect_tls();
    assert!(c.greeting.contains(" AUTH=PLAIN AUTH=LOGIN "), "{}", c.greeting);
    assert!(!c.greeting.contains("CRAM-MD5") && !c.greeting.contains("SCRAM"), "{}", c.greeting);
    for mech in ["CRAM-MD5", "SCRAM-SHA-256"] {
        let r = c.cmd(&format!("AUTHENTICATE {mech}")).pop().unwrap();
        assert!(r.starts_with("t") && r.contains(" NO Unsupported authentication mechanism"), "{r}");
    }
    // A hashed account logs in through what is offered.
    assert!(is_ok(&plain(&mut c, "crypt", "crypt-pw")));
}

#[test]
fn every_mechanism_works_where_the_stored_scheme_allows_it() {
    let server = start(&["--auth-mechanisms", ALL, NO_PENALTY[0], NO_PENALTY[1]]);
    let c = server.connect();
    assert!(c.greeting.contains(" AUTH=PLAIN AUTH=LOGIN AUTH=CRAM-MD5 AUTH=SCRAM-SHA-256 "), "{}", c.greeting);
    // (account, password, which mechanisms must work)
    let table: &[(&str, &str, &[&str])] = &[
        ("clear", "clear-pw", &["LOGIN command", "PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-256"]),
        ("scram", "Tegami-scram", &["LOGIN command", "PLAIN", "LOGIN", "SCRAM-SHA-256"]),
        ("crypt", "crypt-pw", &["LOGIN command", "PLAIN", "LOGIN"]),
    ];
    for (user, pw, works) in table {
        for (name, run) in MECHS {
            let mut c = server.connect();
            let r = run(&mut c, user, pw);
            assert_eq!(is_ok(&r), works.contains(name), "{user} by {name}: {r}");
            if !is_ok(&r) {
                assert!(r.contains(" NO [AUTHENTICATIONFAILED] "), "{user} by {name}: {r}");
            }
        }
    }
    let log = server.log();
    for needle in [
        "CRAM-MD5 refused for scram: the password is stored as {SCRAM-SHA-256}, and CRAM-MD5 needs it in cleartext",
        "CRAM-MD5 refused for crypt: the password is stored as {SHA512-CRYPT}",
        "SCRAM-SHA-256 refused for crypt: the password is stored as {SHA512-CRYPT}, and SCRAM-SHA-256 needs {PLAIN} or {SCRAM-SHA-256}",
    ] {
        assert!(log.contains(needle), "missing {needle:?} in\n{log}");
    }
}

#[test]
fn an_empty_stored_secret_never_authenticates() {
    let server = start(&["--auth-mechanisms", ALL, NO_PENALTY[0], NO_PENALTY[1]]);
    for user in ["emptyplain", "nopass", "emptyb64"] {
        for pw in ["", "x"] {
            for (name, run) in MECHS {
                let mut c = server.connect();
                let r = run(&mut c, user, pw);
                assert!(r.contains(" NO "), "{user} with {pw:?} by {name}: {r}");
            }
        }
    }
    let mut c = server.connect();
    assert!(c.cmd("LOGIN emptyplain \"\"").pop().unwrap().contains(" NO [AUTHENTICATIONFAILED] "));
    // Unknown to every mechanism alike.
    let mut c = server.connect();
    assert!(cram(&mut c, "nobody", "").contains(" NO [AUTHENTICATIONFAILED] "));
}

#[test]
fn scram_salts_are_stable_and_do_not_reveal_unknown_users() {
    let server = start(&["--auth-mechanisms", ALL, NO_PENALTY[0], NO_PENALTY[1]]);
    let salt = |user: &str| {
        let (first, _) = scram(&mut server.connect(), user, "wrong");
        first.split(',').find_map(|p| p.strip_prefix("s=")).unwrap().to_string()
    };
    let ghost = salt("ghost");
    assert_eq!(salt("ghost"), ghost, "an unknown user's salt is the same each time, as a real one is");
    assert_ne!(salt("phantom"), ghost, "and differs between users");
    assert_eq!(salt("clear"), salt("clear"), "a cleartext entry's salt is stable too");
    assert_eq!(B64.decode(&ghost).unwrap().len(), B64.decode(salt("clear")).unwrap().len());
    assert_eq!(salt("scram"), "dGVnYW1pLWZpeHR1cmUtc2FsdA==", "stored keys keep their salt");
}

//! ENCRYPTED * with and without the account's own certificate (set with the
//! real `tegami smime` command), and certificates that cannot be used:
//! NO or BAD with the reason, nothing copied, the session goes on (issue
//! 13, item 2).

mod smime_util;
mod support;

use smime_util::*;
use support::Client as RawClient;

/// Logs in as `user`, creates `Secure` and appends two originals to INBOX.
fn prepared(server: &Server, user: &str) -> (RawClient, Vec<Vec<u8>>) {
    let mut c = login(server, user);
    c.ok("CREATE Secure");
    c.select("INBOX");
    let originals: Vec<Vec<u8>> = (0..2).map(original).collect();
    for m in &originals {
        c.append("INBOX", "", m);
    }
    (c, originals)
}

/// The number of messages in `mailbox`, by STATUS.
fn count(c: &mut RawClient, mailbox: &str) -> u32 {
    let r = c.ok(&format!("STATUS {mailbox} (MESSAGES)"));
    r[0].split("MESSAGES ").nth(1).unwrap().trim_end_matches(')').parse().unwrap()
}

/// Sends `command` and returns its tagged line (tag removed).
fn tagged(c: &mut RawClient, command: &str) -> String {
    let tag = c.next_tag();
    c.send(format!("{tag} {command}\r\n").as_bytes());
    let line = c.tagged(&tag);
    line.strip_prefix(&format!("{tag} ")).unwrap().to_string()
}

/// A certificate made by rcgen (P-256) with the given validity years, PEM.
fn rcgen_cert(dir: &std::path::Path, name: &str, from: i32, to: i32) -> std::path::PathBuf {
    let mut params = rcgen::CertificateParams::new(vec![format!("{name}.example.org")]).unwrap();
    params.not_before = rcgen::date_time_ymd(from, 1, 1);
    params.not_after = rcgen::date_time_ymd(to, 1, 1);
    let key = rcgen::KeyPair::generate().unwrap();
    let path = dir.join(format!("{name}.crt"));
    std::fs::write(&path, params.self_signed(&key).unwrap().pem()).unwrap();
    path
}

#[test]
fn encrypted_star_uses_the_certificate_set_by_tegami_smime() {
    let server = start();
    let keys = make_keys(server.dir.path(), "alice", "rsa", &[]);
    let (mut c, originals) = prepared(&server, "alice");

    assert_eq!(tagged(&mut c, "COPY 1:2 Secure ENCRYPTED *"), "NO [CANNOT] no S/MIME certificate for this account");
    assert_eq!(tagged(&mut c, "UID MOVE 1 Secure ENCRYPTED *"), "NO [CANNOT] no S/MIME certificate for this account");
    assert_eq!(count(&mut c, "Secure"), 0);
    assert_eq!(count(&mut c, "INBOX"), 2);

    let (ok, out, err) = admin(&server, "alice", &["show"]);
    assert!(ok && out == "alice has no S/MIME certificate\n", "{out} {err}");
    // A file with the key beside the certificate: only the certificate is kept.
    let both = server.dir.path().join("both.pem");
    let text = std::fs::read_to_string(&keys.key).unwrap() + &std::fs::read_to_string(&keys.cert).unwrap();
    std::fs::write(&both, text).unwrap();
    let (ok, out, err) = admin(&server, "alice", &["set", both.to_str().unwrap()]);
    assert!(ok, "tegami smime set failed: {err}");
    assert!(out.contains("subject: EMAIL=alice@example.org,CN=alice\n") && out.contains("key: RSA 2048"), "{out}");
    let stored = std::fs::read_to_string(server.maildir("alice").join("tegami-smime.pem")).unwrap();
    assert!(stored.starts_with("-----BEGIN CERTIFICATE-----\n") && !stored.contains("PRIVATE KEY"), "{stored}");
    let (ok, out, _) = admin(&server, "alice", &["show"]);
    assert!(ok && out.contains("usable: yes") && out.contains("CN=alice"), "{out}");

    // The same session sees it at once.
    let r = c.ok("COPY 1:2 Secure ENCRYPTED *");
    assert!(RawClient::code(&r, "COPYUID").unwrap().ends_with(" 1:2 1:2"), "{r:?}");
    let copies = fetch_all(&mut c, "Secure");
    assert_eq!(copies.len(), 2);
    for (copy, orig) in copies.iter().zip(&originals) {
        assert!(header_of(&copy.3).contains("Content-Type: application/pkcs7-mime; smime-type=enveloped-data"));
        assert_eq!(decrypt(&keys, &copy.3), *orig);
    }
    c.select("INBOX");
    let r = c.ok("MOVE 2 Secure ENCRYPTED *");
    assert!(r.iter().any(|l| l == "* 2 EXPUNGE"), "{r:?}");
    assert_eq!(decrypt(&keys, &fetch_all(&mut c, "Secure")[2].3), originals[1]);

    // Another account has no certificate of its own.
    let (mut b, _) = prepared(&server, "bob");
    assert_eq!(tagged(&mut b, "COPY 1 Secure ENCRYPTED *"), "NO [CANNOT] no S/MIME certificate for this account");

    let (ok, out, _) = admin(&server, "alice", &["remove"]);
    assert!(ok && out.contains("removed"), "{out}");
    c.select("INBOX");
    assert_eq!(tagged(&mut c, "COPY 1 Secure ENCRYPTED *"), "NO [CANNOT] no S/MIME certificate for this account");
    let (ok, _, err) = admin(&server, "alice", &["remove"]);
    assert!(!ok && err.contains("alice has no S/MIME certificate"), "{err}");
}

#[test]
fn tegami_smime_set_refuses_what_cannot_encrypt() {
    let server = start();
    let dir = server.dir.path();
    drop(login(&server, "alice")); // the maildir exists from the first login
    let expired = rcgen_cert(dir, "old", 2001, 2002);
    let sign_only = make_keys(dir, "signer", "rsa", &["keyUsage=critical,digitalSignature"]);
    let cases = [
        (expired, "expired on 2002-01-01"),
        (sign_only.cert, "key usage does not allow encryption (no keyEncipherment)"),
        (sign_only.key, "no CERTIFICATE block"),
        (dir.join("passwd"), "Not a valid X.509 certificate"),
    ];
    for (file, reason) in cases {
        let (ok, out, err) = admin(&server, "alice", &["set", file.to_str().unwrap()]);
        assert!(!ok && err.contains(reason), "{file:?}: {out} / {err}");
        assert!(!server.maildir("alice").join("tegami-smime.pem").exists());
    }
    let (ok, _, err) = admin(&server, "nobody", &["show"]);
    assert!(!ok && err.contains("no account \"nobody\""), "{err}");
    let (ok, _, err) = admin(&server, "alice", &["frobnicate"]);
    assert!(!ok && err.contains("usage: tegami smime"), "{err}");
}

#[test]
fn unusable_certificates_copy_nothing_and_the_session_goes_on() {
    let server = start();
    let dir = server.dir.path();
    let (mut c, originals) = prepared(&server, "alice");
    let b64 = |p: &std::path::Path| base64_of(p);
    let expired = rcgen_cert(dir, "expired", 2001, 2002);
    let future = rcgen_cert(dir, "future", 2090, 2099);
    let sign_only = make_keys(dir, "signer", "ec", &["keyUsage=critical,digitalSignature"]);
    let ed25519 = dir.join("ed.crt");
    let ed_key = dir.join("ed.key");
    openssl(&[
        "req",
        "-x509",
        "-nodes",
        "-days",
        "30",
        "-subj",
        "/CN=ed",
        "-newkey",
        "ed25519",
        "-keyout",
        ed_key.to_str().unwrap(),
        "-out",
        ed25519.to_str().unwrap(),
    ]);
    let cases: Vec<(String, &str)> = vec![
        // Syntax errors: BAD.
        ("\"MIIB*AAA\"".into(), "BAD Certificate data must be base64 or *"),
        ("MIIB*AAA".into(), "BAD Unexpected extra arguments"),
        ("TUlJQ".into(), "BAD Certificate data is not valid base64"),
        ("\"MIIB\r\"".into(), "BAD"),
        // Understood but unusable: NO with the reason.
        ("aGVsbG8gd29ybGQ=".into(), "NO [CANNOT] Not a valid X.509 certificate"),
        (b64(&expired), "NO [CANNOT] The certificate expired on 2002-01-01"),
        (b64(&future), "NO [CANNOT] The certificate is not valid before 2090-01-01"),
        (b64(&sign_only.cert), "NO [CANNOT] The certificate's key usage does not allow encryption (no keyAgreement)"),
        (
            b64(&ed25519),
            "NO [CANNOT] The certificate's key type (1.3.101.112) cannot encrypt: RSA and EC P-256 keys can",
        ),
    ];
    for command in ["COPY 1:2", "UID COPY 1:2", "MOVE 1:2", "UID MOVE 1:2"] {
        for (data, answer) in &cases {
            let line = tagged(&mut c, &format!("{command} Secure ENCRYPTED {data}"));
            assert!(line.starts_with(answer), "{command} ENCRYPTED {data:.20}: {line}");
        }
        // Nothing copied, nothing moved, the session goes on.
        assert_eq!(count(&mut c, "Secure"), 0);
        let inbox = fetch_all(&mut c, "INBOX");
        assert_eq!(inbox.iter().map(|m| m.3.clone()).collect::<Vec<_>>(), originals);
        c.ok("NOOP");
    }
    // A good certificate after all that still works in the same session.
    let keys = make_keys(dir, "good", "ec", &["keyUsage=keyAgreement"]);
    c.ok(&format!("UID MOVE 1:2 Secure ENCRYPTED {}", base64_of(&keys.cert)));
    let copies = fetch_all(&mut c, "Secure");
    assert_eq!(decrypt(&keys, &copies[1].3), originals[1]);
}

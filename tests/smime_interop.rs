//! What an S/MIME client expects of a copy (issue 13, item 3): the CMS
//! structure as openssl prints it (recipient info, algorithms), and
//! decryption by two other S/MIME stacks, Python's `cryptography` and
//! GnuPG's gpgsm, for RSA (neither reads EC recipients: cryptography only
//! decrypts for RSA keys, and gpgsm 2.2 cannot import a P-256 key), and by
//! openssl for both.

mod smime_util;
mod support;

use std::io::Write;
use std::process::{Command, Stdio};

use smime_util::*;

/// A server, the recipient's keys, one original and its encrypted copy.
fn one_copy(kind: &str) -> (Server, Keys, Vec<u8>, Vec<u8>) {
    let server = start();
    let keys = make_keys(server.dir.path(), &format!("alice-{kind}"), kind, &[]);
    let mut c = login(&server, "alice");
    c.ok("CREATE Secure");
    c.select("INBOX");
    let orig = original(7);
    c.append("INBOX", "", &orig);
    c.ok(&format!("COPY 1 Secure ENCRYPTED {}", base64_of(&keys.cert)));
    let copy = fetch_all(&mut c, "Secure").remove(0).3;
    (server, keys, orig, copy)
}

/// Runs a program with `input` on stdin; returns (success, stdout, stderr).
fn run(program: &str, args: &[&str], input: &[u8]) -> (bool, Vec<u8>, String) {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{program} is installed (contrib/test): {e}"));
    child.stdin.take().unwrap().write_all(input).unwrap();
    let out = child.wait_with_output().unwrap();
    (out.status.success(), out.stdout, String::from_utf8_lossy(&out.stderr).into_owned())
}

/// `openssl cms -cmsout -print` of a fetched copy.
fn cms_print(copy: &[u8]) -> String {
    let (ok, out, err) = run("openssl", &["cms", "-cmsout", "-print", "-inform", "SMIME"], copy);
    assert!(ok, "openssl cms -cmsout -print: {err}");
    String::from_utf8(out).unwrap()
}

/// The certificate's serial number as openssl prints it in the CMS dump.
fn serial_of(cert: &std::path::Path) -> String {
    let out = String::from_utf8(openssl(&["x509", "-noout", "-serial", "-in", cert.to_str().unwrap()])).unwrap();
    format!("serialNumber: 0x{}", out.trim().strip_prefix("serial=").unwrap())
}

/// Asserts that every line of `expected` appears, trimmed, in order, in
/// the openssl dump `dump`.
fn assert_in_order(dump: &str, expected: &[&str]) {
    let mut lines = dump.lines().map(str::trim);
    for want in expected {
        assert!(lines.any(|l| l == *want), "{want:?} missing (or out of order) in\n{dump}");
    }
}

#[test]
fn rsa_copy_has_the_structure_clients_expect_and_other_stacks_decrypt_it() {
    let (server, keys, orig, copy) = one_copy("rsa");
    let dump = cms_print(&copy);
    let serial = serial_of(&keys.cert);
    assert_in_order(
        &dump,
        &[
            "contentType: pkcs7-envelopedData (1.2.840.113549.1.7.3)",
            "version: 0",
            "originatorInfo: <ABSENT>",
            "d.ktri:",
            "version: 0",
            "d.issuerAndSerialNumber:",
            "issuer: CN=alice-rsa/emailAddress=alice-rsa@example.org",
            &serial,
            "algorithm: rsaEncryption (1.2.840.113549.1.1.1)",
            "parameter: NULL",
            "encryptedKey:",
            "contentType: pkcs7-data (1.2.840.113549.1.7.1)",
            "algorithm: aes-256-cbc (2.16.840.1.101.3.4.1.42)",
            "parameter: OCTET STRING:",
            "encryptedContent:",
        ],
    );
    // openssl's older smime command, as mail tools of Thunderbird's age use it.
    let (ok, out, err) = run(
        "openssl",
        &["smime", "-decrypt", "-binary", "-inkey", keys.key.to_str().unwrap(), "-recip", keys.cert.to_str().unwrap()],
        &copy,
    );
    assert!(ok && out == orig, "openssl smime -decrypt: {err}");
    assert_eq!(python_decrypt(&keys, &copy), orig, "Python cryptography decrypts it");
    assert_eq!(gpgsm_decrypt(server.dir.path(), &keys, &copy), orig, "gpgsm decrypts it");
}

#[test]
fn ec_copy_has_the_structure_clients_expect() {
    let (_server, keys, orig, copy) = one_copy("ec");
    let dump = cms_print(&copy);
    let serial = serial_of(&keys.cert);
    assert_in_order(
        &dump,
        &[
            "contentType: pkcs7-envelopedData (1.2.840.113549.1.7.3)",
            "version: 2",
            "d.kari:",
            "version: 3",
            "d.originatorKey:",
            "algorithm: id-ecPublicKey (1.2.840.10045.2.1)",
            "ukm: <ABSENT>",
            "algorithm: dhSinglePass-stdDH-sha256kdf-scheme (1.3.132.1.11.1)",
            "2:d=1  hl=2 l=   9 prim:  OBJECT            :id-aes256-wrap",
            "d.issuerAndSerialNumber:",
            "issuer: CN=alice-ec/emailAddress=alice-ec@example.org",
            &serial,
            "encryptedKey:",
            "algorithm: aes-256-cbc (2.16.840.1.101.3.4.1.42)",
        ],
    );
    // openssl's PKCS#7 "smime" command knows no key agreement; cms does.
    assert_eq!(decrypt(&keys, &copy), orig);
}

/// Decrypts with Python's `cryptography` (pkcs7_decrypt_smime, version 44
/// and later; RSA recipients only). The first python3 that has it is used.
fn python_decrypt(keys: &Keys, copy: &[u8]) -> Vec<u8> {
    const SCRIPT: &str = "import sys\n\
        from cryptography import x509\n\
        from cryptography.hazmat.primitives.serialization import load_pem_private_key, pkcs7\n\
        cert = x509.load_pem_x509_certificate(open(sys.argv[1], 'rb').read())\n\
        key = load_pem_private_key(open(sys.argv[2], 'rb').read(), None)\n\
        sys.stdout.buffer.write(pkcs7.pkcs7_decrypt_smime(sys.stdin.buffer.read(), cert, key, []))\n";
    let probe = "from cryptography.hazmat.primitives.serialization.pkcs7 import pkcs7_decrypt_smime";
    let python = ["python3", "/usr/bin/python3"]
        .into_iter()
        .find(|p| Command::new(p).args(["-c", probe]).output().is_ok_and(|o| o.status.success()))
        .expect("a python3 whose cryptography package has pkcs7_decrypt_smime (44 or later)");
    let (ok, out, err) = run(python, &["-c", SCRIPT, keys.cert.to_str().unwrap(), keys.key.to_str().unwrap()], copy);
    assert!(ok, "{python} cryptography: {err}");
    out
}

/// Decrypts with GnuPG's gpgsm in a home of its own under `dir`: the key
/// imported as PKCS#12 (3DES, as gpgsm 2.2 reads it), the CMS data taken
/// from the message's base64 body, as a MIME-aware client hands it over.
fn gpgsm_decrypt(dir: &std::path::Path, keys: &Keys, copy: &[u8]) -> Vec<u8> {
    use base64::Engine;
    let home = dir.join("gnupg");
    std::fs::create_dir(&home).unwrap();
    std::fs::write(home.join("gpg-agent.conf"), "allow-loopback-pinentry\n").unwrap();
    let p12 = dir.join("key.p12");
    let export = || {
        openssl(&[
            "pkcs12",
            "-export",
            "-keypbe",
            "PBE-SHA1-3DES",
            "-certpbe",
            "NONE",
            "-macalg",
            "sha1",
            "-passout",
            "pass:x",
            "-inkey",
            keys.key.to_str().unwrap(),
            "-in",
            keys.cert.to_str().unwrap(),
            "-out",
            p12.to_str().unwrap(),
        ]);
    };
    struct Agent<'a>(&'a std::path::Path);
    impl Drop for Agent<'_> {
        fn drop(&mut self) {
            let _ = Command::new("gpgconf").env("GNUPGHOME", self.0).args(["--kill", "gpg-agent"]).output();
        }
    }
    let _agent = Agent(&home);
    let gpgsm = |args: &[&str], input: &[u8]| {
        let mut child = Command::new("gpgsm")
            .env("GNUPGHOME", &home)
            .args(["--batch", "--pinentry-mode", "loopback", "--passphrase-fd", "0"])
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("gpgsm is installed (contrib/test)");
        child.stdin.take().unwrap().write_all(input).unwrap();
        let out = child.wait_with_output().unwrap();
        (out.status.success(), out.stdout, String::from_utf8_lossy(&out.stderr).into_owned())
    };
    // gpgsm 2.2 now and then cannot read back the key of a PKCS#12 file
    // that openssl made ("data error at shrouded_key_bag.decrypted-text",
    // which depends on the random salt): that is the test's plumbing, not
    // tegami's output, so a fresh export is tried a few times.
    let mut imported = Err(String::new());
    for _ in 0..4 {
        export();
        let (ok, _, err) = gpgsm(&["--import", p12.to_str().unwrap()], b"x\n");
        imported = if ok { Ok(()) } else { Err(err) };
        if imported.is_ok() {
            break;
        }
    }
    if let Err(err) = imported {
        panic!("gpgsm --import of the PKCS#12 key, four exports: {err}");
    }
    let body: Vec<u8> = body_after_header(copy).iter().copied().filter(|b| !b.is_ascii_whitespace()).collect();
    let der = dir.join("copy.p7m");
    std::fs::write(&der, base64::engine::general_purpose::STANDARD.decode(body).unwrap()).unwrap();
    let (ok, out, err) = gpgsm(&["--decrypt", der.to_str().unwrap()], b"x\n");
    assert!(ok, "gpgsm --decrypt: {err}");
    out
}

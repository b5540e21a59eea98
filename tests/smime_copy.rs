//! COPY / UID COPY / MOVE / UID MOVE ... ENCRYPTED with a certificate sent
//! by the client: each copy is an S/MIME enveloped-data message whose
//! decryption by openssl gives the original byte for byte (issue 13, item 1).

mod smime_util;
mod support;

use smime_util::*;
use support::Client as RawClient;

/// Appends `n` originals to INBOX, the first flagged `\Flagged $Media Project`.
fn fill_inbox(c: &mut RawClient, n: usize) -> Vec<Vec<u8>> {
    let mut originals = Vec::new();
    for i in 0..n {
        let m = original(i);
        let flags = if i == 0 { "\\Flagged $Media Project" } else { "\\Seen" };
        let r = c.append_dated("INBOX", flags, Some("05-Nov-2026 09:30:00 +0100"), &m);
        assert!(r.last().unwrap().contains("OK"), "{r:?}");
        originals.push(m);
    }
    originals
}

/// Checks that the copies in `mailbox` are S/MIME messages of `originals`
/// (in order, numbered from `first` by [`original`]) for `keys`: headers,
/// no plaintext, decryption byte for byte.
fn check_copies(
    c: &mut RawClient,
    mailbox: &str,
    keys: &Keys,
    originals: &[Vec<u8>],
    first: usize,
) -> Vec<(u32, String, String)> {
    let copies = fetch_all(c, mailbox);
    assert_eq!(copies.len(), originals.len(), "one copy per original");
    let mut meta = Vec::new();
    for (i, ((uid, flags, date, copy), orig)) in copies.into_iter().zip(originals).enumerate() {
        let i = i + first;
        let head = header_of(&copy);
        assert!(
            head.contains(
                "\r\nMIME-Version: 1.0\r\n\
                 Content-Type: application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m\r\n\
                 Content-Transfer-Encoding: base64\r\n\
                 Content-Disposition: attachment; filename=smime.p7m\r\n\r\n"
            ),
            "{head}"
        );
        // Kept in the clear: who, when, what about.
        for kept in [
            format!("Date: Tue, 1 Dec 2026 10:00:{:02} +0000\r\n", i % 60),
            "From: Carol <carol@example.org>\r\n".into(),
            "To: Alice <alice@example.org>\r\n".into(),
            format!("Subject: Quarterly numbers {i}\r\n"),
            format!("Message-ID: <q{i}@example.org>\r\n"),
        ] {
            assert!(head.contains(&kept), "{kept:?} missing from {head}");
        }
        // Nothing else of the original is readable: not in the header, and
        // not in the body (only strings of 8 or more characters there: a
        // short one turns up in base64 of random ciphertext now and then).
        for secret in ["zanzibar", "hidden-header", "Dave", "Received:", "Return-Path", "xxxxxxxx", "8-bit"] {
            assert!(!head.contains(secret), "{secret:?} readable in the copy's header");
        }
        let body = String::from_utf8_lossy(body_after_header(&copy));
        for secret in ["zanzibar", "hidden-header", "Received:", "Return-Path", "xxxxxxxx"] {
            assert!(!body.contains(secret), "{secret:?} readable in the copy's body");
        }
        let body = body_after_header(&copy);
        for line in body.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
            assert!(line.ends_with(b"\r") && line.len() <= 77, "base64 lines of 76 characters, CRLF");
        }
        assert_eq!(decrypt(keys, &copy), *orig, "decrypted copy {i} is the original byte for byte");
        meta.push((uid, flags, date));
    }
    meta
}

#[test]
fn copy_with_rsa_certificate_decrypts_to_the_original() {
    let server = start();
    let keys = make_keys(server.dir.path(), "alice-rsa", "rsa", &[]);
    let mut c = login(&server, "alice");
    c.ok("CREATE Secure");
    c.select("INBOX");
    let originals = fill_inbox(&mut c, 3);
    let r = c.ok(&format!("COPY 1:3 Secure ENCRYPTED \"{}\"", base64_of(&keys.cert)));
    let code = RawClient::code(&r, "COPYUID").expect("COPYUID");
    assert!(code.ends_with(" 1:3 1:3"), "{code}");
    let meta = check_copies(&mut c, "Secure", &keys, &originals, 0);
    // Flags, keywords and INTERNALDATE as for a plain COPY (\Recent is new).
    assert_eq!(meta[0].1, "\\Flagged $Media Project \\Recent");
    assert_eq!(meta[1].1, "\\Seen \\Recent");
    assert!(
        meta.iter().all(|m| m.2 == "05-Nov-2026 09:30:00 +0100" || m.2 == "05-Nov-2026 08:30:00 +0000"),
        "{meta:?}"
    );
    // The originals are untouched.
    c.select("INBOX");
    let inbox = fetch_all(&mut c, "INBOX");
    assert_eq!(inbox.iter().map(|m| m.3.clone()).collect::<Vec<_>>(), originals);
}

#[test]
fn uid_copy_with_ec_p256_certificate_decrypts_to_the_original() {
    let server = start();
    let keys = make_keys(server.dir.path(), "alice-ec", "ec", &[]);
    let mut c = login(&server, "alice");
    c.ok("CREATE Secure");
    c.select("INBOX");
    let originals = fill_inbox(&mut c, 4);
    c.ok("UID STORE 1 +FLAGS (\\Deleted)");
    c.ok("EXPUNGE");
    // UIDs 2:4 remain; the certificate goes as a literal this time, in PEM.
    let pem = std::fs::read(&keys.cert).unwrap();
    let tag = c.next_tag();
    c.send(format!("{tag} UID COPY 3:4,2 Secure ENCRYPTED {{{}+}}\r\n", pem.len()).as_bytes());
    c.send(&pem);
    c.send(b"\r\n");
    let r = c.until_tagged(&tag);
    assert!(r.last().unwrap().starts_with(&format!("{tag} OK [COPYUID ")), "{r:?}");
    let code = RawClient::code(&r, "COPYUID").unwrap();
    assert!(code.ends_with(" 2:4 1:3"), "{code}");
    check_copies(&mut c, "Secure", &keys, &originals[1..], 1);
}

#[test]
fn move_and_uid_move_encrypt_then_remove_the_originals() {
    let server = start();
    let rsa = make_keys(server.dir.path(), "alice-rsa", "rsa", &[]);
    let ec = make_keys(server.dir.path(), "alice-ec", "ec", &[]);
    let mut c = login(&server, "alice");
    c.ok("CREATE Vault");
    c.ok("CREATE EcVault");
    c.select("INBOX");
    let originals = fill_inbox(&mut c, 4);

    let r = c.ok(&format!("MOVE 1:2 Vault ENCRYPTED {}", base64_of(&rsa.cert)));
    assert!(r.iter().any(|l| l.starts_with("* OK [COPYUID ") && l.contains(" 1:2 1:2]")), "{r:?}");
    assert_eq!(r.iter().filter(|l| l.ends_with(" EXPUNGE")).count(), 2, "{r:?}");
    assert!(r.last().unwrap().contains("OK MOVE completed"), "{r:?}");

    let r = c.ok(&format!("UID MOVE 3:4 EcVault ENCRYPTED {}", base64_of(&ec.cert)));
    assert!(r.iter().any(|l| l.starts_with("* OK [COPYUID ") && l.contains(" 3:4 1:2]")), "{r:?}");
    assert_eq!(r.iter().filter(|l| l.ends_with(" EXPUNGE")).count(), 2, "{r:?}");
    assert!(r.last().unwrap().contains("OK UID MOVE completed"), "{r:?}");

    let r = c.ok("STATUS INBOX (MESSAGES)");
    assert!(r[0].contains("MESSAGES 0"), "the originals are gone: {r:?}");
    check_copies(&mut c, "Vault", &rsa, &originals[..2], 0);
    check_copies(&mut c, "EcVault", &ec, &originals[2..], 2);
}

#[test]
fn a_hundred_messages_at_once() {
    let server = start();
    let keys = make_keys(server.dir.path(), "alice-rsa", "rsa", &[]);
    let mut c = login(&server, "alice");
    c.ok("CREATE Secure");
    c.select("INBOX");
    let originals = fill_inbox(&mut c, 100);
    let r = c.ok(&format!("COPY 1:* Secure ENCRYPTED {}", base64_of(&keys.cert)));
    let code = RawClient::code(&r, "COPYUID").unwrap();
    assert!(code.ends_with(" 1:100 1:100"), "{code}");
    check_copies(&mut c, "Secure", &keys, &originals, 0);
}

#[test]
fn a_failed_encrypted_move_keeps_the_originals() {
    let server = start();
    let keys = make_keys(server.dir.path(), "alice-ec", "ec", &[]);
    let mut c = login(&server, "alice");
    c.ok("CREATE Secure");
    c.select("INBOX");
    let originals = fill_inbox(&mut c, 3);
    // The target cannot take new files: its tmp/ is not a directory.
    let tmp = server.maildir("alice").join(".Secure").join("tmp");
    std::fs::remove_dir_all(&tmp).unwrap();
    std::fs::write(&tmp, "in the way").unwrap();
    let tag = c.next_tag();
    c.send(format!("{tag} MOVE 1:3 Secure ENCRYPTED {}\r\n", base64_of(&keys.cert)).as_bytes());
    let r = c.until_tagged(&tag);
    assert!(r.last().unwrap().starts_with(&format!("{tag} NO ")), "{r:?}");
    assert!(!r.iter().any(|l| l.ends_with(" EXPUNGE")), "{r:?}");
    std::fs::remove_file(&tmp).unwrap();
    std::fs::create_dir(&tmp).unwrap();
    let r = c.ok("STATUS Secure (MESSAGES)");
    assert_eq!(r[0], "* STATUS Secure (MESSAGES 0)");
    let inbox = fetch_all(&mut c, "INBOX");
    assert_eq!(inbox.into_iter().map(|m| m.3).collect::<Vec<_>>(), originals);
}

/// The usage `maildirsize` records (the sum of its `bytes count` lines).
fn recorded_usage(maildir: &std::path::Path) -> (i64, i64) {
    let text =
        std::fs::read_to_string(maildir.join("maildirsize")).expect("maildirsize kept (the account has a quota)");
    text.lines().skip(1).fold((0, 0), |(b, n), l| {
        let mut it = l.split_whitespace().map(|x| x.parse::<i64>().unwrap());
        (b + it.next().unwrap(), n + it.next().unwrap())
    })
}

/// The bytes and messages of every message file of the maildir.
fn files_usage(maildir: &std::path::Path) -> (i64, i64) {
    let mut usage = (0, 0);
    for folder in std::fs::read_dir(maildir).unwrap().flatten() {
        let dir = folder.path();
        let cur = if dir.file_name().unwrap() == "cur" { dir } else { dir.join("cur") };
        for f in std::fs::read_dir(&cur).into_iter().flatten().flatten() {
            usage.0 += f.metadata().unwrap().len() as i64;
            usage.1 += 1;
        }
    }
    usage
}

#[test]
fn the_quota_counts_encrypted_copies_at_their_own_size() {
    let server = start();
    let keys = make_keys(server.dir.path(), "alice-rsa", "rsa", &[]);
    let mut c = login(&server, "alice");
    c.ok("CREATE Secure");
    c.select("INBOX");
    fill_inbox(&mut c, 4);
    c.ok(&format!("COPY 1:2 Secure ENCRYPTED {}", base64_of(&keys.cert)));
    c.ok(&format!("UID MOVE 3:4 Secure ENCRYPTED {}", base64_of(&keys.cert)));
    let maildir = server.maildir("alice");
    let on_disk = files_usage(&maildir);
    assert_eq!(on_disk.1, 6, "2 originals left, 4 copies");
    assert_eq!(recorded_usage(&maildir), on_disk);
}

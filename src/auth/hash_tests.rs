//! Known-answer tests: every hash below was made by an independent tool
//! (`openssl passwd`, glibc/libxcrypt `crypt` via perl, Python's `bcrypt`,
//! `argon2-cffi` and `hashlib`), never by `hash_password`.

use super::*;

/// (stored field, right password, wrong password)
const KNOWN: &[(&str, &str, &str)] = &[
    ("{PLAIN}plain-secret", "plain-secret", "plain-secreT"),
    ("{CLEAR}plain-secret", "plain-secret", "plain-secre"),
    ("{CLEARTEXT}plain-secret", "plain-secret", ""),
    ("{PLAIN.b64}Y29sb246cGFzcw==", "colon:pass", "colon"),
    ("{plain.HEX}636f6c6f6e3a70617373", "colon:pass", "colon:pas"),
    // openssl passwd -6 -salt kQ3uJ7xZpL2vN8wE sha512-secret
    ("{SHA512-CRYPT}$6$kQ3uJ7xZpL2vN8wE$d.K6.86T1Zdt1XqzloN119uEQASYTnZhuwdFAb8yOVHH9MXQeuHXUh7/56chSyzb7ERW9t7T1QMQgdjhRA2nt0", "sha512-secret", "sha512-secreT"),
    // openssl passwd -5 -salt Wm4rT9bYcH1sD6fG sha256-secret
    ("{SHA256-CRYPT}$5$Wm4rT9bYcH1sD6fG$VhKoykj0rhTEmIzGJPMFnM17tZix41uuJd2oNcvC346", "sha256-secret", "sha512-secret"),
    // perl crypt() with rounds=, and with a salt longer than 16 (truncated).
    ("{SHA512-CRYPT}$6$rounds=2000$roundsalt$smw2xjRGlESuwzfFaliAAynfWlBLT/su9WzWH7T0n/E015zbjN8rN3A20xreU1E.Dbox.upLxXFiWTkBSYOGh/", "rounds-secret", "rounds-secreT"),
    ("{SHA256-CRYPT}$5$rounds=1500$roundsalt$KFMlhXmdqs/m/BpQ5Zmk8BGdCcA79P5zyWSB6Tnk6Y2", "rounds-secret", "x"),
    ("$6$0123456789abcdef$itpndDCEX892c2pMXWP/SkG8wny77GHCldi6q/TeLSh2DyJj4xYa0ol0gHm9I59OO9LxDpsvoVi2LaPU.xquO1", "longsalt-secret", "longsalt"),
    // No prefix: CRYPT, detected by $6$.
    ("$6$Crypt6Salt$ZkiCYLUeRS/EKlTm5tSN3vq4wpFC6R2xrC2RtvPQuIlCfJEUORtzwK49wqqTZQ0NbnaiplbsLPWywzov3z/8X/", "crypt-secret", "crypt-secret "),
    ("{CRYPT}$5$Wm4rT9bYcH1sD6fG$VhKoykj0rhTEmIzGJPMFnM17tZix41uuJd2oNcvC346", "sha256-secret", "sha256"),
    // Python bcrypt.hashpw (cost 5, $2b$; cost 4, $2a$); $2y$ is the same algorithm.
    ("{BLF-CRYPT}$2b$05$.fxeHNKN2JlN/DSTiPpyJenhEardsAGr4aqDibiMsrE7VabYKdOJG", "blf-secret", "blf-secreT"),
    ("{BLF-CRYPT}$2y$05$.fxeHNKN2JlN/DSTiPpyJenhEardsAGr4aqDibiMsrE7VabYKdOJG", "blf-secret", "blf"),
    ("$2a$04$SzX4gss1DumDTF5Qt75LQ.erAAEbyRQp.cs3dgYFITSLxZe4KzKhW", "blf-secret-2a", "blf-secret"),
    // argon2-cffi PasswordHasher(time_cost=2/3, memory_cost=1024, parallelism=1).
    ("{ARGON2ID}$argon2id$v=19$m=1024,t=2,p=1$denRz6OLbjn1J1flIdDauQ$Su5aI5q7/7xzLWTQxHuLpnAnsD4fXxl3t4QFW0Y5SGM", "argon2id-secret", "argon2i-secret"),
    ("{ARGON2I}$argon2i$v=19$m=1024,t=3,p=1$GAffCROSAXZ1nbZ4ZdLn6Q$L7UsIDMVkh4kQWDQQSzPdwQAcF+n0l5QFwInSNm3LL8", "argon2i-secret", "argon2id-secret"),
    ("{ARGON2}$argon2i$v=19$m=1024,t=3,p=1$GAffCROSAXZ1nbZ4ZdLn6Q$L7UsIDMVkh4kQWDQQSzPdwQAcF+n0l5QFwInSNm3LL8", "argon2i-secret", "x"),
    ("$argon2id$v=19$m=1024,t=2,p=1$denRz6OLbjn1J1flIdDauQ$Su5aI5q7/7xzLWTQxHuLpnAnsD4fXxl3t4QFW0Y5SGM", "argon2id-secret", "x"),
    // hashlib digests; hex accepted for the unsalted ones.
    ("{SHA256}i1qZbqZyATYJiy7zVKGVtpbFZ4LpmzBAf+dTo761WeA=", "digest-secret", "digest-secreT"),
    ("{SHA256}8b5a996ea6720136098b2ef354a195b696c56782e99b30407fe753a3beb559e0", "digest-secret", "x"),
    ("{SHA256.HEX}8b5a996ea6720136098b2ef354a195b696c56782e99b30407fe753a3beb559e0", "digest-secret", "x"),
    ("{SHA512}Bp1WTBm9jW6X5MZIv8/eoTaE3mWuRVsAlbj5E27DspxJJ6B4zV3E8yahIwT1zGniPk+iVgU7tMJAMqeB/9fUxw==", "digest-secret", "x"),
    ("{SHA512}069d564c19bd8d6e97e4c648bfcfdea13684de65ae455b0095b8f9136ec3b29c4927a078cd5dc4f326a12304f5cc69e23e4fa256053bb4c24032a781ffd7d4c7", "digest-secret", "y"),
    ("{SSHA256}9G/fsH4lNOzjW7RYd8AdFSAmpPF3pO7YMDtUOGt0oo4T+kQvmQ==", "salted-secret", "salted-secreT"),
    ("{SSHA256.hex}f46fdfb07e2534ece35bb45877c01d152026a4f177a4eed8303b54386b74a28e13fa442f99", "salted-secret", "x"),
    ("{SSHA512}t3dIeQlbXw5WnvrAJ7ixpORsFthyZXPA3PO22kEmo36TYQ/oFlsrKCgsh/tXwYnXrrkUrrsconQdNhfqG5/lwhP6RC+Z", "salted-secret", "x"),
    ("{SHA}7s6+mm5HrROASelE8t6aZmgx8+s=", "digest-secret", "x"),
    ("{SHA1}eecebe9a6e47ad138049e944f2de9a666831f3eb", "digest-secret", "x"),
    ("{SSHA}3bgMX/BDthUvzfQbiR8wA1cHROsT+kQvmQ==", "salted-secret", "x"),
    ("{PLAIN-MD5}052d0db5abd11d0f2e59d49e1c2037a1", "digest-secret", "x"),
    ("{LDAP-MD5}BS0NtavRHQ8uWdSeHCA3oQ==", "digest-secret", "x"),
    ("{SMD5}mbgsjDodSpUvmQSLDROzixP6RC+Z", "salted-secret", "x"),
    // Python hashlib.pbkdf2_hmac + hmac, RFC 7677's user/pencil salt.
    ("{SCRAM-SHA-256}4096,W22ZaJ0SNY7soEsUEjb6gQ==,WG5d8oPm3OtcPnkdi4Uo7BkeZkBFzpcXkuLmtbsT4qY=,wfPLwcE6nTWhTAmQ7tl2KeoiWGPlZqQxSrmfPwDl2dU=", "pencil", "pen"),
];

#[test]
fn known_answers() {
    for (stored, right, wrong) in KNOWN {
        let p = StoredPassword::parse(stored).unwrap_or_else(|e| panic!("{stored}: {e}"));
        assert_eq!(p.verify(right.as_bytes()).ok(), Some(true), "{stored} with {right}");
        assert_eq!(p.verify(wrong.as_bytes()).ok(), Some(false), "{stored} with {wrong}");
    }
}

#[test]
fn scheme_names_and_aliases() {
    let cases = [
        ("{sha512-crypt}$6$x$y", Scheme::Sha512Crypt),
        ("{Clear}x", Scheme::Plain),
        ("{SSHA.b64}AAAA", Scheme::Ssha1),
        ("{PLAIN.base64}AAAA", Scheme::Plain),
        ("$2y$05$abc", Scheme::Crypt),
        ("{no-brace", Scheme::Crypt),
    ];
    for (field, scheme) in cases {
        assert_eq!(StoredPassword::parse(field).unwrap().scheme(), scheme, "{field}");
    }
    let err = StoredPassword::parse("{MD5-CRYPT}$1$abc$def").unwrap_err();
    assert!(matches!(&err, AuthError::UnknownScheme(n) if n == "MD5-CRYPT"));
    assert_eq!(err.to_string(), "unknown password scheme {MD5-CRYPT}");
    assert!(matches!(StoredPassword::parse("{FOO.hex}00"), Err(AuthError::UnknownScheme(_))));
}

#[test]
fn plaintext_only_for_plain() {
    let p = StoredPassword::parse("{PLAIN.b64}Y29sb246cGFzcw==").unwrap();
    assert_eq!(p.plaintext().as_deref(), Some(&b"colon:pass"[..]));
    assert_eq!(StoredPassword::parse("{SHA1}x").unwrap().plaintext(), None);
    // Debug output never shows the secret.
    assert!(!format!("{p:?}").contains("Y29s"));
}

#[test]
fn malformed_hashes_are_errors_not_panics() {
    for stored in [
        "{SHA256}not base64!",
        "{SHA256}AAAA",
        "{SSHA512}AAAA",
        "{SHA256.HEX}abc",
        "{PLAIN.b64}%%%",
        "$6$",
        "$6$salt",
        "$6$rounds=abc$salt$hash",
        "$6$salt$hash$extra",
        "$5$$",
        "$2y$05$short",
        "$2y$99$.fxeHNKN2JlN/DSTiPpyJenhEardsAGr4aqDibiMsrE7VabYKdOJG",
        "$argon2id$v=19$m=1024",
        "$argon2id$garbage",
        "{CRYPT}$1$abc$def",
        "{CRYPT}vpvKh.SaNbR6s",
        "{SCRAM-SHA-256}4096,AAAA",
        "{SCRAM-SHA-256}x,AAAA,AAAA,AAAA",
        "{SCRAM-SHA-256}4096,AAAA,AAAA,AAAA",
        "",
    ] {
        let p = StoredPassword::parse(stored).unwrap();
        assert!(p.verify(b"pw").is_err(), "{stored} should be an error");
    }
}

#[test]
fn hash_password_round_trips() {
    // (scheme, expected prefix of the result)
    let cases = [
        ("PLAIN", "{PLAIN}round trip"),
        ("SHA512-CRYPT", "{SHA512-CRYPT}$6$"),
        ("sha256-crypt", "{SHA256-CRYPT}$5$"),
        ("BLF-CRYPT", "{BLF-CRYPT}$2y$10$"),
        ("ARGON2ID", "{ARGON2ID}$argon2id$v=19$"),
        ("ARGON2I", "{ARGON2I}$argon2i$v=19$"),
        ("SHA1", "{SHA1}"),
        ("SSHA", "{SSHA}"),
        ("SHA256", "{SHA256}"),
        ("SSHA256", "{SSHA256}"),
        ("SHA512", "{SHA512}"),
        ("SSHA512", "{SSHA512}"),
        ("SCRAM-SHA-256", "{SCRAM-SHA-256}4096,"),
    ];
    for (scheme, prefix) in cases {
        let h = hash_password(scheme, b"round trip").unwrap();
        assert!(h.starts_with(prefix), "{h}");
        let p = StoredPassword::parse(&h).unwrap();
        assert_eq!(p.verify(b"round trip").ok(), Some(true), "{h}");
        assert_eq!(p.verify(b"round trap").ok(), Some(false), "{h}");
    }
    // Salts differ between calls.
    assert_ne!(hash_password("SHA512-CRYPT", b"x").unwrap(), hash_password("SHA512-CRYPT", b"x").unwrap());
}

#[test]
fn hash_plain_encodes_what_a_line_cannot_hold() {
    assert_eq!(hash_password("PLAIN", b"simple").unwrap(), "{PLAIN}simple");
    for pw in [&b"a:b"[..], b" lead", b"new\nline", b"\xff\xfe"] {
        let h = hash_password("PLAIN", pw).unwrap();
        assert!(h.starts_with("{PLAIN.b64}"), "{h}");
        let p = StoredPassword::parse(&h).unwrap();
        assert_eq!(p.plaintext().as_deref(), Some(pw));
    }
}

#[test]
fn hash_password_errors() {
    assert!(matches!(hash_password("NOPE", b"x"), Err(AuthError::UnknownScheme(_))));
    assert!(matches!(hash_password("CRYPT", b"x"), Err(AuthError::UnsupportedScheme(_))));
    assert!(matches!(hash_password("PLAIN-MD5", b"x"), Err(AuthError::UnsupportedScheme(_))));
}

#[test]
fn scram_keys_of_stored_entry() {
    let p = StoredPassword::parse(KNOWN[KNOWN.len() - 1].0).unwrap();
    let keys = p.scram_sha256_keys().unwrap().unwrap();
    assert_eq!(keys.iterations, 4096);
    assert_eq!(keys, ScramKeys::derive(b"pencil", &keys.salt, 4096));
    assert!(StoredPassword::parse("{PLAIN}x").unwrap().scram_sha256_keys().is_none());
}

#[test]
fn constant_time_helper() {
    assert!(ct_eq_any_len(b"abc", b"abc"));
    assert!(!ct_eq_any_len(b"abc", b"abd"));
    assert!(!ct_eq_any_len(b"abc", b"abcd"));
    assert!(ct_eq_any_len(b"", b""));
}

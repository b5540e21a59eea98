//! `--demo`: a ready-made account, maildir and certificate, so the server
//! can be tried with one command.

use std::fs;
use std::io;
use std::path::Path;

use crate::config::Config;

/// What `--demo` prints once the listeners are up.
pub const HOW_TO_CONNECT: &str = "\
tegami demo: account \"demo\", password \"demo\" (self-signed certificate)
  openssl s_client -quiet -connect 127.0.0.1:1993     then: a LOGIN demo demo
  curl -k --user demo:demo imaps://127.0.0.1:1993/INBOX
  mail clients: IMAP server 127.0.0.1, port 1993 SSL/TLS (or 1143 STARTTLS)";

fn message(from: &str, subject: &str, date: &str, body: &str) -> String {
    format!(
        "From: {from}\r\nTo: Demo User <demo@example.org>\r\nSubject: {subject}\r\nDate: {date}\r\n\
         Message-ID: <{}.{}@demo.tegami>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n",
        subject.len(),
        date.len() * 7 + body.len()
    )
}

/// Creates the demo set-up in `dir` the first time, then points `config` at it.
pub fn prepare(dir: &Path, config: &mut Config) -> io::Result<()> {
    fs::create_dir_all(dir)?;
    let dir = dir.canonicalize()?;
    let passwd = dir.join("passwd");
    let home = dir.join("home/demo");
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    if !passwd.exists() {
        let maildir = home.join("Maildir");
        for sub in ["cur", "new", "tmp"] {
            fs::create_dir_all(maildir.join(sub))?;
        }
        for folder in ["Drafts", "Sent", "Trash", "Junk", "Archive", "Projects", "Projects.Tegami"] {
            for sub in ["cur", "new", "tmp"] {
                fs::create_dir_all(maildir.join(format!(".{folder}")).join(sub))?;
            }
            fs::write(maildir.join(format!(".{folder}/maildirfolder")), b"")?;
        }
        let samples = [
            (
                "Tegami Team <team@tegami.example>",
                "Welcome to tegami",
                "Mon, 2 Nov 2026 09:00:00 +0000",
                "This is your demo mailbox. Read, flag, move and delete as you like.",
                "S",
            ),
            (
                "Alice <alice@example.org>",
                "Lunch on Friday?",
                "Tue, 3 Nov 2026 12:30:00 +0100",
                "Shall we try the new place near the station?",
                "",
            ),
            (
                "Bob <bob@example.org>",
                "Re: Quarterly report",
                "Wed, 4 Nov 2026 16:45:10 -0500",
                "The numbers look good. Two small fixes attached in the next mail.",
                "FS",
            ),
            (
                "=?UTF-8?B?5bGx55Sw5aSq6YOO?= <taro@example.jp>",
                "=?UTF-8?B?5omL57SZ44Gu44OG44K544OI?=",
                "Thu, 5 Nov 2026 08:15:00 +0900",
                "\u{3053}\u{3093}\u{306b}\u{3061}\u{306f}",
                "",
            ),
        ];
        for (i, (from, subject, date, body, flags)) in samples.iter().enumerate() {
            let text = message(from, subject, date, body);
            let name = format!("1764000000.M{i}P1.demo,S={}:2,{flags}", text.len());
            fs::write(maildir.join("cur").join(name), text)?;
        }
        let hash = crate::auth::hash_password("SHA512-CRYPT", b"demo").map_err(io::Error::other)?;
        fs::write(&passwd, format!("demo:{hash}::::{}::\n", home.display()))?;
    }
    if !cert.exists() || !key.exists() {
        crate::net::write_self_signed(&["localhost", "127.0.0.1"], &cert, &key).map_err(io::Error::other)?;
    }
    config.users = Some(passwd);
    config.cert = Some(cert);
    config.key = Some(key);
    if config.listen.is_empty() && config.listen_tls.is_empty() {
        config.listen.push(([127, 0, 0, 1], 1143).into());
        config.listen_tls.push(([127, 0, 0, 1], 1993).into());
    }
    Ok(())
}

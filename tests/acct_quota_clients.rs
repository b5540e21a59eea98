//! Issue 8, must-show item 9: real clients read the quota. Python's
//! imaplib drives GETQUOTAROOT and GETQUOTA; curl (Debian's curl package,
//! an IMAP client of its own) sends GETQUOTAROOT and prints the answer.

mod support;

use std::path::Path;
use std::process::Command;

use support::Server;

fn passwd(d: &Path) {
    let hash = tegami::auth::hash_password("SHA512-CRYPT", b"alice-pw").unwrap();
    let home = d.join("home").join("alice@example.org");
    let line = format!(
        "alice@example.org:{hash}:{}::{}::userdb_quota_rule=*:storage=100M userdb_quota_rule2=*:messages=5000\n",
        support::own_ids(),
        home.display()
    );
    std::fs::write(d.join("passwd"), line).unwrap();
}

/// A server where alice has stored one message of 3000 octets.
fn server() -> Server {
    let server = Server::start_with(&[], passwd);
    let mut c = server.connect();
    c.ok("LOGIN alice@example.org alice-pw");
    let mut msg = b"Subject: quota\r\n\r\n".to_vec();
    msg.resize(3000, b'x');
    let r = c.append("INBOX", "", &msg);
    assert!(r.last().unwrap().contains("OK"), "{r:?}");
    server
}

fn run(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e} (bash contrib/test installs it)"));
    assert!(out.status.success(), "{cmd:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

const PY: &str = r##"
import imaplib, sys
M = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]))
M.login("alice@example.org", "alice-pw")
print("CAPS", " ".join(c for c in M.capabilities if c.startswith("QUOTA")))
typ, data = M.getquotaroot("INBOX")
print("GETQUOTAROOT", typ, [d.decode() for d in data[0]], [d.decode() for d in data[1]])
typ, data = M.getquota("#alice@example.org")
print("GETQUOTA", typ, data[0].decode())
typ, data = M.setquota("#alice@example.org", "(STORAGE 1)")
print("SETQUOTA", typ, data[0].decode())
M.logout()
"##;

#[test]
fn python_imaplib_reads_the_quota() {
    let server = server();
    let out = run(Command::new("python3").args(["-c", PY, &server.plain.port().to_string()]));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "CAPS QUOTA QUOTA=RES-STORAGE QUOTA=RES-MESSAGE QUOTASET", "{out}");
    assert_eq!(
        lines[1],
        "GETQUOTAROOT OK ['INBOX #alice@example.org'] ['#alice@example.org (STORAGE 3 102400 MESSAGE 1 5000)']",
        "{out}"
    );
    assert_eq!(lines[2], "GETQUOTA OK #alice@example.org (STORAGE 3 102400 MESSAGE 1 5000)", "{out}");
    assert_eq!(lines[3], "SETQUOTA NO [NOPERM] SETQUOTA needs domain or server administrator rights", "{out}");
}

#[test]
fn curl_reads_the_quota() {
    let server = server();
    let url = format!("imap://127.0.0.1:{}/", server.plain.port());
    let out = run(Command::new("curl").args([
        "-sS",
        "--user",
        "alice@example.org:alice-pw",
        // The account's hash serves PLAIN; curl would pick CRAM-MD5 when offered.
        "--login-options",
        "AUTH=PLAIN",
        &url,
        "-X",
        "GETQUOTAROOT INBOX",
    ]));
    assert_eq!(
        out,
        "* QUOTAROOT INBOX #alice@example.org\r\n* QUOTA #alice@example.org (STORAGE 3 102400 MESSAGE 1 5000)\r\n"
    );
}

const PERL: &str = r##"
use strict;
use Mail::IMAPClient;
my $imap = Mail::IMAPClient->new(Server => "127.0.0.1", Port => $ARGV[0],
    User => 'alice@example.org', Password => "alice-pw") or die "connect: $@";
print "HAS ", ($imap->has_capability("QUOTA") ? "QUOTA" : "none"), "\n";
my $root = $imap->getquotaroot("INBOX") or die "getquotaroot: " . $imap->LastError;
print "ROOT ", join("|", map { s/\r\n$//r } grep { /^\* QUOTA/ } @$root), "\n";
print "USAGE ", $imap->quota_usage('#alice@example.org'), " KiB of ", $imap->quota('#alice@example.org'), " KiB\n";
$imap->logout;
"##;

/// Perl's Mail::IMAPClient (Debian's libmail-imapclient-perl) has quota
/// calls of its own: `getquotaroot`, `quota_usage`, `quota`.
#[test]
fn perl_mail_imapclient_reads_the_quota() {
    let server = server();
    let out = run(Command::new("perl").args(["-e", PERL, &server.plain.port().to_string()]));
    assert_eq!(
        out,
        "HAS QUOTA\n\
         ROOT * QUOTAROOT INBOX #alice@example.org|* QUOTA #alice@example.org (STORAGE 3 102400 MESSAGE 1 5000)\n\
         USAGE 3 KiB of 102400 KiB\n"
    );
}

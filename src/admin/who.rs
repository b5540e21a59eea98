//! `tegami who`: the monitor's session table in a terminal, like
//! `doveadm who`.

use crate::monitor::client;

/// The usage line.
pub const SYNOPSIS: &str = "who --monitor [https://]ADDR:PORT [--cacert FILE] [--admin USER]";

/// The man page paragraph.
pub const DOC: &str = "Prints the table of the sessions now open, the rows of the monitor page: ID (IMAP-nnnnn, as in the log), IP address, account, connected time (since login), state (Authenticating, selecting a mailbox, Connected to mailbox NAME, or the running command), how long the running command has taken, octets in and out, TLS. ADDR:PORT is the server's --monitor listener; with --admin, USER is a server administrator (tegami_admin=server) whose password is taken from the environment variable TEGAMI_MONITOR_PASSWORD. With --cacert FILE (or a monitor given as https://ADDR:PORT, which needs it) the request goes over HTTPS, trusting only the certificates in FILE, e.g. the server's --cert file or the CA that signed it; the host part of ADDR is the name checked against the certificate.";

/// Runs `tegami who ARGS`.
pub fn run(args: &[String]) -> Result<String, String> {
    let (target, free) = client::parse(args).map_err(|e| format!("{e} (usage: tegami {SYNOPSIS})"))?;
    if let Some(extra) = free.first() {
        return Err(format!("unexpected argument {extra} (usage: tegami {SYNOPSIS})"));
    }
    target.request("GET", "/sessions.txt")
}

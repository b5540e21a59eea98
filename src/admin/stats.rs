//! `tegami stats`: the monitor's server statistics in a terminal.

use crate::monitor::client;

/// The usage line.
pub const SYNOPSIS: &str = "stats --monitor [https://]ADDR:PORT [--cacert FILE] [--admin USER]";

/// The man page paragraph.
pub const DOC: &str = "Prints the server statistics, one per line: sessions now, peak and since the start, logins, failed logins, messages appended, octets in and out, uptime, the Maximum Number of Channels and how often it refused a connection, and per command its count and total seconds. Options as for tegami who.";

/// Runs `tegami stats ARGS`.
pub fn run(args: &[String]) -> Result<String, String> {
    let (target, free) = client::parse(args).map_err(|e| format!("{e} (usage: tegami {SYNOPSIS})"))?;
    if let Some(extra) = free.first() {
        return Err(format!("unexpected argument {extra} (usage: tegami {SYNOPSIS})"));
    }
    target.request("GET", "/stats.txt")
}

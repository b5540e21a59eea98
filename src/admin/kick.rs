//! `tegami kick`: ends one session, which gets `* BYE`.

use crate::monitor::client;

/// The usage line.
pub const SYNOPSIS: &str = "kick --monitor [https://]ADDR:PORT [--cacert FILE] [--admin USER] ID";

/// The man page paragraph.
pub const DOC: &str = "Ends the session ID (IMAP-nnnnn or its number, as tegami who shows it): the client gets * BYE Disconnected by the administrator, at once when it waits for input or in IDLE, after its running command otherwise; a session whose command has not finished 5 seconds later (a client that does not read) is cut off without a word. Options as for tegami who.";

/// Runs `tegami kick ARGS`.
pub fn run(args: &[String]) -> Result<String, String> {
    let (target, free) = client::parse(args).map_err(|e| format!("{e} (usage: tegami {SYNOPSIS})"))?;
    let [id] = free.as_slice() else { return Err(format!("give one session ID (usage: tegami {SYNOPSIS})")) };
    let number = id.trim_start_matches("IMAP-");
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("{id}: not a session ID (IMAP-nnnnn)"));
    }
    target.request("POST", &format!("/kick/{number}"))
}

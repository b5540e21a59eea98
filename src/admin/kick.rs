//! `tegami kick`: ends one session, or every session of one account,
//! which get `* BYE`.

use crate::monitor::client;

/// The usage line.
pub const SYNOPSIS: &str = "kick --monitor [https://]ADDR:PORT [--cacert FILE] [--admin USER] (ID | --user ACCOUNT)";

/// The man page paragraph.
pub const DOC: &str = "Ends the session ID (IMAP-nnnnn or its number, as tegami who shows it), or with --user every session logged in as ACCOUNT (to move a user to another backend: change the front's map first, then kick the user on the old backend, whose clients reconnect through the front to the new one): the client gets * BYE Disconnected by the administrator, at once when it waits for input or in IDLE, after its running command otherwise; a session whose command has not finished 5 seconds later (a client that does not read) is cut off without a word. Prints one line per session ended. Options as for tegami who.";

/// Runs `tegami kick ARGS`.
pub fn run(args: &[String]) -> Result<String, String> {
    let mut opts = client::options();
    opts.optopt("", "user", "end every session of this account", "ACCOUNT");
    let m = opts.parse(args).map_err(|e| format!("{e} (usage: tegami {SYNOPSIS})"))?;
    let target = client::Target::from_matches(&m).map_err(|e| format!("{e} (usage: tegami {SYNOPSIS})"))?;
    match (m.opt_str("user"), m.free.as_slice()) {
        (Some(user), []) => kick_user(&target, &user),
        (None, [id]) => {
            let number = id.trim_start_matches("IMAP-");
            if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
                return Err(format!("{id}: not a session ID (IMAP-nnnnn)"));
            }
            target.request("POST", &format!("/kick/{number}"))
        }
        _ => Err(format!("give one session ID or --user ACCOUNT (usage: tegami {SYNOPSIS})")),
    }
}

/// Ends every session of `user` (`POST /kick-user/ACCOUNT`).
fn kick_user(target: &client::Target, user: &str) -> Result<String, String> {
    target.request("POST", &format!("/kick-user/{}", escape(user)))
}

/// Percent-escapes all but unreserved URL characters (RFC 3986) and `@`.
fn escape(user: &str) -> String {
    let mut out = String::new();
    for b in user.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~@".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_names_are_escaped_for_the_path() {
        assert_eq!(escape("alice@example.org"), "alice@example.org");
        assert_eq!(escape("a b/c%"), "a%20b%2Fc%25");
        assert_eq!(escape("é"), "%C3%A9");
    }
}

//! Command handlers, one file per command or family, and the command table
//! that says in which states each command is valid.

mod acl;
mod any;
pub mod append;
mod auth;
pub mod cached;
pub mod catenate;
mod compress;
pub mod context;
mod copy;
mod fetch;
pub mod flags;
mod held;
mod idle;
mod list;
mod mailbox;
pub mod messages;
mod metadata;
pub mod names;
pub mod notify;
pub mod quota;
pub mod resolve;
mod search;
mod select;
mod sort;
mod status;
mod store;
mod target;
mod thread;
mod urlauth;
mod urlfetch;

use std::io;

use crate::proto::command::{Command, CommandBody};
use crate::session::{Session, State};

/// Table bit: valid before login.
pub const NOT_AUTH: u8 = 1;
/// Table bit: valid when logged in without a selected mailbox.
pub const AUTH: u8 = 2;
/// Table bit: valid with a selected mailbox.
pub const SELECTED: u8 = 4;
const ANY: u8 = NOT_AUTH | AUTH | SELECTED;
const LOGGED_IN: u8 = AUTH | SELECTED;

/// Capabilities advertised in every state that no one command brings
/// (those are in the table), beyond IMAP4rev1/IMAP4rev2 and AUTH=.
pub const EXTENSIONS: &[&str] = &[
    "SASL-IR",
    "LITERAL+",
    "UIDPLUS",
    "CHILDREN",
    "SPECIAL-USE",
    "CREATE-SPECIAL-USE",
    "LIST-EXTENDED",
    "LIST-STATUS",
    "MULTIAPPEND",
    "ESEARCH",
    "QUOTA",
    "QUOTA=RES-STORAGE",
    "QUOTA=RES-MESSAGE",
    "QUOTASET",
    "ESORT",
    "I18NLEVEL=1",
    "CONTEXT=SEARCH",
    "CONTEXT=SORT",
    "SEARCHRES",
    "WITHIN",
    "STATUS=SIZE",
    "SAVEDATE",
    "OBJECTID",
    "BINARY",
    "SNIPPET=FUZZY",
    "PREVIEW=FUZZY",
    "PREVIEW",
    "CATENATE",
    "URL-PARTIAL",
    "CONDSTORE",
    "QRESYNC",
    "UTF8=ACCEPT",
];

/// A command table entry.
pub struct Spec {
    /// The command name as `CommandBody::name` gives it.
    pub name: &'static str,
    /// The states the command is valid in (bits above).
    pub states: u8,
    /// Whether the command is implemented yet.
    pub available: bool,
    /// The command works with sequence numbers, so EXPUNGE responses must
    /// wait until it is done (RFC 3501 7.4.1: FETCH, STORE, SEARCH).
    pub seq_bound: bool,
    /// The capabilities that announce the command, advertised while it is
    /// available.
    pub caps: &'static [&'static str],
}

const fn spec(name: &'static str, states: u8, available: bool) -> Spec {
    Spec { name, states, available, seq_bound: false, caps: &[] }
}

const fn seq(name: &'static str, available: bool) -> Spec {
    Spec { name, states: SELECTED, available, seq_bound: true, caps: &[] }
}

impl Spec {
    const fn with(self, caps: &'static [&'static str]) -> Spec {
        Spec { caps, ..self }
    }
}

/// Every command tegami knows, with the states it is valid in (RFC 3501
/// section 6 and the extensions' RFCs).
pub static TABLE: &[Spec] = &[
    spec("CAPABILITY", ANY, true),
    spec("NOOP", ANY, true),
    spec("LOGOUT", ANY, true),
    spec("ID", ANY, true).with(&["ID"]),
    spec("STARTTLS", NOT_AUTH, true),
    spec("AUTHENTICATE", NOT_AUTH, true),
    spec("LOGIN", NOT_AUTH, true),
    spec("ENABLE", AUTH, true).with(&["ENABLE"]),
    spec("SELECT", LOGGED_IN, true),
    spec("EXAMINE", LOGGED_IN, true),
    spec("CREATE", LOGGED_IN, true),
    spec("DELETE", LOGGED_IN, true),
    spec("RENAME", LOGGED_IN, true),
    spec("SUBSCRIBE", LOGGED_IN, true),
    spec("UNSUBSCRIBE", LOGGED_IN, true),
    spec("LIST", LOGGED_IN, true),
    spec("LSUB", LOGGED_IN, true),
    spec("STATUS", LOGGED_IN, true),
    spec("APPEND", LOGGED_IN, true),
    spec("IDLE", LOGGED_IN, true).with(&["IDLE"]),
    spec("NAMESPACE", LOGGED_IN, true).with(&["NAMESPACE"]),
    spec("COMPRESS", LOGGED_IN, true).with(&["COMPRESS=DEFLATE"]),
    spec("GETQUOTA", LOGGED_IN, true),
    spec("GETQUOTAROOT", LOGGED_IN, true),
    spec("SETQUOTA", LOGGED_IN, true),
    spec("GETACL", LOGGED_IN, true).with(&["ACL", "RIGHTS=texk"]),
    spec("SETACL", LOGGED_IN, true),
    spec("DELETEACL", LOGGED_IN, true),
    spec("LISTRIGHTS", LOGGED_IN, true),
    spec("GENURLAUTH", LOGGED_IN, true).with(&["URLAUTH", "URLAUTH=BINARY"]),
    spec("RESETKEY", LOGGED_IN, true),
    spec("URLFETCH", LOGGED_IN, true),
    spec("MYRIGHTS", LOGGED_IN, true),
    spec("CHECK", SELECTED, true),
    spec("CLOSE", SELECTED, true),
    spec("UNSELECT", SELECTED, true).with(&["UNSELECT"]),
    spec("EXPUNGE", SELECTED, true),
    spec("UID EXPUNGE", SELECTED, true),
    seq("SEARCH", true),
    spec("UID SEARCH", SELECTED, true),
    seq("FETCH", true),
    spec("UID FETCH", SELECTED, true),
    seq("STORE", true),
    spec("UID STORE", SELECTED, true),
    spec("COPY", SELECTED, true),
    spec("UID COPY", SELECTED, true),
    spec("MOVE", SELECTED, true).with(&["MOVE"]),
    spec("UID MOVE", SELECTED, true),
    seq("SORT", true).with(&["SORT", "SORT=DISPLAY"]),
    spec("UID SORT", SELECTED, true),
    seq("THREAD", true).with(&["THREAD=ORDEREDSUBJECT", "THREAD=REFERENCES", "THREAD=REFS"]),
    spec("UID THREAD", SELECTED, true),
    spec("CANCELUPDATE", SELECTED, true),
    spec("NOTIFY", LOGGED_IN, true).with(&["NOTIFY"]),
    spec("GETMETADATA", LOGGED_IN, true).with(&["METADATA"]),
    spec("SETMETADATA", LOGGED_IN, true),
];

/// The bit of a session state in a table entry.
fn state_bit(state: State) -> u8 {
    match state {
        State::NotAuthenticated => NOT_AUTH,
        State::Authenticated => AUTH,
        State::Selected => SELECTED,
        State::Logout => 0,
    }
}

/// The capability list for the session's state and connection: the base
/// protocols, the login methods before login, what the table's available
/// commands bring, and the rest.
pub fn capabilities(s: &Session) -> String {
    let mut caps = vec!["IMAP4rev1".to_string(), "IMAP4rev2".to_string()];
    if matches!(s.state, State::NotAuthenticated) {
        if !s.is_tls() && s.shared.tls.is_some() {
            caps.push("STARTTLS".into());
        }
        if !s.cleartext_allowed() {
            caps.push("LOGINDISABLED".into());
        }
        for mech in &s.shared.config.auth_mechanisms {
            if s.cleartext_allowed() || !crate::auth::cleartext(mech) {
                caps.push(format!("AUTH={mech}"));
            }
        }
    }
    caps.push("LOGIN-REFERRALS".into());
    caps.extend(TABLE.iter().filter(|c| c.available).flat_map(|c| c.caps.iter().map(|c| c.to_string())));
    caps.extend(EXTENSIONS.iter().map(|c| c.to_string()));
    // RFC 7889: the largest message APPEND takes, the literal limit.
    caps.push(format!("APPENDLIMIT={}", s.shared.config.max_literal));
    caps.join(" ")
}

/// Runs an APPEND whose literal is too large for memory (the reader's
/// `Frame::Literal`): it is streamed into the mailbox.
pub fn execute_streamed(s: &mut Session, prefix: Vec<u8>, size: u64, sync: bool) -> io::Result<()> {
    append::streamed(s, prefix, size, sync)
}

/// The table entry of a command name.
pub fn lookup(name: &str) -> Option<&'static Spec> {
    TABLE.iter().find(|s| s.name == name)
}

pub use crate::proto::response::Reply;

/// What a handler returns: the tagged OK, or the NO/BAD.
pub type Outcome = Result<Reply, Reply>;

/// Why a command is not valid in the session's state.
fn wrong_state(s: &Session, spec: &Spec) -> Reply {
    use crate::session::State::*;
    Reply::Bad(match s.state {
        NotAuthenticated => format!("{} needs a logged-in session: LOGIN first", spec.name),
        Authenticated if spec.states & SELECTED != 0 => format!("{}: no mailbox selected", spec.name),
        _ if spec.states == NOT_AUTH => format!("{}: already logged in", spec.name),
        _ => format!("{} is not valid in this state", spec.name),
    })
}

/// Runs one parsed command and queues its responses.
pub fn execute(s: &mut Session, command: Command) -> io::Result<()> {
    let Command { tag, body } = command;
    let name = body.name();
    let _running = s.monitor.begin(name);
    let Some(spec) = lookup(name) else {
        s.complete(&tag, Err(Reply::Bad(format!("Unknown command{}", crate::proto::response::shown(name)))));
        return Ok(());
    };
    // A SETACL by the owner since the last command takes effect now (with
    // CLOSE's expunge too); commands that leave the mailbox just run.
    if s.state == State::Selected {
        let leaves = matches!(
            body,
            CommandBody::Select { .. }
                | CommandBody::Examine { .. }
                | CommandBody::Close
                | CommandBody::Unselect
                | CommandBody::Logout
        );
        resolve::refresh_selected(s, !leaves);
    }
    if spec.states & state_bit(s.state) == 0 {
        let r = wrong_state(s, spec);
        s.complete(&tag, Err(r));
        return Ok(());
    }
    if !spec.available {
        let r = Reply::No(format!("[CANNOT] {name} is not available yet in this version of tegami"));
        s.complete(&tag, Err(r));
        return Ok(());
    }
    let seq_bound = spec.seq_bound;
    // RFC 5182 2.1: `$` starts empty in every newly selected mailbox.
    if matches!(
        body,
        CommandBody::Select { .. } | CommandBody::Examine { .. } | CommandBody::Close | CommandBody::Unselect
    ) {
        s.saved.clear();
        // RFC 5267 4.3: updates end when the mailbox is left.
        s.contexts.clear();
    }
    // Told to other sessions' NOTIFY once the command has succeeded.
    let account_event = notify::account_event(&s.dialect(), &body);
    let outcome = match body {
        CommandBody::Capability => any::capability(s),
        CommandBody::Noop => Ok("NOOP completed".into()),
        CommandBody::Logout => any::logout(s),
        CommandBody::Id { params } => any::id(s, params),
        CommandBody::Enable { capabilities } => any::enable(s, capabilities),
        CommandBody::StartTls => return auth::starttls(s, &tag),
        CommandBody::Compress { mechanism } => return compress::compress(s, &tag, &mechanism),
        CommandBody::Login { username, password } => auth::login(s, &username, &password),
        CommandBody::Authenticate { mechanism, initial_response } => {
            auth::authenticate(s, &mechanism, initial_response)?
        }
        CommandBody::Select { mailbox, params } => select::select(s, &mailbox, &params, false),
        CommandBody::Examine { mailbox, params } => select::select(s, &mailbox, &params, true),
        CommandBody::Close => select::close(s),
        CommandBody::Unselect => select::unselect(s),
        CommandBody::Check => select::check(s),
        CommandBody::Expunge { uids } => select::expunge(s, uids),
        CommandBody::Create { mailbox, special_use } => mailbox::create(s, &mailbox, &special_use),
        CommandBody::Delete { mailbox } => mailbox::delete(s, &mailbox),
        CommandBody::Rename { from, to } => mailbox::rename(s, &from, &to),
        CommandBody::Subscribe { mailbox } => mailbox::subscribe(s, &mailbox),
        CommandBody::Unsubscribe { mailbox } => mailbox::unsubscribe(s, &mailbox),
        CommandBody::List(cmd) => list::list(s, cmd),
        CommandBody::Lsub { reference, pattern } => list::lsub(s, &reference, &pattern),
        CommandBody::Status { mailbox, items } => status::status(s, &mailbox, &items),
        CommandBody::Append { mailbox, messages } => append::append(s, &mailbox, messages),
        CommandBody::Namespace => any::namespace(s),
        CommandBody::Idle => idle::idle(s)?,
        CommandBody::Search { uid, returns, charset, key } => {
            search::search(s, &tag, uid, returns.as_deref(), charset.as_deref(), &key)
        }
        CommandBody::Fetch { uid, set, items, changed_since, vanished } => {
            fetch::fetch(s, uid, &set, &items, changed_since, vanished)
        }
        CommandBody::Store { uid, set, unchanged_since, mode, silent, flags } => {
            store::store(s, uid, &set, unchanged_since, mode, silent, &flags)
        }
        CommandBody::Copy { uid, set, mailbox, encrypted } => {
            copy::copy(s, uid, &set, &mailbox, false, encrypted.as_ref())
        }
        CommandBody::Move { uid, set, mailbox, encrypted } => {
            copy::copy(s, uid, &set, &mailbox, true, encrypted.as_ref())
        }
        CommandBody::GetQuota { root } => quota::getquota(s, &root),
        CommandBody::GetQuotaRoot { mailbox } => quota::getquotaroot(s, &mailbox),
        CommandBody::SetQuota { root, limits } => quota::setquota(s, &root, &limits),
        CommandBody::Sort { uid, returns, criteria, charset, key } => {
            sort::sort(s, &tag, uid, returns.as_deref(), &criteria, &charset, &key)
        }
        CommandBody::Thread { uid, algorithm, charset, key } => thread::thread(s, uid, &algorithm, &charset, &key),
        CommandBody::GetAcl { mailbox } => acl::getacl(s, &mailbox),
        CommandBody::SetAcl { mailbox, identifier, rights } => acl::setacl(s, &mailbox, &identifier, &rights),
        CommandBody::DeleteAcl { mailbox, identifier } => acl::deleteacl(s, &mailbox, &identifier),
        CommandBody::ListRights { mailbox, identifier } => acl::listrights(s, &mailbox, &identifier),
        CommandBody::MyRights { mailbox } => acl::myrights(s, &mailbox),
        CommandBody::CancelUpdate { tags } => context::cancel_update(s, &tags),
        CommandBody::Notify(set) => notify::notify(s, set),
        CommandBody::Metadata(cmd) => metadata::metadata(s, cmd),
        CommandBody::GenUrlAuth { urls } => urlauth::genurlauth(s, &urls),
        CommandBody::ResetKey { mailbox, mechanisms } => urlauth::resetkey(s, mailbox.as_ref(), &mechanisms),
        CommandBody::UrlFetch { urls } => urlfetch::urlfetch(s, &urls),
    };
    // LOGOUT answers BYE and OK only, whatever changed meanwhile.
    if s.state != State::Logout {
        if let (Ok(_), Some(event)) = (&outcome, account_event) {
            notify::publish(s, event);
        }
        // Others' changes to the selected mailbox (and what NOTIFY
        // watches), before the tagged reply.
        notify::report_changes(s, !seq_bound);
        // Alerts queued meanwhile (or before login, right after LOGIN).
        crate::alerts::report(s);
    }
    s.complete(&tag, outcome);
    Ok(())
}

/// The command as it may appear in a log: LOGIN passwords and AUTHENTICATE
/// initial responses are masked.
pub fn masked_for_log(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    // Split as loosely as any parser might: at every octet that is not
    // visible ASCII (a vertical tab must not hide the command's name).
    let mut words = text.split(|c: char| !c.is_ascii_graphic()).filter(|w| !w.is_empty());
    let (tag, cmd) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
    let secret = |w: &str| {
        let w = w.to_ascii_uppercase();
        w.starts_with("LOGIN") || w.starts_with("AUTHENTICATE")
    };
    if secret(tag) {
        // No tag: what follows the command name may be the secret.
        return format!("{tag} ***");
    }
    if cmd.eq_ignore_ascii_case("LOGIN") {
        let user = words.next().unwrap_or("");
        return format!("{tag} {cmd} {user} ***");
    }
    if cmd.eq_ignore_ascii_case("AUTHENTICATE") {
        let mech = words.next().unwrap_or("");
        let ir = if words.next().is_some() { " ***" } else { "" };
        return format!("{tag} {cmd} {mech}{ir}");
    }
    if secret(cmd) {
        return format!("{tag} {cmd} ***");
    }
    text.into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_the_log() {
        assert_eq!(masked_for_log(b"a LOGIN joe secret"), "a LOGIN joe ***");
        assert_eq!(masked_for_log(b"a login \"joe\" {6}\r\nsecret"), "a login \"joe\" ***");
        assert_eq!(masked_for_log(b"a AUTHENTICATE PLAIN AGpvZQBzZWNyZXQ="), "a AUTHENTICATE PLAIN ***");
        assert_eq!(masked_for_log(b"a SELECT INBOX"), "a SELECT INBOX");
        assert_eq!(masked_for_log(b"x1  LOGIN alice pw"), "x1 LOGIN alice ***");
        assert_eq!(masked_for_log(b"x3\tLOGIN alice pw"), "x3 LOGIN alice ***");
        assert_eq!(masked_for_log(b"x4 LOGIN\x0balice pw"), "x4 LOGIN alice ***");
        assert_eq!(masked_for_log(b"x5 LOGIN alice\x0bpw"), "x5 LOGIN alice ***");
        assert_eq!(masked_for_log(b"LOGIN alice pw"), "LOGIN ***");
        assert_eq!(masked_for_log(b"x6 LOGIN(alice) pw"), "x6 LOGIN(alice) ***");
    }

    #[test]
    fn every_table_name_is_unique() {
        for (i, a) in TABLE.iter().enumerate() {
            assert!(TABLE[i + 1..].iter().all(|b| b.name != a.name), "{}", a.name);
        }
    }
}

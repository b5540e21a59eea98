//! Command handlers, one file per command or family, and their dispatch:
//! the command table ([`crate::proto::table`]) says in which states each
//! command is valid and how it touches the selected mailbox; a `match` on
//! the parsed command calls its handler.

mod acl;
mod any;
pub mod append;
mod auth;
mod compress;
pub mod context;
mod copy;
mod fetch;
mod idle;
mod list;
mod mailbox;
mod metadata;
pub mod notify;
pub mod quota;
mod search;
mod select;
mod sort;
mod status;
mod store;
mod thread;
mod urlauth;
mod urlfetch;

use std::io;

use crate::proto::command::{Command, CommandBody};
use crate::proto::table::{CommandKind, Spec, States};
use crate::session::{Session, State};

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

/// The table's states that hold a session state.
fn states_of(state: State) -> States {
    match state {
        State::NotAuthenticated => States::NOT_AUTH,
        State::Authenticated => States::AUTH,
        State::Selected => States::SELECTED,
        State::Logout => States::NONE,
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
    caps.extend(CommandKind::ALL.iter().flat_map(|k| k.spec().caps.iter().map(|c| c.to_string())));
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

pub use crate::proto::response::Reply;

/// What a handler returns: the tagged OK, or the NO/BAD.
pub type Outcome = Result<Reply, Reply>;

/// Why a command is not valid in the session's state.
fn wrong_state(s: &Session, spec: &Spec) -> Reply {
    use crate::session::State::*;
    Reply::bad(match s.state {
        NotAuthenticated => format!("{} needs a logged-in session: LOGIN first", spec.name),
        Authenticated if spec.states.intersects(States::SELECTED) => format!("{}: no mailbox selected", spec.name),
        _ if spec.states == States::NOT_AUTH => format!("{}: already logged in", spec.name),
        _ => format!("{} is not valid in this state", spec.name),
    })
}

/// Runs one parsed command and queues its responses: the table's state
/// rules first, then the handler, then what others changed meanwhile.
pub fn execute(s: &mut Session, command: Command) -> io::Result<()> {
    let Command { tag, body } = command;
    let spec = body.kind().spec();
    let _running = s.monitor.begin(spec.name);
    // A SETACL by the owner since the last command takes effect now (with
    // CLOSE's expunge too); commands that leave the mailbox just run.
    if s.state == State::Selected {
        s.recheck_selected();
        s.refresh_selected(!spec.breaks_mailbox());
    }
    if !spec.states.intersects(states_of(s.state)) {
        let r = wrong_state(s, spec);
        s.complete(&tag, Err(r));
        return Ok(());
    }
    if spec.breaks_mailbox() {
        // RFC 5182 2.1: `$` starts empty in every newly selected mailbox.
        s.saved.clear();
        // RFC 5267 4.3: updates end when the mailbox is left.
        s.contexts.clear();
    }
    // Told to other sessions' NOTIFY once the command has succeeded.
    let account_event = notify::account_event(&s.dialect(), &body);
    let Some(outcome) = dispatch(s, &tag, body)? else { return Ok(()) };
    // LOGOUT answers BYE and OK only, whatever changed meanwhile.
    if s.state != State::Logout {
        if let (Ok(_), Some(event)) = (&outcome, account_event) {
            notify::publish(s, event);
        }
        // Others' changes to the selected mailbox (and what NOTIFY
        // watches), before the tagged reply; no EXPUNGE after a command
        // that uses sequence numbers (RFC 3501 7.4.1).
        notify::report_changes(s, !spec.uses_sequence_numbers());
        // Alerts queued meanwhile (or before login, right after LOGIN).
        s.report_alerts();
    }
    s.complete(&tag, outcome);
    Ok(())
}

/// Runs the handler of the command: its outcome, or `None` when the
/// handler (STARTTLS, COMPRESS) completed the command itself.
fn dispatch(s: &mut Session, tag: &str, body: CommandBody) -> io::Result<Option<Outcome>> {
    Ok(Some(match body {
        CommandBody::Capability => any::capability(s),
        CommandBody::Noop => Ok("NOOP completed".into()),
        CommandBody::Logout => any::logout(s),
        CommandBody::Id { params } => any::id(s, params),
        CommandBody::Enable { capabilities } => any::enable(s, capabilities),
        CommandBody::StartTls => return auth::starttls(s, tag).map(|()| None),
        CommandBody::Compress { mechanism } => return compress::compress(s, tag, &mechanism).map(|()| None),
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
            search::search(s, tag, uid, returns.as_deref(), charset.as_deref(), &key)
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
            sort::sort(s, tag, uid, returns.as_deref(), &criteria, &charset, &key)
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
    }))
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
}

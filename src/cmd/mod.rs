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

use crate::client::{Ctx, State};
use crate::proto::command::{Command, CommandBody};
use crate::proto::table::{CommandKind, Spec, States};

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
fn states_of(state: &State) -> States {
    match state {
        State::NotAuthenticated { .. } => States::NOT_AUTH,
        State::Authenticated(_) => States::AUTH,
        State::Selected(..) => States::SELECTED,
        State::Logout => States::NONE,
    }
}

/// The capability list for the session's state and connection: the base
/// protocols, the login methods before login, what the table's available
/// commands bring, and the rest.
pub fn capabilities(s: &Ctx<'_>) -> String {
    let mut caps = vec!["IMAP4rev1".to_string(), "IMAP4rev2".to_string()];
    if s.state.is_not_authenticated() {
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

pub use crate::proto::response::Reply;
pub use append::Upload;

/// What a handler returns: the tagged OK, or the NO/BAD.
pub type Outcome = Result<Reply, Reply>;

/// Why a command is not valid in the session's state.
fn wrong_state(s: &Ctx<'_>, spec: &Spec) -> Reply {
    use crate::client::State::*;
    Reply::bad(match s.state {
        NotAuthenticated { .. } => format!("{} needs a logged-in session: LOGIN first", spec.name),
        Authenticated(_) if spec.states.intersects(States::SELECTED) => format!("{}: no mailbox selected", spec.name),
        _ if spec.states == States::NOT_AUTH => format!("{}: already logged in", spec.name),
        _ => format!("{} is not valid in this state", spec.name),
    })
}

/// What a command asks of the connection, which the session's loop
/// carries out before the command's sync and tagged reply.
pub enum Effect {
    /// IDLE (RFC 2177): changes go out as they happen until DONE.
    Idle,
    /// STARTTLS (RFC 3501 6.2.1): OK in clear text, then the handshake.
    StartTls,
    /// COMPRESS DEFLATE (RFC 4978): OK, then deflate both ways.
    Compress,
    /// LOGOUT (RFC 3501 6.1.3): BYE, the tagged OK, and the end.
    Logout,
    /// AUTHENTICATE's SASL exchange (RFC 3501 6.2.2): the challenge sent,
    /// the client's line read, and [`Exchange::answer`] until it ends.
    Sasl(Exchange),
}

pub use auth::Exchange;

/// How a handler finished.
pub enum Done {
    /// Its tagged reply, to go out after the sync.
    Reply(Outcome),
    /// The command is complete already (STARTTLS, COMPRESS, or refused in
    /// the session's state).
    Completed,
    /// The session carries out the effect, which ends in the reply.
    Effect(Effect),
}

/// A command [`execute`] ran, for the session's sync and its completion.
pub struct Ran {
    /// The command's tag.
    pub tag: String,
    /// How its handler finished.
    pub done: Done,
    /// Whether EXPUNGE may go out before the tagged reply: not after a
    /// command that uses sequence numbers (RFC 3501 7.4.1).
    pub expunge_ok: bool,
    /// What to tell other sessions' NOTIFY once the command succeeded.
    pub event: Option<crate::notify::AccountEvent>,
}

/// Runs one parsed command and queues its responses: the table's state
/// rules first, then the handler. What others changed meanwhile and the
/// tagged reply are the session's sync (`session::sync`).
pub fn execute(s: &mut Ctx<'_>, command: Command) -> io::Result<Ran> {
    let Command { tag, body } = command;
    let spec = body.kind().spec();
    // A SETACL by the owner since the last command takes effect now (with
    // CLOSE's expunge too); commands that leave the mailbox just run.
    if s.state.is_selected() {
        s.recheck_selected();
        s.refresh_selected(!spec.breaks_mailbox());
    }
    let expunge_ok = !spec.uses_sequence_numbers();
    if !spec.states.intersects(states_of(s.state)) {
        let r = wrong_state(s, spec);
        s.complete(&tag, Err(r));
        return Ok(Ran { tag, done: Done::Completed, expunge_ok, event: None });
    }
    if let Some(selected) = s.state.selected_mut().filter(|_| spec.breaks_mailbox()) {
        // RFC 5182 2.1: `$` starts empty in every newly selected mailbox.
        selected.saved.clear();
        // RFC 5267 4.3: updates end when the mailbox is left.
        selected.contexts.clear();
    }
    // Told to other sessions' NOTIFY once the command has succeeded.
    let event = notify::account_event(&s.dialect(), &body);
    let done = dispatch(s, &tag, body)?;
    Ok(Ran { tag, done, expunge_ok, event })
}

/// Runs the handler of the command.
fn dispatch(s: &mut Ctx<'_>, tag: &str, body: CommandBody) -> io::Result<Done> {
    Ok(Done::Reply(match body {
        CommandBody::Capability => any::capability(s),
        CommandBody::Noop => Ok("NOOP completed".into()),
        CommandBody::Logout => return Ok(Done::Effect(Effect::Logout)),
        CommandBody::Id { params } => any::id(s, params),
        CommandBody::Enable { capabilities } => any::enable(s, capabilities),
        CommandBody::StartTls => return Ok(auth::starttls(s, tag)),
        CommandBody::Compress { mechanism } => return Ok(compress::compress(s, tag, &mechanism)),
        CommandBody::Login { username, password } => auth::login(s, &username, &password),
        CommandBody::Authenticate { mechanism, initial_response } => {
            return Ok(auth::authenticate(s, &mechanism, initial_response))
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
        CommandBody::Idle => return Ok(idle::idle()),
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

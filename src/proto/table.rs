//! The command table: one entry per command tegami knows, with its name,
//! the session states it is valid in (RFC 3501 section 6 and the
//! extensions' RFCs), the capabilities it brings, and how it touches the
//! selected mailbox. The parser looks command names up here, the
//! dispatcher checks states and mailbox rules here and CAPABILITY lists
//! what the entries bring; a name is written once, in this table.
//! Dovecot's `imap-commands.c` has the same idea.

/// A set of session states, as a command table entry allows them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct States(u8);

impl States {
    /// No state (what LOGOUT's state allows).
    pub const NONE: States = States(0);
    /// Before login.
    pub const NOT_AUTH: States = States(1);
    /// Logged in without a selected mailbox.
    pub const AUTH: States = States(2);
    /// With a selected mailbox.
    pub const SELECTED: States = States(4);
    /// Logged in, with or without a selected mailbox.
    pub const LOGGED_IN: States = States(2 | 4);
    /// Every state of a live session.
    pub const ANY: States = States(1 | 2 | 4);

    /// True when the two sets share a state.
    pub fn intersects(self, other: States) -> bool {
        self.0 & other.0 != 0
    }
}

/// Whether an entry brings none of the "mailbox" properties below.
const PLAIN: u8 = 0;
/// The command works with sequence numbers, so EXPUNGE responses wait
/// until it is done (RFC 3501 7.4.1: FETCH, STORE, SEARCH, not the UID forms).
const SEQ: u8 = 1;
/// The command leaves the selected mailbox (Dovecot's
/// `COMMAND_FLAG_BREAKS_MAILBOX`): what belonged to it ends first.
const BREAKS: u8 = 2;

/// What the table says of one command.
#[derive(Debug)]
pub struct Spec {
    /// The name as a client sends it, `UID` forms as `UID FETCH`.
    pub name: &'static str,
    /// The states it is valid in.
    pub states: States,
    /// The capabilities that announce it.
    pub caps: &'static [&'static str],
    flags: u8,
}

impl Spec {
    /// The command works with sequence numbers: no EXPUNGE responses may
    /// be sent while it runs or right after it (RFC 3501 7.4.1).
    pub fn uses_sequence_numbers(&self) -> bool {
        self.flags & SEQ != 0
    }

    /// The command leaves the selected mailbox (SELECT, EXAMINE, CLOSE,
    /// UNSELECT, LOGOUT): saved results and CONTEXT updates end with it,
    /// and withdrawn rights need no separate closing.
    pub fn breaks_mailbox(&self) -> bool {
        self.flags & BREAKS != 0
    }
}

/// Defines [`CommandKind`], its specs and its name lookup from one list.
macro_rules! commands {
    ($($kind:ident = $name:literal, $states:ident, $flags:ident, [$($cap:literal),*];)*) => {
        /// Every command tegami knows, one entry per name (the `UID` forms
        /// are entries of their own).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum CommandKind {
            $(
                #[doc = concat!("`", $name, "`")]
                $kind,
            )*
        }

        /// The table, in the order of [`CommandKind`].
        static SPECS: &[Spec] = &[
            $(Spec { name: $name, states: States::$states, caps: &[$($cap),*], flags: $flags },)*
        ];

        impl CommandKind {
            /// Every kind, in table order.
            pub const ALL: &'static [CommandKind] = &[$(CommandKind::$kind),*];

            /// The kind named `upper`, already upper case.
            fn by_name(upper: &str) -> Option<CommandKind> {
                match upper {
                    $($name => Some(CommandKind::$kind),)*
                    _ => None,
                }
            }
        }
    };
}

commands! {
    Capability = "CAPABILITY", ANY, PLAIN, [];
    Noop = "NOOP", ANY, PLAIN, [];
    Logout = "LOGOUT", ANY, BREAKS, [];
    Id = "ID", ANY, PLAIN, ["ID"];
    StartTls = "STARTTLS", NOT_AUTH, PLAIN, [];
    Authenticate = "AUTHENTICATE", NOT_AUTH, PLAIN, [];
    Login = "LOGIN", NOT_AUTH, PLAIN, [];
    Enable = "ENABLE", AUTH, PLAIN, ["ENABLE"];
    Select = "SELECT", LOGGED_IN, BREAKS, [];
    Examine = "EXAMINE", LOGGED_IN, BREAKS, [];
    Create = "CREATE", LOGGED_IN, PLAIN, [];
    Delete = "DELETE", LOGGED_IN, PLAIN, [];
    Rename = "RENAME", LOGGED_IN, PLAIN, [];
    Subscribe = "SUBSCRIBE", LOGGED_IN, PLAIN, [];
    Unsubscribe = "UNSUBSCRIBE", LOGGED_IN, PLAIN, [];
    List = "LIST", LOGGED_IN, PLAIN, [];
    Lsub = "LSUB", LOGGED_IN, PLAIN, [];
    Status = "STATUS", LOGGED_IN, PLAIN, [];
    Append = "APPEND", LOGGED_IN, PLAIN, [];
    Idle = "IDLE", LOGGED_IN, PLAIN, ["IDLE"];
    Namespace = "NAMESPACE", LOGGED_IN, PLAIN, ["NAMESPACE"];
    Compress = "COMPRESS", LOGGED_IN, PLAIN, ["COMPRESS=DEFLATE"];
    GetQuota = "GETQUOTA", LOGGED_IN, PLAIN, [];
    GetQuotaRoot = "GETQUOTAROOT", LOGGED_IN, PLAIN, [];
    SetQuota = "SETQUOTA", LOGGED_IN, PLAIN, [];
    GetAcl = "GETACL", LOGGED_IN, PLAIN, ["ACL", "RIGHTS=texk"];
    SetAcl = "SETACL", LOGGED_IN, PLAIN, [];
    DeleteAcl = "DELETEACL", LOGGED_IN, PLAIN, [];
    ListRights = "LISTRIGHTS", LOGGED_IN, PLAIN, [];
    GenUrlAuth = "GENURLAUTH", LOGGED_IN, PLAIN, ["URLAUTH", "URLAUTH=BINARY"];
    ResetKey = "RESETKEY", LOGGED_IN, PLAIN, [];
    UrlFetch = "URLFETCH", LOGGED_IN, PLAIN, [];
    MyRights = "MYRIGHTS", LOGGED_IN, PLAIN, [];
    Check = "CHECK", SELECTED, PLAIN, [];
    Close = "CLOSE", SELECTED, BREAKS, [];
    Unselect = "UNSELECT", SELECTED, BREAKS, ["UNSELECT"];
    Expunge = "EXPUNGE", SELECTED, PLAIN, [];
    UidExpunge = "UID EXPUNGE", SELECTED, PLAIN, [];
    Search = "SEARCH", SELECTED, SEQ, [];
    UidSearch = "UID SEARCH", SELECTED, PLAIN, [];
    Fetch = "FETCH", SELECTED, SEQ, [];
    UidFetch = "UID FETCH", SELECTED, PLAIN, [];
    Store = "STORE", SELECTED, SEQ, [];
    UidStore = "UID STORE", SELECTED, PLAIN, [];
    Copy = "COPY", SELECTED, PLAIN, [];
    UidCopy = "UID COPY", SELECTED, PLAIN, [];
    Move = "MOVE", SELECTED, PLAIN, ["MOVE"];
    UidMove = "UID MOVE", SELECTED, PLAIN, [];
    Sort = "SORT", SELECTED, SEQ, ["SORT", "SORT=DISPLAY"];
    UidSort = "UID SORT", SELECTED, PLAIN, [];
    Thread = "THREAD", SELECTED, SEQ, ["THREAD=ORDEREDSUBJECT", "THREAD=REFERENCES", "THREAD=REFS"];
    UidThread = "UID THREAD", SELECTED, PLAIN, [];
    CancelUpdate = "CANCELUPDATE", SELECTED, PLAIN, [];
    Notify = "NOTIFY", LOGGED_IN, PLAIN, ["NOTIFY"];
    GetMetadata = "GETMETADATA", LOGGED_IN, PLAIN, ["METADATA"];
    SetMetadata = "SETMETADATA", LOGGED_IN, PLAIN, [];
}

/// The longest name in the table, `GETQUOTAROOT`; longer words are no
/// command and are not copied anywhere.
const LONGEST_NAME: usize = 12;

impl CommandKind {
    /// The table entry.
    pub fn spec(self) -> &'static Spec {
        // SPECS is built from the same list as the enum, in its order.
        &SPECS[self as usize]
    }

    /// The name as a client sends it (`UID FETCH` for the UID forms).
    pub fn name(self) -> &'static str {
        self.spec().name
    }

    /// True for the `UID` forms, whose sets are UIDs.
    pub fn is_uid(self) -> bool {
        self.name().starts_with("UID ")
    }

    /// The command named `name`, in any case (`uid fetch` too). Upper-cased
    /// in a small buffer: a long word from a client costs nothing.
    pub fn from_name(name: &[u8]) -> Option<CommandKind> {
        let mut upper = [0u8; LONGEST_NAME];
        let upper = upper.get_mut(..name.len())?;
        upper.copy_from_slice(name);
        upper.make_ascii_uppercase();
        CommandKind::by_name(std::str::from_utf8(upper).ok()?)
    }

    /// The `UID` form of the command named `sub` (`UID FETCH` for `fetch`).
    pub fn uid_form(sub: &[u8]) -> Option<CommandKind> {
        let mut name = [0u8; LONGEST_NAME];
        let name = name.get_mut(..sub.len() + 4)?;
        name[..4].copy_from_slice(b"UID ");
        name[4..].copy_from_slice(sub);
        CommandKind::from_name(name).filter(|k| k.is_uid())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_finds_its_kind_and_no_other() {
        assert_eq!(CommandKind::ALL.len(), SPECS.len());
        for (i, &kind) in CommandKind::ALL.iter().enumerate() {
            assert_eq!(kind as usize, i);
            assert_eq!(CommandKind::from_name(kind.name().as_bytes()), Some(kind));
            assert_eq!(CommandKind::from_name(kind.name().to_ascii_lowercase().as_bytes()), Some(kind));
            assert!(kind.name().len() <= LONGEST_NAME, "{}", kind.name());
            assert!(CommandKind::ALL[i + 1..].iter().all(|k| k.name() != kind.name()), "{}", kind.name());
            if let Some(sub) = kind.name().strip_prefix("UID ") {
                assert_eq!(CommandKind::uid_form(sub.as_bytes()), Some(kind));
            }
        }
        assert!(CommandKind::ALL.iter().any(|k| k.name().len() == LONGEST_NAME));
    }

    #[test]
    fn words_that_are_no_command() {
        for word in [&b"UID"[..], b"FROB", b"", b"GETQUOTAROOTS", b"UID FROB", b"uid", &[b'A'; 100_000]] {
            assert_eq!(
                CommandKind::from_name(word),
                None,
                "{:?}",
                String::from_utf8_lossy(&word[..word.len().min(20)])
            );
        }
        // Only the UID forms follow UID.
        assert_eq!(CommandKind::uid_form(b"fetch"), Some(CommandKind::UidFetch));
        assert_eq!(CommandKind::uid_form(b"CAPABILITY"), None);
        assert_eq!(CommandKind::uid_form(b"EXPUNGE"), Some(CommandKind::UidExpunge));
        assert_eq!(CommandKind::uid_form(b"UID FETCH"), None);
    }

    #[test]
    fn sequence_numbers_and_mailbox_breaks_are_where_rfc_3501_puts_them() {
        let seq: Vec<&str> =
            CommandKind::ALL.iter().filter(|k| k.spec().uses_sequence_numbers()).map(|k| k.name()).collect();
        assert_eq!(seq, ["SEARCH", "FETCH", "STORE", "SORT", "THREAD"]);
        let breaks: Vec<&str> =
            CommandKind::ALL.iter().filter(|k| k.spec().breaks_mailbox()).map(|k| k.name()).collect();
        assert_eq!(breaks, ["LOGOUT", "SELECT", "EXAMINE", "CLOSE", "UNSELECT"]);
    }
}

//! The RFC 3501 connection states, each holding the data that belongs to
//! it: failed logins before login, the login after it, and while a mailbox
//! is selected its view, how it was reached, the saved search result and
//! the CONTEXT updates. Leaving a state drops its data with it.

use super::view::MailboxView;
use crate::access::Target;
use crate::mail::Login;
use crate::proto::response::Reply;
use crate::search::context::Contexts;

/// Where a session is in RFC 3501's state diagram, with its data.
pub enum State {
    /// Before LOGIN or AUTHENTICATE.
    NotAuthenticated {
        /// Failed LOGIN/AUTHENTICATE attempts so far.
        failed_logins: u32,
    },
    /// Logged in, no mailbox selected.
    Authenticated(Login),
    /// A mailbox is selected (boxed: the view is large, the other states
    /// small).
    Selected(Login, Box<Selected>),
    /// After LOGOUT, or when the connection must end.
    Logout,
}

/// What the selected state holds beside the login.
pub struct Selected {
    /// The selected mailbox as the session sees it.
    pub view: MailboxView,
    /// How it was reached: its account and the rights held there (see
    /// `mail::resolve`).
    pub access: Target,
    /// The UIDs of the search result saved by `RETURN (SAVE)` (RFC 5182),
    /// what `$` stands for; empty in every newly selected mailbox.
    pub saved: Vec<u32>,
    /// Search results kept for RFC 5267 UPDATE (see `client::contexts`).
    pub contexts: Contexts,
}

impl Selected {
    /// A newly selected mailbox: nothing saved, no contexts.
    pub fn new(view: MailboxView, access: Target) -> Selected {
        Selected { view, access, saved: Vec::new(), contexts: Contexts::default() }
    }
}

impl State {
    /// True before login.
    pub fn is_not_authenticated(&self) -> bool {
        matches!(self, State::NotAuthenticated { .. })
    }

    /// True with a mailbox selected.
    pub fn is_selected(&self) -> bool {
        matches!(self, State::Selected(..))
    }

    /// True once the connection is to end.
    pub fn is_logout(&self) -> bool {
        matches!(self, State::Logout)
    }
}

impl State {
    /// The logged-in user, in the authenticated and selected states.
    pub fn login(&self) -> Option<&Login> {
        match self {
            State::Authenticated(l) | State::Selected(l, _) => Some(l),
            _ => None,
        }
    }

    /// The logged-in user; handlers run only in states that have one.
    pub fn user(&self) -> Result<&Login, Reply> {
        self.login().ok_or_else(|| Reply::bad("Not logged in"))
    }

    /// What the selected state holds.
    pub fn selected(&self) -> Option<&Selected> {
        match self {
            State::Selected(_, s) => Some(&**s),
            _ => None,
        }
    }

    /// What the selected state holds, to change.
    pub fn selected_mut(&mut self) -> Option<&mut Selected> {
        match self {
            State::Selected(_, s) => Some(&mut **s),
            _ => None,
        }
    }

    /// The login and the selection together (borrowed apart).
    pub fn login_and_selected(&mut self) -> Option<(&Login, &mut Selected)> {
        match self {
            State::Selected(l, s) => Some((&*l, &mut **s)),
            _ => None,
        }
    }

    /// The selected mailbox, if any.
    pub fn view(&self) -> Option<&MailboxView> {
        self.selected().map(|s| &s.view)
    }

    /// The selected mailbox.
    pub fn view_mut(&mut self) -> Result<&mut MailboxView, Reply> {
        self.selected_mut().map(|s| &mut s.view).ok_or_else(|| Reply::bad("No mailbox selected"))
    }

    /// How the selected mailbox was reached (see `mail::resolve`).
    pub fn access(&self) -> Option<&Target> {
        self.selected().map(|s| &s.access)
    }

    /// The same, to change (its rights looked at again).
    pub fn access_mut(&mut self) -> Option<&mut Target> {
        self.selected_mut().map(|s| &mut s.access)
    }

    /// The saved search result (`$`, RFC 5182); empty unless selected.
    pub fn saved(&self) -> &[u32] {
        self.selected().map_or(&[], |s| &s.saved)
    }

    /// Replaces the saved search result (only a selected mailbox has one).
    pub fn set_saved(&mut self, uids: Vec<u32>) {
        if let Some(s) = self.selected_mut() {
            s.saved = uids;
        }
    }

    /// The kept CONTEXT results, in the selected state.
    pub fn contexts(&self) -> Option<&Contexts> {
        self.selected().map(|s| &s.contexts)
    }

    /// The same, to change.
    pub fn contexts_mut(&mut self) -> Option<&mut Contexts> {
        self.selected_mut().map(|s| &mut s.contexts)
    }

    /// Counts a failed login; the number so far on this connection.
    pub fn failed_login(&mut self) -> u32 {
        match self {
            State::NotAuthenticated { failed_logins } => {
                *failed_logins += 1;
                *failed_logins
            }
            _ => 0,
        }
    }

    /// Enters the selected state (the previous selection, if any, is
    /// dropped and its watch ends).
    pub fn enter_selected(&mut self, selected: Selected) {
        let state = std::mem::replace(self, State::Logout);
        *self = match state {
            State::Authenticated(l) | State::Selected(l, _) => State::Selected(l, Box::new(selected)),
            other => other,
        };
    }

    /// Leaves the selected state (the view's drop ends its watch); what it
    /// held.
    pub fn unselect(&mut self) -> Option<Selected> {
        let state = std::mem::replace(self, State::Logout);
        let (state, left) = match state {
            State::Selected(l, s) => (State::Authenticated(l), Some(*s)),
            other => (other, None),
        };
        *self = state;
        left
    }
}

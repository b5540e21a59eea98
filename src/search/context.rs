//! A session's kept search and sort results for RFC 5267's UPDATE: plain
//! data the session holds; the session's sync (`client::contexts`) runs
//! them again as the mailbox changes and says what joined and left.

use crate::proto::command::SortCriterion;
use crate::proto::response::{Code, Reply};
use crate::search::Program;

/// Updating contexts one session may hold; RFC 5267 4.3.1 asks for at
/// least one. Beyond it a search is answered with `NO [NOUPDATE "tag"]`.
pub const MAX_CONTEXTS: usize = 8;

/// One kept search or sort result.
#[derive(Debug)]
pub struct Context {
    /// The tag of the command that asked for updates.
    pub tag: String,
    /// UID SEARCH / UID SORT: the updates carry UIDs, else message numbers.
    pub uid: bool,
    /// The search, `$` bound as it was when the command ran.
    pub program: Program,
    /// The sort order, for SORT; `None` for SEARCH (mailbox order).
    pub criteria: Option<Vec<SortCriterion>>,
    /// The result as last told, as UIDs, in its order.
    pub results: Vec<u32>,
}

/// A session's updating contexts.
#[derive(Debug, Default)]
pub struct Contexts {
    pub list: Vec<Context>,
    /// The view's snapshot counter the results were last brought up to.
    pub seen: u64,
}

impl Contexts {
    /// True when no context is kept.
    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// Forgets every context (the mailbox is left or another selected).
    pub fn clear(&mut self) {
        self.list.clear();
    }

    /// BAD when `tag` already names an updating context (RFC 5267 4.3: a
    /// client must not reuse the tag of a searching command with UPDATE).
    pub fn check_tag(&self, tag: &str) -> Result<(), Reply> {
        if self.list.iter().any(|c| c.tag == tag) {
            return Err(Reply::bad(format!("Tag reuse: {tag} already names an updating search context")));
        }
        Ok(())
    }

    /// Keeps `context` for updates, the view being at `counter` (`None`
    /// without one); or the `NO [NOUPDATE "tag"]` to send untagged when
    /// the session holds too many already: the command itself succeeds
    /// either way (RFC 5267 4.3.1).
    pub fn keep(&mut self, context: Context, counter: Option<u64>) -> Result<(), Reply> {
        if self.list.len() >= MAX_CONTEXTS {
            let text = format!("Too many contexts, at most {MAX_CONTEXTS}");
            return Err(Reply::no(Code::NoUpdate(context.tag), text));
        }
        if self.list.is_empty() {
            if let Some(counter) = counter {
                self.seen = counter;
            }
        }
        self.list.push(context);
        Ok(())
    }
}

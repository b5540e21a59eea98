//! A session's kept search and sort results for RFC 5267's UPDATE: plain
//! data the session holds; `cmd::context` runs them again as the mailbox
//! changes and says what joined and left.

use crate::proto::command::SortCriterion;
use crate::search::Program;

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
}

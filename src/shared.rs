//! State every session shares: the configuration, TLS, accounts, the
//! failed-login penalties, and the server's registries (sessions, NOTIFY
//! listeners, alert watcher, SORT's memory), passed explicitly rather than kept in
//! process globals.

use std::sync::Arc;

use crate::activity::Registry;
use crate::alerts::Alerts;
use crate::auth::passwd::{Account, PasswdDb};
use crate::auth::penalty::Penalty;
use crate::auth::{Accounts, Directory};
use crate::budget::Budget;
use crate::config::Config;
use crate::fts::SearchIndex;
use crate::notify::Listeners;
use crate::sort::memo::Memo;
use crate::store::Store;

/// Server-wide state, behind an `Arc` in every session.
pub struct Shared {
    /// The configuration.
    pub config: Config,
    /// TLS, when a certificate was given.
    pub tls: Option<crate::net::Tls>,
    /// The maildir registry shared by every session.
    pub store: Arc<Store>,
    /// Failed-login delays per client address and login name.
    pub penalty: Penalty,
    /// Memory held for clients, server-wide (`--max-client-memory`).
    pub budget: Arc<Budget>,
    /// The sessions listening for NOTIFY's account events.
    pub notify: Listeners,
    /// The alert spools and their watcher (`--alerts-dir`).
    pub alerts: Alerts,
    /// The live session table and the server statistics (what the
    /// monitor shows and SIGTERM ends).
    pub monitor: Arc<Registry>,
    /// SORT's keys and kept orders, per mailbox.
    pub sort_memo: Memo,
    /// The full-text search index's background indexer; `None` with
    /// `--no-search-index`.
    pub search_index: Option<Arc<SearchIndex>>,
    directory: Directory,
}

impl Shared {
    /// Loads the passwd-file (and router file) named in the configuration.
    pub fn new(config: Config, tls: Option<crate::net::Tls>) -> Result<Shared, String> {
        let path = config.users.clone().ok_or("no --users file")?;
        let directory = Directory::open(&path, config.router.as_deref(), config.username_format.clone())?;
        let penalty = Penalty::new(config.auth_penalty, config.auth_penalty_table);
        let budget = Budget::new(config.net.max_client_memory);
        let alerts = Alerts::new(config.alerts_dir.clone());
        let search_index = config.search_index.then(SearchIndex::start);
        Ok(Shared {
            config,
            tls,
            store: Store::new(),
            penalty,
            budget,
            notify: Listeners::default(),
            alerts,
            monitor: Registry::new(),
            sort_memo: Memo::default(),
            search_index,
            directory,
        })
    }

    /// The accounts as they are now, re-read first if the passwd-file or the
    /// router file changed on disk (an administrator's edit takes effect
    /// without a restart). Cheap: one `stat` per file and a pointer copy.
    pub fn directory(&self) -> Accounts {
        self.directory.snapshot()
    }

    /// The passwd-file as it is now (see [`Shared::directory`]).
    pub fn accounts(&self) -> Arc<PasswdDb> {
        self.directory.snapshot().db
    }

    /// Looks up one account by login name: username format applied, router
    /// aliases followed.
    pub fn account(&self, user: &str) -> Option<Account> {
        self.directory().resolve(user).cloned()
    }
}

//! State every session shares: the configuration, TLS, accounts.

use std::sync::Arc;

use parking_lot::RwLock;

use crate::auth::passwd::{Account, PasswdDb};
use crate::config::Config;
use crate::store::Store;

/// Server-wide state, behind an `Arc` in every session.
pub struct Shared {
    /// The configuration.
    pub config: Config,
    /// TLS, when a certificate was given.
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// The maildir registry shared by every session.
    pub store: Arc<Store>,
    accounts: RwLock<PasswdDb>,
}

impl Shared {
    /// Loads the passwd-file named in the configuration.
    pub fn new(config: Config, tls: Option<Arc<rustls::ServerConfig>>) -> Result<Shared, String> {
        let path = config.users.clone().ok_or("no --users file")?;
        let db = PasswdDb::load(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        for w in db.warnings() {
            log::warn!("{}: {w}", path.display());
        }
        Ok(Shared { config, tls, store: Store::new(), accounts: RwLock::new(db) })
    }

    /// The accounts, re-read first if the passwd-file changed on disk (so
    /// an administrator's edit takes effect without a restart).
    pub fn accounts(&self) -> parking_lot::RwLockReadGuard<'_, PasswdDb> {
        let reloaded = match self.accounts.write().reload_if_changed() {
            Ok(changed) => changed,
            Err(e) => {
                log::warn!("passwd-file not reloaded, keeping the old one: {e}");
                false
            }
        };
        if reloaded {
            log::error!("passwd-file reloaded");
        }
        self.accounts.read()
    }

    /// Looks up one account (see [`Shared::accounts`]).
    pub fn account(&self, user: &str) -> Option<Account> {
        self.accounts().lookup(user).cloned()
    }
}

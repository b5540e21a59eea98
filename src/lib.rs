//! tegami: an IMAP server for maildir folders.
//!
//! The layers, as the tree has them (`tests/core_layers.rs` checks the
//! import graph: no cycle among these modules but the one edge it lists
//! as being cut, handlers never import handlers, only the writer writes to
//! a client's stream):
//!
//! ```text
//!  net ──▶ server ──▶ session ─────────────────────────────────────────────┐
//!  (TLS,   (listeners, (the connection loop; State carries its data:        │
//!  deflate, PROXY      NotAuthenticated, Authenticated(Login),              │
//!  PROXY    header,    Selected(Login, Selected), Logout)                   │
//!  header)  origin,         │                                               │
//!           pool, caps)     ▼                                               │
//!            reader ─▶ proto::parse ─▶ proto::table ─▶ cmd::execute         │
//!                      (typed Command)  (states,       (one handler per     │
//!                                        flags)         command)            │
//!                                                          │      │         │
//!                                                          ▼      ▼         │
//!                                          mail (Scope: Login,   Ran: a typed Reply
//!                                          rights, quota, names,  or an Effect
//!                                          the message walk)      (STARTTLS, COMPRESS,
//!                                                          │       IDLE, LOGOUT)
//!                                                          ▼            │
//!                                          store (maildir, uids,        ▼
//!                                          modseqs, cache, locks)  session::effects,
//!                                                                  then session::sync
//!                                                                  (view updates, CONTEXT,
//!                                                                  NOTIFY, alerts), then
//!                                                  net ◀── session::writer (typed
//!                                                          Responses, the only writer)
//!
//!  beside them, on sockets of their own: monitor (HTTP), agentx (snmpd),
//!  authhttp (nginx); they read activity's table of live sessions.
//!  beside the store: fts, the search index (SQLite beside each mailbox),
//!  which mail's message walk asks which messages a text search may match;
//!  its indexer thread lives in Shared.
//! ```
//!
//! `proto` knows IMAP syntax and nothing of files; `store` knows maildir and
//! nothing of IMAP syntax. Between a handler and the store sits the mail
//! layer (`cmd -> mail -> store`): `mail` resolves names, rights and quota
//! for a login and walks messages, and knows nothing of the session.
//! Handlers still take `&mut Session` (the edge `cmd -> session` that the
//! layer check lists as being cut): they are to get a narrow context.

pub mod access;
pub mod acl;
pub mod activity;
pub mod admin;
pub mod agentx;
pub mod alerts;
pub mod alias;
pub mod auth;
pub mod authhttp;
pub mod budget;
pub mod cmd;
pub mod collate;
pub mod config;
pub mod demo;
pub mod fetch;
pub mod fts;
pub mod logtext;
pub mod mail;
pub mod metadata;
pub mod mime;
pub mod monitor;
pub mod mutf7;
pub mod net;
pub mod notifier;
pub mod notify;
pub mod objectid;
pub mod origin;
pub mod proto;
pub mod quota;
pub mod search;
pub mod server;
pub mod session;
pub mod shared;
pub mod smime;
pub mod sort;
pub mod store;
pub mod thread;
pub mod urlauth;

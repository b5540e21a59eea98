//! tegami: an IMAP server for maildir folders.
//!
//! The layers, as the tree has them (`tests/core_layers.rs` checks the
//! import graph: no cycle among these modules, handlers never import
//! handlers, only the writer writes to a client's stream):
//!
//! ```text
//!  net ──▶ server ──▶ session ─────────────────────────────────────────────┐
//!  (TLS,   (listeners, (the connection loop; it lends each command a       │
//!  deflate, PROXY      Ctx of client: the State with its data,             │
//!  PROXY    header,    NotAuthenticated, Authenticated(Login),             │
//!  header)  origin,    Selected(Login, Selected), Logout; Shared; and the  │
//!           pool, caps) Output its writer renders)                         │
//!                           │                                              │
//!                           ▼                                              │
//!            reader ─▶ proto::parse ─▶ proto::table ─▶ cmd::execute        │
//!                      (typed Command)  (states,       (one handler per    │
//!                                        flags)         command, on a Ctx) │
//!                                                          │      │        │
//!                                                          ▼      ▼        │
//!                                          mail (Scope: Login,   Ran: a typed Reply
//!                                          rights, quota, names,  or an Effect
//!                                          the message walk,      (STARTTLS, COMPRESS,
//!                                          SORT's order)          IDLE, LOGOUT)
//!                                                          │               │
//!                                                          ▼            ▼
//!                                          store (maildir, uids,   session::effects,
//!                                          modseqs, cache, locks)  then session::sync
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
//! Handlers take a `client::Ctx` the session lends them for each command
//! (`session -> cmd -> client`), never the session itself.

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
pub mod client;
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

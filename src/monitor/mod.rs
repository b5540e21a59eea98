//! Monitoring: the HTTP listener (`--monitor [ADDR:]PORT`) that shows the
//! live session table and the server statistics of the manual's Monitoring
//! section, and the client the admin subcommands use. The table and the
//! statistics themselves are [`crate::activity`]'s, held in `Shared`.

pub mod api;
pub mod client;
pub mod http;
pub mod login;
pub mod render;

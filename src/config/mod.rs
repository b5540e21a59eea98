//! Command-line flags and the server configuration.

//! Network streams: plain TCP and TLS.

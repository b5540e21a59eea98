//! Accounts and authentication: passwd-file, hash schemes, SASL.

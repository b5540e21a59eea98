//! Command handlers, one file per command or family.

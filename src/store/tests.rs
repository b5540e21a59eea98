//! Cross-file tests of the store.

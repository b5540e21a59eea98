//! The --demo set-up.

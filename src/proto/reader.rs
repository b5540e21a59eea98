//! Framing of lines and literals.

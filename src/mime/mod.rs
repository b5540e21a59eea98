//! Byte-range MIME tree of a message.

//! A message's octets for FETCH: read into a buffer that one FETCH reuses
//! from message to message, or mapped when large.

use std::fs::File;

use crate::store::mapped::{self, Mapped};

/// A message's octets: read, or mapped from its file.
///
/// Large files are mapped (see `store::mapped`: a file another program
/// truncates under the map reads as zeros past its new end, and the map
/// says it was damaged, instead of killing the server with SIGBUS).
pub enum Message {
    /// Read into memory.
    Read(Vec<u8>),
    /// Mapped from the file, with the read buffer it was given (kept for
    /// the next message: the buffer of a FETCH lives through its maps).
    Mapped(Mapped, Vec<u8>),
}

impl Message {
    /// Reads or maps an open message file.
    pub fn load(file: &File) -> std::io::Result<Message> {
        Message::load_into(file, file.metadata()?.len(), Vec::new())
    }

    /// [`Message::load`], reading into `spare` (emptied first): a FETCH of
    /// many messages reuses one buffer instead of faulting in fresh pages
    /// for each (a freed large buffer goes back to the system). `len` is
    /// the file's size as its opening found it (no second `fstat`).
    pub fn load_into(file: &File, len: u64, mut spare: Vec<u8>) -> std::io::Result<Message> {
        if len >= mapped::MAP_FROM {
            if let Some(map) = Mapped::map(file)? {
                return Ok(Message::Mapped(map, spare));
            }
        }
        spare.clear();
        spare.reserve((len.min(1 << 30) as usize).saturating_add(1));
        // The size the file had when opened, and no more (maildir messages
        // never grow; one that shrank ends early, as before): one read(2).
        // On the `File` itself, read_to_end would first ask again for the
        // size and position (statx, lseek) and read once more to find the end.
        std::io::Read::read_to_end(&mut std::io::Read::take(file, len), &mut spare)?;
        Ok(Message::Read(spare))
    }

    /// The read buffer back, for the next [`Message::load_into`] (none
    /// when too large to keep).
    pub fn into_spare(self) -> Vec<u8> {
        match self {
            Message::Read(v) | Message::Mapped(_, v) if v.capacity() <= 2 * mapped::MAP_FROM as usize => v,
            _ => Vec::new(),
        }
    }

    /// The message octets.
    pub fn bytes(&self) -> &[u8] {
        match self {
            Message::Read(v) => v,
            Message::Mapped(m, _) => m.bytes(),
        }
    }

    /// True when the file shrank while mapped, so what was read of it is
    /// not the message (some of it read as zeros).
    pub fn damaged(&self) -> bool {
        matches!(self, Message::Mapped(m, _) if m.damaged())
    }
}

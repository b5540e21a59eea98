//! The DEFLATE layer of COMPRESS=DEFLATE (RFC 4978): raw deflate (RFC 1951,
//! no zlib header) in both directions, one stream each for the life of the
//! connection. Output is sync-flushed at each flush of the session, so every
//! response batch reaches the client whole; input is inflated into a small
//! buffer the layer keeps, which is why it can say whether input waits.

use std::io::{self, Read, Write};

use flate2::{Compress, Compression, Decompress, FlushCompress, FlushDecompress};

/// Compressed output is handed to the layer below once this much is
/// waiting, so a large literal is never held whole in memory.
const WRITE_CHUNK: usize = 64 * 1024;
/// How much is inflated at a time.
const INFLATE_CHUNK: usize = 32 * 1024;

/// Both directions' deflate state and buffers.
pub struct Deflate {
    comp: Compress,
    decomp: Decompress,
    /// Compressed input read from below and not yet inflated.
    input: Vec<u8>,
    in_pos: usize,
    /// Inflated input not yet handed up.
    plain: Vec<u8>,
    plain_pos: usize,
    /// Compressed output not yet written below.
    out: Vec<u8>,
}

fn corrupt(e: impl std::fmt::Display) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("bad deflate data from the client: {e}"))
}

impl Deflate {
    /// A fresh pair of streams; `pending` is input that was read from
    /// below before compression started (the client's first compressed
    /// octets, when it sent them right behind the command).
    pub fn new(pending: Vec<u8>) -> Deflate {
        Deflate {
            // RFC 4978 4: raw deflate, without the zlib header and checksum.
            comp: Compress::new(Compression::default(), false),
            decomp: Decompress::new(false),
            input: pending,
            in_pos: 0,
            plain: Vec::new(),
            plain_pos: 0,
            out: Vec::new(),
        }
    }

    /// Inflates buffered input while none is waiting to be handed up.
    fn inflate_buffered(&mut self) -> io::Result<()> {
        while self.plain_pos == self.plain.len() && self.in_pos < self.input.len() {
            self.plain.clear();
            self.plain_pos = 0;
            self.plain.reserve(INFLATE_CHUNK);
            let (before_in, before_out) = (self.decomp.total_in(), self.decomp.total_out());
            self.decomp
                .decompress_vec(&self.input[self.in_pos..], &mut self.plain, FlushDecompress::None)
                .map_err(corrupt)?;
            let used = (self.decomp.total_in() - before_in) as usize;
            self.in_pos += used;
            if used == 0 && self.decomp.total_out() == before_out {
                // A partial block: more input is needed.
                break;
            }
        }
        if self.in_pos == self.input.len() {
            self.input.clear();
            self.in_pos = 0;
        }
        Ok(())
    }

    /// True when inflated input waits, so a poll on the socket would not
    /// show it. A corrupt stream counts as waiting: the next read reports it.
    pub fn has_pending(&mut self) -> bool {
        self.inflate_buffered().is_err() || self.plain_pos < self.plain.len()
    }

    /// Reads inflated input, reading compressed octets from `below` as needed.
    pub fn read(&mut self, below: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            if self.plain_pos < self.plain.len() {
                let n = buf.len().min(self.plain.len() - self.plain_pos);
                buf[..n].copy_from_slice(&self.plain[self.plain_pos..self.plain_pos + n]);
                self.plain_pos += n;
                return Ok(n);
            }
            self.inflate_buffered()?;
            if self.plain_pos < self.plain.len() {
                continue;
            }
            let mut chunk = [0u8; 16 * 1024];
            let n = below.read(&mut chunk)?;
            if n == 0 {
                return Ok(0);
            }
            self.input.extend_from_slice(&chunk[..n]);
        }
    }

    /// Compresses `buf`; output goes below in chunks, the rest at flush.
    pub fn write(&mut self, below: &mut impl Write, buf: &[u8]) -> io::Result<usize> {
        let mut done = 0;
        while done < buf.len() {
            self.out.reserve((buf.len() - done) / 2 + 1024);
            let before = self.comp.total_in();
            self.comp.compress_vec(&buf[done..], &mut self.out, FlushCompress::None).map_err(io::Error::other)?;
            done += (self.comp.total_in() - before) as usize;
            if self.out.len() >= WRITE_CHUNK {
                below.write_all(&self.out)?;
                self.out.clear();
            }
        }
        Ok(buf.len())
    }

    /// Sync-flushes the compressor (everything written so far can be
    /// inflated by the client) and writes it all below.
    pub fn flush(&mut self, below: &mut impl Write) -> io::Result<()> {
        loop {
            self.out.reserve(4096);
            let room = self.out.capacity() - self.out.len();
            let before = self.out.len();
            self.comp.compress_vec(&[], &mut self.out, FlushCompress::Sync).map_err(io::Error::other)?;
            if self.out.len() - before < room {
                break;
            }
        }
        below.write_all(&self.out)?;
        self.out.clear();
        below.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hands out at most 5 octets a read, to cut blocks anywhere.
    struct Trickle(io::Cursor<Vec<u8>>);
    impl Read for Trickle {
        fn read(&mut self, b: &mut [u8]) -> io::Result<usize> {
            let n = b.len().min(5);
            self.0.read(&mut b[..n])
        }
    }

    #[test]
    fn what_one_side_writes_the_other_reads_after_each_flush() {
        let mut a = Deflate::new(Vec::new());
        let mut wire = Vec::new();
        a.write(&mut wire, b"* OK first batch\r\n").unwrap();
        a.flush(&mut wire).unwrap();
        let first_len = wire.len();
        // A sync flush ends with the empty stored block 00 00 ff ff.
        assert!(wire.ends_with(&[0, 0, 0xff, 0xff]), "{wire:?}");
        let big: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
        a.write(&mut wire, &big).unwrap();
        a.flush(&mut wire).unwrap();

        let mut b = Deflate::new(wire[..3].to_vec());
        let mut below = Trickle(io::Cursor::new(wire[3..].to_vec()));
        let mut got = vec![0u8; 18];
        let mut n = 0;
        while n < 18 {
            n += b.read(&mut below, &mut got[n..]).unwrap();
        }
        assert_eq!(&got, b"* OK first batch\r\n");
        assert!(first_len < wire.len());
        let mut rest = Vec::new();
        let mut buf = [0u8; 1000];
        while rest.len() < big.len() {
            let k = b.read(&mut below, &mut buf).unwrap();
            assert!(k > 0);
            rest.extend_from_slice(&buf[..k]);
        }
        assert_eq!(rest, big);
        assert!(!b.has_pending());
    }

    #[test]
    fn pending_input_is_seen_without_a_read_below() {
        let mut a = Deflate::new(Vec::new());
        let mut wire = Vec::new();
        a.write(&mut wire, b"DONE\r\n").unwrap();
        a.flush(&mut wire).unwrap();
        let mut b = Deflate::new(wire);
        assert!(b.has_pending());
        let mut buf = [0u8; 16];
        let n = b.read(&mut io::empty(), &mut buf).unwrap();
        assert_eq!(&buf[..n], b"DONE\r\n");
        assert!(!b.has_pending());
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        let mut b = Deflate::new(vec![0xff; 64]);
        let mut buf = [0u8; 16];
        assert!(b.read(&mut io::empty(), &mut buf).is_err());
    }
}

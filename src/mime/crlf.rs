//! Line ends as IMAP sends them: bare LFs (what MTAs write to a maildir)
//! made CRLF, and the count of them that the literal of a converted
//! message announces.
//!
//! Every octet of every message sent passes through here: a mapped
//! message is counted before its literal is announced, then converted (one
//! read into memory is converted first and announced after), so on x86-64
//! both go 16 octets at a time with SSE2,
//! which every x86-64 processor has: the count is one pass that finds
//! LFs without a CR before them (where `memchr` took a pass to count LFs,
//! one to look for a CR and one to count pairs), and the conversion stores
//! each block whole and fixes up the few with an LF, where a `memchr` call
//! and a copy per line cost about twice as much per octet (the `crlf`
//! group of `cargo bench -p tegami-bench`). Other targets count and
//! convert with `memchr`.

/// Number of LFs in `b` not preceded by a CR (what [`crlf_into`] adds).
pub fn bare_lfs(b: &[u8]) -> usize {
    let (done, mut bare) = blocks::count(b);
    let mut cr_before = done > 0 && b[done - 1] == b'\r';
    for &c in &b[done..] {
        bare += usize::from(c == b'\n' && !cr_before);
        cr_before = c == b'\r';
    }
    bare
}

/// Appends `msg[from..to]` to `out` with bare LFs made CRLF (an LF at
/// `from` is bare unless the octet before it, even outside the range, is
/// CR); true when the range holds a NUL (left as it is).
pub fn crlf_into(out: &mut Vec<u8>, msg: &[u8], from: usize, to: usize) -> bool {
    crlf_after(out, &msg[from..to], from > 0 && msg[from - 1] == b'\r')
}

/// Appends `src` to `out` with bare LFs made CRLF, where `cr_before` tells
/// whether the octet before `src` is a CR; true when `src` holds a NUL.
pub fn crlf_after(out: &mut Vec<u8>, src: &[u8], cr_before: bool) -> bool {
    // Room for the text and for an LF in sixteen made CRLF (text lines
    // are longer than that; more only costs another growth of `out`),
    // unless `out` has room for the text already: then it was sized for
    // the result (see `blocks::convert`).
    if out.capacity() - out.len() < src.len() {
        out.reserve(src.len() + src.len() / 16);
    }
    let (done, mut cr_before, mut nul) = blocks::convert(out, src, cr_before);
    let rest = &src[done..];
    // The rest octet by octet: runs between bare LFs copied whole.
    let mut start = 0;
    for (k, &c) in rest.iter().enumerate() {
        match c {
            b'\n' if !cr_before => {
                out.extend_from_slice(&rest[start..k]);
                out.extend_from_slice(b"\r\n");
                start = k + 1;
            }
            0 => nul = true,
            _ => {}
        }
        cr_before = c == b'\r';
    }
    out.extend_from_slice(&rest[start..]);
    nul
}

/// The conversion 16 octets at a time. Each block is stored to the end of
/// `out` as it is; a block with bare LFs then has, for each, a CR written
/// where the LF went and the text from the LF on stored again one octet
/// further (a second unaligned load from the source, no shifting in
/// registers): no call per line.
#[cfg(target_arch = "x86_64")]
mod blocks {
    use std::arch::x86_64::{
        __m128i, _mm_andnot_si128, _mm_cmpeq_epi8, _mm_cvtsi128_si64, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128,
        _mm_sad_epu8, _mm_set1_epi8, _mm_setzero_si128, _mm_srli_si128, _mm_storeu_si128, _mm_sub_epi8,
    };

    /// Counts the bare LFs of `b` from its second octet on, 16 octets at a
    /// time (with the 16 before, one octet earlier, to see the CRs before
    /// them), in one pass; returns how many octets were counted (the first
    /// by itself) and the count.
    pub(super) fn count(b: &[u8]) -> (usize, usize) {
        if b.len() < 17 {
            return (0, 0);
        }
        let mut total = usize::from(b[0] == b'\n');
        let mut i = 1;
        // SAFETY (for every block below): SSE2 is part of every x86-64
        // processor; loads read b[i - 1..i + 15] and b[i..i + 16] with
        // i >= 1 and i + 16 <= b.len().
        unsafe {
            let (lf, cr, zero) = (_mm_set1_epi8(b'\n' as i8), _mm_set1_epi8(b'\r' as i8), _mm_setzero_si128());
            while i + 16 <= b.len() {
                // Per-octet counters, summed before one can pass 255.
                let mut sums = zero;
                let stop = (i + 255 * 16).min(b.len() - 15);
                while i < stop {
                    let v = _mm_loadu_si128(b.as_ptr().add(i).cast::<__m128i>());
                    let before = _mm_loadu_si128(b.as_ptr().add(i - 1).cast::<__m128i>());
                    // 0xff where an LF has no CR before it; subtracting adds one.
                    let bare = _mm_andnot_si128(_mm_cmpeq_epi8(before, cr), _mm_cmpeq_epi8(v, lf));
                    sums = _mm_sub_epi8(sums, bare);
                    i += 16;
                }
                let halves = _mm_sad_epu8(sums, zero);
                total += (_mm_cvtsi128_si64(halves) + _mm_cvtsi128_si64(_mm_srli_si128::<8>(halves))) as usize;
            }
        }
        (i, total)
    }

    /// Octets a block may write past `o` (see `convert`'s SAFETY).
    const REACH: usize = 64;

    /// Converts the blocks of `src` that have 16 more octets after them
    /// (a store of the text from an LF on reads up to 15 past its block),
    /// while `out` has room for them: a caller that sized `out` for the
    /// result exactly (`fetch::section`) gets the last few octets done one
    /// by one, not `out` grown to twice its size for them. Returns how
    /// many octets were converted, whether the last was a CR, and whether
    /// a NUL was among them.
    pub(super) fn convert(out: &mut Vec<u8>, src: &[u8], mut cr_before: bool) -> (usize, bool, bool) {
        let mut i = 0;
        // SAFETY (for every block below): SSE2 is part of every x86-64
        // processor. Loads read src[at..at + 16] with at + 16 <= src.len()
        // (a block starts at i with i + 32 <= src.len(), an LF's store reads
        // from i + p, p < 16). Stores write inside the capacity of `out`: a
        // block starts at `o` with o + REACH <= capacity, and writes at most
        // to o + p + shift + 1 + 16 <= o + 15 + 15 + 17 < o + REACH. Octets
        // written past the final `o` are never read: the length set is `o`,
        // and everything below it was written.
        let mut nuls = unsafe { _mm_setzero_si128() };
        loop {
            let (base, cap) = (out.as_mut_ptr(), out.capacity());
            let mut o = out.len();
            while i + 32 <= src.len() && o + REACH <= cap {
                unsafe {
                    let v = _mm_loadu_si128(src.as_ptr().add(i).cast::<__m128i>());
                    _mm_storeu_si128(base.add(o).cast::<__m128i>(), v);
                    nuls = _mm_or_si128(nuls, _mm_cmpeq_epi8(v, _mm_setzero_si128()));
                    let lf = _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(b'\n' as i8))) as u32;
                    if lf != 0 {
                        let cr = _mm_movemask_epi8(_mm_cmpeq_epi8(v, _mm_set1_epi8(b'\r' as i8))) as u32;
                        let mut bare = lf & !((cr << 1) | u32::from(cr_before));
                        let mut shift = 0;
                        while bare != 0 {
                            let p = bare.trailing_zeros() as usize;
                            bare &= bare - 1;
                            *base.add(o + p + shift) = b'\r';
                            let rest = _mm_loadu_si128(src.as_ptr().add(i + p).cast::<__m128i>());
                            _mm_storeu_si128(base.add(o + p + shift + 1).cast::<__m128i>(), rest);
                            shift += 1;
                        }
                        o += shift;
                    }
                }
                cr_before = src[i + 15] == b'\r';
                o += 16;
                i += 16;
            }
            // SAFETY: every octet below `o` was written (above) or was
            // there before.
            unsafe { out.set_len(o) };
            let left = src.len() - i;
            if i + 32 > src.len() || left < 2 * REACH {
                // What is left goes octet by octet (see `crlf_after`).
                break;
            }
            // More bare LFs than `out` had room for: room for the rest.
            out.reserve(left + left / 16 + REACH);
        }
        // SAFETY: SSE2 is part of every x86-64 processor.
        let nul = unsafe { _mm_movemask_epi8(nuls) } != 0;
        (i, cr_before, nul)
    }
}

/// The count and the conversion with `memchr`, where SSE2 is not there.
#[cfg(not(target_arch = "x86_64"))]
mod blocks {
    /// The bare LFs of all of `b` (see the x86-64 `count`).
    pub(super) fn count(b: &[u8]) -> (usize, usize) {
        let lfs = memchr::memchr_iter(b'\n', b).count();
        if lfs == 0 || memchr::memchr(b'\r', b).is_none() {
            return (b.len(), lfs);
        }
        // Saturating: `b` may be a mapped file that another program
        // rewrites between the passes (see store::mapped).
        (b.len(), lfs.saturating_sub(memchr::memmem::find_iter(b, b"\r\n").count()))
    }

    /// All of `src` converted (see the x86-64 `convert`).
    pub(super) fn convert(out: &mut Vec<u8>, src: &[u8], cr_before: bool) -> (usize, bool, bool) {
        let mut start = 0;
        for i in memchr::memchr_iter(b'\n', src) {
            let paired = if i == 0 { cr_before } else { src[i - 1] == b'\r' };
            if !paired {
                out.extend_from_slice(&src[start..i]);
                out.extend_from_slice(b"\r\n");
                start = i + 1;
            }
        }
        out.extend_from_slice(&src[start..]);
        let last_cr = src.last().map_or(cr_before, |&c| c == b'\r');
        (src.len(), last_cr, memchr::memchr(0, src).is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The plain definition the block code must agree with.
    fn reference(msg: &[u8], from: usize, to: usize) -> (Vec<u8>, usize, bool) {
        let mut out = Vec::new();
        let mut bare = 0;
        for k in from..to {
            if msg[k] == b'\n' && (k == 0 || msg[k - 1] != b'\r') {
                out.extend_from_slice(b"\r\n");
                bare += 1;
            } else {
                out.push(msg[k]);
            }
        }
        (out, bare, msg[from..to].contains(&0))
    }

    #[test]
    fn line_ends_are_made_crlf_once() {
        let cases: [(&[u8], &[u8]); 6] = [
            (b"", b""),
            (b"\n", b"\r\n"),
            (b"a\r\nb\nc\r\r\n\n", b"a\r\nb\r\nc\r\r\n\r\n"),
            (b"\r\n\r\n", b"\r\n\r\n"),
            // A CR ending one block and the LF starting the next are a pair.
            (b"0123456789abcde\r\nxyz\n", b"0123456789abcde\r\nxyz\r\n"),
            (b"0123456789abcdef\n0123456789abcde\n\n", b"0123456789abcdef\r\n0123456789abcde\r\n\r\n"),
        ];
        for (msg, want) in cases {
            let mut out = b"x".to_vec();
            assert!(!crlf_into(&mut out, msg, 0, msg.len()));
            assert_eq!(&out[1..], want, "{:?}", String::from_utf8_lossy(msg));
            assert_eq!(bare_lfs(msg), want.len() - msg.len());
        }
    }

    #[test]
    fn a_piece_knows_the_octet_before_it() {
        let msg = b"ab\r\ncd\n";
        let mut out = Vec::new();
        crlf_into(&mut out, msg, 3, msg.len());
        assert_eq!(out, b"\ncd\r\n");
        out.clear();
        crlf_into(&mut out, msg, 6, msg.len());
        assert_eq!(out, b"\r\n");
    }

    #[test]
    fn long_texts_agree_with_the_definition() {
        // Longer than a stretch of the conversion and than the 255 blocks
        // the count sums at a time; every kind of octet, all-LF text
        // (whose counters would overflow first), and text lines.
        let mut x = 12345u32;
        let mixed: Vec<u8> = (0..20_000)
            .map(|_| {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
                [b'\n', b'\r', b'a', 0, b'b', b'c'][(x >> 16) as usize % 6]
            })
            .collect();
        let lines: Vec<u8> = (0..200).flat_map(|_| [b'a'; 76].into_iter().chain([b'\n'])).collect();
        for msg in [mixed, vec![b'\n'; 9000], lines] {
            for from in [0, 1, 4097, 8191] {
                let (want, _, nul) = reference(&msg, from, msg.len());
                let mut out = Vec::new();
                assert_eq!(crlf_into(&mut out, &msg, from, msg.len()), nul);
                assert_eq!(out, want);
                // Sized exactly, as fetch::section sizes it: never grown.
                let mut exact = Vec::with_capacity(want.len());
                crlf_into(&mut exact, &msg, from, msg.len());
                assert_eq!((exact.capacity(), &exact), (want.len(), &want));
            }
            assert_eq!(bare_lfs(&msg), reference(&msg, 0, msg.len()).1);
        }
    }

    proptest! {
        /// Texts of LF, CR, NUL and letters (every mix a block can hold),
        /// converted whole and from any offset, agree with the definition.
        #[test]
        fn blocks_agree_with_the_definition(
            msg in proptest::collection::vec(prop_oneof![Just(b'\n'), Just(b'\r'), Just(0u8), Just(b'a')], 0..600),
            cut in 0usize..600,
        ) {
            let from = cut.min(msg.len());
            let (want, _, nul) = reference(&msg, from, msg.len());
            let mut out = Vec::new();
            prop_assert_eq!(crlf_into(&mut out, &msg, from, msg.len()), nul);
            prop_assert_eq!(out, want);
            let whole = reference(&msg, 0, msg.len());
            prop_assert_eq!(bare_lfs(&msg), whole.1);
        }
    }
}

//! Message files mapped into memory, safe against files that shrink.
//!
//! The design card has workers read large messages through memory maps. A
//! map has one danger: when another program truncates the file, touching a
//! page past the new end raises SIGBUS, whose default action kills the whole
//! server. Maildir files are never truncated by a well-behaved program (flag
//! changes rename, expunge unlinks, and both leave a map intact), but a
//! user with shell access can do anything, and one session must not take
//! down the others.
//!
//! So every live map is registered in a fixed table, and a SIGBUS handler
//! looks the faulting address up there: inside one of our maps, it puts a
//! zero-filled anonymous page over the lost one (the faulting read then
//! continues and sees zeros) and marks the map damaged; anywhere else, it
//! hands the signal on to the handler it replaced (Rust's own stack-overflow
//! reporter), or to the default action, so real faults still crash as
//! they should. Callers check [`Mapped::damaged`] after use and treat the
//! octets as suspect.
//!
//! Data from a map must be written to a socket through [`write_copied`]: the
//! kernel reading a lost page for `write(2)` fails with EFAULT instead of
//! signalling, which would break the connection mid-literal.

use std::fs::File;
use std::io::{self, Write};
use std::ptr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::OnceLock;

use memmap2::Mmap;

/// Files from this size on are mapped; smaller ones are read (a map costs
/// more than a read for a small file, and less for a large one).
pub const MAP_FROM: u64 = 1 << 20;

/// How many maps may be live at once; beyond that, files are read.
const SLOTS: usize = 1024;

/// One registered map: its address range, and whether a lost page was
/// replaced. `len` is written last on registration and cleared first on
/// removal, so the handler never sees a range being set up or torn down.
struct Slot {
    start: AtomicUsize,
    len: AtomicUsize,
    taken: AtomicBool,
    damaged: AtomicBool,
}

static TABLE: [Slot; SLOTS] = [const {
    Slot {
        start: AtomicUsize::new(0),
        len: AtomicUsize::new(0),
        taken: AtomicBool::new(false),
        damaged: AtomicBool::new(false),
    }
}; SLOTS];

/// The system's page size, set when the handler is installed.
static PAGE: AtomicUsize = AtomicUsize::new(4096);

/// The SIGBUS action in place before ours, called for faults outside our
/// maps. Written once, before our handler is installed.
static mut PREVIOUS: Option<libc::sigaction> = None;

/// Whether the handler is in place (false: installing it failed, and files
/// are read instead of mapped).
static INSTALLED: OnceLock<bool> = OnceLock::new();

/// The SIGBUS handler. Only async-signal-safe work: atomic loads and
/// stores, and `mmap` (a plain system call on Linux).
extern "C" fn on_sigbus(sig: libc::c_int, info: *mut libc::siginfo_t, context: *mut libc::c_void) {
    // SAFETY: the kernel passes a valid siginfo to an SA_SIGINFO handler.
    let addr = unsafe { (*info).si_addr() } as usize;
    let page = PAGE.load(Ordering::Relaxed);
    for slot in TABLE.iter() {
        let len = slot.len.load(Ordering::Acquire);
        if len == 0 {
            continue;
        }
        let start = slot.start.load(Ordering::Acquire);
        if addr >= start && addr < start + len {
            let at = addr & !(page - 1);
            // SAFETY: the page lies inside a live map of ours (its owner is
            // the thread reading it right now); MAP_FIXED replaces just that
            // page with zeros, and the map's munmap later removes it too.
            let p = unsafe {
                libc::mmap(
                    at as *mut libc::c_void,
                    page,
                    libc::PROT_READ,
                    libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_FIXED,
                    -1,
                    0,
                )
            };
            if p != libc::MAP_FAILED {
                slot.damaged.store(true, Ordering::Release);
                return;
            }
            break;
        }
    }
    // Not ours (or the page could not be replaced): what would have happened
    // without us. SAFETY: PREVIOUS was written before this handler existed
    // and is never written again.
    let previous = unsafe { *ptr::addr_of!(PREVIOUS) };
    match previous {
        Some(prev) if prev.sa_flags & libc::SA_SIGINFO != 0 && prev.sa_sigaction > libc::SIG_IGN => {
            // SAFETY: an SA_SIGINFO handler has this signature.
            let f: extern "C" fn(libc::c_int, *mut libc::siginfo_t, *mut libc::c_void) =
                unsafe { std::mem::transmute(prev.sa_sigaction) };
            f(sig, info, context);
        }
        _ => {
            // Back to the default action; returning re-runs the faulting
            // instruction, which now kills the process as it should.
            // SAFETY: plain sigaction call with a zeroed (SIG_DFL) action.
            unsafe {
                let mut dfl: libc::sigaction = std::mem::zeroed();
                dfl.sa_sigaction = libc::SIG_DFL;
                libc::sigaction(libc::SIGBUS, &dfl, ptr::null_mut());
            }
        }
    }
}

/// Installs the handler once per process; false when that failed.
fn installed() -> bool {
    *INSTALLED.get_or_init(|| {
        // SAFETY: sysconf and sigaction with valid arguments; PREVIOUS is
        // written before the handler that reads it is installed, once.
        unsafe {
            let page = libc::sysconf(libc::_SC_PAGESIZE);
            if page > 0 {
                PAGE.store(page as usize, Ordering::Relaxed);
            }
            let mut old: libc::sigaction = std::mem::zeroed();
            if libc::sigaction(libc::SIGBUS, ptr::null(), &mut old) != 0 {
                return false;
            }
            *ptr::addr_of_mut!(PREVIOUS) = Some(old);
            let mut act: libc::sigaction = std::mem::zeroed();
            act.sa_sigaction = on_sigbus as *const () as usize;
            act.sa_flags = libc::SA_SIGINFO | libc::SA_ONSTACK;
            libc::sigemptyset(&mut act.sa_mask);
            if libc::sigaction(libc::SIGBUS, &act, ptr::null_mut()) != 0 {
                log::warn!("cannot install the SIGBUS handler: large messages are read, not mapped");
                return false;
            }
        }
        true
    })
}

/// A message file mapped read-only, registered with the SIGBUS handler for
/// as long as it lives.
pub struct Mapped {
    map: Mmap,
    slot: usize,
}

impl Mapped {
    /// Maps `file`; `None` when it cannot be mapped safely (no free slot,
    /// no handler, an empty file, `--shared-storage`), and the caller
    /// reads it instead.
    pub fn map(file: &File) -> io::Result<Option<Mapped>> {
        // On shared storage a map is never safe enough: read instead.
        if super::shared_storage::on() || !installed() || file.metadata()?.len() == 0 {
            return Ok(None);
        }
        let Some(slot) = TABLE
            .iter()
            .position(|s| s.taken.compare_exchange(false, true, Ordering::AcqRel, Ordering::Relaxed).is_ok())
        else {
            return Ok(None);
        };
        // SAFETY: a file that shrinks under the map is handled by the SIGBUS
        // handler above (zero pages, the map marked damaged), which is
        // registered before any byte of the map is read.
        let map = match unsafe { Mmap::map(file) } {
            Ok(m) => m,
            Err(e) => {
                TABLE[slot].taken.store(false, Ordering::Release);
                return Err(e);
            }
        };
        let s = &TABLE[slot];
        s.damaged.store(false, Ordering::Relaxed);
        s.start.store(map.as_ptr() as usize, Ordering::Release);
        s.len.store(map.len(), Ordering::Release);
        Ok(Some(Mapped { map, slot }))
    }

    /// The mapped octets.
    pub fn bytes(&self) -> &[u8] {
        &self.map
    }

    /// True when the file shrank under the map and some pages read as
    /// zeros: the octets read since mapping do not match any version of
    /// the file.
    pub fn damaged(&self) -> bool {
        TABLE[self.slot].damaged.load(Ordering::Acquire)
    }
}

impl Drop for Mapped {
    fn drop(&mut self) {
        // Unregistered before the map goes (the field drops after this).
        let s = &TABLE[self.slot];
        s.len.store(0, Ordering::Release);
        s.start.store(0, Ordering::Release);
        s.taken.store(false, Ordering::Release);
    }
}

/// True when `data` lies (in part) inside a live map of ours, so it must be
/// written through [`write_copied`]; octets read into memory need not be.
pub fn is_mapped(data: &[u8]) -> bool {
    let (start, end) = (data.as_ptr() as usize, data.as_ptr() as usize + data.len());
    TABLE.iter().any(|slot| {
        let len = slot.len.load(Ordering::Acquire);
        let at = slot.start.load(Ordering::Acquire);
        len != 0 && start < at + len && at < end
    })
}

/// Writes `data` through a small buffer: a page lost from a map becomes
/// zeros in a user-space copy (handled above) instead of an EFAULT from
/// the kernel that would end the connection mid-literal.
pub fn write_copied<W: Write + ?Sized>(w: &mut W, data: &[u8]) -> io::Result<()> {
    let mut buf = vec![0u8; 64 * 1024];
    for chunk in data.chunks(buf.len()) {
        buf[..chunk.len()].copy_from_slice(chunk);
        w.write_all(&buf[..chunk.len()])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file_of(len: usize) -> (tempfile::TempDir, File) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("msg");
        let mut f = File::create(&path).unwrap();
        f.write_all(&vec![b'x'; len]).unwrap();
        let f = std::fs::OpenOptions::new().read(true).write(true).open(&path).unwrap();
        (dir, f)
    }

    #[test]
    fn an_intact_map_reads_the_file_and_is_not_damaged() {
        let (_d, f) = file_of(3 << 20);
        let m = Mapped::map(&f).unwrap().expect("mapped");
        assert_eq!(m.bytes().len(), 3 << 20);
        assert!(m.bytes().iter().all(|&b| b == b'x'));
        assert!(!m.damaged());
    }

    #[test]
    fn a_file_truncated_under_the_map_reads_as_zeros_and_is_damaged() {
        let (_d, f) = file_of(3 << 20);
        let m = Mapped::map(&f).unwrap().expect("mapped");
        f.set_len(100).unwrap();
        // Without the handler this loop dies of SIGBUS.
        let xs = m.bytes().iter().filter(|&&b| b == b'x').count();
        let zeros = m.bytes().iter().filter(|&&b| b == 0).count();
        assert!(m.damaged());
        assert!((100..4096 * 2).contains(&xs), "{xs}");
        assert_eq!(xs + zeros, 3 << 20);
        // Copying out for a socket goes through user space, never EFAULT.
        let mut out = Vec::new();
        write_copied(&mut out, m.bytes()).unwrap();
        assert_eq!(out.len(), 3 << 20);
    }

    #[test]
    fn only_octets_inside_a_live_map_count_as_mapped() {
        let (_d, f) = file_of(3 << 20);
        let m = Mapped::map(&f).unwrap().expect("mapped");
        assert!(is_mapped(m.bytes()));
        assert!(is_mapped(&m.bytes()[100..200]));
        let copy = m.bytes().to_vec();
        assert!(!is_mapped(&copy));
        let range = m.bytes().as_ptr_range();
        drop(m);
        // SAFETY: only the address is used, never read.
        assert!(!is_mapped(unsafe { std::slice::from_raw_parts(range.start, 1) }));
    }

    #[test]
    fn slots_are_freed_when_maps_drop() {
        let (_d, f) = file_of(8192);
        for _ in 0..SLOTS * 2 {
            let m = Mapped::map(&f).unwrap();
            assert!(m.is_some(), "a slot leaked");
        }
    }

    #[test]
    fn a_fault_outside_our_maps_still_kills_with_sigbus() {
        use std::os::fd::AsRawFd;
        let (_d, f) = file_of(3 << 20);
        assert!(installed());
        // A map the table does not know: its lost pages are a real fault.
        // SAFETY: read only in the child below, which is meant to die.
        let foreign = unsafe { Mmap::map(&f) }.unwrap();
        let fd = f.as_raw_fd();
        // SAFETY: the child makes only system calls and plain reads.
        let pid = unsafe { libc::fork() };
        if pid == 0 {
            unsafe {
                libc::ftruncate(fd, 100);
                let sum = foreign.iter().fold(0u8, |a, &b| a.wrapping_add(b));
                std::ptr::read_volatile(&sum);
                libc::_exit(0);
            }
        }
        let mut status = 0;
        // SAFETY: waits for the child forked above.
        assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
        assert!(libc::WIFSIGNALED(status), "the child survived a real SIGBUS: {status:#x}");
        assert_eq!(libc::WTERMSIG(status), libc::SIGBUS);
    }

    #[test]
    fn an_empty_file_is_not_mapped() {
        let (_d, f) = file_of(0);
        assert!(Mapped::map(&f).unwrap().is_none());
    }
}

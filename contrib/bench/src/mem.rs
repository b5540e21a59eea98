//! Server memory: resident set of a process and all its descendants,
//! sampled in a thread while a scenario runs.

use std::collections::HashMap;
use std::fs;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

/// The pid and its descendants (all of Dovecot; tegami's single process).
pub fn tree(root: u32) -> Vec<u32> {
    let mut parent = HashMap::new();
    if let Ok(dir) = fs::read_dir("/proc") {
        for e in dir.flatten() {
            let Ok(pid) = e.file_name().to_string_lossy().parse::<u32>() else {
                continue;
            };
            let Ok(stat) = fs::read_to_string(format!("/proc/{pid}/stat")) else {
                continue;
            };
            // Field 4 after the parenthesised command name.
            let Some(rest) = stat.rfind(')').map(|i| &stat[i + 2..]) else {
                continue;
            };
            if let Some(pp) = rest.split(' ').nth(1).and_then(|s| s.parse::<u32>().ok()) {
                parent.insert(pid, pp);
            }
        }
    }
    let mut out = vec![root];
    let mut i = 0;
    while i < out.len() {
        let p = out[i];
        out.extend(parent.iter().filter(|(_, &pp)| pp == p).map(|(&c, _)| c));
        i += 1;
    }
    out
}

/// Resident bytes of `pid` (0 when it is gone).
pub fn rss(pid: u32) -> u64 {
    fs::read_to_string(format!("/proc/{pid}/statm"))
        .ok()
        .and_then(|s| s.split(' ').nth(1)?.parse::<u64>().ok())
        .map_or(0, |pages| pages * 4096)
}

/// A `/proc/<pid>/status` or `smaps_rollup` field in kB, as bytes.
pub fn kb_field(path: &str, field: &str) -> u64 {
    fs::read_to_string(path)
        .ok()
        .and_then(|s| {
            let l = s.lines().find(|l| l.starts_with(field))?;
            l[field.len()..].trim().trim_end_matches("kB").trim().parse::<u64>().ok()
        })
        .map_or(0, |kb| kb * 1024)
}

/// Summed RSS of the tree of `root` now.
pub fn tree_rss(root: u32) -> u64 {
    tree(root).into_iter().map(rss).sum()
}

/// Summed proportional set size (shared pages split between sharers).
pub fn tree_pss(root: u32) -> u64 {
    tree(root).into_iter().map(|p| kb_field(&format!("/proc/{p}/smaps_rollup"), "Pss:")).sum()
}

/// CPU time (user + system, in seconds) the tree of `root` has used: for
/// every process alive in it, its own time and that of its children it has
/// waited for (`/proc/PID/stat` fields 14-17). Dovecot's imap and login
/// processes exit when their sessions end; the master reaps them and their
/// time moves into its cumulative children's time, so the difference of two
/// readings counts every process, alive or exited, once. The readings must
/// be taken while no process of the tree is exiting (before a load starts,
/// and after it has ended and the tree has settled): one that exits between
/// the reading of its own line and its parent's would count twice or not
/// at all.
pub fn tree_cpu_seconds(root: u32) -> f64 {
    let ticks: u64 = tree(root).into_iter().map(cpu_ticks).sum();
    ticks as f64 / clock_ticks()
}

/// utime + stime + cutime + cstime of one process, in clock ticks.
fn cpu_ticks(pid: u32) -> u64 {
    let Ok(stat) = fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0;
    };
    // Fields after the parenthesised command name start at field 3.
    let Some(rest) = stat.rfind(')').map(|i| &stat[i + 2..]) else {
        return 0;
    };
    rest.split(' ').skip(11).take(4).filter_map(|f| f.parse::<u64>().ok()).sum()
}

/// The kernel's clock ticks per second (`getconf CLK_TCK`; 100 on Linux).
fn clock_ticks() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok()?.trim().parse::<f64>().ok())
        .filter(|&t| t > 0.0)
        .unwrap_or(100.0)
}

/// Samples the peak summed RSS of a process tree until dropped.
pub struct Sampler {
    root: u32,
    stop: Arc<AtomicBool>,
    peak: Arc<AtomicU64>,
    handle: Option<thread::JoinHandle<()>>,
}

impl Sampler {
    /// Starts sampling `root` (0: no server process known, nothing sampled).
    /// Resets the kernel's peak (VmHWM) of `root` so a single-process
    /// server's own peak is exact, not only sampled.
    pub fn start(root: u32) -> Sampler {
        let stop = Arc::new(AtomicBool::new(false));
        let peak = Arc::new(AtomicU64::new(0));
        let handle = (root != 0).then(|| {
            let _ = fs::write(format!("/proc/{root}/clear_refs"), "5");
            let (stop, peak) = (stop.clone(), peak.clone());
            thread::spawn(move || {
                let mut pids = tree(root);
                let mut listed = Instant::now();
                while !stop.load(Ordering::Relaxed) {
                    if listed.elapsed() > Duration::from_millis(500) {
                        pids = tree(root);
                        listed = Instant::now();
                    }
                    let sum: u64 = pids.iter().map(|&p| rss(p)).sum();
                    peak.fetch_max(sum, Ordering::Relaxed);
                    thread::sleep(Duration::from_millis(50));
                }
            })
        });
        Sampler { root, stop, peak, handle }
    }

    /// Stops and returns the peak in bytes.
    pub fn finish(mut self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
        let mut peak = self.peak.load(Ordering::Relaxed);
        if self.root != 0 {
            let pids = tree(self.root);
            peak = peak.max(pids.iter().map(|&p| rss(p)).sum());
            if pids.len() == 1 {
                peak = peak.max(kb_field(&format!("/proc/{}/status", self.root), "VmHWM:"));
            }
        }
        peak
    }
}

//! Issue 9, "Must show" 5 (first half): opening 5,000 mailboxes one after
//! another leaves the server's open file descriptors and resident memory
//! flat. One session creates and SELECTs 5,000 folders (an APPEND into
//! every tenth, so they have messages, caches and mod-sequences); the
//! server's `/proc/PID/fd` and `VmRSS` are read after a quarter of them and
//! at the end. The registry closes idle mailboxes' files, so neither grows
//! with the number of mailboxes ever opened (margins are generous: the
//! assertion is about growth per mailbox, not about a figure).

mod support;

use std::fs;

use support::Server;

const MAILBOXES: usize = 5000;
const BATCH: usize = 50;

fn fds(pid: u32) -> usize {
    fs::read_dir(format!("/proc/{pid}/fd")).unwrap().count()
}

fn rss_kb(pid: u32) -> u64 {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
fn opening_five_thousand_mailboxes_keeps_fds_and_memory_flat() {
    let s = Server::start(&[]);
    let pid = s.pid();
    let mut c = s.login("alice");
    let mut at_quarter = None;
    for start in (0..MAILBOXES).step_by(BATCH) {
        // Pipelined: a batch of commands, then their answers.
        let mut tags = Vec::new();
        let mut out = Vec::new();
        for i in start..start + BATCH {
            for cmd in [format!("CREATE F{i}"), format!("SELECT F{i}")] {
                let tag = c.next_tag();
                out.extend_from_slice(format!("{tag} {cmd}\r\n").as_bytes());
                tags.push(tag);
            }
            if i % 10 == 0 {
                let msg = support::message(&format!("m{i}"));
                let tag = c.next_tag();
                out.extend_from_slice(format!("{tag} APPEND F{i} {{{}+}}\r\n", msg.len()).as_bytes());
                out.extend_from_slice(&msg);
                out.extend_from_slice(b"\r\n");
                tags.push(tag);
            }
        }
        c.send(&out);
        for tag in tags {
            let last = c.tagged(&tag);
            assert!(last.split(' ').nth(1) == Some("OK"), "{last}");
        }
        if start + BATCH == MAILBOXES / 4 {
            at_quarter = Some((fds(pid), rss_kb(pid)));
        }
    }
    let (fds_q, rss_q) = at_quarter.unwrap();
    let (fds_end, rss_end) = (fds(pid), rss_kb(pid));
    eprintln!("fds {fds_q} -> {fds_end}, VmRSS {rss_q} kB -> {rss_end} kB");
    // 3,750 more mailboxes: one descriptor each would be thousands.
    assert!(fds_end <= fds_q + 40, "open fds grew from {fds_q} to {fds_end}");
    // A few kB kept per mailbox would be tens of MB.
    assert!(rss_end <= rss_q + rss_q / 2 + 8 * 1024, "VmRSS grew from {rss_q} kB to {rss_end} kB");
    assert!(s.maildir("alice").join(format!(".F{}", MAILBOXES - 1)).join("cur").is_dir());
}

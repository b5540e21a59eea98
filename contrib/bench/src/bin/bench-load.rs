//! `bench-load`: the IMAP load client of the tegami/Dovecot comparison.
//!
//! ```text
//! bench-load run --server NAME --addr HOST:PORT [--pid PID] [--round N] [--quick] [--long] [--only 1,3,8] [--variant 12c] [--home DIR]
//! bench-load wait --addr HOST:PORT [--seconds N]   # until LOGIN works
//! bench-load free-port                              # print an unused loopback port
//! bench-load table [--a tegami] [--b dovecot] [--c NAME] FILE...  # RESULT lines -> Markdown table
//! ```

use std::io;
use std::net::TcpListener;
use std::process::ExitCode;
use std::thread;
use std::time::{Duration, Instant};
use tegami_bench::imap::Conn;
use tegami_bench::scenarios::{self, Ctx, PASSWORD};
use tegami_bench::sizes::Sizes;
use tegami_bench::table;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(cmd) = args.first() else {
        return usage();
    };
    let opt = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned();
    let flag = |name: &str| args.iter().any(|a| a == name);
    let result = match cmd.as_str() {
        "free-port" => TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| println!("{}", a.port())),
        "wait" => {
            let Some(addr) = opt("--addr") else {
                return usage();
            };
            let secs = opt("--seconds").and_then(|s| s.parse().ok()).unwrap_or(60);
            wait(&addr, secs)
        }
        "run" => {
            let (Some(server), Some(addr)) = (opt("--server"), opt("--addr")) else {
                return usage();
            };
            let ctx = Ctx {
                server,
                addr,
                round: opt("--round").and_then(|s| s.parse().ok()).unwrap_or(1),
                pid: opt("--pid").and_then(|s| s.parse().ok()).unwrap_or(0),
                sizes: Sizes::new(flag("--quick")),
                long: flag("--long"),
                variant: opt("--variant"),
                home: opt("--home"),
            };
            let only: Vec<u32> =
                opt("--only").map_or(vec![], |s| s.split(',').filter_map(|n| n.parse().ok()).collect());
            scenarios::run(&ctx, &only)
        }
        "table" => {
            let a = opt("--a").unwrap_or("tegami".into());
            let b = opt("--b").unwrap_or("dovecot".into());
            let c = opt("--c");
            let mut rows = vec![];
            let mut skip = false;
            for (i, f) in args.iter().enumerate().skip(1) {
                if skip {
                    skip = false;
                    continue;
                }
                if f == "--a" || f == "--b" || f == "--c" {
                    skip = true;
                    continue;
                }
                match std::fs::read_to_string(f) {
                    Ok(text) => rows.extend(text.lines().filter_map(table::parse)),
                    Err(e) => {
                        eprintln!("bench-load: {f}: {e}");
                        return ExitCode::FAILURE;
                    }
                }
                let _ = i;
            }
            print!("{}", table::render_with(&rows, &a, &b, c.as_deref()));
            Ok(())
        }
        _ => return usage(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench-load {cmd}: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Waits until the benchmark account `idle` can log in (Dovecot answers the
/// greeting before its auth process is up).
fn wait(addr: &str, secs: u64) -> io::Result<()> {
    let t = Instant::now();
    loop {
        match Conn::login(addr, "idle", PASSWORD) {
            Ok(c) => {
                c.logout();
                return Ok(());
            }
            Err(e) if t.elapsed() > Duration::from_secs(secs) => return Err(e),
            Err(_) => thread::sleep(Duration::from_millis(100)),
        }
    }
}

fn usage() -> ExitCode {
    eprintln!(
        "usage: bench-load run --server NAME --addr HOST:PORT [--pid PID] [--round N] [--quick] [--long] [--only 1,2,...] [--home DIR]\n       bench-load wait --addr HOST:PORT [--seconds N]\n       bench-load free-port\n       bench-load table [--a NAME] [--b NAME] [--c NAME] FILE..."
    );
    ExitCode::from(2)
}

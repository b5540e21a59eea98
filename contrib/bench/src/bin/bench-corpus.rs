//! `bench-corpus [--quick] [--seed N] OUT`: writes the benchmark accounts'
//! maildirs under OUT/<user>/Maildir and their names to OUT/users.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;
use tegami_bench::{corpus, sizes::Sizes};

fn main() -> ExitCode {
    let mut quick = false;
    let mut seed = 20_250_101u64;
    let mut out = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--quick" => quick = true,
            "--seed" => match args.next().and_then(|s| s.parse().ok()) {
                Some(s) => seed = s,
                None => return usage(),
            },
            _ if !a.starts_with('-') && out.is_none() => out = Some(PathBuf::from(a)),
            _ => return usage(),
        }
    }
    let Some(out) = out else { return usage() };
    let t = Instant::now();
    if let Err(e) = corpus::write_all(&out, &Sizes::new(quick), seed) {
        eprintln!("bench-corpus: {}: {e}", out.display());
        return ExitCode::FAILURE;
    }
    eprintln!("bench-corpus: wrote {} in {:.1}s", out.display(), t.elapsed().as_secs_f64());
    ExitCode::SUCCESS
}

fn usage() -> ExitCode {
    eprintln!("usage: bench-corpus [--quick] [--seed N] OUT_DIR");
    ExitCode::from(2)
}

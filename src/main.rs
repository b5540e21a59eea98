//! The tegami binary: flags -> Config -> Server::run.

use std::io::Write;
use std::process::ExitCode;

use tegami::config::{Config, Invocation};
use tegami::server::{logger, Server};

fn main() -> ExitCode {
    tegami::store::memory::tune();
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(sub) = args.first().and_then(|a| tegami::admin::find(a)) {
        return match (sub.run)(&args[1..]) {
            Ok(text) => {
                print!("{text}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("tegami {}: {e}", sub.name);
                ExitCode::FAILURE
            }
        };
    }
    let mut config = match Config::from_args(&args) {
        Ok(Invocation::Help) => {
            // The subcommands reach the help from here, so the flag table
            // needs no knowledge of them.
            print!("{}", tegami::config::flags::help(&tegami::admin::usages()));
            return ExitCode::SUCCESS;
        }
        Ok(Invocation::Print(text)) => {
            print!("{text}");
            return ExitCode::SUCCESS;
        }
        Ok(Invocation::Run(c)) => *c,
        Err(e) => {
            eprintln!("tegami: {e}");
            return ExitCode::from(2);
        }
    };
    if let Err(e) = logger::init_to(config.log_level, config.log_file.as_deref()) {
        eprintln!("tegami: {e}");
        return ExitCode::FAILURE;
    }
    if let Some(dir) = config.demo.clone() {
        if let Err(e) = tegami::demo::prepare(&dir, &mut config) {
            eprintln!("tegami: demo set-up in {}: {e}", dir.display());
            return ExitCode::FAILURE;
        }
    }
    let demo = config.demo.is_some();
    let server = match Server::bind(config) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("tegami: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Some(addr) = server.monitor_addr() {
        println!("tegami: monitor on http://{addr}/");
    }
    for (addr, tls) in server.local_addrs() {
        println!("tegami: listening on {addr} ({})", if tls { "TLS" } else { "clear text, STARTTLS" });
    }
    // After the others, which test harnesses read first; a closed output
    // is no reason to stop.
    for (addr, tls) in server.haproxy_addrs() {
        let kind = if tls { "PROXY protocol, then TLS" } else { "PROXY protocol, then clear text, STARTTLS" };
        let _ = writeln!(std::io::stdout(), "tegami: listening on {addr} ({kind})");
    }
    if demo {
        println!("{}", tegami::demo::HOW_TO_CONNECT);
    }
    if let Err(e) = server.run() {
        eprintln!("tegami: {e}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

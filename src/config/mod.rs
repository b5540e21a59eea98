//! Command-line flags and the server configuration built from them.

mod auth_http;
pub mod flags;
pub use auth_http::AuthHttpConfig;

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// The manual's log levels, from quietest to most verbose.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum LogLevel {
    /// Nothing at all.
    None,
    /// Logins and message transfer reports.
    Major,
    /// Major, plus non-fatal errors.
    Problems,
    /// Problems, plus every protocol line (credentials masked).
    LowLevel,
    /// Low-level, plus link-level records (bytes, TLS).
    AllInfo,
}

impl LogLevel {
    /// Parses a `--log-level` value.
    pub fn parse(s: &str) -> Option<LogLevel> {
        Some(match s.to_ascii_lowercase().as_str() {
            "none" => LogLevel::None,
            "major" => LogLevel::Major,
            "problems" => LogLevel::Problems,
            "low-level" | "lowlevel" => LogLevel::LowLevel,
            "all-info" | "allinfo" | "all" => LogLevel::AllInfo,
            _ => return None,
        })
    }

    /// The `log` filter that lets exactly this level's records through.
    /// Records are written as: major = error!, problems = warn!,
    /// low-level = debug!, all-info = trace! (see `crate::server::logger`).
    pub fn filter(self) -> log::LevelFilter {
        match self {
            LogLevel::None => log::LevelFilter::Off,
            LogLevel::Major => log::LevelFilter::Error,
            LogLevel::Problems => log::LevelFilter::Warn,
            LogLevel::LowLevel => log::LevelFilter::Debug,
            LogLevel::AllInfo => log::LevelFilter::Trace,
        }
    }
}

/// Everything the server needs to run, built from the command line.
#[derive(Clone, Debug)]
pub struct Config {
    /// Clear-text listeners.
    pub listen: Vec<SocketAddr>,
    /// Implicit-TLS listeners.
    pub listen_tls: Vec<SocketAddr>,
    /// PEM certificate chain.
    pub cert: Option<PathBuf>,
    /// PEM private key.
    pub key: Option<PathBuf>,
    /// The passwd-file.
    pub users: Option<PathBuf>,
    /// Maildir location template.
    pub mail: String,
    /// Maximum Number of Channels.
    pub max_channels: usize,
    /// How much to log.
    pub log_level: LogLevel,
    /// Whether clear-text login is allowed on unencrypted connections at
    /// all (false with `--no-cleartext-login`).
    pub cleartext_login: bool,
    /// Whether SEARCH uses and fills the full-text index (false with
    /// `--no-search-index`).
    pub search_index: bool,
    /// Whether it is allowed from other hosts too (`--allow-cleartext-login`);
    /// otherwise only when the client's address is the server's own.
    pub cleartext_anywhere: bool,
    /// `--user USER[:GROUP]` to switch to after binding.
    pub run_as: Option<String>,
    /// `--first-valid-uid`: run as root, the lowest uid a session may
    /// access mail as.
    pub first_valid_uid: u32,
    /// Longest command line, literals excluded.
    pub max_line: usize,
    /// Largest literal.
    pub max_literal: u64,
    /// Interval of the IDLE keepalive.
    pub idle_keepalive: Duration,
    /// `--metadata-max-size`: the largest METADATA value.
    pub metadata_max_size: u64,
    /// `--metadata-max-entries`: entries per mailbox, per scope and user.
    pub metadata_max_entries: usize,
    /// `--demo` and its directory.
    pub demo: Option<PathBuf>,
    /// `--alerts-dir`: the spool of domain and server alerts.
    pub alerts_dir: Option<PathBuf>,
    /// `--quota`: the limits of accounts without `quota_rule`.
    pub quota: crate::quota::Limits,
    /// `--username-format`: how login names are put in one form before lookup.
    pub username_format: crate::auth::UsernameFormat,
    /// `--auth-mechanisms`: the SASL mechanisms offered, upper case, in order.
    pub auth_mechanisms: Vec<String>,
    /// `--router FILE`: CommuniGate router records (referrals and aliases).
    pub router: Option<PathBuf>,
    /// `--auth-penalty`: the delay after a first failed login (doubling after).
    pub auth_penalty: Duration,
    /// `--auth-penalty-table`: failed-login entries remembered at most.
    pub auth_penalty_table: usize,
    /// `--log-file`: where records go instead of standard error.
    pub log_file: Option<PathBuf>,
    /// The monitor's HTTP listener (`--monitor`).
    pub monitor: Option<SocketAddr>,
    /// The monitor asks for a server administrator's credentials.
    pub monitor_auth: bool,
    /// `--monitor-host`: names the monitor answers to besides its address.
    pub monitor_hosts: Vec<String>,
    /// `--agentx`: the master agent's socket, for the SNMP subagent (as
    /// given; `agentx::Target::parse` reads it).
    pub agentx: Option<String>,
    /// Connection deadlines and limits (`--login-timeout` and friends).
    pub net: NetLimits,
    /// `--urlauth-submit-user`: who may fetch `submit+` URLAUTH URLs.
    pub urlauth_submit_user: Option<String>,
    /// Trusted fronts and HAProxy listeners (`crate::origin`).
    pub proxy: crate::origin::ProxyConfig,
    /// `--auth-http`, `--backends`: nginx's auth_http endpoint.
    pub auth_http: AuthHttpConfig,
    /// `--shared-storage`: maildirs on a network file system.
    pub shared_storage: bool,
    /// `--poll-interval`: how often idling sessions look at unwatched mailboxes.
    pub poll_interval: Duration,
}

/// The connection layer's deadlines and limits.
#[derive(Clone, Debug)]
pub struct NetLimits {
    /// `--tls-backend`.
    pub tls_backend: crate::net::Backend,
    /// `--login-timeout`: from connect to the end of login.
    pub login_timeout: Duration,
    /// `--autologout`: inactivity after login.
    pub autologout: Duration,
    /// `--write-timeout`: a write that waits this long drops the client.
    pub write_timeout: Duration,
    /// `--tcp-keepalive`: idle time before probes, none when off.
    pub tcp_keepalive: Option<Duration>,
    /// `--max-channels-per-ip`, 0 for no limit.
    pub max_per_ip: usize,
    /// `--max-preauth-command`.
    pub max_preauth_command: u64,
    /// `--max-command`.
    pub max_command: u64,
    /// `--max-fetch-buffer`.
    pub max_fetch_buffer: usize,
    /// `--max-held-literal`: literals of commands that are not streamed.
    pub max_held_literal: u64,
    /// `--max-client-memory`: the server-wide budget of `crate::budget`.
    pub max_client_memory: usize,
    /// `--max-channels` was given (else the default may shrink to what the
    /// descriptor limit allows).
    pub channels_given: bool,
}

impl NetLimits {
    fn from_matches(m: &getopts::Matches) -> Result<NetLimits, UsageError> {
        let secs = |flag: &str, default: u64| number(m, flag, default).map(Duration::from_secs);
        let autologout = secs("autologout", 1860)?;
        if autologout < Duration::from_secs(1800) {
            return Err(UsageError("--autologout: RFC 3501 5.4 asks for at least 30 minutes (1800)".into()));
        }
        let login_timeout = secs("login-timeout", 60)?;
        let write_timeout = secs("write-timeout", 120)?;
        if login_timeout.is_zero() || write_timeout.is_zero() {
            return Err(UsageError("--login-timeout and --write-timeout must be at least 1".into()));
        }
        let keepalive = secs("tcp-keepalive", 300)?;
        let backend = m.opt_str("tls-backend").unwrap_or_else(|| "rustls".into());
        Ok(NetLimits {
            tls_backend: crate::net::Backend::parse(&backend).map_err(UsageError)?,
            login_timeout,
            autologout,
            write_timeout,
            tcp_keepalive: (!keepalive.is_zero()).then_some(keepalive),
            max_per_ip: number(m, "max-channels-per-ip", 100)?,
            max_preauth_command: number(m, "max-preauth-command", 8192)?,
            max_command: number(m, "max-command", 256 * 1024 * 1024)?,
            max_fetch_buffer: number(m, "max-fetch-buffer", 1024 * 1024)?,
            max_held_literal: number(m, "max-held-literal", 1024 * 1024)?,
            max_client_memory: number(m, "max-client-memory", 256 * 1024 * 1024)?,
            channels_given: m.opt_present("max-channels"),
        })
    }
}

/// Parses `--auth-mechanisms`: names separated by blanks or commas, each
/// one tegami implements.
pub fn parse_mechanisms(list: &str) -> Result<Vec<String>, UsageError> {
    let mut out: Vec<String> = Vec::new();
    for name in list.split([' ', ',', '\t']).filter(|n| !n.is_empty()) {
        let upper = name.to_ascii_uppercase();
        if !crate::auth::MECHANISMS.contains(&upper.as_str()) {
            return Err(UsageError(format!(
                "--auth-mechanisms: unknown mechanism {name} (known: {})",
                crate::auth::MECHANISMS.join(" ").to_ascii_lowercase()
            )));
        }
        if !out.contains(&upper) {
            out.push(upper);
        }
    }
    if out.is_empty() {
        return Err(UsageError("--auth-mechanisms: name at least one mechanism".into()));
    }
    Ok(out)
}

/// What the command line asks for.
#[derive(Debug)]
pub enum Invocation {
    /// Run the server.
    Run(Box<Config>),
    /// Print this text and exit successfully.
    Print(String),
    /// Print `--help` (the binary adds the administration subcommands).
    Help,
}

/// A command-line mistake, shown to the user with a hint to use --help.
#[derive(Debug)]
pub struct UsageError(pub String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (see tegami --help)", self.0)
    }
}

fn addr(s: &str, flag: &str) -> Result<SocketAddr, UsageError> {
    s.parse().map_err(|_| UsageError(format!("--{flag} {s}: expected ADDR:PORT such as 0.0.0.0:143 or [::1]:143")))
}

/// `--monitor`: a bare port listens on loopback only; an address is taken
/// as given.
fn monitor_addr(s: &str) -> Result<SocketAddr, UsageError> {
    match s.parse::<u16>() {
        Ok(port) => Ok(SocketAddr::from(([127, 0, 0, 1], port))),
        Err(_) => addr(s, "monitor"),
    }
}

fn number<T: std::str::FromStr>(m: &getopts::Matches, flag: &str, default: T) -> Result<T, UsageError> {
    match m.opt_str(flag) {
        None => Ok(default),
        Some(v) => v.parse().map_err(|_| UsageError(format!("--{flag} {v}: expected a number"))),
    }
}

impl Config {
    /// Parses the arguments (without the program name).
    pub fn from_args(args: &[String]) -> Result<Invocation, UsageError> {
        let m = flags::options().parse(args).map_err(|e| UsageError(e.to_string()))?;
        if m.opt_present("help") {
            return Ok(Invocation::Help);
        }
        if m.opt_present("version") {
            return Ok(Invocation::Print(format!("tegami {}\n", env!("CARGO_PKG_VERSION"))));
        }
        // `--demo DIR` (with a space) leaves DIR as a free argument.
        let mut free = m.free.clone();
        let demo_dir = m.opt_str("demo").or_else(|| (m.opt_present("demo") && free.len() == 1).then(|| free.remove(0)));
        if let Some(extra) = free.first() {
            return Err(UsageError(format!("unexpected argument {extra}")));
        }
        let listen = m.opt_strs("listen").iter().map(|s| addr(s, "listen")).collect::<Result<Vec<_>, _>>()?;
        let listen_tls =
            m.opt_strs("listen-tls").iter().map(|s| addr(s, "listen-tls")).collect::<Result<Vec<_>, _>>()?;
        let log_level = match m.opt_str("log-level") {
            None => LogLevel::Major,
            Some(v) => LogLevel::parse(&v).ok_or_else(|| {
                UsageError(format!("--log-level {v}: expected none, major, problems, low-level or all-info"))
            })?,
        };
        let max_channels: usize = number(&m, "max-channels", 1000)?;
        if max_channels == 0 {
            return Err(UsageError("--max-channels must be at least 1".into()));
        }
        let demo = if m.opt_present("demo") {
            Some(PathBuf::from(demo_dir.unwrap_or_else(|| "./tegami-demo".into())))
        } else {
            None
        };
        let cfg = Config {
            listen,
            listen_tls,
            cert: m.opt_str("cert").map(PathBuf::from),
            key: m.opt_str("key").map(PathBuf::from),
            users: m.opt_str("users").map(PathBuf::from),
            mail: m.opt_str("mail").unwrap_or_else(|| "%h/Maildir".into()),
            max_channels,
            log_level,
            cleartext_login: !m.opt_present("no-cleartext-login"),
            search_index: !m.opt_present("no-search-index"),
            cleartext_anywhere: m.opt_present("allow-cleartext-login"),
            run_as: m.opt_str("user"),
            first_valid_uid: number(&m, "first-valid-uid", 500u32)?,
            max_line: number(&m, "max-line", 65536)?,
            max_literal: number(&m, "max-literal", 64 * 1024 * 1024)?,
            idle_keepalive: Duration::from_secs(number(&m, "idle-keepalive", 120u64)?.max(1)),
            metadata_max_size: number(&m, "metadata-max-size", 64 * 1024)?,
            metadata_max_entries: number(&m, "metadata-max-entries", 100)?,
            demo,
            alerts_dir: m.opt_str("alerts-dir").map(PathBuf::from),
            quota: match m.opt_str("quota") {
                None => crate::quota::Limits::default(),
                Some(v) => crate::quota::parse_flag(&v).map_err(|e| UsageError(format!("--quota {v}: {e}")))?,
            },
            username_format: crate::auth::UsernameFormat::parse(
                &m.opt_str("username-format").unwrap_or_else(|| "%Lu".into()),
            )
            .map_err(UsageError)?,
            auth_mechanisms: parse_mechanisms(&m.opt_str("auth-mechanisms").unwrap_or_else(|| "plain login".into()))?,
            router: m.opt_str("router").map(PathBuf::from),
            auth_penalty: Duration::from_millis(number(&m, "auth-penalty", 250u64)?),
            auth_penalty_table: number(&m, "auth-penalty-table", crate::auth::penalty::DEFAULT_ENTRIES)?,
            monitor: m.opt_str("monitor").map(|s| monitor_addr(&s)).transpose()?,
            monitor_auth: m.opt_present("monitor-auth"),
            monitor_hosts: m.opt_strs("monitor-host"),
            agentx: m.opt_str("agentx"),
            urlauth_submit_user: m.opt_str("urlauth-submit-user"),
            log_file: m.opt_str("log-file").map(PathBuf::from),
            net: NetLimits::from_matches(&m)?,
            proxy: crate::origin::ProxyConfig::from_matches(&m).map_err(UsageError)?,
            auth_http: AuthHttpConfig::from_matches(&m).map_err(UsageError)?,
            shared_storage: m.opt_present("shared-storage"),
            poll_interval: Duration::from_secs(number(&m, "poll-interval", 2u64)?.max(1)),
        };
        if cfg.cert.is_some() != cfg.key.is_some() {
            return Err(UsageError("--cert and --key go together".into()));
        }
        if !(cfg.listen_tls.is_empty() && cfg.proxy.listen_tls.is_empty()) && cfg.cert.is_none() && cfg.demo.is_none() {
            return Err(UsageError("--listen-tls needs --cert and --key".into()));
        }
        if cfg.users.is_none() && cfg.demo.is_none() {
            return Err(UsageError("--users FILE is required (or --demo)".into()));
        }
        Ok(Invocation::Run(Box::new(cfg)))
    }

    /// Fills in the default listeners when none were given.
    pub fn apply_default_listeners(&mut self) {
        let behind_haproxy = !(self.proxy.listen.is_empty() && self.proxy.listen_tls.is_empty());
        if self.listen.is_empty() && self.listen_tls.is_empty() && !behind_haproxy {
            // Both constants parse; a test below pins that down.
            self.listen.push("0.0.0.0:143".parse().expect("constant address"));
            if self.cert.is_some() {
                self.listen_tls.push("0.0.0.0:993".parse().expect("constant address"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    fn run(s: &str) -> Config {
        match Config::from_args(&args(s)).unwrap() {
            Invocation::Run(c) => *c,
            Invocation::Print(_) | Invocation::Help => panic!("expected a config"),
        }
    }

    #[test]
    fn a_bare_monitor_port_listens_on_loopback_and_an_address_is_kept() {
        assert_eq!(run("-u p --monitor 8143").monitor, Some("127.0.0.1:8143".parse().unwrap()));
        assert_eq!(run("-u p --monitor 0.0.0.0:8143").monitor, Some("0.0.0.0:8143".parse().unwrap()));
        assert_eq!(
            run("-u p --monitor-host a.example --monitor-host b.example").monitor_hosts,
            ["a.example", "b.example"]
        );
    }

    #[test]
    fn repeated_listeners_and_defaults() {
        let c = run("-u p -l 127.0.0.1:1 -l [::1]:2 --max-channels 3");
        assert_eq!(c.listen.len(), 2);
        assert_eq!(c.max_channels, 3);
        assert_eq!(c.mail, "%h/Maildir");
        assert_eq!(c.log_level, LogLevel::Major);
        assert!(c.cleartext_login);
        // Dovecot's first_valid_uid: system accounts are never served as root.
        assert_eq!(c.first_valid_uid, 500);
        assert_eq!(run("-u p --first-valid-uid 1000").first_valid_uid, 1000);
    }

    #[test]
    fn default_listeners_depend_on_the_certificate() {
        let mut c = run("-u p");
        c.apply_default_listeners();
        assert_eq!(c.listen, vec!["0.0.0.0:143".parse().unwrap()]);
        assert!(c.listen_tls.is_empty());
        let mut c = run("-u p --cert c --key k");
        c.apply_default_listeners();
        assert_eq!(c.listen_tls, vec!["0.0.0.0:993".parse().unwrap()]);
    }

    #[test]
    fn mistakes_are_explained() {
        for bad in [
            "-u p -l nowhere",
            "-u p --log-level loud",
            "-u p --cert c",
            "",
            "-u p -c 0",
            "-u p stray",
            "-u p --quota storage=lots",
            "-u p --autologout 60",
            "-u p --write-timeout 0",
            "-u p --tls-backend gnutls",
        ] {
            assert!(Config::from_args(&args(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn mechanisms_and_username_format() {
        assert_eq!(run("-u p").auth_mechanisms, vec!["PLAIN", "LOGIN"]);
        assert_eq!(
            run("-u p --auth-mechanisms=plain,login,cram-md5,scram-sha-256").auth_mechanisms,
            vec!["PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-256"]
        );
        assert_eq!(run("-u p").username_format.apply("Alice"), "alice");
        assert_eq!(run("-u p --username-format %u").username_format.apply("Alice"), "Alice");
        for bad in ["-u p --auth-mechanisms digest-md5", "-u p --auth-mechanisms ,", "-u p --username-format x"] {
            assert!(Config::from_args(&args(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn demo_takes_an_optional_directory() {
        assert_eq!(run("--demo").demo, Some(PathBuf::from("./tegami-demo")));
        assert_eq!(run("--demo=/tmp/x").demo, Some(PathBuf::from("/tmp/x")));
        assert_eq!(run("--demo /tmp/y").demo, Some(PathBuf::from("/tmp/y")));
    }
}

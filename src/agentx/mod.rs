//! Statistics over SNMP: an AgentX subagent (RFC 2741) of the system's
//! snmpd (`--agentx SOCKET`). A thread of its own connects to the master
//! agent, registers tegami's applTable row (RFC 2788) and the TEGAMI-MIB
//! scalars, and answers Get, GetNext and GetBulk from a copy of the
//! monitor's counters, the same numbers `/metrics` shows. When the master
//! goes away or is not there yet, it retries with backoff, logging once
//! per outage.

pub mod agent;
pub mod mib;
pub mod pdu;

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use crate::shared::Shared;

/// Where the master agent listens, as snmpd.conf's `agentXSocket` says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A Unix stream socket (`/var/agentx/master`, `unix:/path`).
    Unix(PathBuf),
    /// A TCP address (`tcp:127.0.0.1:705`).
    Tcp(String),
}

impl Target {
    /// Parses `--agentx`: `tcp:HOST:PORT`, `unix:PATH` or a path.
    pub fn parse(s: &str) -> Result<Target, String> {
        if let Some(addr) = s.strip_prefix("tcp:") {
            let ok = addr.rsplit_once(':').is_some_and(|(h, p)| !h.is_empty() && p.parse::<u16>().is_ok());
            return if ok {
                Ok(Target::Tcp(addr.to_string()))
            } else {
                Err(format!("--agentx {s}: expected tcp:HOST:PORT"))
            };
        }
        let path = s.strip_prefix("unix:").unwrap_or(s);
        if path.is_empty() {
            return Err("--agentx: expected a socket path or tcp:HOST:PORT".into());
        }
        Ok(Target::Unix(PathBuf::from(path)))
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Unix(p) => write!(f, "{}", p.display()),
            Target::Tcp(a) => write!(f, "tcp:{a}"),
        }
    }
}

/// Starts the subagent thread when `--agentx` was given; `stopping` tells
/// whether SIGTERM was received (applOperStatus quiescing).
pub fn start(shared: &Arc<Shared>, stopping: fn() -> bool) -> Result<(), String> {
    let Some(given) = shared.config.agentx.as_deref() else { return Ok(()) };
    let target = Target::parse(given)?;
    let shared = shared.clone();
    std::thread::Builder::new()
        .name("tegami-agentx".into())
        .spawn(move || agent::run(target, shared, stopping))
        .map_err(|e| format!("agentx: {e}"))?;
    Ok(())
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod target_tests {
    use super::*;

    #[test]
    fn targets_parse_as_snmpd_writes_them() {
        assert_eq!(Target::parse("/var/agentx/master"), Ok(Target::Unix("/var/agentx/master".into())));
        assert_eq!(Target::parse("unix:/run/ax"), Ok(Target::Unix("/run/ax".into())));
        assert_eq!(Target::parse("tcp:127.0.0.1:705"), Ok(Target::Tcp("127.0.0.1:705".into())));
        assert_eq!(Target::parse("tcp:[::1]:705"), Ok(Target::Tcp("[::1]:705".into())));
        assert!(Target::parse("tcp:localhost").is_err());
        assert!(Target::parse("tcp::705").is_err());
        assert!(Target::parse("").is_err());
        assert_eq!(Target::parse("tcp:127.0.0.1:705").unwrap().to_string(), "tcp:127.0.0.1:705");
    }
}

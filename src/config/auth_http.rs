//! The flags of nginx's auth_http endpoint (`crate::authhttp`), here so
//! the configuration does not import the endpoint.

use std::net::SocketAddr;

/// The `--auth-http`, `--auth-http-remote` and `--backends` flags.
#[derive(Debug, Clone, Default)]
pub struct AuthHttpConfig {
    /// Where the endpoint listens, when enabled.
    pub addr: Option<SocketAddr>,
    /// The backends users are spread over.
    pub backends: Vec<SocketAddr>,
}

impl AuthHttpConfig {
    /// Reads the flags: a bare port is loopback; another address must be
    /// loopback unless `--auth-http-remote` allows it.
    pub fn from_matches(m: &getopts::Matches) -> Result<AuthHttpConfig, String> {
        let addr = match m.opt_str("auth-http") {
            None => None,
            Some(s) => Some(match s.parse::<u16>() {
                Ok(port) => SocketAddr::from(([127, 0, 0, 1], port)),
                Err(_) => s.parse().map_err(|_| format!("--auth-http {s}: expected [ADDR:]PORT such as 8144"))?,
            }),
        };
        if let Some(a) = addr.filter(|a| !a.ip().is_loopback()) {
            if !m.opt_present("auth-http-remote") {
                return Err(format!(
                    "--auth-http {a}: not a loopback address (it answers password guesses; add --auth-http-remote behind a firewall)"
                ));
            }
        }
        let mut backends = Vec::new();
        for b in m.opt_str("backends").iter().flat_map(|v| v.split(',')).map(str::trim).filter(|b| !b.is_empty()) {
            let a: SocketAddr =
                b.parse().map_err(|_| format!("--backends {b}: expected IP:PORT (nginx does not resolve names)"))?;
            if !backends.contains(&a) {
                backends.push(a);
            }
        }
        if !backends.is_empty() && addr.is_none() {
            return Err("--backends is used by --auth-http only".into());
        }
        Ok(AuthHttpConfig { addr, backends })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &str) -> Result<AuthHttpConfig, String> {
        let args: Vec<String> = args.split_whitespace().map(String::from).collect();
        AuthHttpConfig::from_matches(&crate::config::flags::options().parse(&args).unwrap())
    }

    #[test]
    fn the_endpoint_stays_on_loopback_unless_told() {
        assert_eq!(parse("--auth-http 8144").unwrap().addr, Some("127.0.0.1:8144".parse().unwrap()));
        assert!(parse("--auth-http 0.0.0.0:8144").unwrap_err().contains("not a loopback address"));
        assert!(parse("--auth-http 0.0.0.0:8144 --auth-http-remote").is_ok());
        let c = parse("--auth-http [::1]:8144 --backends 10.0.0.1:143,,10.0.0.2:143,10.0.0.1:143").unwrap();
        assert_eq!(c.backends, vec!["10.0.0.1:143".parse::<SocketAddr>().unwrap(), "10.0.0.2:143".parse().unwrap()]);
        assert!(parse("--auth-http 8144 --backends imap.example:143").unwrap_err().contains("expected IP:PORT"));
        assert!(parse("--backends 10.0.0.1:143").is_err());
    }
}

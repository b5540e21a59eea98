use super::*;

fn config(args: &[&str]) -> Config {
    let mut all: Vec<String> = vec!["-u".into(), "/nonexistent".into()];
    all.extend(args.iter().map(|s| s.to_string()));
    match Config::from_args(&all).unwrap() {
        crate::config::Invocation::Run(c) => *c,
        _ => panic!("not a run"),
    }
}

fn origin(peer: &str, trusted: bool) -> Origin {
    Origin::accepted(peer.parse().unwrap(), trusted, PerIp::new(1), None)
}

#[test]
fn networks_parse_with_commas_or_spaces_and_refuse_the_rest() {
    let n = parse_networks("trusted-networks", "10.0.0.0/8, 127.0.0.1 ::1").unwrap();
    assert_eq!(n.len(), 3);
    assert!(parse_networks("trusted-networks", "10.0.0.0/33").is_err());
    assert!(parse_networks("trusted-networks", "local").is_err());
    assert!(parse_networks("trusted-networks", "example.org").is_err());
    let c = config(&["--trusted-networks", "127.0.0.0/30"]);
    assert!(c.proxy.trusts("127.0.0.2".parse().unwrap()));
    assert!(c.proxy.trusts("::ffff:127.0.0.3".parse().unwrap()));
    assert!(!c.proxy.trusts("127.0.0.5".parse().unwrap()));
}

#[test]
fn haproxy_listeners_need_their_networks() {
    let mut all: Vec<String> = ["-u", "/x", "--listen-haproxy", "127.0.0.1:1143"].map(String::from).to_vec();
    assert!(Config::from_args(&all).is_err());
    all.extend(["--haproxy-trusted-networks".to_string(), "127.0.0.1".to_string()]);
    assert!(Config::from_args(&all).is_ok());
}

#[test]
fn a_header_names_the_client_and_counts_it() {
    let mut o = origin("127.0.0.1:5000", false);
    let h = Header {
        source: Some("192.0.2.9:4000".parse().unwrap()),
        destination: Some("198.51.100.1:143".parse().unwrap()),
        client_tls: None,
        unique_id: Some("u1".into()),
    };
    assert!(o.from_header(h.clone()));
    assert_eq!(o.client, "192.0.2.9:4000".parse().unwrap());
    assert_eq!(o.via, Via::Haproxy);
    // The cap of 1 is now taken by 192.0.2.9, whatever the proxy's address.
    let mut again = Origin::accepted("127.0.0.1:5001".parse().unwrap(), false, o.per_ip.clone(), None);
    assert!(!again.from_header(h));
    *o.count_slot().lock() = None;
    assert!(o.per_ip.take("192.0.2.9".parse().unwrap()).is_some(), "emptying the slot gives the count back");
}

#[test]
fn cleartext_follows_the_clients_connection() {
    let strict = config(&[]);
    let anywhere = config(&["--allow-cleartext-login"]);
    let local: Option<SocketAddr> = Some("127.0.0.1:143".parse().unwrap());
    assert!(origin("127.0.0.1:5000", false).cleartext_allowed(false, local, &strict), "same host");
    assert!(!origin("127.0.0.5:5000", false).cleartext_allowed(false, local, &strict));
    assert!(origin("127.0.0.5:5000", false).cleartext_allowed(true, local, &strict), "TLS");
    assert!(origin("127.0.0.5:5000", false).cleartext_allowed(false, local, &anywhere));
    assert!(origin("127.0.0.5:5000", true).cleartext_allowed(false, local, &strict), "trusted front");
    let mut behind = origin("127.0.0.1:5000", false);
    behind.from_header(Header {
        source: Some("127.0.0.5:4000".parse().unwrap()),
        destination: Some("127.0.0.1:143".parse().unwrap()),
        ..Header::default()
    });
    assert!(!behind.cleartext_allowed(false, local, &strict), "the proxy's own address does not count");
    behind.client_tls = Some(true);
    assert!(behind.cleartext_allowed(false, local, &strict), "the client used TLS to the proxy");
}

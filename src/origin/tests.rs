use super::id::{apply, Context, Named};
use super::*;

/// The flags of this module parsed alone (the whole table is config's).
fn proxy_config(args: &[&str]) -> Result<ProxyConfig, String> {
    let mut o = getopts::Options::new();
    for f in ["trusted-networks", "haproxy-trusted-networks", "haproxy-timeout"] {
        o.optopt("", f, "", "");
    }
    for f in ["listen-haproxy", "listen-tls-haproxy"] {
        o.optmulti("", f, "", "");
    }
    ProxyConfig::from_matches(&o.parse(args).unwrap())
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
    let c = proxy_config(&["--trusted-networks", "127.0.0.0/30"]).unwrap();
    assert!(c.trusts("127.0.0.2".parse().unwrap()));
    assert!(c.trusts("::ffff:127.0.0.3".parse().unwrap()));
    assert!(!c.trusts("127.0.0.5".parse().unwrap()));
    assert!(proxy_config(&["--haproxy-timeout", "0"]).is_err());
}

#[test]
fn haproxy_listeners_need_their_networks() {
    assert!(proxy_config(&["--listen-haproxy", "127.0.0.1:1143"]).is_err());
    let c = proxy_config(&["--listen-haproxy", "127.0.0.1:1143", "--haproxy-trusted-networks", "127.0.0.1"]).unwrap();
    assert!(c.trusts_haproxy("127.0.0.1".parse().unwrap()) && !c.trusts("127.0.0.1".parse().unwrap()));
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
    let local: Option<SocketAddr> = Some("127.0.0.1:143".parse().unwrap());
    let strict = |o: &Origin, tls| o.cleartext_allowed(tls, local, true, false);
    assert!(strict(&origin("127.0.0.1:5000", false), false), "same host");
    assert!(!strict(&origin("127.0.0.5:5000", false), false));
    assert!(strict(&origin("127.0.0.5:5000", false), true), "TLS");
    assert!(origin("127.0.0.5:5000", false).cleartext_allowed(false, local, true, true), "anywhere");
    assert!(!origin("127.0.0.1:5000", false).cleartext_allowed(false, local, false, true), "never in clear");
    assert!(strict(&origin("127.0.0.5:5000", true), false), "trusted front");
    let mut behind = origin("127.0.0.1:5000", false);
    behind.from_header(Header {
        source: Some("127.0.0.5:4000".parse().unwrap()),
        destination: Some("127.0.0.1:143".parse().unwrap()),
        ..Header::default()
    });
    assert!(!strict(&behind, false), "the proxy's own address does not count");
    behind.client_tls = Some(true);
    assert!(strict(&behind, false), "the client used TLS to the proxy");
}

fn fields(pairs: &[(&str, &str)]) -> Vec<(Vec<u8>, Option<Vec<u8>>)> {
    pairs.iter().map(|(k, v)| (k.as_bytes().to_vec(), Some(v.as_bytes().to_vec()))).collect()
}

#[test]
fn id_fields_name_the_client_only_from_a_trusted_front_before_login_and_once() {
    let proxy = proxy_config(&["--trusted-networks", "10.0.0.1"]).unwrap();
    let cx = Context { proxy: &proxy, before_login: true, tag: "IMAP-00001", max_per_ip: 1 };
    let id = fields(&[("X-Originating-IP", "[2001:db8::5]"), ("x-originating-port", "4000"), ("x-session-id", "s\r1")]);
    // From elsewhere: ignored.
    let mut o = origin("10.0.0.2:1", proxy.trusts("10.0.0.2".parse().unwrap()));
    assert_eq!(apply(&mut o, &id, &cx), None);
    assert_eq!(o.client, "10.0.0.2:1".parse().unwrap());
    // After login: ignored.
    let mut o = origin("10.0.0.1:1", true);
    assert_eq!(apply(&mut o, &id, &Context { before_login: false, ..cx }), None);
    // The first time, before login, from the front: the client.
    let named = apply(&mut o, &id, &cx).unwrap();
    assert_eq!(named, Named { client: "[2001:db8::5]:4000".parse().unwrap(), over_cap: false });
    assert_eq!((o.via, o.session_id.as_deref()), (Via::Id, Some("s?1")));
    // A second ID cannot rename it.
    assert_eq!(apply(&mut o, &fields(&[("x-originating-ip", "192.0.2.1")]), &cx), None);
    // Another connection of the same client is over the cap of 1.
    let mut o2 = Origin::accepted("10.0.0.1:2".parse().unwrap(), true, o.per_ip.clone(), None);
    assert!(apply(&mut o2, &id, &cx).unwrap().over_cap);
    // Fields without a usable address leave the front's own.
    let mut o3 = origin("10.0.0.1:3", true);
    assert_eq!(apply(&mut o3, &fields(&[("x-originating-ip", "nonsense")]), &cx), None);
    assert_eq!(o3.client, "10.0.0.1:3".parse().unwrap());
    // An ID without forwarding fields is no business of this module.
    let mut o4 = origin("10.0.0.1:4", true);
    assert_eq!(apply(&mut o4, &fields(&[("name", "Thunderbird")]), &cx), None);
    assert_eq!(o4.via, Via::Trusted);
}

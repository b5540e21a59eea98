use super::*;
use proptest::prelude::*;
use std::io::Cursor;

fn v2(command: u8, family: u8, body: &[u8]) -> Vec<u8> {
    let mut h = V2_SIGNATURE.to_vec();
    h.extend([command, family]);
    h.extend((body.len() as u16).to_be_bytes());
    h.extend(body);
    h
}

/// The TCP4 addresses of a v2 header: 192.0.2.1:56324 to 198.51.100.2:143.
const TCP4: [u8; 12] = [192, 0, 2, 1, 198, 51, 100, 2, 0xdc, 0x04, 0x00, 0x8f];

#[test]
fn v1_lines_of_the_specification() {
    let h = parse_v1(b"PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n").unwrap();
    assert_eq!(h.source, Some("192.168.0.1:56324".parse().unwrap()));
    assert_eq!(h.destination, Some("192.168.0.11:443".parse().unwrap()));
    // The specification's worst cases: 56 and 104 octets.
    let four = b"PROXY TCP4 255.255.255.255 255.255.255.255 65535 65535\r\n";
    assert_eq!(parse_v1(four).unwrap().source, Some("255.255.255.255:65535".parse().unwrap()));
    let ff = "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff";
    let six = format!("PROXY TCP6 {ff} {ff} 65535 65535\r\n");
    assert_eq!(six.len(), 104);
    assert_eq!(parse_v1(six.as_bytes()).unwrap().source, Some(format!("[{ff}]:65535").parse().unwrap()));
    assert_eq!(parse_v1(b"PROXY UNKNOWN\r\n").unwrap(), Header::default());
    let unknown = format!("PROXY UNKNOWN {ff} {ff} 65535 65535\r\n");
    assert_eq!(unknown.len(), 107);
    assert_eq!(parse_v1(unknown.as_bytes()).unwrap(), Header::default());
}

#[test]
fn v1_malformed_lines_are_refused() {
    for bad in [
        &b"PROXY TCP4 192.168.0.1 192.168.0.11 56324\r\n"[..],
        b"PROXY TCP4 ::1 ::1 1 2\r\n",
        b"PROXY TCP6 192.168.0.1 192.168.0.11 1 2\r\n",
        b"PROXY TCP4 192.168.0.1 192.168.0.11 65536 1\r\n",
        b"PROXY TCP4 192.168.0.1 192.168.0.11 056 1\r\n",
        b"PROXY TCP4 192.168.0.1 192.168.0.11 +5 1\r\n",
        b"PROXY TCP4  192.168.0.1 192.168.0.11 1 2\r\n",
        b"PROXY UDP4 192.168.0.1 192.168.0.11 1 2\r\n",
        b"PROXY TCP4 192.168.0.1 192.168.0.11 1 2\n",
    ] {
        assert!(parse_v1(bad).is_err(), "{}", String::from_utf8_lossy(bad));
    }
}

#[test]
fn v1_is_read_octet_exact_and_bounded() {
    let mut r = Cursor::new(b"PROXY TCP4 10.0.0.1 10.0.0.2 1 2\r\n\x16\x03\x01".to_vec());
    assert_eq!(read_header(&mut r).unwrap().source, Some("10.0.0.1:1".parse().unwrap()));
    assert_eq!(r.position(), 34, "the TLS record after the header is left unread");
    let long = format!("PROXY UNKNOWN {}\r\n", "x".repeat(200));
    let mut r = Cursor::new(long.into_bytes());
    assert!(read_header(&mut r).is_err());
    assert_eq!(r.position() as usize, V1_MAX, "reading stops at the bound");
}

#[test]
fn v2_tcp4_and_tcp6() {
    let h = parse_v2(&v2(0x21, 0x11, &TCP4)).unwrap();
    assert_eq!(h.source, Some("192.0.2.1:56324".parse().unwrap()));
    assert_eq!(h.destination, Some("198.51.100.2:143".parse().unwrap()));
    let mut six = Vec::new();
    six.extend("2001:db8::1".parse::<Ipv6Addr>().unwrap().octets());
    six.extend("2001:db8::2".parse::<Ipv6Addr>().unwrap().octets());
    six.extend([0x04, 0xd2, 0x03, 0xe1]);
    let h = parse_v2(&v2(0x21, 0x21, &six)).unwrap();
    assert_eq!(h.source, Some("[2001:db8::1]:1234".parse().unwrap()));
    assert_eq!(h.destination, Some("[2001:db8::2]:993".parse().unwrap()));
}

#[test]
fn v2_local_unspec_and_unix_keep_the_connections_address() {
    assert_eq!(parse_v2(&v2(0x20, 0x00, &[])).unwrap(), Header::default());
    assert_eq!(parse_v2(&v2(0x20, 0x11, &TCP4)).unwrap().source, None, "LOCAL ignores addresses");
    assert_eq!(parse_v2(&v2(0x21, 0x31, &[b'/'; 216])).unwrap().source, None);
}

#[test]
fn v2_tlvs_are_read_or_skipped() {
    let mut body = TCP4.to_vec();
    body.extend([0x04, 0x00, 0x02, 0, 0]); // NOOP, skipped
    body.extend([0x05, 0x00, 0x03, b'a', b'b', 0x01]); // UNIQUE_ID
    body.extend([0x20, 0x00, 0x05, 0x01, 0, 0, 0, 0]); // SSL: client used TLS
    let h = parse_v2(&v2(0x21, 0x11, &body)).unwrap();
    assert_eq!(h.unique_id.as_deref(), Some("ab?"));
    assert_eq!(h.client_tls, Some(true));
    let mut short = TCP4.to_vec();
    short.extend([0x05, 0x00, 0x09, b'a']);
    assert!(parse_v2(&v2(0x21, 0x11, &short)).is_err(), "a TLV past the end");
    let mut stub = TCP4.to_vec();
    stub.extend([0x05, 0x00]);
    assert!(parse_v2(&v2(0x21, 0x11, &stub)).is_err(), "half a TLV header");
}

#[test]
fn v2_malformed_headers_are_refused() {
    assert!(parse_v2(&v2(0x22, 0x11, &TCP4)).is_err(), "command 2");
    assert!(parse_v2(&v2(0x11, 0x11, &TCP4)).is_err(), "version 1 in a v2 header");
    assert!(parse_v2(&v2(0x21, 0x41, &TCP4)).is_err(), "family 4");
    assert!(parse_v2(&v2(0x21, 0x13, &TCP4)).is_err(), "protocol 3");
    assert!(parse_v2(&v2(0x21, 0x11, &TCP4[..11])).is_err(), "addresses cut");
    assert!(parse_v2(&v2(0x21, 0x21, &TCP4)).is_err(), "TCP6 with 12 octets");
    let mut h = v2(0x21, 0x11, &TCP4);
    h[3] = b'x';
    assert!(parse_v2(&h).is_err(), "signature");
}

#[test]
fn v2_is_read_octet_exact_and_its_length_bounded() {
    let mut bytes = v2(0x21, 0x11, &TCP4);
    bytes.extend(b"a001 CAPABILITY\r\n");
    let mut r = Cursor::new(bytes);
    assert!(read_header(&mut r).unwrap().source.is_some());
    assert_eq!(r.position(), 28);
    let mut huge = V2_SIGNATURE.to_vec();
    huge.extend([0x21, 0x11, 0xff, 0xff]);
    let mut r = Cursor::new(huge);
    assert!(read_header(&mut r).is_err());
    assert_eq!(r.position(), 16, "nothing read past the announced length's check");
}

#[test]
fn anything_else_is_not_a_header() {
    for bad in [&b"a001 LOGIN x y\r\n"[..], b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc", b"PROXY"] {
        assert!(read_header(&mut Cursor::new(bad.to_vec())).is_err());
    }
}

#[test]
fn a_slow_header_ends_at_the_sockets_deadline() {
    use std::net::{TcpListener, TcpStream};
    use std::time::{Duration, Instant};
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let mut client = TcpStream::connect(l.local_addr().unwrap()).unwrap();
    let (tcp, _) = l.accept().unwrap();
    let mut sock = crate::net::Sock::new(tcp, None);
    sock.set_timing(Some(Instant::now() + Duration::from_millis(300)), None);
    // Half a header, then silence while the connection stays open.
    std::io::Write::write_all(&mut client, b"PROXY TCP4 10.0").unwrap();
    let e = read_header(&mut sock).unwrap_err();
    assert!(matches!(e.kind(), io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock), "{e}");
}

proptest! {
    #[test]
    fn any_input_is_parsed_or_refused_within_bounds(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let mut r = Cursor::new(bytes.clone());
        let _ = read_header(&mut r);
        prop_assert!(r.position() as usize <= 16 + V2_MAX_BODY);
    }

    #[test]
    fn any_v2_body_is_parsed_or_refused(cmd in 0x20u8..0x22, fam in any::<u8>(), body in proptest::collection::vec(any::<u8>(), 0..300)) {
        let h = v2(cmd, fam, &body);
        let mut r = Cursor::new(h.clone());
        let _ = read_header(&mut r);
        prop_assert!(r.position() as usize <= h.len());
    }

    #[test]
    fn any_v1_tail_is_parsed_or_refused(tail in "[ -~]{0,120}") {
        let line = format!("PROXY {tail}\r\n");
        let mut r = Cursor::new(line.into_bytes());
        let _ = read_header(&mut r);
        prop_assert!(r.position() as usize <= V1_MAX);
    }
}

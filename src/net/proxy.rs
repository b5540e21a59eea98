//! The PROXY protocol (HAProxy's `proxy-protocol.txt`, versions 1 and 2):
//! the header a TCP proxy sends before anything else, naming the client's
//! address. Read octet-exact (nothing after the header is consumed: a TLS
//! ClientHello may follow in the same segment), bounded in size, under the
//! socket's deadline.

use std::io::{self, Read};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// The twelve octets every version 2 header starts with.
pub const V2_SIGNATURE: [u8; 12] = *b"\r\n\r\n\0\r\nQUIT\n";
/// The longest version 1 line, CRLF included (the specification's bound).
pub const V1_MAX: usize = 107;
/// The most address and TLV octets of a version 2 header accepted here; the
/// specification allows 65535, HAProxy sends far less (addresses, a unique
/// id, TLS details).
pub const V2_MAX_BODY: usize = 2048;

/// PP2_TYPE_UNIQUE_ID: the proxy's identifier of the connection.
const TLV_UNIQUE_ID: u8 = 0x05;
/// PP2_TYPE_SSL: how the client reached the proxy.
const TLV_SSL: u8 = 0x20;
/// PP2_CLIENT_SSL: the client's connection to the proxy used TLS.
const CLIENT_SSL: u8 = 0x01;
/// The longest unique id the specification allows.
const UNIQUE_ID_MAX: usize = 128;

/// What a header says about the connection.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Header {
    /// The client's address; None for v1 `UNKNOWN` and v2 `LOCAL` (the
    /// proxy's own connection, health checks) or address families without
    /// one: the connection's own address stands.
    pub source: Option<SocketAddr>,
    /// The address the client connected to, on the proxy.
    pub destination: Option<SocketAddr>,
    /// v2 only: whether the client's connection to the proxy used TLS.
    pub client_tls: Option<bool>,
    /// v2 only: the proxy's identifier of the connection (PP2_TYPE_UNIQUE_ID).
    pub unique_id: Option<String>,
}

/// Reads one header from `r`, octet-exact; an error for anything that is
/// not a well-formed header within the bounds (the caller closes).
pub fn read_header(r: &mut impl Read) -> io::Result<Header> {
    let mut start = [0u8; 8];
    r.read_exact(&mut start)?;
    if start.starts_with(b"PROXY ") {
        read_v1(r, &start)
    } else if start == V2_SIGNATURE[..8] {
        read_v2(r, &start)
    } else {
        Err(malformed("no PROXY protocol header"))
    }
}

fn malformed(why: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, why.to_string())
}

/// Reads the rest of a v1 line one octet at a time (it is short), so that
/// nothing after its CRLF is taken.
fn read_v1(r: &mut impl Read, start: &[u8; 8]) -> io::Result<Header> {
    let mut line = start.to_vec();
    while !line.ends_with(b"\r\n") {
        if line.len() >= V1_MAX {
            return Err(malformed("PROXY v1 line longer than 107 octets"));
        }
        let mut b = [0u8; 1];
        r.read_exact(&mut b)?;
        line.push(b[0]);
    }
    parse_v1(&line)
}

/// Parses a whole v1 line (CRLF included).
pub fn parse_v1(line: &[u8]) -> io::Result<Header> {
    let text = line
        .strip_suffix(b"\r\n")
        .and_then(|l| std::str::from_utf8(l).ok())
        .ok_or_else(|| malformed("PROXY v1 line not ASCII or not ended by CRLF"))?;
    if line.len() > V1_MAX {
        return Err(malformed("PROXY v1 line longer than 107 octets"));
    }
    let words: Vec<&str> = text.split(' ').collect();
    match words.as_slice() {
        ["PROXY", "UNKNOWN", ..] => Ok(Header::default()),
        ["PROXY", family @ ("TCP4" | "TCP6"), src, dst, sport, dport] => {
            let v6 = *family == "TCP6";
            let source = SocketAddr::new(v1_ip(src, v6)?, v1_port(sport)?);
            let destination = SocketAddr::new(v1_ip(dst, v6)?, v1_port(dport)?);
            Ok(Header { source: Some(source), destination: Some(destination), ..Header::default() })
        }
        _ => Err(malformed("PROXY v1 line not of the form PROXY TCP4|TCP6 SRC DST SPORT DPORT")),
    }
}

fn v1_ip(s: &str, v6: bool) -> io::Result<IpAddr> {
    let ip = if v6 { s.parse::<Ipv6Addr>().map(IpAddr::V6).ok() } else { s.parse::<Ipv4Addr>().map(IpAddr::V4).ok() };
    ip.ok_or_else(|| malformed("PROXY v1 address does not match its family"))
}

fn v1_port(s: &str) -> io::Result<u16> {
    // Decimal without a sign or a leading zero, as the specification writes them.
    let plain = !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'));
    plain.then(|| s.parse().ok()).flatten().ok_or_else(|| malformed("PROXY v1 port is not a number from 0 to 65535"))
}

/// Reads the rest of a v2 header: the fixed part, then exactly the length
/// it announces.
fn read_v2(r: &mut impl Read, start: &[u8; 8]) -> io::Result<Header> {
    let mut fixed = [0u8; 16];
    fixed[..8].copy_from_slice(start);
    r.read_exact(&mut fixed[8..])?;
    let len = usize::from(u16::from_be_bytes([fixed[14], fixed[15]]));
    if len > V2_MAX_BODY {
        return Err(malformed("PROXY v2 header larger than this server accepts"));
    }
    let mut whole = fixed.to_vec();
    whole.resize(16 + len, 0);
    r.read_exact(&mut whole[16..])?;
    parse_v2(&whole)
}

/// Parses a whole v2 header (signature, fixed part, addresses and TLVs).
pub fn parse_v2(h: &[u8]) -> io::Result<Header> {
    if h.len() < 16 || h[..12] != V2_SIGNATURE {
        return Err(malformed("PROXY v2 signature missing"));
    }
    let len = usize::from(u16::from_be_bytes([h[14], h[15]]));
    let body = h.get(16..).filter(|b| b.len() == len).ok_or_else(|| malformed("PROXY v2 length mismatch"))?;
    let local = match h[12] {
        0x20 => true,
        0x21 => false,
        _ => return Err(malformed("PROXY v2 version or command unknown")),
    };
    let (addrs, tlvs) = match h[13] >> 4 {
        0x0 => (None, body),
        0x1 => split_addrs(body, 12)?,
        0x2 => split_addrs(body, 36)?,
        // AF_UNIX: 216 octets of paths, no IP to take.
        0x3 => (None, body.get(216..).ok_or_else(|| malformed("PROXY v2 UNIX addresses truncated"))?),
        _ => return Err(malformed("PROXY v2 address family unknown")),
    };
    if h[13] & 0x0f > 2 {
        return Err(malformed("PROXY v2 transport protocol unknown"));
    }
    let mut header = Header::default();
    read_tlvs(tlvs, &mut header)?;
    // LOCAL: the proxy speaks for itself; the addresses, if any, are ignored.
    if !local {
        if let Some(a) = addrs {
            (header.source, header.destination) = parse_addrs(a);
        }
    }
    Ok(header)
}

fn split_addrs(body: &[u8], n: usize) -> io::Result<(Option<&[u8]>, &[u8])> {
    if body.len() < n {
        return Err(malformed("PROXY v2 addresses truncated"));
    }
    let (a, rest) = body.split_at(n);
    Ok((Some(a), rest))
}

fn parse_addrs(a: &[u8]) -> (Option<SocketAddr>, Option<SocketAddr>) {
    let port = |i: usize| u16::from_be_bytes([a[i], a[i + 1]]);
    if a.len() == 12 {
        let ip = |i: usize| IpAddr::V4(Ipv4Addr::new(a[i], a[i + 1], a[i + 2], a[i + 3]));
        return (Some(SocketAddr::new(ip(0), port(8))), Some(SocketAddr::new(ip(4), port(10))));
    }
    let ip = |i: usize| {
        let mut o = [0u8; 16];
        o.copy_from_slice(&a[i..i + 16]);
        IpAddr::V6(Ipv6Addr::from(o))
    };
    (Some(SocketAddr::new(ip(0), port(32))), Some(SocketAddr::new(ip(16), port(34))))
}

/// Walks the TLVs: each must fit; the two used here are read, the others
/// skipped by their length.
fn read_tlvs(mut rest: &[u8], header: &mut Header) -> io::Result<()> {
    while !rest.is_empty() {
        if rest.len() < 3 {
            return Err(malformed("PROXY v2 TLV truncated"));
        }
        let len = usize::from(u16::from_be_bytes([rest[1], rest[2]]));
        let value = rest.get(3..3 + len).ok_or_else(|| malformed("PROXY v2 TLV longer than the header"))?;
        match rest[0] {
            TLV_UNIQUE_ID if len <= UNIQUE_ID_MAX => {
                // Only for the log: kept printable.
                let id: String = value.iter().map(|&b| if b.is_ascii_graphic() { b as char } else { '?' }).collect();
                header.unique_id = Some(id);
            }
            TLV_UNIQUE_ID => return Err(malformed("PROXY v2 unique id longer than 128 octets")),
            // client flags (1 octet), verify (4), then sub-TLVs not needed here.
            TLV_SSL => {
                let flags = *value.first().ok_or_else(|| malformed("PROXY v2 SSL TLV empty"))?;
                header.client_tls = Some(flags & CLIENT_SSL != 0);
            }
            _ => {}
        }
        rest = &rest[3 + len..];
    }
    Ok(())
}

#[cfg(test)]
#[path = "proxy_tests.rs"]
mod tests;

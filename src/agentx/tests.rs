//! The exact octets of each PDU sent and parsed (RFC 2741 section 6), and
//! a subagent session against a scripted master over a socket pair,
//! malformed PDUs included.

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::time::Duration;

use super::agent::{Conn, Lost};
use super::pdu::{self, error, kind, Header, Malformed, Range, Request, Value};

/// Hex without spaces, for readable expectations.
fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn unhex(s: &str) -> Vec<u8> {
    let s: String = s.split_whitespace().collect();
    (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
}

#[test]
fn open_bytes() {
    let got = pdu::open(1, 0, &[1, 3, 6, 1, 4, 1, 8072, 9999, 143, 1], "t");
    let want = "01011000 00000000 00000000 00000001 00000024 \
                00000000 05040000 00000001 00001f88 0000270f 0000008f 00000001 \
                00000001 74000000";
    assert_eq!(hex(&got), hex(&unhex(want)));
}

#[test]
fn register_bytes_with_and_without_a_range() {
    let got = pdu::register(5, 2, &[1, 3, 6, 1, 2, 1, 27, 1, 1, 2, 143], Some((10, 16)));
    let want = "01031000 00000005 00000000 00000002 00000024 \
                007f0a00 06020000 00000001 0000001b 00000001 00000001 00000002 0000008f \
                00000010";
    assert_eq!(hex(&got), hex(&unhex(want)));
    // An OID that does not start 1.3.6.1 is sent whole, prefix 0.
    let got = pdu::register(5, 3, &[1, 2], None);
    let want = "01031000 00000005 00000000 00000003 00000010 007f0000 02000000 00000001 00000002";
    assert_eq!(hex(&got), hex(&unhex(want)));
}

#[test]
fn ping_and_close_bytes() {
    assert_eq!(hex(&pdu::ping(5, 3)), hex(&unhex("010d1000 00000005 00000000 00000003 00000000")));
    let want = "01021000 00000005 00000000 00000004 00000004 05000000";
    assert_eq!(hex(&pdu::close(5, 4, pdu::reason::SHUTDOWN)), hex(&unhex(want)));
}

#[test]
fn an_object_identifier_value_is_sent_with_its_prefix_compressed() {
    // assocApplicationProtocol of session 7: applTCPProtoID.143.
    let to = Header { kind: kind::GET, flags: 0, session: 5, transaction: 9, packet: 7, payload_len: 0 };
    let binds = vec![(
        vec![1, 3, 6, 1, 2, 1, 27, 2, 1, 3, 143, 7],
        Value::ObjectIdentifier(vec![1, 3, 6, 1, 2, 1, 27, 4, 143]),
    )];
    let want = "01121000 00000005 00000009 00000007 00000040 \
                00000000 00000000 \
                00060000 07020000 00000001 0000001b 00000002 00000001 00000003 0000008f 00000007 \
                04020000 00000001 0000001b 00000004 0000008f";
    assert_eq!(hex(&pdu::response(&to, 0, 0, &binds)), hex(&unhex(want)));
}

#[test]
fn response_bytes_of_each_value_type() {
    let to = Header { kind: kind::GET, flags: 0, session: 5, transaction: 9, packet: 7, payload_len: 0 };
    let binds = vec![
        (vec![1, 3, 6, 1, 4, 1, 9, 0], Value::Gauge32(3)),
        (vec![1, 3, 6, 1, 4, 1, 9, 1], Value::Counter64((1 << 32) + 1)),
        (vec![1, 3, 6, 1, 2, 1, 27], Value::Octets(b"ab".to_vec())),
        (vec![1, 3, 6, 1, 2, 1, 28], Value::Integer(-1)),
        (vec![1, 3], Value::EndOfMibView),
    ];
    let want = "01121000 00000005 00000009 00000007 00000078 \
                00000000 00000000 \
                00420000 03040000 00000001 00000009 00000000 00000003 \
                00460000 03040000 00000001 00000009 00000001 00000001 00000001 \
                00040000 02020000 00000001 0000001b 00000002 61620000 \
                00020000 02020000 00000001 0000001c ffffffff \
                00820000 02000000 00000001 00000003";
    assert_eq!(hex(&pdu::response(&to, 0, 0, &binds)), hex(&unhex(want)));
    // An error and its index.
    let want = "01121000 00000005 00000009 00000007 00000008 00000000 010a0002";
    assert_eq!(hex(&pdu::response(&to, error::PARSE_ERROR, 2, &[])), hex(&unhex(want)));
}

fn header(b: &[u8]) -> Result<Header, Malformed> {
    let mut h = [0u8; pdu::HEADER_LEN];
    h.copy_from_slice(&b[..pdu::HEADER_LEN]);
    Header::parse(&h)
}

fn parse(bytes: &str) -> Result<pdu::Pdu, Malformed> {
    let b = unhex(bytes);
    let h = header(&b)?;
    pdu::parse(h, &b[pdu::HEADER_LEN..])
}

#[test]
fn get_and_get_next_parse_in_either_byte_order() {
    // A Get of 1.3.6.1.2.1.27.1.1.8.143, big-endian.
    let get = parse(
        "01051000 00000005 00000001 00000002 00000020 \
         06020000 00000001 0000001b 00000001 00000001 00000008 0000008f 00000000",
    )
    .unwrap();
    let oid = vec![1, 3, 6, 1, 2, 1, 27, 1, 1, 8, 143];
    assert_eq!(get.request, Request::Get(vec![Range { start: oid.clone(), include: false, end: vec![] }]));
    assert_eq!((get.header.session, get.header.transaction, get.header.packet), (5, 1, 2));
    // The same as a GetNext with include set, little-endian (flag clear),
    // bounded by 1.3.6.1.3.
    let next = parse(
        "01060000 05000000 01000000 02000000 20000000 \
         06020100 01000000 1b000000 01000000 01000000 08000000 8f000000 00030000",
    )
    .unwrap();
    assert_eq!(next.request, Request::GetNext(vec![Range { start: oid, include: true, end: vec![1, 3, 6, 1, 3] }]));
    assert_eq!(next.header.session, 5);
}

#[test]
fn get_bulk_ping_response_and_close_parse() {
    let bulk = parse("01071000 00000005 00000001 00000003 0000000c 0001000a 00040000 00000000").unwrap();
    let start = vec![1, 3, 6, 1, 4];
    let want = Request::GetBulk {
        non_repeaters: 1,
        max_repetitions: 10,
        ranges: vec![Range { start, include: false, end: vec![] }],
    };
    assert_eq!(bulk.request, want);
    let resp = parse("01121000 0000002a 00000000 00000001 00000008 000003e8 00000000").unwrap();
    assert_eq!(resp.request, Request::Response { sys_uptime: 1000, error: 0 });
    assert_eq!(resp.header.session, 42);
    assert_eq!(parse("01021000 0000002a 00000000 00000001 00000004 06000000").unwrap().request, Request::Close(6));
    // A Ping from the master is not something it sends: Other.
    assert_eq!(parse("010d1000 0000002a 00000000 00000001 00000000").unwrap().request, Request::Other(kind::PING));
    // A non-default context is kept, to be refused.
    let ctx = parse("01051800 00000005 00000001 00000002 00000008 00000001 63000000").unwrap();
    assert_eq!((ctx.context, ctx.request), (Some(b"c".to_vec()), Request::Get(vec![])));
}

#[test]
fn malformed_headers_and_payloads_are_refused() {
    let bad_header = |s: &str| header(&unhex(s)).unwrap_err();
    assert_eq!(bad_header("02051000 00000005 00000001 00000002 00000000").0, "not AgentX version 1");
    assert_eq!(bad_header("01051000 00000005 00000001 00000002 00010004").0, "payload too long");
    assert_eq!(bad_header("01051000 00000005 00000001 00000002 ffffffff").0, "payload too long");
    assert_eq!(bad_header("01051000 00000005 00000001 00000002 00000006").0, "payload length not a multiple of 4");
    let bad = |s: &str| parse(s).unwrap_err().0;
    // A start OID whose sub-identifiers run past the payload.
    assert_eq!(
        bad("01051000 00000005 00000001 00000002 00000008 05020000 00000001"),
        "payload shorter than its contents"
    );
    // A range with no end OID.
    assert_eq!(bad("01051000 00000005 00000001 00000002 00000004 00000000"), "payload shorter than its contents");
    // 200 sub-identifiers.
    assert_eq!(bad("01051000 00000005 00000001 00000002 00000004 c8000000"), "object identifier too long");
    // A context longer than the payload.
    assert_eq!(bad("01051800 00000005 00000001 00000002 00000004 7fffffff"), "octet string longer than the payload");
    // GetBulk without its counts; Response without its error.
    assert_eq!(bad("01071000 00000005 00000001 00000003 00000000"), "payload shorter than its contents");
    assert_eq!(bad("01121000 00000005 00000001 00000003 00000004 00000001"), "payload shorter than its contents");
}

/// Reads one whole PDU on the master's side.
fn read_pdu(s: &mut UnixStream) -> (Header, Vec<u8>) {
    let mut h = [0u8; pdu::HEADER_LEN];
    s.read_exact(&mut h).unwrap();
    let header = Header::parse(&h).unwrap();
    let mut payload = vec![0u8; header.payload_len as usize];
    s.read_exact(&mut payload).unwrap();
    (header, payload)
}

/// Answers a PDU of the subagent as a master does.
fn answer(s: &mut UnixStream, to: &Header, session: u32) {
    let mut h = *to;
    h.session = session;
    let mut r = pdu::response(&h, 0, 0, &[]);
    r[20..24].copy_from_slice(&1000u32.to_be_bytes()); // sysUpTime
    s.write_all(&r).unwrap();
}

/// The master's side of the handshake: Open, three Registers (the
/// applTable row, the assocTable columns, tegamiObjects).
fn handshake(m: &mut UnixStream) {
    let (open, _) = read_pdu(m);
    assert_eq!(open.kind, kind::OPEN);
    answer(m, &open, 42);
    for _ in 0..3 {
        let (reg, _) = read_pdu(m);
        assert_eq!((reg.kind, reg.session), (kind::REGISTER, 42));
        answer(m, &reg, 42);
    }
}

/// Sends `req` and reads the Response's error and index.
fn ask(m: &mut UnixStream, req: &str) -> (u16, u16, Vec<u8>) {
    m.write_all(&unhex(req)).unwrap();
    let (h, payload) = read_pdu(m);
    assert_eq!(h.kind, kind::RESPONSE);
    (u16::from_be_bytes([payload[4], payload[5]]), u16::from_be_bytes([payload[6], payload[7]]), payload)
}

#[test]
fn a_session_answers_requests_and_survives_malformed_ones() {
    let (ours, mut master) = UnixStream::pair().unwrap();
    ours.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let subagent = std::thread::spawn(move || {
        let mut c = Conn::new(ours);
        let mut source = |_now: u32| vec![(vec![1, 3, 6, 1, 4, 1, 9, 0], Value::Gauge32(3))];
        c.open(&mut source).unwrap();
        c.serve(&mut source)
    });
    handshake(&mut master);
    // A Get of 1.3.6.1.4.1.9.0: Gauge32 3.
    let (err, _, payload) =
        ask(&mut master, "01051000 0000002a 00000001 00000010 00000014 03040000 00000001 00000009 00000000 00000000");
    assert_eq!(err, 0);
    assert_eq!(hex(&payload[8..]), "00420000 03040000 00000001 00000009 00000000 00000003".replace(' ', ""));
    // A truncated range: parseError, and the session goes on.
    assert_eq!(ask(&mut master, "01051000 0000002a 00000002 00000011 00000004 05020000").0, error::PARSE_ERROR);
    // Another session's request: notOpen.
    assert_eq!(ask(&mut master, "01051000 00000007 00000003 00000012 00000000").0, error::NOT_OPEN);
    // A non-default context: unsupportedContext.
    let (err, _, _) = ask(&mut master, "01051800 0000002a 00000004 00000013 00000008 00000001 63000000");
    assert_eq!(err, error::UNSUPPORTED_CONTEXT);
    // A type that does not exist: parseError; one a master never sends:
    // processingError.
    assert_eq!(ask(&mut master, "01631000 0000002a 00000005 00000014 00000000").0, error::PARSE_ERROR);
    assert_eq!(ask(&mut master, "01011000 0000002a 00000006 00000015 00000000").0, error::PROCESSING_ERROR);
    // A TestSet: notWritable at the first varbind.
    let (err, index, _) = ask(&mut master, "01081000 0000002a 00000007 00000016 00000000");
    assert_eq!((err, index), (error::NOT_WRITABLE, 1));
    // Still serving after all that.
    let (err, _, payload) =
        ask(&mut master, "01051000 0000002a 00000008 00000017 00000014 03040000 00000001 00000009 00000000 00000000");
    assert_eq!((err, payload.len()), (0, 8 + 24));
    // A header of another version: the subagent closes (reasonParseError)
    // and gives up this connection, to reconnect.
    master.write_all(&unhex("02051000 0000002a 00000009 00000018 00000000")).unwrap();
    let (close, payload) = read_pdu(&mut master);
    assert_eq!((close.kind, payload[0]), (kind::CLOSE, pdu::reason::PARSE_ERROR));
    let lost = subagent.join().unwrap();
    assert_eq!(lost, Lost("malformed PDU from the master: not AgentX version 1".into()));
}

#[test]
fn a_close_from_the_master_or_end_of_file_ends_the_session() {
    for (bytes, why) in [
        ("01021000 0000002a 00000000 00000001 00000004 05000000", "the master closed the session (reason 5)"),
        ("", "the master closed the connection"),
    ] {
        let (ours, mut master) = UnixStream::pair().unwrap();
        ours.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
        let subagent = std::thread::spawn(move || {
            let mut c = Conn::new(ours);
            let mut source = |_now: u32| Vec::new();
            c.open(&mut source).unwrap();
            c.serve(&mut source)
        });
        handshake(&mut master);
        master.write_all(&unhex(bytes)).unwrap();
        if bytes.is_empty() {
            drop(master);
        }
        assert_eq!(subagent.join().unwrap(), Lost(why.into()));
    }
}

#[test]
fn a_quiet_master_is_pinged_and_dropped_when_it_does_not_answer() {
    let (ours, mut master) = UnixStream::pair().unwrap();
    // A short read timeout stands for PING_EVERY.
    ours.set_read_timeout(Some(Duration::from_millis(50))).unwrap();
    let subagent = std::thread::spawn(move || {
        let mut c = Conn::new(ours);
        let mut source = |_now: u32| Vec::new();
        c.open(&mut source).unwrap();
        c.serve(&mut source)
    });
    handshake(&mut master);
    let (ping, _) = read_pdu(&mut master);
    assert_eq!((ping.kind, ping.session), (kind::PING, 42));
    answer(&mut master, &ping, 42);
    let (ping, _) = read_pdu(&mut master);
    assert_eq!(ping.kind, kind::PING);
    // Not answered this time.
    assert_eq!(subagent.join().unwrap(), Lost("the master did not answer a Ping".into()));
}

#[test]
fn a_refused_registration_is_reported() {
    let (ours, mut master) = UnixStream::pair().unwrap();
    ours.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let subagent = std::thread::spawn(move || Conn::new(ours).open(&mut |_now: u32| Vec::new()));
    let (open, _) = read_pdu(&mut master);
    answer(&mut master, &open, 42);
    let (reg, _) = read_pdu(&mut master);
    master.write_all(&pdu::response(&reg, error::DUPLICATE_REGISTRATION, 0, &[])).unwrap();
    let lost = subagent.join().unwrap().unwrap_err();
    assert!(lost.0.contains("1.3.6.1.2.1.27.1.1.2.143 (duplicateRegistration, 263)"), "{lost:?}");
}

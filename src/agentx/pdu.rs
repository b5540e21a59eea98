//! The AgentX wire format (RFC 2741 section 5 and 6): the 20-octet
//! header, object identifiers, octet strings and varbinds; encoders for
//! the PDUs a subagent sends (Open, Register, Ping, Close, Response) and
//! a bounded parser for those the master sends.
//!
//! tegami always sends in network byte order (and says so in the header
//! flags); it reads either order, as the flag of each PDU tells.

/// The protocol version in every header.
pub const VERSION: u8 = 1;
/// Octets in a header.
pub const HEADER_LEN: usize = 20;
/// The largest payload accepted from the master: net-snmp's requests are
/// a few hundred octets; a larger length is a broken stream.
pub const MAX_PAYLOAD: u32 = 64 * 1024;
/// Most sub-identifiers in an object identifier (RFC 2578 section 3.5).
pub const MAX_SUBIDS: usize = 128;

/// Header flag: a Register of one instance.
pub const FLAG_INSTANCE_REGISTRATION: u8 = 0x01;
/// Header flag: a context octet string precedes the payload.
pub const FLAG_NON_DEFAULT_CONTEXT: u8 = 0x08;
/// Header flag: integers are big-endian.
pub const FLAG_NETWORK_BYTE_ORDER: u8 = 0x10;

/// PDU types (RFC 2741 section 6.1).
pub mod kind {
    /// agentx-Open-PDU.
    pub const OPEN: u8 = 1;
    /// agentx-Close-PDU.
    pub const CLOSE: u8 = 2;
    /// agentx-Register-PDU.
    pub const REGISTER: u8 = 3;
    /// agentx-Get-PDU.
    pub const GET: u8 = 5;
    /// agentx-GetNext-PDU.
    pub const GET_NEXT: u8 = 6;
    /// agentx-GetBulk-PDU.
    pub const GET_BULK: u8 = 7;
    /// agentx-TestSet-PDU.
    pub const TEST_SET: u8 = 8;
    /// agentx-CommitSet-PDU.
    pub const COMMIT_SET: u8 = 9;
    /// agentx-UndoSet-PDU.
    pub const UNDO_SET: u8 = 10;
    /// agentx-CleanupSet-PDU.
    pub const CLEANUP_SET: u8 = 11;
    /// agentx-Ping-PDU.
    pub const PING: u8 = 13;
    /// agentx-Response-PDU.
    pub const RESPONSE: u8 = 18;
}

/// Response error codes (RFC 2741 section 6.2.16) and the SNMP ones used.
pub mod error {
    /// noAgentXError.
    pub const NONE: u16 = 0;
    /// genErr (SNMP).
    pub const GEN_ERR: u16 = 5;
    /// notWritable (SNMP): every object here is read-only.
    pub const NOT_WRITABLE: u16 = 17;
    /// notOpen: a request for another session.
    pub const NOT_OPEN: u16 = 257;
    /// unsupportedContext: only the default context is served.
    pub const UNSUPPORTED_CONTEXT: u16 = 262;
    /// duplicateRegistration.
    pub const DUPLICATE_REGISTRATION: u16 = 263;
    /// parseError: the payload could not be parsed.
    pub const PARSE_ERROR: u16 = 266;
    /// processingError: a PDU a master does not send.
    pub const PROCESSING_ERROR: u16 = 268;
}

/// Close reasons (RFC 2741 section 6.2.2).
pub mod reason {
    /// reasonParseError.
    pub const PARSE_ERROR: u8 = 2;
    /// reasonShutdown.
    pub const SHUTDOWN: u8 = 5;
}

/// An object identifier; `Vec` ordering is the SNMP lexicographic order.
pub type Oid = Vec<u32>;

/// A varbind's value (RFC 2741 section 5.4).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// INTEGER.
    Integer(i32),
    /// OCTET STRING.
    Octets(Vec<u8>),
    /// OBJECT IDENTIFIER.
    ObjectIdentifier(Oid),
    /// Counter32.
    Counter32(u32),
    /// Gauge32.
    Gauge32(u32),
    /// TimeTicks (hundredths of a second).
    TimeTicks(u32),
    /// Counter64.
    Counter64(u64),
    /// noSuchObject.
    NoSuchObject,
    /// noSuchInstance.
    NoSuchInstance,
    /// endOfMibView.
    EndOfMibView,
}

impl Value {
    fn tag(&self) -> u16 {
        match self {
            Value::Integer(_) => 2,
            Value::Octets(_) => 4,
            Value::ObjectIdentifier(_) => 6,
            Value::Counter32(_) => 65,
            Value::Gauge32(_) => 66,
            Value::TimeTicks(_) => 67,
            Value::Counter64(_) => 70,
            Value::NoSuchObject => 128,
            Value::NoSuchInstance => 129,
            Value::EndOfMibView => 130,
        }
    }
}

/// A PDU header (RFC 2741 section 6.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// The PDU type.
    pub kind: u8,
    /// The flags.
    pub flags: u8,
    /// h.sessionID.
    pub session: u32,
    /// h.transactionID.
    pub transaction: u32,
    /// h.packetID.
    pub packet: u32,
    /// Octets after the header.
    pub payload_len: u32,
}

/// Why a header or payload was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed(pub &'static str);

impl std::fmt::Display for Malformed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl Header {
    /// Parses a header; a wrong version or a payload longer than
    /// [`MAX_PAYLOAD`] (or not a multiple of 4) is refused.
    pub fn parse(b: &[u8; HEADER_LEN]) -> Result<Header, Malformed> {
        if b[0] != VERSION {
            return Err(Malformed("not AgentX version 1"));
        }
        let big = b[2] & FLAG_NETWORK_BYTE_ORDER != 0;
        let word = |i: usize| {
            let w = [b[i], b[i + 1], b[i + 2], b[i + 3]];
            if big {
                u32::from_be_bytes(w)
            } else {
                u32::from_le_bytes(w)
            }
        };
        let payload_len = word(16);
        if payload_len > MAX_PAYLOAD {
            return Err(Malformed("payload too long"));
        }
        if payload_len % 4 != 0 {
            return Err(Malformed("payload length not a multiple of 4"));
        }
        Ok(Header { kind: b[1], flags: b[2], session: word(4), transaction: word(8), packet: word(12), payload_len })
    }
}

/// Builds one PDU in network byte order.
struct Out {
    buf: Vec<u8>,
}

impl Out {
    fn new(kind: u8, flags: u8, session: u32, transaction: u32, packet: u32) -> Out {
        let mut o = Out { buf: Vec::with_capacity(64) };
        o.buf.extend([VERSION, kind, flags | FLAG_NETWORK_BYTE_ORDER, 0]);
        o.u32(session);
        o.u32(transaction);
        o.u32(packet);
        o.u32(0);
        o
    }

    fn u16(&mut self, v: u16) {
        self.buf.extend(v.to_be_bytes());
    }

    fn u32(&mut self, v: u32) {
        self.buf.extend(v.to_be_bytes());
    }

    /// An OID, with the 1.3.6.1.N prefix compressed as section 5.1 allows.
    fn oid(&mut self, oid: &[u32], include: bool) {
        let (prefix, rest) = match oid {
            [1, 3, 6, 1, p @ 1..=255, rest @ ..] => (*p as u8, rest),
            _ => (0, oid),
        };
        self.buf.extend([rest.len() as u8, prefix, include as u8, 0]);
        for s in rest {
            self.u32(*s);
        }
    }

    fn octets(&mut self, s: &[u8]) {
        self.u32(s.len() as u32);
        self.buf.extend(s);
        self.buf.resize(self.buf.len().next_multiple_of(4), 0);
    }

    fn varbind(&mut self, name: &[u32], value: &Value) {
        self.u16(value.tag());
        self.u16(0);
        self.oid(name, false);
        match value {
            Value::Integer(v) => self.u32(*v as u32),
            Value::Octets(s) => self.octets(s),
            Value::ObjectIdentifier(o) => self.oid(o, false),
            Value::Counter32(v) | Value::Gauge32(v) | Value::TimeTicks(v) => self.u32(*v),
            Value::Counter64(v) => self.buf.extend(v.to_be_bytes()),
            Value::NoSuchObject | Value::NoSuchInstance | Value::EndOfMibView => {}
        }
    }

    fn finish(mut self) -> Vec<u8> {
        let len = (self.buf.len() - HEADER_LEN) as u32;
        self.buf[16..20].copy_from_slice(&len.to_be_bytes());
        self.buf
    }
}

/// agentx-Open-PDU: `timeout` seconds (0: the master's default), the
/// subagent's identifier and description.
pub fn open(packet: u32, timeout: u8, id: &[u32], descr: &str) -> Vec<u8> {
    let mut o = Out::new(kind::OPEN, 0, 0, 0, packet);
    o.buf.extend([timeout, 0, 0, 0]);
    o.oid(id, false);
    o.octets(descr.as_bytes());
    o.finish()
}

/// agentx-Register-PDU of `subtree` at the default priority (127);
/// `range` is (range_subid, upper_bound) for a range of rows or columns.
pub fn register(session: u32, packet: u32, subtree: &[u32], range: Option<(u8, u32)>) -> Vec<u8> {
    let mut o = Out::new(kind::REGISTER, 0, session, 0, packet);
    o.buf.extend([0, 127, range.map_or(0, |r| r.0), 0]);
    o.oid(subtree, false);
    if let Some((_, upper)) = range {
        o.u32(upper);
    }
    o.finish()
}

/// agentx-Ping-PDU.
pub fn ping(session: u32, packet: u32) -> Vec<u8> {
    Out::new(kind::PING, 0, session, 0, packet).finish()
}

/// agentx-Close-PDU with a reason.
pub fn close(session: u32, packet: u32, why: u8) -> Vec<u8> {
    let mut o = Out::new(kind::CLOSE, 0, session, 0, packet);
    o.buf.extend([why, 0, 0, 0]);
    o.finish()
}

/// agentx-Response-PDU to the request `to`: its IDs, an error and its
/// 1-based varbind index, and the varbinds.
pub fn response(to: &Header, error: u16, index: u16, binds: &[(Oid, Value)]) -> Vec<u8> {
    let mut o = Out::new(kind::RESPONSE, 0, to.session, to.transaction, to.packet);
    o.u32(0); // sysUpTime: a subagent's is not used by the master.
    o.u16(error);
    o.u16(index);
    for (name, value) in binds {
        o.varbind(name, value);
    }
    o.finish()
}

/// A SearchRange (section 5.2): from `start` (itself included when
/// `include`) up to `end` (excluded; empty means no bound).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Range {
    /// The first OID asked about.
    pub start: Oid,
    /// `start` itself may be answered (GetNext).
    pub include: bool,
    /// The bound, not itself answered; empty for none.
    pub end: Oid,
}

/// What the master sends, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// agentx-Get-PDU.
    Get(Vec<Range>),
    /// agentx-GetNext-PDU.
    GetNext(Vec<Range>),
    /// agentx-GetBulk-PDU.
    GetBulk {
        /// Ranges answered once.
        non_repeaters: u16,
        /// Repetitions of the others.
        max_repetitions: u16,
        /// The ranges.
        ranges: Vec<Range>,
    },
    /// A Set phase (TestSet, CommitSet, UndoSet, CleanupSet): its type.
    Set(u8),
    /// agentx-Response-PDU: the master's sysUpTime and the error.
    Response {
        /// The master's sysUpTime.
        sys_uptime: u32,
        /// res.error.
        error: u16,
    },
    /// agentx-Close-PDU with its reason.
    Close(u8),
    /// Any other type (one a master does not send).
    Other(u8),
}

/// One parsed PDU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pdu {
    /// Its header.
    pub header: Header,
    /// A non-default context, when the flag says one is present.
    pub context: Option<Vec<u8>>,
    /// The payload.
    pub request: Request,
}

/// Reads a payload in the header's byte order.
struct In<'a> {
    b: &'a [u8],
    big: bool,
}

impl<'a> In<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], Malformed> {
        if self.b.len() < n {
            return Err(Malformed("payload shorter than its contents"));
        }
        let (head, rest) = self.b.split_at(n);
        self.b = rest;
        Ok(head)
    }

    fn u8(&mut self) -> Result<u8, Malformed> {
        Ok(self.take(1)?[0])
    }

    fn u16(&mut self) -> Result<u16, Malformed> {
        let w = self.take(2)?;
        let w = [w[0], w[1]];
        Ok(if self.big { u16::from_be_bytes(w) } else { u16::from_le_bytes(w) })
    }

    fn u32(&mut self) -> Result<u32, Malformed> {
        let w = self.take(4)?;
        let w = [w[0], w[1], w[2], w[3]];
        Ok(if self.big { u32::from_be_bytes(w) } else { u32::from_le_bytes(w) })
    }

    /// An OID and its include flag.
    fn oid(&mut self) -> Result<(Oid, bool), Malformed> {
        let n = self.u8()? as usize;
        let prefix = self.u8()?;
        let include = self.u8()? != 0;
        self.u8()?;
        if n + 5 > MAX_SUBIDS {
            return Err(Malformed("object identifier too long"));
        }
        let mut oid = Vec::with_capacity(n + 5);
        if prefix != 0 {
            oid.extend([1, 3, 6, 1, u32::from(prefix)]);
        }
        for _ in 0..n {
            oid.push(self.u32()?);
        }
        Ok((oid, include))
    }

    fn octets(&mut self) -> Result<Vec<u8>, Malformed> {
        let len = self.u32()? as usize;
        if len > self.b.len() {
            return Err(Malformed("octet string longer than the payload"));
        }
        let s = self.take(len)?.to_vec();
        self.take(len.next_multiple_of(4) - len)?;
        Ok(s)
    }

    fn ranges(&mut self) -> Result<Vec<Range>, Malformed> {
        let mut out = Vec::new();
        while !self.b.is_empty() {
            let (start, include) = self.oid()?;
            let (end, _) = self.oid()?;
            out.push(Range { start, include, end });
        }
        Ok(out)
    }
}

/// Parses a payload under its header. Errors are answered with a
/// parseError Response (the header was sound, so the stream is in step).
pub fn parse(header: Header, payload: &[u8]) -> Result<Pdu, Malformed> {
    let mut r = In { b: payload, big: header.flags & FLAG_NETWORK_BYTE_ORDER != 0 };
    let has_context = header.flags & FLAG_NON_DEFAULT_CONTEXT != 0;
    let context = match header.kind {
        kind::GET | kind::GET_NEXT | kind::GET_BULK | kind::TEST_SET if has_context => Some(r.octets()?),
        _ => None,
    };
    let request = match header.kind {
        kind::GET => Request::Get(r.ranges()?),
        kind::GET_NEXT => Request::GetNext(r.ranges()?),
        kind::GET_BULK => {
            let non_repeaters = r.u16()?;
            let max_repetitions = r.u16()?;
            Request::GetBulk { non_repeaters, max_repetitions, ranges: r.ranges()? }
        }
        kind::TEST_SET | kind::COMMIT_SET | kind::UNDO_SET | kind::CLEANUP_SET => Request::Set(header.kind),
        kind::RESPONSE => {
            let sys_uptime = r.u32()?;
            let error = r.u16()?;
            r.u16()?;
            Request::Response { sys_uptime, error }
        }
        kind::CLOSE => Request::Close(r.u8()?),
        other => Request::Other(other),
    };
    Ok(Pdu { header, context, request })
}

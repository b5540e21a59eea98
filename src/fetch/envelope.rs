//! ENVELOPE (RFC 3501 section 7.4.2):
//! `(date subject from sender reply-to to cc bcc in-reply-to message-id)`.

use super::address::{parse_address_list, Address};
use crate::mime::header::{fields, header_end};
use crate::proto::response::write_nstring;

/// The ENVELOPE of the message `msg` (its top-level header), as IMAP bytes.
pub fn envelope(msg: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    write_envelope(&mut out, &msg[..header_end(msg, 0, msg.len())]);
    out
}

/// Unfolds a value for ENVELOPE: blanks after the colon dropped, each line
/// break removed and the blank after it shown as one space (as Dovecot does).
fn unfold_env(v: &[u8]) -> Vec<u8> {
    let skip = v.iter().take_while(|&&b| b == b' ' || b == b'\t').count();
    let mut out = Vec::with_capacity(v.len());
    let mut after_lf = false;
    for &b in &v[skip..] {
        match b {
            b'\r' => {}
            b'\n' => after_lf = true,
            b' ' | b'\t' if after_lf => {
                out.push(b' ');
                after_lf = false;
            }
            _ => {
                after_lf = false;
                out.push(b);
            }
        }
    }
    out
}

/// Appends the ENVELOPE of the header block `hdr`. String fields take the
/// last occurrence of their header; address fields join all occurrences.
pub fn write_envelope(out: &mut Vec<u8>, hdr: &[u8]) {
    #[derive(Default)]
    struct Env<'a> {
        date: Option<&'a [u8]>,
        subject: Option<&'a [u8]>,
        in_reply_to: Option<&'a [u8]>,
        message_id: Option<&'a [u8]>,
        addrs: [Option<Vec<Address>>; 6],
    }
    const ADDR: [&[u8]; 6] = [b"from", b"sender", b"reply-to", b"to", b"cc", b"bcc"];
    let mut e = Env::default();
    for f in fields(hdr) {
        let n = f.name;
        if n.eq_ignore_ascii_case(b"date") {
            e.date = Some(f.value);
        } else if n.eq_ignore_ascii_case(b"subject") {
            e.subject = Some(f.value);
        } else if n.eq_ignore_ascii_case(b"in-reply-to") {
            e.in_reply_to = Some(f.value);
        } else if n.eq_ignore_ascii_case(b"message-id") {
            e.message_id = Some(f.value);
        } else if let Some(i) = ADDR.iter().position(|a| n.eq_ignore_ascii_case(a)) {
            parse_address_list(&unfold_env(f.value), e.addrs[i].get_or_insert_with(Vec::new));
        }
    }
    let s = |out: &mut Vec<u8>, v: Option<&[u8]>| write_nstring(out, v.map(unfold_env).as_deref());
    out.push(b'(');
    s(out, e.date);
    out.push(b' ');
    s(out, e.subject);
    let from = e.addrs[0].clone().filter(|l| !l.is_empty());
    for (i, list) in e.addrs.iter().enumerate() {
        out.push(b' ');
        let list = list.as_ref().filter(|l| !l.is_empty());
        // Sender and Reply-To default to From (RFC 3501 7.4.2).
        let list = if (i == 1 || i == 2) && list.is_none() { from.as_ref() } else { list };
        write_address_list(out, list.map(Vec::as_slice));
    }
    out.push(b' ');
    s(out, e.in_reply_to);
    out.push(b' ');
    s(out, e.message_id);
    out.push(b')');
}

/// Appends `(addr addr ...)` or `NIL`.
fn write_address_list(out: &mut Vec<u8>, list: Option<&[Address]>) {
    let Some(list) = list else {
        out.extend_from_slice(b"NIL");
        return;
    };
    out.push(b'(');
    for a in list {
        out.push(b'(');
        write_nstring(out, a.name.as_deref());
        out.push(b' ');
        write_nstring(out, a.adl.as_deref());
        out.push(b' ');
        write_nstring(out, a.mailbox.as_deref());
        out.push(b' ');
        write_nstring(out, a.host.as_deref());
        out.push(b')');
    }
    out.push(b')');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3501_like_envelope() {
        let m = b"Date: Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\r\nFrom: Terry Gray <gray@cac.washington.edu>\r\nSubject: IMAP4rev1 WG mtg summary and minutes\r\nTo: imap@cac.washington.edu\r\ncc: minutes@CNRI.Reston.VA.US, John Klensin <KLENSIN@MIT.EDU>\r\nMessage-Id: <B27397-0100000@cac.washington.edu>\r\n\r\nx";
        assert_eq!(
            String::from_utf8(envelope(m)).unwrap(),
            "(\"Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\" \"IMAP4rev1 WG mtg summary and minutes\" ((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) ((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) ((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) ((NIL NIL \"imap\" \"cac.washington.edu\")) ((NIL NIL \"minutes\" \"CNRI.Reston.VA.US\")(\"John Klensin\" NIL \"KLENSIN\" \"MIT.EDU\")) NIL NIL \"<B27397-0100000@cac.washington.edu>\")"
        );
    }

    #[test]
    fn empty_message() {
        assert_eq!(envelope(b""), b"(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)");
    }
}

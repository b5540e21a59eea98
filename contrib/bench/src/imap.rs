//! A minimal blocking IMAP client: enough to send commands, read complete
//! responses (literals included) and count what came back.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// The completion of one command.
#[derive(Debug, Default)]
pub struct Response {
    /// `OK`, `NO` or `BAD` of the tagged line.
    pub status: String,
    /// The whole tagged line.
    pub tagged: String,
    /// Untagged lines (`* ...`), literals not included.
    pub untagged: u64,
    /// Bytes of the untagged responses, literals included (the tagged
    /// completion is left out: its text differs between servers).
    pub bytes: u64,
    /// Bytes inside literals.
    pub literal_bytes: u64,
    /// The untagged lines' text (literals left out), when asked to keep it.
    pub lines: Vec<String>,
    /// Lines that were neither untagged (`* `) nor this command's tagged
    /// completion (another tag, a stray continuation, garbage), kept always:
    /// a load client counts them as protocol errors.
    pub stray: Vec<String>,
}

impl Response {
    /// True for a tagged `OK`.
    pub fn ok(&self) -> bool {
        self.status == "OK"
    }

    /// `uid` of an `[APPENDUID validity uid]` response code.
    pub fn append_uid(&self) -> Option<u32> {
        let at = self.tagged.find("[APPENDUID ")?;
        self.tagged[at + 11..].split([' ', ']']).nth(1)?.parse().ok()
    }
}

/// One connection.
pub struct Conn {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
    tag: u64,
    line: Vec<u8>,
}

impl Conn {
    /// Connects to `addr` and reads the greeting.
    pub fn connect(addr: &str) -> io::Result<Conn> {
        let s = TcpStream::connect(addr)?;
        s.set_nodelay(true)?;
        s.set_read_timeout(Some(Duration::from_secs(900)))?;
        let mut c =
            Conn { reader: BufReader::with_capacity(64 * 1024, s.try_clone()?), writer: s, tag: 0, line: vec![] };
        let greeting = c.read_line()?;
        if !greeting.starts_with(b"* OK") {
            return Err(other(format!("greeting: {}", String::from_utf8_lossy(&greeting))));
        }
        Ok(c)
    }

    /// Connects and logs in, failing unless LOGIN answers OK.
    pub fn login(addr: &str, user: &str, pass: &str) -> io::Result<Conn> {
        let mut c = Conn::connect(addr)?;
        let r = c.cmd(&format!("LOGIN {user} {pass}"))?;
        if !r.ok() {
            return Err(other(format!("LOGIN {user}: {}", r.tagged)));
        }
        Ok(c)
    }

    /// The socket, for timeouts.
    pub fn socket(&self) -> &TcpStream {
        &self.writer
    }

    /// Reads one line (CRLF included); an error at end of stream.
    pub fn read_line(&mut self) -> io::Result<Vec<u8>> {
        self.line.clear();
        let n = self.reader.read_until(b'\n', &mut self.line)?;
        if n == 0 {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "server closed the connection"));
        }
        Ok(std::mem::take(&mut self.line))
    }

    fn next_tag(&mut self) -> String {
        self.tag += 1;
        format!("t{}", self.tag)
    }

    /// Sends `text` as a tagged command and reads up to its completion.
    pub fn cmd(&mut self, text: &str) -> io::Result<Response> {
        self.cmd_keep(text, false)
    }

    /// Like [`Conn::cmd`], keeping the untagged lines when `keep` is set.
    pub fn cmd_keep(&mut self, text: &str, keep: bool) -> io::Result<Response> {
        let tag = self.next_tag();
        self.writer.write_all(format!("{tag} {text}\r\n").as_bytes())?;
        self.read_response(&tag, keep)
    }

    /// APPENDs `msg` to `mailbox` with a LITERAL+ literal.
    pub fn append(&mut self, mailbox: &str, flags: &str, msg: &[u8]) -> io::Result<Response> {
        self.append_keep(mailbox, flags, msg, false)
    }

    /// Like [`Conn::append`], keeping the untagged lines when `keep` is set.
    pub fn append_keep(&mut self, mailbox: &str, flags: &str, msg: &[u8], keep: bool) -> io::Result<Response> {
        let tag = self.send_append(mailbox, flags, msg)?;
        self.read_response(&tag, keep)
    }

    /// Sends an APPEND (LITERAL+) without reading its answer, for pipelining;
    /// returns its tag for [`Conn::read_response`].
    pub fn send_append(&mut self, mailbox: &str, flags: &str, msg: &[u8]) -> io::Result<String> {
        let tag = self.next_tag();
        let mut buf = format!("{tag} APPEND {mailbox} ({flags}) {{{}+}}\r\n", msg.len()).into_bytes();
        buf.extend_from_slice(msg);
        buf.extend_from_slice(b"\r\n");
        self.writer.write_all(&buf)?;
        Ok(tag)
    }

    /// Sends IDLE and waits for the continuation; returns the tag to end it with.
    pub fn idle(&mut self) -> io::Result<String> {
        let tag = self.next_tag();
        self.writer.write_all(format!("{tag} IDLE\r\n").as_bytes())?;
        loop {
            let l = self.read_line()?;
            if l.starts_with(b"+") {
                return Ok(tag);
            }
            if l.starts_with(tag.as_bytes()) {
                return Err(other(format!("IDLE refused: {}", String::from_utf8_lossy(&l))));
            }
        }
    }

    /// Ends IDLE started with `tag`.
    pub fn done(&mut self, tag: &str) -> io::Result<Response> {
        self.writer.write_all(b"DONE\r\n")?;
        self.read_response(tag, false)
    }

    /// Reads responses up to the tagged line of `tag`.
    pub fn read_response(&mut self, tag: &str, keep: bool) -> io::Result<Response> {
        let mut r = Response::default();
        loop {
            // The first line says what the response is; with `keep` the
            // whole text (literals left out) is kept.
            let mut text: Vec<u8> = Vec::new();
            let mut first = true;
            loop {
                let l = self.read_line()?;
                r.bytes += l.len() as u64;
                if first || keep {
                    text.extend_from_slice(&l);
                    first = false;
                }
                match literal_len(&l) {
                    Some(n) => {
                        r.literal_bytes += n;
                        r.bytes += n;
                        io::copy(&mut (&mut self.reader).take(n), &mut io::sink())?;
                    }
                    None => break,
                }
            }
            if text.starts_with(b"* ") {
                r.untagged += 1;
                if keep {
                    r.lines.push(String::from_utf8_lossy(&text).trim_end().to_string());
                }
            } else if text.starts_with(tag.as_bytes()) && text.get(tag.len()) == Some(&b' ') {
                let t = String::from_utf8_lossy(&text).trim_end().to_string();
                r.status = t[tag.len() + 1..].split(' ').next().unwrap_or("").to_string();
                // The completion text differs between servers; count only the data.
                r.bytes -= text.len() as u64;
                r.tagged = t;
                return Ok(r);
            } else {
                r.stray.push(String::from_utf8_lossy(&text).trim_end().to_string());
            }
        }
    }

    /// Sends LOGOUT and drops the connection.
    pub fn logout(mut self) {
        let _ = self.cmd("LOGOUT");
    }
}

/// `n` of a line that ends with `{n}` or `{n+}` before CRLF.
fn literal_len(l: &[u8]) -> Option<u64> {
    let l = l.strip_suffix(b"\r\n").or_else(|| l.strip_suffix(b"\n"))?;
    let l = l.strip_suffix(b"}")?;
    let l = l.strip_suffix(b"+").unwrap_or(l);
    let open = l.iter().rposition(|&b| b == b'{')?;
    std::str::from_utf8(&l[open + 1..]).ok()?.parse().ok()
}

/// An `io::Error` with a message.
pub fn other(msg: String) -> io::Error {
    io::Error::other(msg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals() {
        assert_eq!(literal_len(b"* 1 FETCH (BODY[] {123}\r\n"), Some(123));
        assert_eq!(literal_len(b"* 1 FETCH (FLAGS ())\r\n"), None);
    }

    #[test]
    fn appenduid() {
        let r = Response { tagged: "t3 OK [APPENDUID 1700 42] done".into(), ..Default::default() };
        assert_eq!(r.append_uid(), Some(42));
    }
}

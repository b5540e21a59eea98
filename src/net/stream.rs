//! The stream stack of one connection: TCP (with deadlines, see
//! [`super::sock`]), then TLS (rustls or native-tls), then DEFLATE. The
//! session reads and writes the top; the stack answers for all its levels
//! whether input waits, and counts octets at the top and on the wire.

use std::io::{self, IoSlice, Read, Write};
use std::net::TcpStream;
use std::os::fd::{AsRawFd, RawFd};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::{ServerConfig, ServerConnection, StreamOwned};

use super::deflate::Deflate;
use super::sock::Sock;
#[cfg(feature = "native-tls")]
use super::CertFiles;

/// How TLS handshakes are made: the backend and its certificate.
#[derive(Clone)]
pub enum Tls {
    /// rustls, the default.
    Rustls(Arc<ServerConfig>),
    /// The system's TLS library through native-tls (`--tls-backend native`).
    #[cfg(feature = "native-tls")]
    Native(Arc<CertFiles>),
}

enum Link {
    Plain(Sock),
    Rustls(Box<StreamOwned<ServerConnection, Sock>>),
    #[cfg(feature = "native-tls")]
    Native(Box<native_tls::TlsStream<Sock>>),
}

/// A client connection: the layers that are on, and the octet counts.
pub struct Stream {
    link: Link,
    deflate: Option<Box<Deflate>>,
    /// Octets handed up to the reader (after TLS and DEFLATE).
    pub plain_in: u64,
    /// Octets the session wrote (before DEFLATE and TLS).
    pub plain_out: u64,
}

impl Stream {
    /// A clear-text stream over `sock`.
    pub fn plain(sock: Sock) -> Stream {
        Stream { link: Link::Plain(sock), deflate: None, plain_in: 0, plain_out: 0 }
    }

    /// A clear-text stream over a bare socket, without deadlines.
    pub fn plain_tcp(tcp: TcpStream) -> Stream {
        Stream::plain(Sock::new(tcp, None))
    }

    /// The socket at the bottom.
    pub fn sock(&self) -> &Sock {
        match &self.link {
            Link::Plain(s) => s,
            Link::Rustls(t) => &t.sock,
            #[cfg(feature = "native-tls")]
            Link::Native(t) => t.get_ref(),
        }
    }

    /// The socket at the bottom, to change its deadlines.
    pub fn sock_mut(&mut self) -> &mut Sock {
        match &mut self.link {
            Link::Plain(s) => s,
            Link::Rustls(t) => &mut t.sock,
            #[cfg(feature = "native-tls")]
            Link::Native(t) => t.get_mut(),
        }
    }

    /// The TCP socket under the stream.
    pub fn tcp(&self) -> &TcpStream {
        self.sock().tcp()
    }

    /// Sets the read deadline and inactivity timeout of the socket.
    pub fn set_timing(&mut self, deadline: Option<Instant>, idle: Option<Duration>) {
        self.sock_mut().set_timing(deadline, idle);
    }

    /// True when the connection is encrypted.
    pub fn is_tls(&self) -> bool {
        !matches!(self.link, Link::Plain(_))
    }

    /// True once COMPRESS=DEFLATE is on.
    pub fn is_compressed(&self) -> bool {
        self.deflate.is_some()
    }

    /// Runs a TLS server handshake over `sock` to completion, within the
    /// socket's deadline, so handshake failures show at once.
    pub fn accept_tls(sock: Sock, tls: &Tls) -> io::Result<Stream> {
        let link = match tls {
            Tls::Rustls(config) => {
                let mut conn = ServerConnection::new(config.clone()).map_err(io::Error::other)?;
                let mut sock = sock;
                while conn.is_handshaking() {
                    conn.complete_io(&mut sock)?;
                }
                Link::Rustls(Box::new(StreamOwned::new(conn, sock)))
            }
            #[cfg(feature = "native-tls")]
            Tls::Native(files) => {
                let acceptor = files.native().map_err(io::Error::other)?;
                let s = acceptor.accept(sock).map_err(|e| match e {
                    native_tls::HandshakeError::Failure(e) => io::Error::other(e),
                    native_tls::HandshakeError::WouldBlock(_) => super::sock::deadline_passed(),
                })?;
                Link::Native(Box::new(s))
            }
        };
        Ok(Stream { link, deflate: None, plain_in: 0, plain_out: 0 })
    }

    /// [`Stream::accept_tls`] on a bare socket, where the handshake must end
    /// within `timeout`; the stream has no deadline afterwards.
    pub fn accept_tls_within(tcp: TcpStream, tls: Tls, timeout: Duration) -> io::Result<Stream> {
        let mut sock = Sock::new(tcp, Some(timeout));
        sock.set_timing(Some(Instant::now() + timeout), None);
        let mut s = Stream::accept_tls(sock, &tls)?;
        s.set_timing(None, None);
        Ok(s)
    }

    /// STARTTLS: turns a plain stream into TLS (the caller has already
    /// dropped any bytes the client pipelined after the command). The
    /// socket keeps its deadlines.
    pub fn upgrade(self, tls: &Tls) -> io::Result<Stream> {
        if self.deflate.is_some() {
            return Err(io::Error::other("compression is active"));
        }
        match self.link {
            Link::Plain(sock) => Stream::accept_tls(sock, tls),
            _ => Err(io::Error::other("already encrypted")),
        }
    }

    /// COMPRESS=DEFLATE: from now on both directions are deflated.
    /// `pending` is input already read past the command.
    pub fn start_deflate(&mut self, pending: Vec<u8>) {
        self.deflate = Some(Box::new(Deflate::new(pending)));
    }

    /// True when input waits inside any layer (inflated octets, decrypted
    /// octets), so a poll on the socket would not show it.
    pub fn has_pending_input(&mut self) -> bool {
        if let Some(d) = self.deflate.as_mut() {
            if d.has_pending() {
                return true;
            }
        }
        match &mut self.link {
            Link::Plain(_) => false,
            Link::Rustls(t) => t.conn.process_new_packets().map(|s| s.plaintext_bytes_to_read() > 0).unwrap_or(false),
            #[cfg(feature = "native-tls")]
            Link::Native(t) => t.buffered_read_size().map(|n| n > 0).unwrap_or(false),
        }
    }

    /// Before closing on a client that is still sending: stops writing and
    /// reads (a bounded amount, briefly) what it sends, so the close does
    /// not reset the connection and lose the answer just written.
    pub fn linger(&mut self) {
        const MOST: u64 = 1024 * 1024;
        let _ = self.tcp().shutdown(std::net::Shutdown::Write);
        self.set_timing(Some(Instant::now() + Duration::from_secs(2)), None);
        let _ = io::copy(&mut Read::by_ref(self).take(MOST), &mut io::sink());
    }

    /// Ends the connection politely: TLS sends its close_notify alert. The
    /// TCP close is left to the socket's owners (the worker frees the
    /// channel before the client can see it).
    pub fn close(&mut self) {
        match &mut self.link {
            Link::Plain(_) => {}
            Link::Rustls(t) => {
                t.conn.send_close_notify();
                let _ = t.flush();
            }
            #[cfg(feature = "native-tls")]
            Link::Native(t) => {
                let _ = t.shutdown();
            }
        }
    }

    /// The negotiated protocol and cipher, for link-level logs.
    pub fn tls_description(&self) -> Option<String> {
        match &self.link {
            Link::Plain(_) => None,
            Link::Rustls(t) => {
                Some(format!("{:?} {:?}", t.conn.protocol_version()?, t.conn.negotiated_cipher_suite()?.suite()))
            }
            #[cfg(feature = "native-tls")]
            Link::Native(_) => Some("native-tls".into()),
        }
    }

    /// `plain in/out, wire in/out` for link-level logs.
    pub fn counts(&self) -> String {
        let s = self.sock();
        format!(
            "{} octets in, {} out ({} in, {} out on the wire)",
            self.plain_in, self.plain_out, s.wire_in, s.wire_out
        )
    }
}

impl Read for Link {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let r = match self {
            Link::Plain(s) => s.read(buf),
            Link::Rustls(t) => t.read(buf),
            #[cfg(feature = "native-tls")]
            Link::Native(t) => t.read(buf),
        };
        match r {
            // A peer that closes without close_notify is common for IMAP
            // clients after LOGOUT; treat it as an ordinary end.
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(0),
            r => r,
        }
    }
}

impl Write for Link {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Link::Plain(s) => s.write(buf),
            Link::Rustls(t) => t.write(buf),
            #[cfg(feature = "native-tls")]
            Link::Native(t) => t.write(buf),
        }
    }

    fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        match self {
            Link::Plain(s) => s.write_vectored(bufs),
            // StreamOwned does not pass write_vectored on; its Stream does.
            Link::Rustls(t) => rustls::Stream::new(&mut t.conn, &mut t.sock).write_vectored(bufs),
            #[cfg(feature = "native-tls")]
            Link::Native(t) => t.write_vectored(bufs),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Link::Plain(s) => s.flush(),
            Link::Rustls(t) => t.flush(),
            #[cfg(feature = "native-tls")]
            Link::Native(t) => t.flush(),
        }
    }
}

impl AsRawFd for Stream {
    fn as_raw_fd(&self) -> RawFd {
        self.tcp().as_raw_fd()
    }
}

impl Read for Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = match self.deflate.as_mut() {
            Some(d) => d.read(&mut self.link, buf)?,
            None => self.link.read(buf)?,
        };
        self.plain_in += n as u64;
        Ok(n)
    }
}

impl Write for Stream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = match self.deflate.as_mut() {
            Some(d) => d.write(&mut self.link, buf)?,
            None => self.link.write(buf)?,
        };
        self.plain_out += n as u64;
        Ok(n)
    }

    fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        let n = match self.deflate.as_mut() {
            // DEFLATE takes one buffer at a time.
            Some(d) => d.write(&mut self.link, bufs.iter().find(|b| !b.is_empty()).map_or(&[][..], |b| b))?,
            None => self.link.write_vectored(bufs)?,
        };
        self.plain_out += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        match self.deflate.as_mut() {
            Some(d) => d.flush(&mut self.link),
            None => self.link.flush(),
        }
    }
}

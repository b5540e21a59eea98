"""imaplib with COMPRESS=DEFLATE (RFC 4978) for the tests: `wrapped(base)`
returns a subclass of `base` (imaplib.IMAP4 or IMAP4_SSL) whose
`compress()` sends COMPRESS DEFLATE and, once the server says OK, runs the
stream through raw deflate both ways. `wire_in`/`wire_out` count the
compressed bytes, so a test can show the stream really was compressed.
Used by conn_compress.rs and proxy_nginx.rs (PYTHONPATH=tests/support)."""

import imaplib
import zlib

imaplib.Commands["COMPRESS"] = ("AUTH", "SELECTED")


def wrapped(base):
    class Deflated(base):
        zon = False

        def compress(self):
            typ, data = self._simple_command("COMPRESS", "DEFLATE")
            assert typ == "OK", (typ, data)
            print("compress:", typ, data[0].decode())
            self.zin = zlib.decompressobj(-15)
            self.zout = zlib.compressobj(6, zlib.DEFLATED, -15)
            self.zbuf = b""
            self.wire_in = self.wire_out = 0
            self.zon = True

        def send(self, data):
            if self.zon:
                data = self.zout.compress(data) + self.zout.flush(zlib.Z_SYNC_FLUSH)
                self.wire_out += len(data)
            self.sock.sendall(data)

        def _fill(self):
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("server closed")
            self.wire_in += len(chunk)
            self.zbuf += self.zin.decompress(chunk)

        def read(self, size):
            if not self.zon:
                return self.file.read(size)
            while len(self.zbuf) < size:
                self._fill()
            r, self.zbuf = self.zbuf[:size], self.zbuf[size:]
            return r

        def readline(self):
            if not self.zon:
                return self.file.readline()
            while b"\n" not in self.zbuf:
                self._fill()
            i = self.zbuf.index(b"\n") + 1
            r, self.zbuf = self.zbuf[:i], self.zbuf[i:]
            return r

    return Deflated

#!/usr/bin/env python3
"""Make the reference FETCH answers for tests/corpus/*.eml with Dovecot.

Runs Dovecot's imap binary in pre-authenticated mode over a pipe (no daemon,
no network) against a throw-away maildir, fetches the items in ITEMS for every
corpus message, and writes tests/corpus/expected/<name>.txt in the format read
by tests/mime_corpus.rs:

    == <item as echoed> <length>\n<value bytes>\n

Needs the Debian package dovecot-imapd and root (Dovecot refuses to open
mail as root, so the maildir is owned by nobody). Usage:

    python3 contrib/corpus-reference.py [tests/corpus]
"""
import os, re, shutil, subprocess, sys, tempfile

SECTIONS = [
    "", "HEADER", "TEXT", "1", "1.MIME", "1.HEADER", "1.TEXT", "1.1", "2", "2.MIME",
    "2.HEADER", "2.TEXT", "2.1", "2.1.MIME", "2.2", "2.2.MIME", "2.2.HEADER", "2.2.TEXT", "2.2.1",
    "2.2.1.MIME", "3", "4", "1.2", "1.2.2", "1.1.1", "2.2.1.1", "HEADER.FIELDS (X-NONE)",
    "HEADER.FIELDS (FROM SUBJECT X-NONE)", "HEADER.FIELDS.NOT (FROM subject)",
    "2.HEADER.FIELDS (SUBJECT)", "2.2.HEADER.FIELDS.NOT (TO)", "1.HEADER.FIELDS (FROM)",
]
PARTIALS = ["[]<0.20>", "[TEXT]<5.10>", "[1]<3.100000>", "[]<100000.5>", "[2.2.TEXT]<1.4>",
            "[HEADER.FIELDS (FROM)]<2.6>"]
ITEMS = (["ENVELOPE", "BODYSTRUCTURE", "BODY", "RFC822.SIZE", "RFC822.HEADER", "RFC822.TEXT"]
         + ["BODY.PEEK[%s]" % s for s in SECTIONS] + ["BODY.PEEK" + p for p in PARTIALS])

CONF = """protocols = imap
base_dir = {d}/run
log_path = {d}/log
ssl = no
mail_location = maildir:{d}/Maildir
mail_uid = nobody
mail_gid = nogroup
passdb {{
  driver = static
  args = password=x
}}
userdb {{
  driver = static
  args = uid=nobody gid=nogroup home={d}
}}
"""


class Imap:
    def __init__(self, d):
        env = {"PATH": "/usr/bin:/bin", "USER": "nobody", "HOME": d,
               "MAIL": "maildir:%s/Maildir" % d}
        self.p = subprocess.Popen(["/usr/lib/dovecot/imap", "-c", d + "/dovecot.conf"],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
        self.n = 0
        self.read_response()

    def read_response(self):
        """One response line with its literals, CRLF of the last line removed."""
        out = b""
        while True:
            line = self.p.stdout.readline()
            if not line:
                raise EOFError(out)
            out += line
            m = re.search(rb"\{(\d+)\}\r\n$", line)
            if not m:
                return out[:-2]
            out += self.p.stdout.read(int(m.group(1)))

    def cmd(self, text):
        self.n += 1
        tag = b"t%d" % self.n
        self.p.stdin.write(tag + b" " + text.encode() + b"\r\n")
        self.p.stdin.flush()
        untagged = []
        while True:
            r = self.read_response()
            if r.startswith(tag + b" "):
                if not r.startswith(tag + b" OK"):
                    raise RuntimeError(r)
                return untagged
            untagged.append(r)

    def close(self):
        self.cmd("LOGOUT")
        self.p.stdin.close()
        self.p.wait()


def main():
    corpus = sys.argv[1] if len(sys.argv) > 1 else "tests/corpus"
    names = sorted(f for f in os.listdir(corpus) if f.endswith(".eml"))
    d = tempfile.mkdtemp(prefix="dcref")
    os.chmod(d, 0o755)
    try:
        for sub in ("cur", "new", "tmp"):
            os.makedirs(os.path.join(d, "Maildir", sub))
        os.makedirs(os.path.join(d, "run"))
        with open(os.path.join(d, "dovecot.conf"), "w") as f:
            f.write(CONF.format(d=d))
        for i, name in enumerate(names):
            shutil.copy(os.path.join(corpus, name),
                        os.path.join(d, "Maildir", "cur", "%d.M%dP1.ref:2,S" % (1000000000 + i, i)))
        subprocess.run(["chown", "-R", "nobody:nogroup", os.path.join(d, "Maildir")], check=True)
        imap = Imap(d)
        imap.cmd("SELECT INBOX")
        os.makedirs(os.path.join(corpus, "expected"), exist_ok=True)
        for i, name in enumerate(names):
            seq = i + 1
            size = os.path.getsize(os.path.join(corpus, name))
            got = imap.cmd("FETCH %d RFC822.SIZE" % seq)[0]
            if b"LF" not in name.encode().upper() and b"RFC822.SIZE %d)" % size not in got:
                raise RuntimeError("message order mismatch at %s: %r" % (name, got))
            out = b""
            for item in ITEMS:
                resp = imap.cmd("FETCH %d (%s)" % (seq, item))
                r = resp[0]
                prefix = b"* %d FETCH (" % seq
                assert r.startswith(prefix) and r.endswith(b")"), r
                body = r[len(prefix):-1]
                # Split "<echoed item> <value>": the item echo ends at the first
                # space outside brackets.
                depth = 0
                for j, c in enumerate(body):
                    if c == ord("["):
                        depth += 1
                    elif c == ord("]"):
                        depth -= 1
                    elif c == ord(" ") and depth == 0:
                        break
                echo, value = body[:j], body[j + 1:]
                out += b"== %s %d\n%s\n" % (echo, len(value), value)
            with open(os.path.join(corpus, "expected", name[:-4] + ".txt"), "wb") as f:
                f.write(out)
        imap.close()
    finally:
        shutil.rmtree(d)


if __name__ == "__main__":
    main()

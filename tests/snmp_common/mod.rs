//! Helpers for the SNMP tests (tests/snmp_*.rs): Debian's snmpd as an
//! AgentX master on a private socket and UDP port, and the net-snmp
//! command-line tools, all confined to the test's temporary directory
//! (own configuration, log, pid file and persistent directory; the user's
//! ~/.snmp and the system's snmpd are never read or touched).
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::net::UdpSocket;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

/// Where the tools find TEGAMI-MIB and the stand-ins for the base SMI
/// modules (Debian ships no IETF MIB files).
pub fn mib_dirs() -> String {
    let root = env!("CARGO_MANIFEST_DIR");
    format!("{root}/tests/fixtures/snmp:{root}/contrib/snmp")
}

/// A running snmpd; killed when dropped.
pub struct Snmpd {
    child: Option<Child>,
    /// The temporary directory: config, socket, log, pid, persistent data.
    pub dir: tempfile::TempDir,
    /// The UDP port it answers SNMP on (127.0.0.1).
    pub port: u16,
}

impl Drop for Snmpd {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// A UDP port free now on loopback.
fn free_udp_port() -> u16 {
    UdpSocket::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Snmpd {
    /// Starts snmpd as `master agentx` on `DIR/agentx.sock`.
    pub fn start() -> Snmpd {
        // Read-write, so that a Set reaches the subagent, which refuses it.
        Snmpd::start_with_conf(|sock| {
            format!("master agentx\nagentXSocket {sock}\nagentXPerms 0600 0700\nrwcommunity public 127.0.0.1\n")
        })
    }

    /// Starts snmpd with the configuration `conf` makes for the socket path.
    pub fn start_with_conf(conf: impl FnOnce(&str) -> String) -> Snmpd {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Snmpd { child: None, dir, port: free_udp_port() };
        for sub in ["conf", "persist", "snmpconf"] {
            std::fs::create_dir_all(s.dir.path().join(sub)).unwrap();
        }
        let conf = conf(s.socket().to_str().unwrap());
        std::fs::write(s.dir.path().join("conf/snmpd.conf"), conf).unwrap();
        s.run();
        s
    }

    /// The AgentX socket, for `tegami --agentx`.
    pub fn socket(&self) -> PathBuf {
        self.dir.path().join("agentx.sock")
    }

    fn run(&mut self) {
        let d = self.dir.path();
        let p = |f: &str| d.join(f).to_str().unwrap().to_string();
        let child = Command::new("/usr/sbin/snmpd")
            .args(["-f", "-C", "-c", &p("conf/snmpd.conf"), "-Lf", &p("snmpd.log"), "-p", &p("snmpd.pid")])
            .arg(format!("udp:127.0.0.1:{}", self.port))
            .env("SNMPCONFPATH", p("snmpconf"))
            .env("SNMP_PERSISTENT_DIR", p("persist"))
            .env("MIBDIRS", mib_dirs())
            .env("MIBS", "")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("/usr/sbin/snmpd (contrib/test installs Debian's snmpd)");
        self.child = Some(child);
        let sock = self.socket();
        // A deadline only so that a broken snmpd cannot hang the test.
        let start = std::time::Instant::now();
        while !sock.exists() {
            assert!(start.elapsed() < std::time::Duration::from_secs(30), "snmpd did not open {}", sock.display());
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }

    /// Stops snmpd as its init script does (SIGTERM) and waits for it.
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            // SAFETY: kill with a pid of our own child.
            unsafe { libc::kill(c.id() as i32, libc::SIGTERM) };
            let _ = c.wait();
        }
        // snmpd removes its socket on a clean exit; a stale one would be
        // mistaken for the new one's.
        let _ = std::fs::remove_file(self.socket());
    }

    /// Starts it again on the same socket and port.
    pub fn restart(&mut self) {
        self.run();
    }

    /// snmpd's log.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("snmpd.log")).unwrap_or_default()
    }

    /// Runs a net-snmp tool against this agent with TEGAMI-MIB loaded;
    /// (success, stdout, stderr).
    pub fn tool(&self, tool: &str, args: &[&str]) -> (bool, String, String) {
        let d = self.dir.path();
        let out = Command::new(tool)
            .args(["-v2c", "-c", "public", "-t", "2", "-r", "1", "-M", &mib_dirs(), "-m", "TEGAMI-MIB"])
            .arg(format!("udp:127.0.0.1:{}", self.port))
            .args(args)
            .env("SNMPCONFPATH", d.join("snmpconf"))
            .env("SNMP_PERSISTENT_DIR", d.join("persist"))
            .env_remove("MIBS")
            .env_remove("MIBDIRS")
            .output()
            .unwrap_or_else(|e| panic!("{tool} (contrib/test installs Debian's snmp): {e}"));
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        (out.status.success(), text(&out.stdout), text(&out.stderr))
    }

    /// `snmpwalk -OqU` of `root`: name to value (no units); empty when the
    /// subtree is not there (not registered yet).
    pub fn walk(&self, root: &str) -> BTreeMap<String, String> {
        let (_, out, _) = self.tool("snmpwalk", &["-OqU", root]);
        out.lines()
            .filter_map(|l| l.split_once(' '))
            .filter(|(_, v)| !v.starts_with("No Such") && !v.starts_with("No more"))
            .map(|(k, v)| (k.to_string(), v.trim_matches('"').to_string()))
            .collect()
    }
}

/// The numeric OID of tegami's applTable column `col` (row 143).
pub fn appl(col: u32) -> String {
    format!(".1.3.6.1.2.1.27.1.1.{col}.143")
}

/// `/metrics` as name (with labels) to value.
pub fn metrics(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.rsplit_once(' '))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// The AgentX socket as a flag value for `tegami --agentx`.
pub fn sock_arg(s: &Snmpd) -> String {
    s.socket().to_str().unwrap().to_string()
}

//! contrib/systemd/tegami.service (issue 14, must-show 6): the unit passes
//! `systemd-analyze verify`, and with its user, capability and
//! no-new-privileges settings applied (by setpriv, as systemd would; this
//! machine has no systemd as PID 1 for `systemd-run`), tegami binds ports
//! 143 and 993 without root and serves mail.

mod support;

use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};

fn unit() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("contrib/systemd/tegami.service")).unwrap()
}

/// The value of `Key=` in the unit.
fn setting(unit: &str, key: &str) -> Option<String> {
    unit.lines().find_map(|l| l.strip_prefix(&format!("{key}=")).map(|v| v.trim().to_string()))
}

#[test]
fn the_unit_verifies() {
    let dir = tempfile::tempdir().unwrap();
    // The unit as installed, with ExecStart pointing at this build.
    let text = unit().replace("/usr/local/bin/tegami", env!("CARGO_BIN_EXE_tegami"));
    let path = dir.path().join("tegami.service");
    std::fs::write(&path, text).unwrap();
    let out = Command::new("systemd-analyze")
        .args(["verify", "--man=no"])
        .arg(&path)
        .output()
        .expect("systemd-analyze (Debian package systemd; contrib/test installs it)");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success() && !err.contains("tegami.service"), "{err}");
}

#[test]
fn the_units_sandbox_settings_are_there() {
    let u = unit();
    assert_eq!(setting(&u, "ProtectSystem").as_deref(), Some("strict"));
    assert_eq!(setting(&u, "NoNewPrivileges").as_deref(), Some("yes"));
    assert_eq!(setting(&u, "AmbientCapabilities").as_deref(), Some("CAP_NET_BIND_SERVICE"));
    assert_eq!(setting(&u, "User").as_deref(), Some("vmail"));
    let rw = setting(&u, "ReadWritePaths").unwrap();
    // The mail root of ExecStart's --mail is the one writable path.
    assert!(u.contains(&format!("--mail {rw}/")), "{rw}");
}

#[test]
fn binds_143_and_993_without_root_and_serves_mail() {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        // Switching to another user needs root; the verify test above runs anyway.
        eprintln!("NOT RUN: binds_143_and_993_without_root_and_serves_mail needs root to switch to the nobody user");
        return;
    }
    let u = unit();
    let caps = setting(&u, "AmbientCapabilities").unwrap().to_lowercase().replace("cap_", "+");
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let home = d.join("home/bob");
    std::fs::create_dir_all(&home).unwrap();
    let hash = tegami::auth::hash_password("SHA512-CRYPT", b"builder").unwrap();
    std::fs::write(d.join("passwd"), format!("bob:{hash}:65534:65534::{}::\n", home.display())).unwrap();
    tegami::net::write_self_signed(&["localhost"], &d.join("cert.pem"), &d.join("key.pem")).unwrap();
    // The service user (nobody here, vmail in the unit) owns the files.
    for p in [d.to_path_buf(), d.join("home"), home.clone(), d.join("passwd"), d.join("cert.pem"), d.join("key.pem")] {
        std::os::unix::fs::chown(&p, Some(65534), Some(65534)).unwrap();
    }
    std::fs::set_permissions(d, std::fs::Permissions::from_mode(0o755)).unwrap();
    // A loopback address of its own, so port 143 is free whatever else runs.
    let pid = std::process::id();
    let ip = format!("127.{}.{}.7", (pid >> 8) & 255, pid & 255);
    let p = |f: &str| d.join(f).to_str().unwrap().to_string();
    let mut args: Vec<String> = ["--reuid=65534", "--regid=65534", "--clear-groups"].map(String::from).to_vec();
    args.push(format!("--inh-caps={caps}"));
    args.push(format!("--ambient-caps={caps}"));
    if setting(&u, "NoNewPrivileges").as_deref() == Some("yes") {
        args.push("--no-new-privs".into());
    }
    args.push(env!("CARGO_BIN_EXE_tegami").into());
    args.extend(["-l".into(), format!("{ip}:143"), "-L".into(), format!("{ip}:993")]);
    args.extend(["-u".into(), p("passwd"), "--cert".into(), p("cert.pem"), "--key".into(), p("key.pem")]);
    let mut child = Command::new("setpriv").args(&args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    struct Kill(std::process::Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let out = BufReader::new(child.stdout.take().unwrap());
    let mut child = Kill(child);
    let mut listening = Vec::new();
    for line in out.lines().map_while(Result::ok) {
        if line.starts_with("tegami: listening on") {
            listening.push(line);
        }
        if listening.len() == 2 {
            break;
        }
    }
    if listening.len() < 2 {
        let _ = child.0.kill();
        let mut err = String::new();
        let _ = std::io::Read::read_to_string(child.0.stderr.as_mut().unwrap(), &mut err);
        panic!("tegami did not start: {err}");
    }
    assert!(
        listening[0].contains(&format!("{ip}:143")) && listening[1].contains(&format!("{ip}:993")),
        "{listening:?}"
    );
    // Not root: the process runs as nobody.
    let status = std::fs::read_to_string(format!("/proc/{}/status", child.0.id())).unwrap();
    let uid_line = status.lines().find(|l| l.starts_with("Uid:")).unwrap();
    assert!(uid_line.split_whitespace().skip(1).all(|u| u == "65534"), "{uid_line}");

    // It serves mail on both ports.
    // From the server's own address: clear-text login is refused from
    // any other (Dovecot's default, issue 19 item 9).
    let mut c = support::Client::plain_from(ip.parse().unwrap(), format!("{ip}:143").parse().unwrap());
    c.ok("LOGIN bob builder");
    c.append("INBOX", "", &support::message("hello from systemd"));
    c.ok("SELECT INBOX");
    let lines = c.ok("FETCH 1 BODY[HEADER.FIELDS (SUBJECT)]");
    assert!(lines.iter().any(|l| l.contains("hello from systemd")), "{lines:?}");
    let mut t = support::Client::tls(format!("{ip}:993").parse().unwrap(), &d.join("cert.pem"));
    t.ok("LOGIN bob builder");
    t.ok("SELECT INBOX");
    // The message file belongs to the service user.
    let cur = home.join("Maildir/cur");
    let f = std::fs::read_dir(&cur).unwrap().next().unwrap().unwrap();
    assert_eq!(std::os::unix::fs::MetadataExt::uid(&f.metadata().unwrap()), 65534);
}

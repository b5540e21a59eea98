//! `--log-file` and contrib/logrotate/tegami: logrotate moves the file and
//! signals tegami (SIGHUP), which goes on writing to a new file.

mod ops_common;
mod support;

use std::path::Path;
use std::process::Command;

use ops_common::Ops;
use support::eventually;

#[test]
fn logrotate_moves_the_log_and_sighup_reopens_it() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    let file = logs.join("tegami.log");
    let ops = Ops::start(&["--log-file", file.to_str().unwrap()]);
    let read = |p: &Path| std::fs::read_to_string(p).unwrap_or_default();
    let _bob = ops.login("bob");
    assert!(read(&file).contains("login bob"), "records go to the file");
    assert!(!ops.log().contains("login bob"), "and not to standard error");

    // The shipped configuration, with its paths and signal aimed at this test.
    let conf = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("contrib/logrotate/tegami"))
        .unwrap()
        .replace("/var/log/tegami", logs.to_str().unwrap())
        .replace("create 0640 vmail adm", "create 0640")
        .replace("systemctl kill --signal=HUP tegami.service", &format!("kill -HUP {}", ops.child.id()));
    let conf_path = dir.path().join("logrotate.conf");
    std::fs::write(&conf_path, conf).unwrap();
    let out = Command::new("logrotate")
        .arg("--force")
        .arg("--state")
        .arg(dir.path().join("state"))
        .arg(&conf_path)
        .output()
        .expect("logrotate (Debian package logrotate; contrib/test installs it)");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let rotated = logs.join("tegami.log.1");
    assert!(read(&rotated).contains("login bob"));
    eventually("the reopen", || read(&file).contains("SIGHUP: log file reopened"));
    let _alice = ops.login("alice");
    eventually("the new record", || read(&file).contains("login alice"));
    assert!(!read(&rotated).contains("login alice"), "nothing more goes to the moved file");
}

//! Issue 2, build item: `man/tegami.8` and `--help` come from the flag
//! table. `TEGAMI_BLESS=1 cargo test --test core_man` rewrites the man page.

use std::path::Path;
use std::process::Command;

use tegami::config::flags;

#[test]
fn man_page_is_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("man/tegami.8");
    let want = flags::man_page(&tegami::admin::usages());
    if std::env::var_os("TEGAMI_BLESS").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &want).unwrap();
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "man/tegami.8 is stale or missing: run `TEGAMI_BLESS=1 cargo test --test core_man` and commit the file"
    );
}

#[test]
fn man_page_documents_every_flag() {
    let page = flags::man_page(&tegami::admin::usages());
    for f in flags::FLAGS {
        assert!(page.contains(&format!("\\-\\-{}", f.long.replace('-', "\\-"))), "--{} missing", f.long);
    }
}

#[test]
fn help_flag_prints_the_table_help() {
    for flag in ["--help", "-h"] {
        let out = Command::new(env!("CARGO_BIN_EXE_tegami")).arg(flag).output().unwrap();
        assert!(out.status.success());
        assert_eq!(String::from_utf8(out.stdout).unwrap(), flags::help(&tegami::admin::usages()));
    }
    let out = Command::new(env!("CARGO_BIN_EXE_tegami")).arg("-V").output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains(env!("CARGO_PKG_VERSION")));
}

#[test]
fn a_bad_flag_is_a_usage_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_tegami")).arg("--no-such-flag").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("tegami: "));
}

//! The log writer: records go to standard error labelled with the manual's
//! level names. Levels map onto `log`'s as: major = `error!`, problems =
//! `warn!`, low-level = `debug!`, all-info = `trace!`.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use parking_lot::Mutex;

use crate::config::LogLevel;
use crate::logtext::escape;

/// Installs the logger for `level` (once per process; later calls are no-ops).
pub fn init(level: LogLevel) {
    build(level).target(env_logger::Target::Stderr).try_init().ok();
}

/// Installs the logger for `level`, writing to `file` (appending) instead of
/// standard error when one is given; [`reopen`] opens it again.
pub fn init_to(level: LogLevel, file: Option<&Path>) -> Result<(), String> {
    let Some(path) = file else {
        init(level);
        return Ok(());
    };
    let f = LogFile { path: path.to_path_buf(), file: Mutex::new(open(path)?) };
    let f = LOG_FILE.get_or_init(|| f);
    build(level).target(env_logger::Target::Pipe(Box::new(Writer(f)))).try_init().ok();
    Ok(())
}

/// Opens the `--log-file` again (after logrotate moved it); records keep
/// going to the old file if that fails.
pub fn reopen() -> Result<bool, String> {
    let Some(f) = LOG_FILE.get() else { return Ok(false) };
    let fresh = open(&f.path)?;
    *f.file.lock() = fresh;
    Ok(true)
}

struct LogFile {
    path: PathBuf,
    file: Mutex<File>,
}

static LOG_FILE: OnceLock<LogFile> = OnceLock::new();

fn open(path: &Path) -> Result<File, String> {
    OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o640)
        .open(path)
        .map_err(|e| format!("--log-file {}: {e}", path.display()))
}

/// The log file as env_logger's target: one locked write per record.
struct Writer(&'static LogFile);

impl Write for Writer {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.file.lock().write_all(buf)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn build(level: LogLevel) -> env_logger::Builder {
    let mut b = env_logger::Builder::new();
    b.filter_level(level.filter())
        // rustls' own records are link-level detail.
        .filter_module(
            "rustls",
            if level >= LogLevel::AllInfo { log::LevelFilter::Trace } else { log::LevelFilter::Off },
        )
        .format(|buf, rec| {
            let label = match rec.level() {
                log::Level::Error => "MAJOR",
                log::Level::Warn => "PROBLEM",
                log::Level::Info => "INFO",
                log::Level::Debug => "LOW",
                log::Level::Trace => "LINK",
            };
            // Records carry client data (command lines, ID values); with
            // control characters escaped, no client can start a line of
            // its own.
            writeln!(buf, "{} {label:7} {}", buf.timestamp_seconds(), escape(&rec.args().to_string()))
        });
    b
}

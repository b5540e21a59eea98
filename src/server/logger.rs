//! The log writer: records go to standard error labelled with the manual's
//! level names. Levels map onto `log`'s as: major = `error!`, problems =
//! `warn!`, low-level = `debug!`, all-info = `trace!`.

use std::io::Write;

use crate::config::LogLevel;

/// Installs the logger for `level` (once per process; later calls are no-ops).
pub fn init(level: LogLevel) {
    let _ = env_logger::Builder::new()
        .filter_level(level.filter())
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
            writeln!(buf, "{} {label:7} {}", buf.timestamp_seconds(), rec.args())
        })
        .target(env_logger::Target::Stderr)
        .try_init();
}

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
            // Records carry client data (command lines, ID values); with
            // control characters escaped, no client can start a line of
            // its own.
            writeln!(buf, "{} {label:7} {}", buf.timestamp_seconds(), escape(&rec.args().to_string()))
        })
        .target(env_logger::Target::Stderr)
        .try_init();
}

/// `s` with control characters written as `\r`, `\n`, `\t`, `\xNN` or
/// `\u{NNNN}`, and backslashes doubled so an escape cannot be faked: a
/// record is always one line.
pub fn escape(s: &str) -> String {
    if !s.chars().any(|c| c.is_control() || c == '\\') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\r' => out.push_str("\\r"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x100 && c.is_control() => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if c.is_control() => out.push_str(&format!("\\u{{{:04x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn control_characters_cannot_break_a_record() {
        assert_eq!(escape("a\r\nb"), "a\\r\\nb");
        assert_eq!(escape("x\u{1b}[31m\u{85}"), "x\\x1b[31m\\x85");
        assert_eq!(escape("back\\r"), "back\\\\r");
        assert_eq!(escape("plain text"), "plain text");
    }
}

//! The snapshot as JSON, Prometheus text, a terminal table and an HTML page.

use std::fmt::Write;
use std::time::Duration;

use crate::activity::{Row, Snapshot};

/// A JSON string literal for `s` (control characters escaped).
pub fn json_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 || c == '\u{7f}' || c == '\u{2028}' || c == '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn json_opt(s: &Option<String>) -> String {
    s.as_deref().map(json_str).unwrap_or_else(|| "null".into())
}

fn secs(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64())
}

/// `GET /sessions.json`: an array of rows.
pub fn sessions_json(snap: &Snapshot) -> String {
    let rows: Vec<String> = snap
        .sessions
        .iter()
        .map(|r| {
            format!(
                "{{\"id\":{},\"tag\":{},\"address\":{},\"port\":{},\"account\":{},\"connected_seconds\":{},\"since_connect_seconds\":{},\"state\":{},\"mailbox\":{},\"command\":{},\"operation_seconds\":{},\"bytes_in\":{},\"bytes_out\":{},\"tls\":{}}}",
                r.id,
                json_str(&r.tag()),
                json_str(&r.ip),
                r.port,
                json_opt(&r.account),
                secs(r.connected),
                secs(r.since_connect),
                json_str(&r.state),
                json_opt(&r.mailbox),
                json_opt(&r.command),
                r.operation.map(secs).unwrap_or_else(|| "null".into()),
                r.bytes_in,
                r.bytes_out,
                r.tls
            )
        })
        .collect();
    format!("[{}]\n", rows.join(",\n"))
}

/// `GET /stats.json`: the server-wide statistics.
pub fn stats_json(snap: &Snapshot) -> String {
    let commands: Vec<String> = snap
        .commands
        .iter()
        .map(|(n, c, t)| format!("{}:{{\"count\":{c},\"seconds\":{}}}", json_str(n), secs(*t)))
        .collect();
    format!(
        "{{\"sessions\":{},\"sessions_peak\":{},\"sessions_total\":{},\"logins\":{},\"failed_logins\":{},\"messages_appended\":{},\"bytes_in\":{},\"bytes_out\":{},\"uptime_seconds\":{},\"max_channels\":{},\"channel_refusals\":{},\"password_hashes\":{},\"penalty_entries\":{},\"deliveries_noticed\":{},\"alerts_sent\":{},\"referrals_given\":{},\"commands\":{{{}}}}}\n",
        snap.sessions.len(),
        snap.peak,
        snap.sessions_total,
        snap.logins,
        snap.failed_logins,
        snap.appended,
        snap.bytes_in,
        snap.bytes_out,
        secs(snap.uptime),
        snap.max_channels,
        snap.refused,
        snap.password_hashes,
        snap.penalty_entries,
        snap.noticed,
        snap.alerts,
        snap.referrals,
        commands.join(",")
    )
}

/// `GET /metrics`: the Prometheus text exposition format (version 0.0.4).
pub fn metrics(snap: &Snapshot) -> String {
    let mut s = String::new();
    let mut one = |name: &str, kind: &str, help: &str, value: String| {
        let _ = write!(s, "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}\n");
    };
    one("tegami_sessions", "gauge", "IMAP sessions connected now.", snap.sessions.len().to_string());
    one("tegami_sessions_peak", "gauge", "Most IMAP sessions at once since the start.", snap.peak.to_string());
    one("tegami_sessions_total", "counter", "IMAP sessions since the start.", snap.sessions_total.to_string());
    one("tegami_logins_total", "counter", "Successful logins.", snap.logins.to_string());
    one(
        "tegami_login_failures_total",
        "counter",
        "Failed LOGIN and AUTHENTICATE attempts.",
        snap.failed_logins.to_string(),
    );
    one("tegami_messages_appended_total", "counter", "Messages stored by APPEND.", snap.appended.to_string());
    one("tegami_received_bytes_total", "counter", "Octets read from IMAP clients.", snap.bytes_in.to_string());
    one("tegami_sent_bytes_total", "counter", "Octets written to IMAP clients.", snap.bytes_out.to_string());
    one("tegami_uptime_seconds", "gauge", "Seconds since the server started.", secs(snap.uptime));
    one("tegami_max_channels", "gauge", "The Maximum Number of Channels.", snap.max_channels.to_string());
    one(
        "tegami_channel_refusals_total",
        "counter",
        "Connections refused because the channel cap was reached.",
        snap.refused.to_string(),
    );
    one(
        "tegami_password_hashes_total",
        "counter",
        "Slow password hashes computed for logins (a dummy one for unknown names).",
        snap.password_hashes.to_string(),
    );
    one(
        "tegami_login_penalty_entries",
        "gauge",
        "Records in the failed-login penalty table.",
        snap.penalty_entries.to_string(),
    );
    one(
        "tegami_deliveries_noticed_total",
        "counter",
        "Messages that appeared in mailboxes without this server (an MTA writing into new/, another process).",
        snap.noticed.to_string(),
    );
    one(
        "tegami_alerts_sent_total",
        "counter",
        "ALERT responses of the alerts spool shown to sessions.",
        snap.alerts.to_string(),
    );
    one(
        "tegami_referrals_total",
        "counter",
        "Logins answered with a [REFERRAL] to another server.",
        snap.referrals.to_string(),
    );
    let (authenticating, authenticated, selected) = snap.by_state();
    s.push_str("# HELP tegami_sessions_by_state IMAP sessions now, by state.\n# TYPE tegami_sessions_by_state gauge\n");
    for (state, n) in [("authenticating", authenticating), ("authenticated", authenticated), ("selected", selected)] {
        let _ = writeln!(s, "tegami_sessions_by_state{{state=\"{state}\"}} {n}");
    }
    s.push_str("# HELP tegami_commands_total IMAP commands finished, by name.\n# TYPE tegami_commands_total counter\n");
    for (n, c, _) in &snap.commands {
        let _ = writeln!(s, "tegami_commands_total{{command={}}} {c}", json_str(n));
    }
    s.push_str(
        "# HELP tegami_command_seconds_total Time spent in IMAP commands, by name.\n# TYPE tegami_command_seconds_total counter\n",
    );
    for (n, _, t) in &snap.commands {
        let _ = writeln!(s, "tegami_command_seconds_total{{command={}}} {}", json_str(n), secs(*t));
    }
    s
}

/// A column: its heading and how a row fills it.
pub type Column = (&'static str, fn(&Row) -> String);

/// Columns of the table.
pub const COLUMNS: &[Column] = &[
    ("ID", |r| r.tag()),
    ("IP address", |r| r.ip.clone()),
    ("Account", |r| r.account.clone().unwrap_or_default()),
    ("Connected", |r| duration(r.connected)),
    ("State", |r| r.state.clone()),
    ("Running", |r| r.operation.map(duration).unwrap_or_default()),
    ("In", |r| r.bytes_in.to_string()),
    ("Out", |r| r.bytes_out.to_string()),
    ("TLS", |r| if r.tls { "yes".into() } else { "no".into() }),
];

/// `12s`, `4m05s`, `2h03m`.
pub fn duration(d: Duration) -> String {
    let s = d.as_secs();
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 => format!("{}m{:02}s", s / 60, s % 60),
        _ => format!("{}h{:02}m", s / 3600, s / 60 % 60),
    }
}

/// Makes a cell safe for a terminal: control characters become `?`.
fn cell(s: String) -> String {
    s.chars().map(|c| if c.is_control() { '?' } else { c }).collect()
}

/// The rows as a terminal table (`tegami who`, `GET /sessions.txt`).
pub fn table(snap: &Snapshot) -> String {
    let rows: Vec<Vec<String>> =
        snap.sessions.iter().map(|r| COLUMNS.iter().map(|(_, f)| cell(f(r))).collect()).collect();
    let mut widths: Vec<usize> = COLUMNS.iter().map(|(h, _)| h.chars().count()).collect();
    for r in &rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: Vec<String>| {
        let l: Vec<String> = cells.iter().zip(&widths).map(|(c, w)| format!("{c:<w$}")).collect();
        out.push_str(l.join("  ").trim_end());
        out.push('\n');
    };
    line(COLUMNS.iter().map(|(h, _)| h.to_string()).collect());
    for r in rows {
        line(r);
    }
    out
}

/// The statistics as `name value` lines (`tegami stats`, `GET /stats.txt`).
pub fn stats_text(snap: &Snapshot) -> String {
    let mut s = format!(
        "sessions {}\nsessions peak {}\nsessions total {}\nlogins {}\nfailed logins {}\nmessages appended {}\nbytes in {}\nbytes out {}\nuptime {}\nmax channels {}\nchannel refusals {}\npassword hashes {}\npenalty entries {}\ndeliveries noticed {}\nalerts sent {}\nreferrals given {}\n",
        snap.sessions.len(),
        snap.peak,
        snap.sessions_total,
        snap.logins,
        snap.failed_logins,
        snap.appended,
        snap.bytes_in,
        snap.bytes_out,
        duration(snap.uptime),
        snap.max_channels,
        snap.refused,
        snap.password_hashes,
        snap.penalty_entries,
        snap.noticed,
        snap.alerts,
        snap.referrals
    );
    for (n, c, t) in &snap.commands {
        let _ = writeln!(s, "command {n} {c} {}", secs(*t));
    }
    s
}

fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() => out.push('?'),
            c => out.push(c),
        }
    }
    out
}

/// `GET /`: the page a person reads, sorted by column `sort` (an index into
/// [`COLUMNS`]); it reloads itself every five seconds and needs no scripts
/// or external assets.
pub fn page(snap: &Snapshot, sort: Option<usize>) -> String {
    let mut rows = snap.sessions.clone();
    if let Some(i) = sort.filter(|i| *i < COLUMNS.len()) {
        match COLUMNS[i].0 {
            "Connected" => rows.sort_by_key(|r| std::cmp::Reverse(r.connected)),
            "Running" => rows.sort_by_key(|r| std::cmp::Reverse(r.operation)),
            "In" => rows.sort_by_key(|r| std::cmp::Reverse(r.bytes_in)),
            "Out" => rows.sort_by_key(|r| std::cmp::Reverse(r.bytes_out)),
            _ => rows.sort_by_key(|r| (COLUMNS[i].1)(r)),
        }
    }
    let refresh = match sort {
        Some(i) => format!("5;url=/?sort={i}"),
        None => "5".into(),
    };
    let mut s = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<meta http-equiv=\"refresh\" content=\"{refresh}\">\n<title>tegami: {} sessions</title>\n<style>\nbody{{font-family:system-ui,sans-serif;margin:1em;color:#222}}\n.scroll{{overflow-x:auto}}\ntable{{border-collapse:collapse;font-size:0.9em}}\nth,td{{padding:0.3em 0.6em;border-bottom:1px solid #ddd;text-align:left;white-space:nowrap}}\nth a{{color:inherit}}\ndl{{display:grid;grid-template-columns:max-content auto;gap:0.2em 1em}}\ndd{{margin:0}}\n</style></head><body>\n<h1>tegami sessions</h1>\n<div class=\"scroll\"><table id=\"sessions\">\n<thead><tr>",
        snap.sessions.len()
    );
    for (i, (h, _)) in COLUMNS.iter().enumerate() {
        let _ = write!(s, "<th><a href=\"/?sort={i}\">{}</a></th>", html_escape(h));
    }
    s.push_str("</tr></thead>\n<tbody>\n");
    for r in &rows {
        let _ = write!(s, "<tr data-id=\"{}\">", r.tag());
        for (_, f) in COLUMNS {
            let _ = write!(s, "<td>{}</td>", html_escape(&f(r)));
        }
        s.push_str("</tr>\n");
    }
    s.push_str("</tbody></table></div>\n<h2>Server</h2>\n<dl id=\"stats\">\n");
    for line in stats_text(snap).lines().filter(|l| !l.starts_with("command ")) {
        let (k, v) = line.rsplit_once(' ').unwrap_or((line, ""));
        let _ = writeln!(s, "<dt>{}</dt><dd>{}</dd>", html_escape(k), html_escape(v));
    }
    for (n, c, t) in &snap.commands {
        let _ = writeln!(s, "<dt>{}</dt><dd>{c} in {} s</dd>", html_escape(n), secs(*t));
    }
    s.push_str("</dl>\n<p><a href=\"/sessions.json\">sessions.json</a> · <a href=\"/stats.json\">stats.json</a> · <a href=\"/metrics\">metrics</a></p>\n</body></html>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_strings_escape_control_characters() {
        assert_eq!(json_str("a\"b\\c\r\n\u{1}"), "\"a\\\"b\\\\c\\u000d\\u000a\\u0001\"");
    }

    #[test]
    fn durations_read_well() {
        assert_eq!(duration(Duration::from_secs(5)), "5s");
        assert_eq!(duration(Duration::from_secs(245)), "4m05s");
        assert_eq!(duration(Duration::from_secs(7380)), "2h03m");
    }

    #[test]
    fn html_cells_are_escaped() {
        assert_eq!(html_escape("<b>&\"\n"), "&lt;b&gt;&amp;&quot;?");
    }
}

//! Reads `RESULT` lines of several rounds and prints the comparison table:
//! per scenario the median of the rounds for each server, the ratio and the
//! peak RSS.

use std::collections::BTreeMap;

/// One parsed `RESULT` line.
#[derive(Clone, Debug)]
pub struct Row {
    /// Server name.
    pub server: String,
    /// Scenario id (`1a`, `2`, ...).
    pub id: String,
    /// Unit of `value`.
    pub unit: String,
    /// True when larger is better.
    pub higher: bool,
    /// The measurement, None for n/a.
    pub value: Option<f64>,
    /// Peak server RSS in bytes during the measurement.
    pub rss: u64,
    /// Free-form check values (hits, counts).
    pub note: String,
    /// Description.
    pub name: String,
}

/// Parses one `RESULT` line.
pub fn parse(line: &str) -> Option<Row> {
    let rest = line.strip_prefix("RESULT ")?;
    let (fields, name) = rest.split_once(" name=")?;
    let mut f = BTreeMap::new();
    for kv in fields.split(' ') {
        let (k, v) = kv.split_once('=')?;
        f.insert(k, v);
    }
    Some(Row {
        server: f.get("server")?.to_string(),
        id: f.get("id")?.to_string(),
        unit: f.get("unit")?.to_string(),
        higher: *f.get("better")? == "higher",
        value: f.get("value")?.parse().ok(),
        rss: f.get("rss")?.parse().ok()?,
        note: f.get("note").unwrap_or(&"-").to_string(),
        name: name.to_string(),
    })
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let m = v.len() / 2;
    Some(if v.len() % 2 == 1 { v[m] } else { (v[m - 1] + v[m]) / 2.0 })
}

fn num(v: Option<f64>) -> String {
    match v {
        None => "n/a".into(),
        Some(v) if v >= 100.0 => format!("{v:.0}"),
        Some(v) if v >= 10.0 => format!("{v:.1}"),
        Some(v) => format!("{v:.2}"),
    }
}

fn mb(v: Option<f64>) -> String {
    v.map_or("n/a".into(), |b| format!("{:.0} MB", b / 1e6))
}

/// The table as Markdown, servers `a` and `b` side by side; the ratio is
/// greater than 1 when `a` is faster (or smaller).
pub fn render(rows: &[Row], a: &str, b: &str) -> String {
    render_with(rows, a, b, None)
}

/// The per-server figures of one row: median value, median peak RSS,
/// rounds, the last round's check.
struct Cell {
    value: Option<f64>,
    rss: Option<f64>,
    rounds: usize,
    note: String,
}

impl Cell {
    fn of(rows: &[Row], id: &str, server: &str) -> Cell {
        let v: Vec<&Row> = rows.iter().filter(|r| r.id == id && r.server == server).collect();
        Cell {
            value: median(v.iter().filter_map(|r| r.value).collect()),
            rss: median(v.iter().map(|r| r.rss as f64).collect()),
            rounds: v.len(),
            note: v.last().map_or("-".to_string(), |r| r.note.clone()),
        }
    }

    /// How many times better `self` is than `other`.
    fn ratio(&self, other: &Cell, higher: bool) -> String {
        match (self.value, other.value) {
            (Some(x), Some(y)) if x > 0.0 && y > 0.0 => format!("{:.2}", if higher { x / y } else { y / x }),
            _ => "n/a".into(),
        }
    }
}

/// Like [`render`], with a third server `c` (Dovecot with a search plugin
/// in scenario 15) in columns of its own and its ratio against `a`.
pub fn render_with(rows: &[Row], a: &str, b: &str, c: Option<&str>) -> String {
    let mut ids: Vec<&str> = vec![];
    for r in rows {
        if !ids.contains(&r.id.as_str()) {
            ids.push(&r.id);
        }
    }
    ids.sort_by_key(|id| {
        let n: String = id.chars().take_while(|c| c.is_ascii_digit()).collect();
        (n.parse::<u32>().unwrap_or(0), id.to_string())
    });
    let mut out = match c {
        None => format!(
            "| # | scenario | unit | {a} | {b} | ratio | {a} peak RSS | {b} peak RSS | rounds | checks ({a} / {b}) |\n|---|---|---|---:|---:|---:|---:|---:|---:|---|\n"
        ),
        Some(c) => format!(
            "| # | scenario | unit | {a} | {b} | ratio | {c} | ratio ({c}) | {a} peak RSS | {b} peak RSS | {c} peak RSS | rounds | checks ({a} / {b} / {c}) |\n|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n"
        ),
    };
    for id in ids {
        let Some(first) = rows.iter().find(|r| r.id == id) else {
            continue;
        };
        let (ca, cb) = (Cell::of(rows, id, a), Cell::of(rows, id, b));
        let head = format!(
            "| {id} | {} | {} | {} | {} | {} |",
            first.name,
            first.unit,
            num(ca.value),
            num(cb.value),
            ca.ratio(&cb, first.higher)
        );
        out += &match c {
            None => format!(
                "{head} {} | {} | {}/{} | {} / {} |\n",
                mb(ca.rss),
                mb(cb.rss),
                ca.rounds,
                cb.rounds,
                ca.note,
                cb.note
            ),
            Some(c) => {
                let cc = Cell::of(rows, id, c);
                format!(
                    "{head} {} | {} | {} | {} | {} | {}/{}/{} | {} / {} / {} |\n",
                    num(cc.value),
                    ca.ratio(&cc, first.higher),
                    mb(ca.rss),
                    mb(cb.rss),
                    mb(cc.rss),
                    ca.rounds,
                    cb.rounds,
                    cc.rounds,
                    ca.note,
                    cb.note,
                    cc.note
                )
            }
        };
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        let lines = [
            "RESULT server=tegami round=1 id=1a unit=ms better=lower value=10.000 rss=1000000 note=- name=SELECT x",
            "RESULT server=dovecot round=1 id=1a unit=ms better=lower value=20.000 rss=2000000 note=- name=SELECT x",
            "RESULT server=tegami round=1 id=5a unit=ms better=lower value=na rss=0 note=NO name=SEARCH",
        ];
        let rows: Vec<Row> = lines.iter().filter_map(|l| parse(l)).collect();
        assert_eq!(rows.len(), 3);
        let t = render(&rows, "tegami", "dovecot");
        assert!(t.contains("| 1a | SELECT x | ms | 10.0 | 20.0 | 2.00 |"), "{t}");
        assert!(t.contains("| 5a | SEARCH | ms | n/a | n/a | n/a |"), "{t}");
    }
    #[test]
    fn load_rows() {
        // Scenario 12's rows: a rate (higher is better), a CPU cost, an
        // error count that is 0 on both (no ratio), a latency growth.
        let lines = [
            "RESULT server=tegami round=1 id=12a unit=cmd/s better=higher value=3000.000 rss=1 note=errors=0 name=load",
            "RESULT server=dovecot round=1 id=12a unit=cmd/s better=higher value=2000.000 rss=1 note=errors=0 name=load",
            "RESULT server=tegami round=1 id=12ac unit=ms better=lower value=250.000 rss=1 note=- name=cpu",
            "RESULT server=dovecot round=1 id=12ac unit=ms better=lower value=500.000 rss=1 note=- name=cpu",
            "RESULT server=tegami round=1 id=12ae unit=count better=lower value=0.000 rss=1 note=- name=errors",
            "RESULT server=dovecot round=1 id=12ae unit=count better=lower value=0.000 rss=1 note=- name=errors",
            "RESULT server=tegami round=1 id=12ax unit=x better=lower value=1.100 rss=1 note=- name=growth",
            "RESULT server=dovecot round=1 id=12ax unit=x better=lower value=1.000 rss=1 note=- name=growth",
            "RESULT server=tegami round=1 id=11 unit=ms better=lower value=1.000 rss=1 note=- name=qresync",
        ];
        let rows: Vec<Row> = lines.iter().filter_map(|l| parse(l)).collect();
        let t = render(&rows, "tegami", "dovecot");
        assert!(t.contains("| 12a | load | cmd/s | 3000 | 2000 | 1.50 |"), "{t}");
        assert!(t.contains("| 12ac | cpu | ms | 250 | 500 | 2.00 |"), "{t}");
        assert!(t.contains("| 12ae | errors | count | 0.00 | 0.00 | n/a |"), "{t}");
        assert!(t.contains("| 12ax | growth | x | 1.10 | 1.00 | 0.91 |"), "{t}");
        // 12 comes after 11, its rows in the order of their ids.
        let at = |id: &str| t.find(&format!("| {id} |")).unwrap_or(usize::MAX);
        assert!(at("11") < at("12a") && at("12a") < at("12ac") && at("12ae") < at("12ax"), "{t}");
    }

    #[test]
    fn third_server() {
        // Scenario 15: Dovecot with fts-xapian in columns of its own.
        let lines = [
            "RESULT server=tegami round=1 id=15a unit=ms better=lower value=10.000 rss=1000000 note=hits=5 name=SEARCH",
            "RESULT server=dovecot round=1 id=15a unit=ms better=lower value=1000.000 rss=2000000 note=hits=5 name=SEARCH",
            "RESULT server=dovecot-xapian round=1 id=15a unit=ms better=lower value=20.000 rss=3000000 note=hits=4 name=SEARCH",
            "RESULT server=tegami round=1 id=15q unit=msg/s better=higher value=2000.000 rss=1 note=- name=rate",
        ];
        let rows: Vec<Row> = lines.iter().filter_map(|l| parse(l)).collect();
        let t = render_with(&rows, "tegami", "dovecot", Some("dovecot-xapian"));
        assert!(t.contains("| tegami | dovecot | ratio | dovecot-xapian | ratio (dovecot-xapian) |"), "{t}");
        assert!(
            t.contains("| 15a | SEARCH | ms | 10.0 | 1000 | 100.00 | 20.0 | 2.00 | 1 MB | 2 MB | 3 MB | 1/1/1 | hits=5 / hits=5 / hits=4 |"),
            "{t}"
        );
        assert!(t.contains("| 15q | rate | msg/s | 2000 | n/a | n/a | n/a | n/a |"), "{t}");
    }
}

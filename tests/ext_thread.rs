//! Issue 12, THREAD (RFC 5256) ORDEREDSUBJECT and REFERENCES, and REFS:
//! exact THREAD responses for hand-made threads, and every algorithm
//! checked against a model written here (headers read by the mail-parser
//! crate, the RFC's steps done over message-id strings) on tests/corpus
//! and on a generated mailbox of threads with missing parents, replies
//! without References, encoded-word subjects and [list] tags; hostile input.

mod support;

use std::collections::{BTreeMap, HashMap};

use support::{corpus_messages, seeds_of, Client, Server};
use unicode_normalization::UnicodeNormalization;

// ---- The model -------------------------------------------------------

fn casemap(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        let up: Vec<char> = c.to_uppercase().collect();
        out.push(if up.len() == 1 { up[0] } else { c });
    }
    out.nfkd().collect()
}

/// Base subject by repeated rewriting with the RFC's rules; true when a
/// reply or forward marker went.
fn base(decoded: &str) -> (String, bool) {
    let mut s: String = decoded.replace(['\t', '\r', '\n'], " ");
    while s.contains("  ") {
        s = s.replace("  ", " ");
    }
    let mut s = casemap(&s);
    let mut reply = false;
    let blob_len = |s: &str| -> Option<usize> {
        let r = s.strip_prefix('[')?;
        let end = r.find([']', '['])?;
        (r.as_bytes()[end] == b']')
            .then(|| 1 + end + 1 + r[end + 1..].len() - r[end + 1..].trim_start_matches(' ').len())
    };
    loop {
        loop {
            let t = s.trim_end_matches(' ');
            if let Some(t) = t.strip_suffix("(FWD)") {
                s = t.to_string();
                reply = true;
            } else {
                s = t.to_string();
                break;
            }
        }
        loop {
            let before = s.clone();
            loop {
                s = s.trim_start_matches(' ').to_string();
                let mut n = 0;
                while let Some(b) = blob_len(&s[n..]) {
                    n += b;
                }
                let rest = &s[n..];
                let w = ["FWD", "FW", "RE"].iter().find(|w| rest.starts_with(**w)).map(|w| w.len());
                let Some(w) = w else { break };
                let mut m = n + w;
                m += s[m..].len() - s[m..].trim_start_matches(' ').len();
                if let Some(b) = blob_len(&s[m..]) {
                    m += b;
                }
                if !s[m..].starts_with(':') {
                    break;
                }
                s = s[m + 1..].to_string();
                reply = true;
            }
            if let Some(b) = blob_len(&s) {
                if !s[b..].trim().is_empty() {
                    s = s[b..].to_string();
                }
            }
            if s == before {
                break;
            }
        }
        if s.starts_with("[FWD:") && s.ends_with(']') {
            s = s[5..s.len() - 1].to_string();
            reply = true;
            continue;
        }
        return (s, reply);
    }
}

#[derive(Clone, Debug)]
struct Facts {
    seq: u32,
    date: i64,
    subject: String,
    reply: bool,
    id: Option<String>,
    refs: Vec<String>,
}

fn norm(id: &str) -> Option<String> {
    let s: String = id.chars().filter(|c| !matches!(c, '"' | ' ' | '<' | '>')).collect();
    let (l, r) = s.split_once('@')?;
    (!l.is_empty() && !r.is_empty()).then_some(s)
}

fn facts(seq: u32, raw: &[u8], arrival: i64) -> Facts {
    let m = mail_parser::MessageParser::default().parse(raw).expect("parsable");
    let first = |n: &'static str| m.header_values(n).next();
    let list = |v: Option<&mail_parser::HeaderValue>| -> Vec<String> {
        match v {
            Some(mail_parser::HeaderValue::Text(t)) => norm(t).into_iter().collect(),
            Some(mail_parser::HeaderValue::TextList(l)) => l.iter().filter_map(|t| norm(t)).collect(),
            _ => Vec::new(),
        }
    };
    let mut refs = list(first("References"));
    if refs.is_empty() {
        refs = list(first("In-Reply-To")).into_iter().take(1).collect();
    }
    let (subject, reply) = base(first("Subject").and_then(|v| v.as_text()).unwrap_or(""));
    Facts {
        seq,
        date: first("Date").and_then(|v| v.as_datetime()).map_or(arrival, |d| d.to_timestamp()),
        subject,
        reply,
        id: list(first("Message-ID")).into_iter().next(),
        refs,
    }
}

/// A model tree node: a message's index, or a dummy.
#[derive(Clone, Debug)]
struct T {
    msg: Option<usize>,
    kids: Vec<T>,
}

fn key(t: &T, f: &[Facts]) -> (i64, u32) {
    match t.msg {
        Some(m) => (f[m].date, f[m].seq),
        None => key(&t.kids[0], f),
    }
}

fn newest(t: &T, f: &[Facts]) -> (i64, u32) {
    let own = t.msg.map_or((i64::MIN, 0), |m| (f[m].date, f[m].seq));
    t.kids.iter().map(|k| newest(k, f)).fold(own, std::cmp::max)
}

fn sort_all(ts: &mut [T], f: &[Facts]) {
    for t in ts.iter_mut() {
        sort_all(&mut t.kids, f);
    }
    ts.sort_by_key(|t| key(t, f));
}

fn render(t: &T, f: &[Facts], uid: &dyn Fn(u32) -> u32, out: &mut String) {
    let nest = |kids: &[T], out: &mut String| {
        for k in kids {
            out.push('(');
            render(k, f, uid, out);
            out.push(')');
        }
    };
    match t.msg {
        Some(m) => {
            out.push_str(&uid(f[m].seq).to_string());
            if t.kids.len() == 1 {
                out.push(' ');
                render(&t.kids[0], f, uid, out);
            } else if t.kids.len() > 1 {
                out.push(' ');
                nest(&t.kids, out);
            }
        }
        None => nest(&t.kids, out),
    }
}

fn response(roots: &[T], f: &[Facts], uid: &dyn Fn(u32) -> u32) -> String {
    let mut out = String::from("* THREAD ");
    for r in roots {
        out.push('(');
        render(r, f, uid, &mut out);
        out.push(')');
    }
    out.trim_end().to_string()
}

fn model_ordered_subject(f: &[Facts]) -> Vec<T> {
    let mut groups: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, x) in f.iter().enumerate() {
        groups.entry(&x.subject).or_default().push(i);
    }
    let mut roots: Vec<T> = groups
        .into_values()
        .map(|mut v| {
            v.sort_by_key(|&i| (f[i].date, f[i].seq));
            T { msg: Some(v[0]), kids: v[1..].iter().map(|&i| T { msg: Some(i), kids: vec![] }).collect() }
        })
        .collect();
    roots.sort_by_key(|t| key(t, f));
    roots
}

/// REFERENCES (and REFS when `subjects` is false) over string ids.
fn model_references(f: &[Facts], subjects: bool) -> Vec<T> {
    // Container names: a message's own id, "#n" for messages whose id is
    // missing or taken, and referenced ids.
    let mut owner: HashMap<String, usize> = HashMap::new();
    let mut name_of: Vec<String> = Vec::new();
    for (i, x) in f.iter().enumerate() {
        let n = match &x.id {
            Some(id) if !owner.contains_key(id) => id.clone(),
            _ => format!("#{i}"),
        };
        owner.insert(n.clone(), i);
        name_of.push(n);
    }
    let mut parent: HashMap<String, String> = HashMap::new();
    let mut order: Vec<String> = Vec::new(); // creation order of containers
    let seen = |order: &mut Vec<String>, n: &String| {
        if !order.contains(n) {
            order.push(n.clone());
        }
    };
    let ancestor = |parent: &HashMap<String, String>, a: &str, b: &str| {
        let mut x = Some(b.to_string());
        while let Some(n) = x {
            if n == a {
                return true;
            }
            x = parent.get(&n).cloned();
        }
        false
    };
    for (i, x) in f.iter().enumerate() {
        seen(&mut order, &name_of[i]);
        for r in &x.refs {
            seen(&mut order, r);
        }
        for w in x.refs.windows(2) {
            if !parent.contains_key(&w[1]) && !ancestor(&parent, &w[1], &w[0]) {
                parent.insert(w[1].clone(), w[0].clone());
            }
        }
        parent.remove(&name_of[i]);
        if let Some(last) = x.refs.last() {
            if !ancestor(&parent, &name_of[i], last) {
                parent.insert(name_of[i].clone(), last.clone());
            }
        }
    }
    fn build(n: &str, order: &[String], parent: &HashMap<String, String>, owner: &HashMap<String, usize>) -> T {
        let kids = order
            .iter()
            .filter(|c| parent.get(*c).map(String::as_str) == Some(n))
            .map(|c| build(c, order, parent, owner))
            .collect();
        T { msg: owner.get(n).copied(), kids }
    }
    let roots: Vec<T> =
        order.iter().filter(|n| !parent.contains_key(*n)).map(|n| build(n, &order, &parent, &owner)).collect();
    fn prune(level: Vec<T>, root: bool) -> Vec<T> {
        let mut out = Vec::new();
        for mut t in level {
            t.kids = prune(std::mem::take(&mut t.kids), false);
            if t.msg.is_some() {
                out.push(t);
            } else if t.kids.is_empty() {
            } else if !root || t.kids.len() == 1 {
                out.extend(t.kids);
            } else {
                out.push(t);
            }
        }
        out
    }
    let mut roots = prune(roots, true);
    sort_all(&mut roots, f);
    if subjects {
        let subj = |t: &T| -> Option<(String, bool)> {
            let m = t.msg.or_else(|| t.kids[0].msg)?;
            (!f[m].subject.is_empty()).then(|| (f[m].subject.clone(), t.msg.is_some() && f[m].reply))
        };
        let mut table: HashMap<String, usize> = HashMap::new();
        for (i, r) in roots.iter().enumerate() {
            let Some((s, reply)) = subj(r) else { continue };
            match table.get(&s) {
                None => {
                    table.insert(s, i);
                }
                Some(&t) => {
                    let tt = &roots[t];
                    let t_reply = subj(tt).is_some_and(|x| x.1);
                    if tt.msg.is_some() && (r.msg.is_none() || (t_reply && !reply)) {
                        table.insert(s, i);
                    }
                }
            }
        }
        // Merge into slots; a slot is None once merged away.
        let mut slots: Vec<Option<T>> = roots.into_iter().map(Some).collect();
        for i in 0..slots.len() {
            let Some(cur) = slots[i].clone() else { continue };
            let Some((s, reply)) = subj(&cur) else { continue };
            let t = table[&s];
            if t == i {
                continue;
            }
            let mut tt = slots[t].take().expect("table entry present");
            let t_reply = tt.msg.is_some() && subj(&tt).is_some_and(|x| x.1);
            slots[i] = None;
            if tt.msg.is_none() && cur.msg.is_none() {
                tt.kids.extend(cur.kids);
            } else if tt.msg.is_none() || (cur.msg.is_some() && reply && !t_reply) {
                tt.kids.push(cur);
            } else {
                tt = T { msg: None, kids: vec![tt, cur] };
            }
            slots[t] = Some(tt);
        }
        roots = slots.into_iter().flatten().collect();
        sort_all(&mut roots, f);
    } else {
        sort_all(&mut roots, f);
        roots.sort_by_key(|t| (newest(t, f), key(t, f)));
    }
    roots
}

// ---- Helpers ---------------------------------------------------------

fn thread_line(c: &mut Client, cmd: &str) -> String {
    let lines = c.ok(cmd);
    assert_eq!(lines.len(), 2, "{cmd}: {lines:?}");
    lines[0].clone()
}

fn check(c: &mut Client, f: &[Facts]) {
    let same = |n: u32| n;
    let cases: [(&str, Vec<T>); 3] = [
        ("ORDEREDSUBJECT", model_ordered_subject(f)),
        ("REFERENCES", model_references(f, true)),
        ("REFS", model_references(f, false)),
    ];
    for (alg, roots) in cases {
        assert_eq!(thread_line(c, &format!("THREAD {alg} UTF-8 ALL")), response(&roots, f, &same), "{alg}");
        // UIDs are 1.. here too, so UID THREAD must say the same.
        assert_eq!(thread_line(c, &format!("UID THREAD {alg} UTF-8 ALL")), response(&roots, f, &same), "UID {alg}");
    }
}

/// Deterministic pseudo-random numbers.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((self.0 >> 33) % n as u64) as usize
    }
}

/// Threads: replies with full References, with In-Reply-To only, with
/// a References chain missing messages, subject-only replies, duplicate
/// and missing Message-IDs.
fn generated(n: usize) -> Vec<(Vec<u8>, i64)> {
    let subjects = ["Plans", "=?UTF-8?Q?caf=C3=A9_order?=", "[team] Status", "budget", "Ärger", "", "Plans"];
    let mut r = Lcg(7);
    let mut made: Vec<(String, String, String)> = Vec::new(); // (id, refs, base subject text)
    let mut out = Vec::new();
    for i in 0..n {
        let id = match r.next(12) {
            0 => String::new(),
            1 if i > 0 => made[r.next(i)].0.clone(),
            _ => format!("<m{i}@example.com>"),
        };
        let (mut refs, mut irt, subject);
        if i == 0 || r.next(3) == 0 {
            refs = String::new();
            irt = String::new();
            subject = subjects[r.next(subjects.len())].to_string();
        } else {
            let p = &made[r.next(made.len())];
            let parent_id = if p.0.is_empty() { "<lost@example.com>".to_string() } else { p.0.clone() };
            refs = format!("{} {}", p.1, parent_id).trim().to_string();
            irt = parent_id;
            subject = format!("{}{}", ["Re: ", "RE: [team] ", "Fwd: ", "re:", ""][r.next(5)], p.2);
            match r.next(6) {
                0 => refs.clear(),
                1 => refs = format!("<gone{}@example.com> {irt}", r.next(3)),
                2 => {
                    refs.clear();
                    irt.clear();
                }
                _ => {}
            }
        }
        let mut h = format!("From: a@example.com\r\nSubject: {subject}\r\n");
        if r.next(8) > 0 {
            h.push_str(&format!(
                "Date: {} Mar 2026 {:02}:{:02}:00 +0{}00\r\n",
                1 + r.next(28),
                r.next(24),
                r.next(60),
                r.next(9)
            ));
        }
        if !id.is_empty() {
            h.push_str(&format!("Message-ID: {id}\r\n"));
        }
        if !refs.is_empty() {
            h.push_str(&format!("References: {refs}\r\n"));
        }
        if !irt.is_empty() {
            h.push_str(&format!("In-Reply-To: {irt}\r\n"));
        }
        h.push_str("\r\nbody\r\n");
        made.push((id, refs, subject));
        out.push((h.into_bytes(), 1_770_000_000 + r.next(5000) as i64 * 60));
    }
    out
}

// ---- Tests -----------------------------------------------------------

#[test]
fn capability_lists_the_algorithms() {
    let server = Server::start(&[]);
    let mut c = server.login("alice");
    let caps = c.ok("CAPABILITY")[0].clone();
    for a in ["THREAD=ORDEREDSUBJECT", "THREAD=REFERENCES", "THREAD=REFS"] {
        assert!(caps.split(' ').any(|w| w == a), "{caps}");
    }
}

/// RFC 5256 section 4's example commands on a small mailbox whose
/// threads are known: a dummy at the root, a chain, siblings, a thread
/// joined by subject alone.
#[test]
fn exact_responses() {
    let m = |id: &str, refs: &str, subject: &str, day: u32| {
        let mut h = format!("From: a@example.com\r\nSubject: {subject}\r\nDate: {day} Mar 2000 10:00:00 +0000\r\nMessage-ID: <{id}>\r\n");
        if !refs.is_empty() {
            h.push_str(&format!("References: {refs}\r\n"));
        }
        (format!("{h}\r\nbody gewp\r\n").into_bytes(), 952_000_000 + i64::from(day) * 86_400)
    };
    let msgs = vec![
        m("1@x", "", "topic", 5),
        m("2@x", "<1@x>", "Re: topic", 6),
        m("3@x", "<1@x> <2@x>", "Re: topic", 7),
        m("4@x", "<gone@x>", "Re: other", 8),
        m("5@x", "<gone@x>", "Re: other", 9),
        m("6@x", "", "Re: topic", 10),
        m("7@x", "<1@x>", "Re: topic", 11),
    ];
    let server = Server::start_seeded(&[], &seeds_of(&msgs));
    let mut c = server.login("alice");
    c.select("INBOX");
    c.send(b"A283 THREAD ORDEREDSUBJECT UTF-8 SINCE 5-MAR-2000\r\n");
    // TOPIC starts on day 5 (message 1), OTHER on day 8 (message 4).
    assert_eq!(c.until_tagged("A283"), ["* THREAD (1 (2)(3)(6)(7))(4 5)", "A283 OK THREAD completed"]);
    c.send(b"A284 THREAD ORDEREDSUBJECT US-ASCII TEXT \"not there\"\r\n");
    assert_eq!(c.until_tagged("A284"), ["* THREAD", "A284 OK THREAD completed"]);
    c.send(b"A285 THREAD REFERENCES UTF-8 SINCE 5-MAR-2000\r\n");
    assert_eq!(c.until_tagged("A285"), ["* THREAD (1 (2 3)(6)(7))((4)(5))", "A285 OK THREAD completed"]);
    c.send(b"A286 UID THREAD REFS UTF-8 ALL\r\n");
    assert_eq!(c.until_tagged("A286"), ["* THREAD ((4)(5))(6)(1 (2 3)(7))", "A286 OK UID THREAD completed"]);
    // Only what the search matched is threaded; 1 is missing, so 2 and 7
    // hang under a dummy, gathered with 6 by subject.
    c.send(b"A287 THREAD REFERENCES UTF-8 NOT SUBJECT other 2:7\r\n");
    assert_eq!(c.until_tagged("A287"), ["* THREAD ((2 3)(6)(7))", "A287 OK THREAD completed"]);
}

#[test]
fn corpus_against_model() {
    let msgs = corpus_messages();
    let f: Vec<Facts> = msgs.iter().enumerate().map(|(i, (d, t))| facts(i as u32 + 1, d, *t)).collect();
    let server = Server::start_seeded(&[], &seeds_of(&msgs));
    let mut c = server.login("alice");
    c.select("INBOX");
    check(&mut c, &f);
}

#[test]
fn generated_threads_against_model() {
    let msgs = generated(120);
    let f: Vec<Facts> = msgs.iter().enumerate().map(|(i, (d, t))| facts(i as u32 + 1, d, *t)).collect();
    let server = Server::start_seeded(&[], &seeds_of(&msgs));
    let mut c = server.login("alice");
    c.select("INBOX");
    check(&mut c, &f);
}

#[test]
fn hostile_input() {
    let msgs = generated(5);
    let server = Server::start_seeded(&[], &seeds_of(&msgs));
    let mut c = server.login("alice");
    c.select("INBOX");
    for (tag, cmd) in [
        ("b1", "THREAD BOGUS UTF-8 ALL"),
        ("b2", "THREAD REFERENCES ALL"),
        ("b3", "THREAD"),
        ("b4", "THREAD REFERENCES UTF-8"),
        ("b5", "UID THREAD (REFERENCES) UTF-8 ALL"),
    ] {
        c.send(format!("{tag} {cmd}\r\n").as_bytes());
        let lines = c.until_tagged(tag);
        assert_eq!(lines.len(), 1, "{cmd}: {lines:?}");
        assert!(lines[0].starts_with(&format!("{tag} BAD ")), "{cmd}: {lines:?}");
    }
    c.send(b"c1 THREAD REFS KOI8-NOPE ALL\r\n");
    assert_eq!(c.until_tagged("c1"), ["c1 NO [BADCHARSET (UTF-8 US-ASCII)] Unsupported charset"]);
}

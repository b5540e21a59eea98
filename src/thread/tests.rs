use super::*;

fn items(headers: &[String]) -> Vec<Item<'_>> {
    headers
        .iter()
        .enumerate()
        .map(|(i, h)| Item { seq: i as u32 + 1, id: i as u32 + 1, internal_date: 0, header: h.as_bytes() })
        .collect()
}

/// (message-id, references, subject, day of March 2026)
fn h(id: &str, refs: &str, subject: &str, day: u32) -> String {
    let mut s = format!("Subject: {subject}\r\nDate: {day} Mar 2026 10:00:00 +0000\r\n");
    if !id.is_empty() {
        s.push_str(&format!("Message-ID: <{id}>\r\n"));
    }
    if !refs.is_empty() {
        s.push_str(&format!("References: {refs}\r\n"));
    }
    s + "\r\n"
}

#[test]
fn ordered_subject() {
    let hs = [
        h("", "", "b", 3),
        h("", "", "Re: a", 2),
        h("", "", "a", 4),
        h("", "", "B", 1),
        h("", "", "c", 5),
        h("", "", "re: a", 6),
    ];
    let it = items(&hs);
    // a: 2 (day 2), 3 (day 4), 6 (day 6); b: 4 (day 1), 1 (day 3); c: 5.
    assert_eq!(thread(Algorithm::OrderedSubject, &it), "THREAD (4 1)(2 (3)(6))(5)");
    assert_eq!(thread(Algorithm::OrderedSubject, &[]), "THREAD");
}

#[test]
fn references_chains_dummies_and_subjects() {
    let hs = [
        h("1@x", "", "topic", 1),
        h("2@x", "<1@x>", "Re: topic", 2),
        h("3@x", "<1@x> <2@x>", "Re: topic", 3),
        // Parent missing: a dummy with two children stays at the root.
        h("4@x", "<gone@x>", "Re: other", 4),
        h("5@x", "<gone@x>", "Re: other", 5),
        // No references, same subject as 1: gathered under 1 (step 5).
        h("6@x", "", "Re: topic", 6),
        // A lone message, and one whose only reference is missing.
        h("7@x", "", "alone", 7),
        h("8@x", "<missing@x>", "single", 8),
    ];
    let it = items(&hs);
    assert_eq!(thread(Algorithm::References, &it), "THREAD (1 (2 3)(6))((4)(5))(7)(8)");
    // REFS: no subject gathering, threads by their newest message.
    assert_eq!(thread(Algorithm::Refs, &it), "THREAD (1 2 3)((4)(5))(6)(7)(8)");
}

#[test]
fn loops_and_duplicates_do_not_hang() {
    let hs =
        [h("1@x", "<2@x>", "a", 1), h("2@x", "<1@x>", "b", 2), h("1@x", "<1@x>", "c", 3), h("3@x", "<3@x>", "d", 4)];
    let it = items(&hs);
    let out = thread(Algorithm::References, &it);
    for n in 1..=4 {
        assert_eq!(out.matches(&n.to_string()).count(), 1, "{out}");
    }
    // 3 refers to the first holder of <1@x>; 4 refers to itself.
    assert_eq!(out, "THREAD (2 1 3)(4)");
}

#[test]
fn deep_chains_need_no_deep_stack() {
    // Each message answers the one before: one thread 5000 deep, threaded
    // and rendered on a thread with a small stack.
    let hs: Vec<String> = (0..5000)
        .map(|i| {
            let irt = if i == 0 { String::new() } else { format!("In-Reply-To: <{}@x>\r\n", i - 1) };
            format!("Subject: s\r\nMessage-ID: <{i}@x>\r\n{irt}\r\n")
        })
        .collect();
    let out = std::thread::Builder::new()
        .stack_size(128 * 1024)
        .spawn(move || {
            let it = items(&hs);
            (thread(Algorithm::References, &it), thread(Algorithm::Refs, &it))
        })
        .unwrap()
        .join()
        .unwrap();
    let want: Vec<String> = (1..=5000).map(|n| n.to_string()).collect();
    assert_eq!(out.0, format!("THREAD ({})", want.join(" ")));
    assert_eq!(out.1, out.0);
}

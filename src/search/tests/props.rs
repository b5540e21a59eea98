//! Property tests: random search programs against random messages never
//! panic, and metadata-only programs agree with a direct reading of the
//! RFC over the same metadata (a second, independent evaluator).

use super::super::*;
use crate::proto::command::{ModSeqEntry, SearchKey};
use crate::proto::datetime::Date;
use crate::proto::sequence::SequenceSet;
use proptest::prelude::*;

fn date() -> impl Strategy<Value = Date> {
    (-2000i64..20000).prop_map(|days| Date { days })
}

fn bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..6),
        prop::sample::select(vec!["", "a", "lunch", "é", "日本", "=?", "\r\n", "ss"])
            .prop_map(|s| s.as_bytes().to_vec()),
    ]
}

fn set() -> impl Strategy<Value = SequenceSet> {
    prop_oneof![
        (1u32..30, 1u32..30).prop_map(|(a, b)| SequenceSet::range(a, b)),
        prop::sample::select(vec!["*", "1:*", "*:3", "2,5:7,*", "$"])
            .prop_map(|s| SequenceSet::parse(s.as_bytes()).unwrap()),
    ]
}

/// Keys that read only metadata.
fn meta_leaf() -> impl Strategy<Value = SearchKey> {
    use SearchKey as K;
    prop_oneof![
        Just(K::All),
        Just(K::Answered),
        Just(K::Deleted),
        Just(K::Draft),
        Just(K::Flagged),
        Just(K::New),
        Just(K::Old),
        Just(K::Recent),
        Just(K::Seen),
        Just(K::Unanswered),
        Just(K::Undeleted),
        Just(K::Undraft),
        Just(K::Unflagged),
        Just(K::Unseen),
        prop::sample::select(vec!["$Forwarded", "Work", "x"]).prop_map(|s| K::Keyword(s.to_string())),
        prop::sample::select(vec!["$Forwarded", "work", "x"]).prop_map(|s| K::Unkeyword(s.to_string())),
        (0u32..5000).prop_map(K::Larger),
        (0u32..5000).prop_map(K::Smaller),
        date().prop_map(K::Before),
        date().prop_map(K::On),
        date().prop_map(K::Since),
        set().prop_map(K::SequenceSet),
        set().prop_map(K::Uid),
    ]
}

fn any_leaf() -> impl Strategy<Value = SearchKey> {
    use SearchKey as K;
    prop_oneof![
        meta_leaf(),
        bytes().prop_map(K::Bcc),
        bytes().prop_map(K::Body),
        bytes().prop_map(K::Cc),
        bytes().prop_map(K::From),
        (bytes(), bytes()).prop_map(|(a, b)| K::Header(a, b)),
        bytes().prop_map(K::Subject),
        bytes().prop_map(K::Text),
        bytes().prop_map(K::To),
        date().prop_map(K::SentBefore),
        date().prop_map(K::SentOn),
        date().prop_map(K::SentSince),
        (1u32..100000).prop_map(K::Older),
        (1u32..100000).prop_map(K::Younger),
        date().prop_map(K::SavedSince),
        Just(K::SaveDateSupported),
        (0u64..10).prop_map(|m| K::ModSeq { entry: None, modseq: m }),
        (0u64..10).prop_map(|m| K::ModSeq {
            entry: Some(ModSeqEntry { name: b"/flags/\\Seen".to_vec(), kind: "all".into() }),
            modseq: m
        }),
    ]
}

fn tree(leaf: BoxedStrategy<SearchKey>) -> impl Strategy<Value = SearchKey> {
    leaf.prop_recursive(4, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(SearchKey::And),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| SearchKey::Or(Box::new(a), Box::new(b))),
            inner.prop_map(|a| SearchKey::Not(Box::new(a))),
        ]
    })
}

#[derive(Clone, Debug)]
struct Meta {
    flags: SystemFlags,
    keywords: Vec<String>,
    date: i64,
    size: u64,
    seq: u32,
    uid: u32,
}

fn meta() -> impl Strategy<Value = Meta> {
    (
        any::<[bool; 6]>(),
        prop::collection::vec(prop::sample::select(vec!["$Forwarded", "Work", "other"]), 0..3),
        -100_000_000i64..2_000_000_000,
        0u64..6000,
        1u32..30,
        1u32..40,
    )
        .prop_map(|(f, kw, date, size, seq, uid)| Meta {
            flags: SystemFlags { seen: f[0], answered: f[1], flagged: f[2], deleted: f[3], draft: f[4], recent: f[5] },
            keywords: kw.into_iter().map(String::from).collect(),
            date,
            size,
            seq,
            uid,
        })
}

fn message(m: &Meta, raw: Vec<u8>) -> Message<'static> {
    let mut msg = Message::new(m.seq, m.uid, move || Some(raw.clone()));
    msg.max_seq = m.seq + 3;
    msg.max_uid = m.uid + 7;
    msg.flags = m.flags;
    msg.keywords = m.keywords.clone();
    msg.internal_date = m.date;
    msg.size = m.size;
    msg
}

/// RFC 3501 6.4.4 read directly over `Meta`, without `prepare`.
fn oracle(k: &SearchKey, m: &Meta) -> bool {
    use SearchKey as K;
    let f = m.flags;
    let day = m.date.div_euclid(86_400);
    let has_kw = |s: &str| m.keywords.iter().any(|x| x.to_lowercase() == s.to_lowercase());
    let in_set = |s: &SequenceSet, n: u32, max: u32| match s {
        SequenceSet::Saved => false,
        SequenceSet::Ranges(r) => r.iter().any(|r| {
            let a = r.start.resolve(max);
            let b = r.end.resolve(max);
            (a.min(b)..=a.max(b)).contains(&n)
        }),
    };
    match k {
        K::And(v) => v.iter().all(|k| oracle(k, m)),
        K::Or(a, b) => oracle(a, m) || oracle(b, m),
        K::Not(a) => !oracle(a, m),
        K::All => true,
        K::Answered => f.answered,
        K::Deleted => f.deleted,
        K::Draft => f.draft,
        K::Flagged => f.flagged,
        K::New => f.recent && !f.seen,
        K::Old => !f.recent,
        K::Recent => f.recent,
        K::Seen => f.seen,
        K::Unanswered => !f.answered,
        K::Undeleted => !f.deleted,
        K::Undraft => !f.draft,
        K::Unflagged => !f.flagged,
        K::Unseen => !f.seen,
        K::Keyword(s) => has_kw(s),
        K::Unkeyword(s) => !has_kw(s),
        K::Larger(n) => m.size > u64::from(*n),
        K::Smaller(n) => m.size < u64::from(*n),
        K::Before(d) => day < d.days,
        K::On(d) => day == d.days,
        K::Since(d) => day >= d.days,
        K::SequenceSet(s) => in_set(s, m.seq, m.seq + 3),
        K::Uid(s) => in_set(s, m.uid, m.uid + 7),
        other => panic!("not a metadata key: {other:?}"),
    }
}

const SAMPLES: [&[u8]; 4] = [super::M1.as_bytes(), super::M2.as_bytes(), super::M3.as_bytes(), super::M4.as_bytes()];

fn raw_message() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..400),
        (0usize..4, any::<prop::sample::Index>(), prop::collection::vec(any::<u8>(), 0..20)).prop_map(
            |(i, at, junk)| {
                // A fixture with junk spliced in at a random place.
                let mut v = SAMPLES[i].to_vec();
                let p = at.index(v.len() + 1);
                v.splice(p..p, junk);
                v
            }
        ),
        (0usize..4, any::<prop::sample::Index>()).prop_map(|(i, at)| {
            // A truncated fixture.
            let v = SAMPLES[i];
            v[..at.index(v.len() + 1)].to_vec()
        }),
    ]
}

proptest! {
    #[test]
    fn metadata_programs_agree_with_oracle(k in tree(meta_leaf().boxed()), m in meta()) {
        let program = prepare(&k, None).unwrap();
        prop_assert!(!program.needs_message());
        let msg = message(&m, Vec::new());
        prop_assert_eq!(matches(&program, &msg), oracle(&k, &m), "{:?}", k);
        prop_assert!(!msg.was_loaded());
    }

    #[test]
    fn random_programs_never_panic(
        k in tree(any_leaf().boxed()),
        m in meta(),
        raw in raw_message(),
        cs in prop::sample::select(vec![None, Some("UTF-8"), Some("ISO-8859-1"), Some("ISO-2022-JP"), Some("windows-1251")]),
    ) {
        let program = prepare(&k, cs).unwrap();
        let msg = message(&m, raw);
        let yes = matches(&program, &msg);
        // NOT flips every answer.
        let not = prepare(&SearchKey::Not(Box::new(k)), cs).unwrap();
        prop_assert_eq!(matches(&not, &msg), !yes);
    }

    #[test]
    fn esearch_all_lists_exactly_the_hits(hits in prop::collection::vec(1u32..60, 0..30)) {
        let set = sequence_set_string(&hits);
        let mut want = hits.clone();
        want.sort_unstable();
        want.dedup();
        let back: Vec<u32> = if set.is_empty() { Vec::new() } else { SequenceSet::parse(set.as_bytes()).unwrap().iter(100).collect() };
        prop_assert_eq!(back, want);
    }
}

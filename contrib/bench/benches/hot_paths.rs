//! Criterion micro-benchmarks of tegami's hot paths (issue 5): command
//! parsing, the MIME scanner on a 10 MB message, loading a 100,000-entry
//! uid list, and the FETCH renderers a webmail listing hits.
//!
//! `cargo bench -p tegami-bench` (not part of the test command).
//! SEARCH over cached headers is missing until SEARCH lands.

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use tegami::proto::parse::parse_command;
use tegami::proto::section::Section;
use tegami::store::uidlist::UidList;
use tegami_bench::corpus::{base64_lines, Generator};
use tegami_bench::rng::Rng;

/// A multipart/mixed message with a text part and a 10 MB attachment
/// (about 13.5 MB of base64), LF line endings as in a maildir.
fn ten_mb_message() -> Vec<u8> {
    let mut rng = Rng::new(10);
    let data: Vec<u8> = (0..10_000_000 / 8).flat_map(|_| rng.next_u64().to_le_bytes()).collect();
    let mut m = String::from(
        "From: Alice <alice@example.org>\nTo: Bob <bob@example.org>\nSubject: big\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"b1\"\n\n--b1\nContent-Type: text/plain; charset=utf-8\n\nSee attachment.\n--b1\nContent-Type: application/pdf; name=\"a.pdf\"\nContent-Transfer-Encoding: base64\n\n",
    );
    m += &base64_lines(&data);
    m += "--b1--\n";
    m.into_bytes()
}

/// A Dovecot version-3 uid list of `n` entries with corpus-like file names.
fn uid_list_text(n: u32) -> String {
    let mut s = format!("3 V1700000000 N{} G3085f01b7f11094c501100008c4a11c1\n", n + 1);
    for uid in 1..=n {
        s += &format!("{uid} :{}.M{uid}P4242Q101.bench,S=12345,W=12555:2,S\n", 1_451_606_400 + uid as u64 * 2800);
    }
    s
}

fn parsing(c: &mut Criterion) {
    let commands: &[&[u8]] = &[
        b"a1 UID FETCH 1:* (UID FLAGS)",
        b"a2 FETCH 1:100 (ENVELOPE BODYSTRUCTURE INTERNALDATE RFC822.SIZE BODY.PEEK[HEADER.FIELDS (FROM TO CC SUBJECT DATE MESSAGE-ID)])",
        b"a3 UID STORE 1,3,5:9,200:300 +FLAGS.SILENT (\\Seen $Forwarded)",
        b"a4 SELECT \"Lists/rust-users\"",
    ];
    let mut g = c.benchmark_group("parse_command");
    for (i, cmd) in commands.iter().enumerate() {
        assert!(parse_command(cmd).is_ok(), "{}", String::from_utf8_lossy(cmd));
        g.bench_function(format!("command{}", i + 1), |b| b.iter(|| parse_command(black_box(cmd))));
    }
    g.finish();
}

fn mime(c: &mut Criterion) {
    let big = ten_mb_message();
    let mut g = c.benchmark_group("mime");
    g.throughput(Throughput::Bytes(big.len() as u64));
    g.sample_size(10);
    g.bench_function("scan_10MB", |b| b.iter(|| tegami::mime::scan(black_box(&big))));
    // BODY.PEEK[] as FETCH sends it: the part tree, then the CRLF form.
    g.bench_function("body_peek_10MB", |b| {
        b.iter(|| {
            let root = tegami::mime::scan(black_box(&big));
            tegami::fetch::section(&big, &root, &Section::default(), None).bytes(&big).len()
        })
    });
    g.bench_function("bodystructure_10MB", |b| b.iter(|| tegami::fetch::body_structure(black_box(&big), true)));
    g.finish();

    // A webmail listing: ENVELOPE and BODYSTRUCTURE of ordinary corpus messages.
    let mut gen = Generator::new(5, 200);
    let msgs: Vec<Vec<u8>> = (0..200).map(|n| gen.message(n).bytes).collect();
    let bytes: usize = msgs.iter().map(Vec::len).sum();
    let mut g = c.benchmark_group("listing_200_messages");
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("envelope", |b| b.iter(|| msgs.iter().map(|m| tegami::fetch::envelope(m).len()).sum::<usize>()));
    g.bench_function("bodystructure", |b| {
        b.iter(|| msgs.iter().map(|m| tegami::fetch::body_structure(m, true).len()).sum::<usize>())
    });
    g.finish();
}

/// Scenario 4's inner loops: counting the bare LFs of a message
/// (the count before the literal is announced) and the conversion to CRLF,
/// on the 10 MB message and on 200 ordinary ones (each converted into a
/// buffer of the response queue's size, as FETCH does).
fn crlf(c: &mut Criterion) {
    use tegami::mime::crlf::{bare_lfs, crlf_into};
    let big = ten_mb_message();
    let mut gen = Generator::new(5, 200);
    let msgs: Vec<Vec<u8>> = (0..200).map(|n| gen.message(n).bytes).collect();
    let small: usize = msgs.iter().map(Vec::len).sum();
    let mut out = Vec::with_capacity(1 << 20);
    let mut g = c.benchmark_group("crlf");
    g.throughput(Throughput::Bytes(big.len() as u64));
    g.bench_function("count_10MB", |b| b.iter(|| bare_lfs(black_box(&big))));
    g.bench_function("convert_10MB", |b| {
        b.iter(|| {
            let mut n = 0;
            for from in (0..big.len()).step_by(256 * 1024) {
                out.clear();
                crlf_into(&mut out, &big, from, (from + 256 * 1024).min(big.len()));
                n += out.len();
            }
            n
        })
    });
    g.throughput(Throughput::Bytes(small as u64));
    g.bench_function("count_200_messages", |b| b.iter(|| msgs.iter().map(|m| bare_lfs(m)).sum::<usize>()));
    g.bench_function("convert_200_messages", |b| {
        b.iter(|| {
            out.clear();
            for m in &msgs {
                if out.len() > 256 * 1024 {
                    out.clear();
                }
                crlf_into(&mut out, m, 0, m.len());
            }
            out.len()
        })
    });
    g.finish();
}

fn uid_list(c: &mut Criterion) {
    let text = uid_list_text(100_000);
    assert_eq!(UidList::parse(&text).map(|l| l.records.len()).ok(), Some(100_000));
    let mut g = c.benchmark_group("uidlist");
    g.throughput(Throughput::Elements(100_000));
    g.sample_size(20);
    g.bench_function("parse_100k", |b| b.iter(|| UidList::parse(black_box(&text))));
    let list = UidList::parse(&text).expect("parsed above");
    g.bench_function("render_100k", |b| b.iter(|| list.render()));
    g.finish();
}

/// SEARCH FROM over cached headers: the header subset kept in the sidecar
/// cache (`mail::cached::search_header`) of 1,000 corpus messages, searched
/// the way `cmd::search` does once the cache is warm.
fn search_cached_headers(c: &mut Criterion) {
    use tegami::proto::command::CommandBody;
    let mut gen = Generator::new(7, 1000);
    let headers: Vec<Vec<u8>> = (0..1000).map(|n| tegami::mail::cached::search_header(&gen.message(n).bytes)).collect();
    let Ok(cmd) = parse_command(b"a SEARCH FROM \"Zebulon\"") else { panic!("the command parses") };
    let CommandBody::Search { key, .. } = cmd.body else { panic!("a SEARCH") };
    let program = tegami::search::prepare(&key, None).expect("UTF-8 is supported");
    let mut g = c.benchmark_group("search");
    g.throughput(Throughput::Elements(headers.len() as u64));
    g.bench_function("from_over_cached_headers_1000", |b| {
        b.iter(|| {
            headers
                .iter()
                .enumerate()
                .filter(|(i, h)| {
                    let msg = tegami::search::Message::new(*i as u32 + 1, *i as u32 + 1, || Some(h.to_vec()));
                    tegami::search::matches(&program, &msg)
                })
                .count()
        })
    });
    g.finish();
}

criterion_group!(benches, parsing, mime, crlf, uid_list, search_cached_headers);
criterion_main!(benches);

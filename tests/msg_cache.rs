//! The sidecar cache: a second listing of a mailbox is served from
//! `tegami.cache` without reading the messages again, and a value is only
//! used for the very file it was made from.

mod support;

use support::Server;

fn cur_files(server: &Server) -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> =
        std::fs::read_dir(server.maildir("alice").join("cur")).unwrap().map(|e| e.unwrap().path()).collect();
    v.sort();
    v
}

#[test]
fn second_listing_comes_from_the_cache_and_a_new_file_is_parsed_again() {
    let server = Server::start(&[]);
    let mut c = server.login("alice");
    let msg = "From: Ann <ann@example.org>\r\nSubject: original subject\r\n\r\nbody\r\n";
    c.send(format!("a1 APPEND INBOX {{{}+}}\r\n{msg}\r\n", msg.len()).as_bytes());
    let done = c.until_tagged("a1");
    assert!(done.last().unwrap().contains("OK"), "{done:?}");
    c.ok("SELECT INBOX");
    let first = c.ok("FETCH 1 (ENVELOPE BODYSTRUCTURE)");
    assert!(first[0].contains("\"original subject\""), "{first:?}");
    assert!(server.maildir("alice").join("tegami.cache").exists());

    // Change the bytes behind the server's back, same name and size:
    // maildir files never change in place, so the cache may rely on that,
    // and the answer shows the file was not parsed again.
    let file = cur_files(&server).pop().unwrap();
    let other = msg.replace("original subject", "REPLACED subject");
    assert_eq!(other.len(), msg.len());
    std::fs::write(&file, &other).unwrap();
    let second = c.ok("FETCH 1 (ENVELOPE BODYSTRUCTURE)");
    assert_eq!(first[0], second[0], "served from the cache");

    // A header section not asked for before reads the file (its header
    // block is cached from then on).
    let body = c.ok("FETCH 1 BODY.PEEK[HEADER.FIELDS (SUBJECT)]");
    assert!(body[0].contains("REPLACED subject"), "{body:?}");
}

#[test]
fn a_garbled_cache_file_is_rebuilt_not_trusted() {
    let server = Server::start(&[]);
    let mut c = server.login("alice");
    let msg = "From: Bo <bo@example.org>\r\nSubject: kept\r\n\r\nbody\r\n";
    c.send(format!("a1 APPEND INBOX {{{}+}}\r\n{msg}\r\n", msg.len()).as_bytes());
    c.until_tagged("a1");
    // A cache file full of junk before the mailbox is first opened.
    std::fs::write(server.maildir("alice").join("tegami.cache"), vec![0xA5u8; 4096]).unwrap();
    c.ok("SELECT INBOX");
    let r = c.ok("FETCH 1 ENVELOPE");
    assert!(r[0].contains("\"kept\""), "{r:?}");
    let data = std::fs::read(server.maildir("alice").join("tegami.cache")).unwrap();
    assert!(data.starts_with(b"TEGAMI-CACHE 1\n"), "rebuilt with its header");
}

#[test]
fn header_searches_read_the_cached_fields_and_body_searches_the_file() {
    // What the scan reads (the search index, issue 24, is built from the
    // bytes the file had when first searched: a file rewritten in place,
    // which maildir never does, is seen by the scan alone).
    let server = Server::start(&["--no-search-index"]);
    let mut c = server.login("alice");
    let msg = "From: Zebulon <z@example.org>\r\nSubject: hello\r\n\r\nzanzibar body\r\n";
    c.send(format!("a1 APPEND INBOX {{{}+}}\r\n{msg}\r\n", msg.len()).as_bytes());
    c.until_tagged("a1");
    c.ok("SELECT INBOX");
    assert_eq!(c.ok("SEARCH FROM zebulon")[0], "* SEARCH 1");
    // Same name and size, other bytes: a header search now answers from
    // the cached fields, a body search from the file.
    let file = cur_files(&server).pop().unwrap();
    let other = msg.replace("Zebulon", "Marlowe").replace("zanzibar", "timbuktu");
    std::fs::write(&file, &other).unwrap();
    assert_eq!(c.ok("SEARCH FROM zebulon")[0], "* SEARCH 1", "from the cache");
    assert_eq!(c.ok("SEARCH BODY timbuktu")[0], "* SEARCH 1", "from the file");
    assert_eq!(c.ok("SEARCH HEADER X-Unknown \"\"")[0], "* SEARCH", "other fields read the file");
}

/// Thunderbird's folder sync (issue 20): the second listing of a mailbox's
/// headers reads no message file. After the first, every file's bytes are
/// replaced behind the server's back by as many `#` (same name and size,
/// so the cache still takes them for the same files): an answer made from
/// a file would now have none of the fields. Each answer of the second
/// listing is byte for byte that of the first, except for the one message
/// whose header is too large to be cached, which is read again: the proof
/// that the replacement shows any read.
#[test]
fn thunderbirds_second_header_listing_reads_no_message_file() {
    let mut msgs = support::corpus_messages();
    msgs.push((b"From: lf@example.org\nSubject: bare LFs\nReceived: by a\n\tfolded\n\nbody\n".to_vec(), 1_100_000_000));
    let mut big = b"From: big@example.org\r\nSubject: a long way\r\n".to_vec();
    for i in 0..400 {
        big.extend_from_slice(format!("Received: from relay{i}.example.org by example.org; 1 Jan 2024\r\n").as_bytes());
    }
    big.extend_from_slice(b"\r\nbody\r\n");
    msgs.push((big, 1_100_000_000));
    let server = Server::start_seeded(&[], &support::seeds_of(&msgs));
    let mut c = server.login("alice");
    c.ok("SELECT INBOX");
    let listing = "UID FETCH 1:* (UID RFC822.SIZE FLAGS BODY.PEEK[HEADER.FIELDS (From To Cc Bcc Subject Date \
                   Message-ID Priority X-Priority References Newsgroups In-Reply-To Content-Type Reply-To Received)])";
    let first = c.cmd_bytes(listing);
    assert_eq!(first.len(), msgs.len() + 1, "one answer per message");
    assert!(first.last().unwrap().ends_with(b"OK UID FETCH completed\r\n"));
    assert!(String::from_utf8_lossy(&first[0]).contains("From:"), "{:?}", String::from_utf8_lossy(&first[0]));
    for file in cur_files(&server) {
        let len = std::fs::metadata(&file).unwrap().len() as usize;
        std::fs::write(&file, vec![b'#'; len]).unwrap();
    }
    let second = c.cmd_bytes(listing);
    assert_eq!(second.len(), first.len());
    let big_uid = msgs.len();
    for (i, (a, b)) in first.iter().zip(&second).enumerate().take(msgs.len()) {
        if i + 1 == big_uid {
            assert_ne!(a, b, "the uncached header is read from the (replaced) file");
            assert!(String::from_utf8_lossy(b).ends_with("BODY[HEADER.FIELDS (FROM TO CC BCC SUBJECT DATE MESSAGE-ID PRIORITY X-PRIORITY REFERENCES NEWSGROUPS IN-REPLY-TO CONTENT-TYPE REPLY-TO RECEIVED)] {2}\r\n\r\n)\r\n"), "{:?}", String::from_utf8_lossy(b));
        } else {
            assert_eq!(String::from_utf8_lossy(a), String::from_utf8_lossy(b), "UID {}", i + 1);
        }
    }
    assert!(second.last().unwrap().ends_with(b"OK UID FETCH completed\r\n"));
}

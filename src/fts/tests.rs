//! The index file alone: substrings found in the right column, nothing a
//! message holds ever missed, a foreign UIDVALIDITY emptied, garbage replaced.

use super::db::{Index, FILE};
use crate::search::document::{document, Column};
use crate::search::narrow::Need;

fn need(columns: &[Column], s: &str) -> Need {
    Need::Contains(columns.to_vec(), crate::search::narrow::fold_for_tests(s))
}

const ONE: &[u8] = b"From: Ann Example <ann@example.org>\r\nTo: bob@example.net\r\nSubject: =?ISO-8859-1?Q?Caf=E9?= plans\r\nX-Tag: zanzibar\r\n\r\nMeet at the harbour.\r\n";
const TWO: &[u8] = b"From: carl@example.com\r\nSubject: other\r\nContent-Type: text/plain; charset=koi8-r\r\n\r\n\xf0\xd2\xc9\xd7\xc5\xd4 harbourmaster\r\n";

fn filled(dir: &std::path::Path) -> Index {
    let mut index = Index::open(dir, 7).unwrap();
    assert_eq!(index.add(&[(1, 11, document(ONE)), (2, 22, document(TWO))]).unwrap(), 2);
    index
}

#[test]
fn substrings_are_found_in_their_columns_only() {
    let dir = tempfile::tempdir().unwrap();
    let index = filled(dir.path());
    assert_eq!(index.matching(&need(&[Column::Body], "arbour")).unwrap(), [1, 2]);
    assert_eq!(index.matching(&need(&[Column::Body], "HARBOURM")).unwrap(), [2]);
    assert_eq!(index.matching(&need(&[Column::Subject], "café")).unwrap(), [1]);
    assert_eq!(index.matching(&need(&[Column::Body], "привет")).unwrap(), [2]);
    assert_eq!(index.matching(&need(&[Column::From], "ann@")).unwrap(), [1]);
    assert_eq!(index.matching(&need(&[Column::Fields], "zanzi")).unwrap(), [1]);
    assert_eq!(index.matching(&need(&[Column::Head, Column::Body], "x-tag: zan")).unwrap(), [1]);
    assert!(index.matching(&need(&[Column::Subject], "zanzibar")).unwrap().is_empty());
    let either = Need::Any(vec![need(&[Column::From], "carl"), need(&[Column::To], "bob@")]);
    assert_eq!(index.matching(&either).unwrap(), [1, 2]);
    let both = Need::All(vec![need(&[Column::Body], "harbour"), need(&[Column::From], "carl")]);
    assert_eq!(index.matching(&both).unwrap(), [2]);
    assert!(index.matching(&need(&[Column::Body], "qu\"ote")).unwrap().is_empty());
}

#[test]
fn another_uidvalidity_empties_the_index_and_removed_uids_leave_it() {
    let dir = tempfile::tempdir().unwrap();
    let mut index = filled(dir.path());
    index.remove_uids(&[1]).unwrap();
    assert_eq!(index.indexed().unwrap(), [2]);
    assert_eq!(index.matching(&need(&[Column::Body], "harbour")).unwrap(), [2]);
    drop(index);
    assert_eq!(Index::open(dir.path(), 7).unwrap().indexed().unwrap(), [2]);
    assert!(Index::open(dir.path(), 8).unwrap().indexed().unwrap().is_empty());
}

#[test]
fn garbage_is_replaced_by_an_empty_index() {
    let dir = tempfile::tempdir().unwrap();
    drop(filled(dir.path()));
    std::fs::write(dir.path().join(FILE), vec![0x5a; 8192]).unwrap();
    let index = Index::open(dir.path(), 7).unwrap();
    assert!(index.indexed().unwrap().is_empty());
}

#[test]
fn stored_text_is_given_for_the_file_it_was_made_from_only() {
    let dir = tempfile::tempdir().unwrap();
    let mut index = filled(dir.path());
    let one = document(ONE);
    assert_eq!(index.head(1, 11), Some(one.head.clone()));
    assert_eq!(index.bodies(1, 11), Some(one.bodies.clone()));
    assert_eq!(index.bodies(2, 22), Some(document(TWO).bodies));
    let cafe = crate::search::narrow::fold_for_tests("café");
    assert!(one.head.values("subject").any(|v| v.contains(cafe.as_str())));
    // Another file under that UID (another stamp), or no such UID.
    assert_eq!(index.head(1, 12), None);
    assert_eq!(index.bodies(3, 11), None);
    index.remove_uids(&[1]).unwrap();
    assert_eq!(index.head(1, 11), None);
    assert_eq!(index.bodies(1, 11), None);
    // Another process emptied it for a new UIDVALIDITY and filled it again
    // (once this one's reads ended: the writer waits for them).
    index.end_reads();
    assert_eq!(Index::open(dir.path(), 8).unwrap().add(&[(2, 22, document(ONE))]).unwrap(), 1);
    assert_eq!(index.head(2, 22), None);
}

#[test]
fn the_fingerprint_follows_the_indexed_uids() {
    let dir = tempfile::tempdir().unwrap();
    let mut index = filled(dir.path());
    assert!(index.holds_exactly(&[1, 2]).unwrap());
    assert!(!index.holds_exactly(&[1]).unwrap());
    assert!(!index.holds_exactly(&[1, 3]).unwrap());
    assert!(!index.holds_exactly(&[1, 2, 3]).unwrap());
    // Adding what is there already changes nothing.
    assert_eq!(index.add(&[(2, 22, document(TWO)), (3, 33, document(ONE))]).unwrap(), 1);
    assert!(index.holds_exactly(&[1, 2, 3]).unwrap());
    index.remove_uids(&[1, 9]).unwrap();
    assert!(index.holds_exactly(&[2, 3]).unwrap());
    assert!(!index.holds_exactly(&[1, 2, 3]).unwrap());
    drop(index);
    assert!(Index::open(dir.path(), 7).unwrap().holds_exactly(&[2, 3]).unwrap());
    assert!(Index::open(dir.path(), 8).unwrap().holds_exactly(&[]).unwrap());
}

#[test]
fn lacking_names_the_uids_not_in_the_index() {
    let dir = tempfile::tempdir().unwrap();
    let mut index = filled(dir.path());
    assert_eq!(index.lacking(&[1, 2]).unwrap(), Vec::<u32>::new());
    assert_eq!(index.lacking(&[0, 2, 3, 7]).unwrap(), [0, 3, 7]);
    assert_eq!(index.lacking(&[]).unwrap(), Vec::<u32>::new());
    index.remove_uids(&[2]).unwrap();
    assert_eq!(index.lacking(&[1, 2]).unwrap(), [2]);
}

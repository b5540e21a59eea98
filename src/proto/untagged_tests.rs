use super::*;

fn text(r: &Response, d: Dialect) -> String {
    let mut v = Vec::new();
    r.render(&d, &mut v);
    String::from_utf8(v).unwrap()
}

#[test]
fn sets_are_compact() {
    assert_eq!(set_text(&ranges_of(&[1, 2, 3, 5, 7, 8])), "1:3,5,7:8");
    assert_eq!(set_text(&[(1, 2), (2, 4), (6, 6)]), "1:4,6");
    assert_eq!(set_text(&[]), "");
}

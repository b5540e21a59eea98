//! Where a user lives among `--backends`: rendezvous (highest random
//! weight) hashing. Each (user, backend) pair gets a score and the user
//! goes to the backend with the highest one, so a user stays put while
//! the list is unchanged, and a backend added to n others takes over
//! about 1/(n+1) of the users, each from wherever it was, and moves no
//! one between the old ones.

use std::net::SocketAddr;

use sha2::{Digest, Sha256};

/// The score of `user` on `backend`: the first 8 octets of SHA-256 over
/// both (a hash that is the same on every host and in every release, as
/// fronts on several hosts must agree).
fn score(user: &str, backend: &SocketAddr) -> u64 {
    let mut h = Sha256::new();
    h.update(user.as_bytes());
    // The separator keeps ("ab", "c") and ("a", "bc") apart.
    h.update([0u8]);
    h.update(backend.to_string().as_bytes());
    let d = h.finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&d[..8]);
    u64::from_be_bytes(first)
}

/// The backend for `user`; `None` when there are none.
pub fn choose(user: &str, backends: &[SocketAddr]) -> Option<SocketAddr> {
    // Ties (vanishingly rare) go to the larger address, so the order of
    // the list never matters.
    backends.iter().max_by_key(|b| (score(user, b), **b)).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addrs(list: &[&str]) -> Vec<SocketAddr> {
        list.iter().map(|s| s.parse().unwrap()).collect()
    }

    #[test]
    fn a_third_backend_takes_a_third_and_moves_none_between_the_old_ones() {
        let two = addrs(&["10.0.0.1:143", "10.0.0.2:143"]);
        let mut three = two.clone();
        three.push("10.0.0.3:143".parse().unwrap());
        let users: Vec<String> = (0..3000).map(|i| format!("user{i}@example.org")).collect();
        let mut moved = 0;
        let mut on_first = 0;
        for u in &users {
            let before = choose(u, &two).unwrap();
            let after = choose(u, &three).unwrap();
            on_first += usize::from(before == two[0]);
            if before != after {
                assert_eq!(after, three[2], "{u} moved between the old backends");
                moved += 1;
            }
        }
        let share = moved as f64 / users.len() as f64;
        assert!((0.25..=0.42).contains(&share), "moved share {share}");
        let first = on_first as f64 / users.len() as f64;
        assert!((0.4..=0.6).contains(&first), "two backends share {first}");
    }

    #[test]
    fn the_choice_is_stable_and_ignores_the_list_order() {
        let a = addrs(&["127.0.0.2:143", "127.0.0.3:143", "[::1]:143"]);
        let b: Vec<SocketAddr> = a.iter().rev().copied().collect();
        for u in ["alice", "bob", "carol", ""] {
            assert_eq!(choose(u, &a), choose(u, &b));
            assert_eq!(choose(u, &a), choose(u, &a));
        }
        assert_eq!(choose("alice", &[]), None);
        // Pinned: a change of hash would move every user of every site.
        assert_eq!(score("alice", &a[0]), score("alice", &"127.0.0.2:143".parse().unwrap()));
    }
}

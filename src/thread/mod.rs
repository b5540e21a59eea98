//! THREAD (RFC 5256): ORDEREDSUBJECT, REFERENCES and REFS, as a pure
//! library over the messages that matched the search (their header fields
//! and sent dates), returning the response's thread list.
//!
//! REFS is the algorithm of draft-ietf-morg-inthread as Dovecot offers it:
//! REFERENCES without step 5 (no gathering of threads by subject), and the
//! threads ordered by their newest message instead of their first.

mod msgid;

use std::collections::HashMap;

use crate::sort::subject::{base_subject, BaseSubject};
use crate::sort::{field, sent_date};

/// One message to thread.
#[derive(Clone, Debug)]
pub struct Item<'a> {
    /// Sequence number (the order of last resort, and what duplicates of a
    /// Message-ID are decided by).
    pub seq: u32,
    /// The number the response shows (sequence number or UID).
    pub id: u32,
    /// INTERNALDATE, for messages without a readable `Date:`.
    pub internal_date: i64,
    /// The header fields (subject, date, message-id, references, in-reply-to).
    pub header: &'a [u8],
}

/// A threading algorithm.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Algorithm {
    /// RFC 5256 ORDEREDSUBJECT.
    OrderedSubject,
    /// RFC 5256 REFERENCES.
    References,
    /// REFS (draft-ietf-morg-inthread, Dovecot).
    Refs,
}

/// A node of the thread tree: a message (index into the items) or a dummy.
#[derive(Clone, Debug, Default)]
struct Node {
    msg: Option<usize>,
    parent: Option<usize>,
    children: Vec<usize>,
}

/// What the algorithms read of each message, computed once.
struct Facts {
    date: i64,
    seq: u32,
    subject: BaseSubject,
}

/// The `THREAD` response text (without `* ` and CRLF) for `items`, which
/// are in sequence order.
pub fn thread(algorithm: Algorithm, items: &[Item<'_>]) -> String {
    let facts: Vec<Facts> = items
        .iter()
        .map(|m| Facts {
            date: sent_date(m.header, m.internal_date),
            seq: m.seq,
            subject: base_subject(field(m.header, "subject")),
        })
        .collect();
    let mut t = Tree { nodes: Vec::new(), facts: &facts };
    let roots = match algorithm {
        Algorithm::OrderedSubject => t.ordered_subject(),
        Algorithm::References | Algorithm::Refs => t.references(items, algorithm == Algorithm::References),
    };
    let mut out = String::from("THREAD");
    if !roots.is_empty() {
        out.push(' ');
    }
    for r in roots {
        out.push('(');
        t.render(r, &mut out, items);
        out.push(')');
    }
    out
}

struct Tree<'f> {
    nodes: Vec<Node>,
    facts: &'f [Facts],
}

impl Tree<'_> {
    fn add(&mut self, msg: Option<usize>) -> usize {
        self.nodes.push(Node { msg, ..Node::default() });
        self.nodes.len() - 1
    }

    fn link(&mut self, parent: usize, child: usize) {
        self.nodes[child].parent = Some(parent);
        self.nodes[parent].children.push(child);
    }

    fn unlink(&mut self, child: usize) {
        if let Some(p) = self.nodes[child].parent.take() {
            self.nodes[p].children.retain(|&c| c != child);
        }
    }

    /// True when `a` is `b` or one of its ancestors.
    fn is_ancestor(&self, a: usize, b: usize) -> bool {
        // A node without children is nobody's ancestor but its own: the
        // common case, which spares a walk up a long chain.
        if self.nodes[a].children.is_empty() {
            return a == b;
        }
        let mut n = Some(b);
        // Bounded by the number of nodes: links never make a cycle.
        while let Some(x) = n {
            if x == a {
                return true;
            }
            n = self.nodes[x].parent;
        }
        false
    }

    /// (sent date, sequence number) of a node; a dummy takes its first
    /// child's (children sorted first).
    fn key(&self, mut n: usize) -> (i64, u32) {
        loop {
            match self.nodes[n].msg {
                Some(m) => return (self.facts[m].date, self.facts[m].seq),
                None => match self.nodes[n].children.first() {
                    Some(&c) => n = c,
                    None => return (i64::MIN, 0),
                },
            }
        }
    }

    /// The nodes of the subtree at `n`, parents before their children.
    /// Iterative: a References chain may be as deep as the mailbox is long.
    fn preorder(&self, n: usize) -> Vec<usize> {
        let mut out = Vec::new();
        let mut stack = vec![n];
        while let Some(x) = stack.pop() {
            out.push(x);
            stack.extend(self.nodes[x].children.iter().rev());
        }
        out
    }

    /// The newest (sent date, sequence number) in a subtree.
    fn newest(&self, n: usize) -> (i64, u32) {
        self.preorder(n)
            .into_iter()
            .filter_map(|x| self.nodes[x].msg)
            .map(|m| (self.facts[m].date, self.facts[m].seq))
            .max()
            .unwrap_or((i64::MIN, 0))
    }

    /// Sorts the children of every node of the subtree at `n` by date,
    /// the deepest first, so a dummy's date is its sorted first child's.
    fn sort_children(&mut self, n: usize) {
        for x in self.preorder(n).into_iter().rev() {
            let mut children = std::mem::take(&mut self.nodes[x].children);
            children.sort_by_key(|&c| self.key(c));
            self.nodes[x].children = children;
        }
    }

    fn ordered_subject(&mut self) -> Vec<usize> {
        let f = self.facts;
        let mut order: Vec<usize> = (0..f.len()).collect();
        order.sort_by(|&a, &b| {
            (&f[a].subject.text, f[a].date, f[a].seq).cmp(&(&f[b].subject.text, f[b].date, f[b].seq))
        });
        let mut roots: Vec<usize> = Vec::new();
        let mut last: Option<(usize, usize)> = None; // (message, its node)
        for m in order {
            let n = self.add(Some(m));
            match last {
                Some((lm, ln)) if f[lm].subject.text == f[m].subject.text => self.link(ln, n),
                _ => {
                    roots.push(n);
                    last = Some((m, n));
                }
            }
        }
        roots.sort_by_key(|&r| self.key(r));
        roots
    }

    fn references(&mut self, items: &[Item<'_>], by_subject: bool) -> Vec<usize> {
        // (1) Link messages by their references.
        let mut ids: HashMap<Vec<u8>, usize> = HashMap::new();
        for (i, m) in items.iter().enumerate() {
            let own = field(m.header, "message-id").and_then(msgid::first);
            let node = match own {
                Some(id) => match ids.get(&id) {
                    Some(&n) if self.nodes[n].msg.is_none() => {
                        self.nodes[n].msg = Some(i);
                        n
                    }
                    // A duplicate Message-ID: this message gets its own.
                    Some(_) => self.add(Some(i)),
                    None => {
                        let n = self.add(Some(i));
                        ids.insert(id, n);
                        n
                    }
                },
                None => self.add(Some(i)),
            };
            let mut refs = field(m.header, "references").map(msgid::all).unwrap_or_default();
            if refs.is_empty() {
                refs.extend(field(m.header, "in-reply-to").and_then(msgid::first));
            }
            let mut prev: Option<usize> = None;
            for r in refs {
                let c = match ids.get(&r) {
                    Some(&c) => c,
                    None => {
                        let c = self.add(None);
                        ids.insert(r, c);
                        c
                    }
                };
                if let Some(p) = prev {
                    if self.nodes[c].parent.is_none() && !self.is_ancestor(c, p) {
                        self.link(p, c);
                    }
                }
                prev = Some(c);
            }
            self.unlink(node);
            if let Some(p) = prev {
                if !self.is_ancestor(node, p) {
                    self.link(p, node);
                }
            }
        }
        // (2) The root set.
        let roots: Vec<usize> = (0..self.nodes.len()).filter(|&n| self.nodes[n].parent.is_none()).collect();
        // (3) Prune dummies.
        let mut roots = self.prune(roots);
        for &r in &roots {
            self.nodes[r].parent = None;
        }
        // (4) Order the threads.
        for &r in &roots {
            self.sort_children(r);
        }
        roots.sort_by_key(|&r| self.key(r));
        // (5) Gather threads by subject.
        if by_subject {
            roots = self.gather(roots);
        }
        // (6) Order every level.
        for &r in &roots {
            self.sort_children(r);
        }
        if by_subject {
            roots.sort_by_key(|&r| self.key(r));
        } else {
            roots.sort_by_key(|&r| (self.newest(r), self.key(r)));
        }
        roots
    }

    /// Step 3: dummies without children go, dummies with children give
    /// way to them, unless that would put several at the root. Children
    /// are done before their parents, without recursion.
    fn prune(&mut self, roots: Vec<usize>) -> Vec<usize> {
        let mut order = Vec::new();
        for &r in &roots {
            order.extend(self.preorder(r));
        }
        for &n in order.iter().rev() {
            let children = std::mem::take(&mut self.nodes[n].children);
            let mut kept = Vec::with_capacity(children.len());
            for c in children {
                if self.nodes[c].msg.is_some() {
                    kept.push(c);
                } else {
                    // Not at the root: a dummy's (pruned) children take its place.
                    kept.extend(std::mem::take(&mut self.nodes[c].children));
                }
            }
            for &c in &kept {
                self.nodes[c].parent = Some(n);
            }
            self.nodes[n].children = kept;
        }
        let mut out = Vec::new();
        for r in roots {
            if self.nodes[r].msg.is_some() || self.nodes[r].children.len() > 1 {
                out.push(r);
            } else if let Some(&c) = self.nodes[r].children.first() {
                out.push(c);
            }
        }
        out
    }

    /// The base subject of a thread and whether it is a reply's; `None`
    /// for an empty subject.
    fn subject_of(&self, n: usize) -> Option<(&str, bool)> {
        let m = match self.nodes[n].msg {
            Some(m) => m,
            None => self.nodes[self.nodes[n].children[0]].msg?,
        };
        let s = &self.facts[m].subject;
        (!s.text.is_empty()).then_some((s.text.as_str(), s.reply_or_forward))
    }

    fn is_reply(&self, n: usize) -> bool {
        self.nodes[n].msg.is_some_and(|m| self.facts[m].subject.reply_or_forward)
    }

    /// Step 5: threads with the same base subject become one.
    fn gather(&mut self, mut roots: Vec<usize>) -> Vec<usize> {
        let mut table: HashMap<String, usize> = HashMap::new();
        for &r in &roots {
            let Some((subject, _)) = self.subject_of(r) else { continue };
            match table.get(subject) {
                None => {
                    table.insert(subject.to_string(), r);
                }
                Some(&t) => {
                    let t_dummy = self.nodes[t].msg.is_none();
                    let r_dummy = self.nodes[r].msg.is_none();
                    if !t_dummy && (r_dummy || (self.is_reply(t) && !self.is_reply(r))) {
                        table.insert(subject.to_string(), r);
                    }
                }
            }
        }
        let mut gone = vec![false; self.nodes.len()];
        for r in roots.clone() {
            let Some((subject, _)) = self.subject_of(r) else { continue };
            let subject = subject.to_string();
            let Some(&t) = table.get(&subject) else { continue };
            if t == r {
                continue;
            }
            let t_dummy = self.nodes[t].msg.is_none();
            let r_dummy = self.nodes[r].msg.is_none();
            if t_dummy && r_dummy {
                for c in std::mem::take(&mut self.nodes[r].children) {
                    self.link(t, c);
                }
                gone[r] = true;
            } else if t_dummy || (self.is_reply(r) && !self.is_reply(t)) {
                self.link(t, r);
                gone[r] = true;
            } else {
                let d = self.add(None);
                gone.push(false);
                if let Some(p) = roots.iter().position(|&x| x == t) {
                    roots[p] = d;
                }
                self.link(d, t);
                self.link(d, r);
                gone[r] = true;
                table.insert(subject, d);
            }
        }
        roots.retain(|&r| !gone[r]);
        roots
    }

    /// `thread-members` / `thread-nested` of RFC 5256 section 5 for the
    /// subtree at `n`, inside the parentheses of its thread-list; with an
    /// explicit stack, as threads may be deep.
    fn render(&self, n: usize, out: &mut String, items: &[Item<'_>]) {
        enum Step {
            Node(usize),
            Text(&'static str),
        }
        let mut stack = vec![Step::Node(n)];
        while let Some(step) = stack.pop() {
            let n = match step {
                Step::Text(t) => {
                    out.push_str(t);
                    continue;
                }
                Step::Node(n) => n,
            };
            let node = &self.nodes[n];
            let children = &node.children;
            if let Some(m) = node.msg {
                out.push_str(&items[m].id.to_string());
                if !children.is_empty() {
                    out.push(' ');
                }
                if children.len() == 1 {
                    stack.push(Step::Node(children[0]));
                    continue;
                }
            }
            // Nested: each child in parentheses, pushed in reverse.
            if node.msg.is_none() || children.len() > 1 {
                for &c in children.iter().rev() {
                    stack.push(Step::Text(")"));
                    stack.push(Step::Node(c));
                    stack.push(Step::Text("("));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;

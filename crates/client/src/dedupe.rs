//! Drops events already delivered, by id, remembering a bounded number.

use std::collections::{HashSet, VecDeque};

/// The most recent ids seen.
#[derive(Debug)]
pub struct Seen {
    order: VecDeque<String>,
    ids: HashSet<String>,
    capacity: usize,
}

impl Seen {
    /// Remembers up to `capacity` ids.
    pub fn new(capacity: usize) -> Seen {
        Seen { order: VecDeque::new(), ids: HashSet::new(), capacity: capacity.max(1) }
    }

    /// `true` the first time an id is offered, `false` after.
    pub fn first_time(&mut self, id: &str) -> bool {
        if self.ids.contains(id) {
            return false;
        }
        if self.order.len() == self.capacity {
            if let Some(oldest) = self.order.pop_front() {
                self.ids.remove(&oldest);
            }
        }
        self.order.push_back(id.to_owned());
        self.ids.insert(id.to_owned());
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeats_are_dropped_within_capacity() {
        let mut seen = Seen::new(2);
        assert!(seen.first_time("a"));
        assert!(!seen.first_time("a"));
        assert!(seen.first_time("b"));
        assert!(seen.first_time("c"));
        // "a" fell out of the window.
        assert!(seen.first_time("a"));
        assert!(!seen.first_time("c"));
    }
}

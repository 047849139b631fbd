//! A set of fetcher keys kept as a plain `Vec` (so `FetcherIndex::candidates` copies a
//! slice), with O(1) removal.
//!
//! Many fetchers can share one `startsWith` prefix (or the scan list); removing one by
//! `retain` would cost O(all of them), and dropping all of them O(F²). Removal here is a
//! `swap_remove` at the key's position: found by a short linear search while the list is
//! small, and from a position map once it has grown past [`SMALL`] (most `equals` lists
//! hold one key, and a map per list would cost memory for nothing).

use super::fetchers::FetcherId;
use super::idhash::IdMap;

/// Up to this many keys, positions are found by searching the `Vec`.
const SMALL: usize = 16;

#[derive(Debug, Default)]
pub(crate) struct KeyList {
    keys: Vec<FetcherId>,
    /// The position of every key in `keys`, once the list has had more than [`SMALL`]
    /// keys (then kept until the list is dropped).
    at: Option<IdMap<FetcherId, usize>>,
}

impl KeyList {
    pub(crate) fn as_slice(&self) -> &[FetcherId] {
        &self.keys
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// Add a key that is not in the list yet.
    pub(crate) fn push(&mut self, key: FetcherId) {
        debug_assert!(!self.keys.contains(&key), "fetcher {key:?} listed twice");
        self.keys.push(key);
        match self.at.as_mut() {
            Some(at) => {
                at.insert(key, self.keys.len() - 1);
            }
            None if self.keys.len() > SMALL => {
                self.at = Some(self.keys.iter().enumerate().map(|(i, &k)| (k, i)).collect());
            }
            None => {}
        }
    }

    /// Take a key out (the last key moves into its place); whether it was listed.
    pub(crate) fn remove(&mut self, key: FetcherId) -> bool {
        let found = match self.at.as_mut() {
            Some(at) => at.remove(&key),
            None => self.keys.iter().position(|&k| k == key),
        };
        let Some(pos) = found else {
            return false;
        };
        self.keys.swap_remove(pos);
        if let (Some(at), Some(&moved)) = (self.at.as_mut(), self.keys.get(pos)) {
            at.insert(moved, pos);
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The list holds exactly the model's keys, and the position map (if any) agrees.
    fn check(list: &KeyList, model: &[FetcherId]) {
        let mut got = list.as_slice().to_vec();
        got.sort_unstable();
        let mut want = model.to_vec();
        want.sort_unstable();
        assert_eq!(got, want);
        assert_eq!(list.is_empty(), model.is_empty());
        if let Some(at) = &list.at {
            assert_eq!(at.len(), list.keys.len());
            for (i, k) in list.keys.iter().enumerate() {
                assert_eq!(at[k], i, "position of {k:?}");
            }
        }
    }

    proptest! {
        /// Random pushes and removes (over few enough keys that lists cross `SMALL` both
        /// ways) against a `Vec` with `retain`.
        #[test]
        fn behaves_like_a_set(ops in prop::collection::vec((any::<bool>(), 0usize..40), 0..300)) {
            let mut list = KeyList::default();
            let mut model: Vec<FetcherId> = Vec::new();
            for (push, key) in ops {
                let key = FetcherId(key);
                if push {
                    if !model.contains(&key) {
                        list.push(key);
                        model.push(key);
                    }
                } else {
                    let listed = model.contains(&key);
                    model.retain(|&k| k != key);
                    prop_assert_eq!(list.remove(key), listed);
                }
                check(&list, &model);
            }
        }
    }

    #[test]
    fn builds_positions_past_small_and_keeps_them() {
        let mut list = KeyList::default();
        for k in 0..=SMALL {
            list.push(FetcherId(k * 10));
        }
        assert!(
            list.at.is_some(),
            "more than SMALL keys have a position map"
        );
        assert!(list.remove(FetcherId(0)));
        assert!(!list.remove(FetcherId(0)));
        // The last key moved into the hole and the map says so.
        assert_eq!(list.as_slice()[0], FetcherId(SMALL * 10));
        let model: Vec<_> = (1..=SMALL).map(|k| FetcherId(k * 10)).collect();
        check(&list, &model);
    }
}

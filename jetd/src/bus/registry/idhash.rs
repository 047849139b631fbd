//! A fast hasher for the core's integer keys: connection ids, route numbers, element ids.
//!
//! std's SipHash resists keys chosen to collide, which matters for keys that peers pick
//! (paths, fetch ids, timeouts: those maps keep it). The keys here are made by the daemon
//! itself (counters and slab slots), so that protection buys nothing, while SipHash's
//! rounds were ≈ 7 % of a routed `set` (several `conns` lookups per message). This is the
//! Fx hash of rustc (`rustc-hash`): one rotate, xor and multiply per word. For a single
//! integer it is a multiplication by an odd constant, a bijection: distinct keys never
//! share a hash, consecutive keys land in distinct buckets (the low bits) and the
//! multiplication mixes the high bits, which the std map uses as its tag.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// Fx's multiplier (from Firefox, via rustc).
const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

/// See the module documentation.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct IdHasher {
    hash: u64,
}

impl IdHasher {
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.add(u64::from_le_bytes(word));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    fn finish(&self) -> u64 {
        self.hash
    }
}

/// A `HashMap` keyed by daemon-made integers.
pub(crate) type IdMap<K, V> = HashMap<K, V, BuildHasherDefault<IdHasher>>;
/// A `HashSet` of daemon-made integers.
pub(crate) type IdSet<K> = HashSet<K, BuildHasherDefault<IdHasher>>;

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeMap;
    use std::hash::BuildHasher;

    fn hash(n: u64) -> u64 {
        BuildHasherDefault::<IdHasher>::default().hash_one(n)
    }

    #[test]
    fn consecutive_ids_spread_over_low_and_high_bits() {
        let low: IdSet<u64> = (0..256).map(|n| hash(n) & 0xff).collect();
        assert_eq!(low.len(), 256, "256 consecutive ids fill 256 buckets");
        let tags: IdSet<u64> = (0..256).map(|n| hash(n) >> 57).collect();
        assert!(tags.len() > 100, "only {} distinct 7-bit tags", tags.len());
    }

    #[test]
    fn byte_strings_of_different_lengths_differ() {
        let mut a = IdHasher::default();
        a.write(b"abcdefgh");
        let mut b = IdHasher::default();
        b.write(b"abcdefgh1");
        assert_ne!(a.finish(), b.finish());
    }

    proptest! {
        #[test]
        fn distinct_ids_hash_apart(a in any::<u64>(), b in any::<u64>()) {
            prop_assert_eq!(hash(a) == hash(b), a == b);
        }

        /// The map behaves as a map with this hasher (against a `BTreeMap` model).
        #[test]
        fn map_matches_a_model(ops in prop::collection::vec((any::<bool>(), 0..64u64), 0..200)) {
            let mut map: IdMap<u64, u64> = IdMap::default();
            let mut model = BTreeMap::new();
            for (i, (insert, key)) in ops.into_iter().enumerate() {
                if insert {
                    prop_assert_eq!(map.insert(key, i as u64), model.insert(key, i as u64));
                } else {
                    prop_assert_eq!(map.remove(&key), model.remove(&key));
                }
            }
            let mut got: Vec<_> = map.into_iter().collect();
            got.sort_unstable();
            prop_assert_eq!(got, model.into_iter().collect::<Vec<_>>());
        }
    }
}

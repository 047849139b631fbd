//! A minimal slab: values in a Vec, addressed by typed slot ids, with freed slots reused.

use std::marker::PhantomData;

use super::ids::SlotId;

#[derive(Debug)]
pub(crate) struct Slab<K, T> {
    slots: Vec<Option<T>>,
    free: Vec<usize>,
    ids: PhantomData<K>,
}

impl<K, T> Default for Slab<K, T> {
    fn default() -> Self {
        Slab {
            slots: Vec::new(),
            free: Vec::new(),
            ids: PhantomData,
        }
    }
}

impl<K: SlotId, T> Slab<K, T> {
    pub(crate) fn insert(&mut self, value: T) -> K {
        K::from_slot(match self.free.pop() {
            Some(i) => {
                self.slots[i] = Some(value);
                i
            }
            None => {
                self.slots.push(Some(value));
                self.slots.len() - 1
            }
        })
    }

    pub(crate) fn get(&self, id: K) -> Option<&T> {
        self.slots.get(id.slot()).and_then(Option::as_ref)
    }

    pub(crate) fn get_mut(&mut self, id: K) -> Option<&mut T> {
        self.slots.get_mut(id.slot()).and_then(Option::as_mut)
    }

    /// The live values with their ids, in slot order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (K, &T)> {
        self.slots
            .iter()
            .enumerate()
            .filter_map(|(i, v)| v.as_ref().map(|v| (K::from_slot(i), v)))
    }

    pub(crate) fn remove(&mut self, id: K) -> Option<T> {
        let i = id.slot();
        let value = self.slots.get_mut(i)?.take();
        if value.is_some() {
            self.free.push(i);
        }
        value
    }
}

#[cfg(test)]
mod tests {
    use super::super::ids::ElemId;
    use super::Slab;

    #[test]
    fn reuses_slots() {
        let mut s: Slab<ElemId, _> = Slab::default();
        let a = s.insert("a");
        let b = s.insert("b");
        assert_eq!(s.remove(a), Some("a"));
        assert_eq!(s.remove(a), None);
        let c = s.insert("c");
        assert_eq!(c, a);
        assert_eq!(s.get(b), Some(&"b"));
    }
}

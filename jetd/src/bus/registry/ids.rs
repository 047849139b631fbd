//! The ids the bus makes for what it keeps. Each is its own type, so an element id can
//! never be passed where a fetcher id or a connection id is meant; all are plain
//! integers underneath (hashed with [`super::idhash::IdHasher`]).

use std::fmt;

/// A slab slot index as a typed id ([`super::slab::Slab`] is addressed by them).
pub(crate) trait SlotId: Copy {
    fn from_slot(slot: usize) -> Self;
    fn slot(self) -> usize;
}

macro_rules! slot_id {
    ($(#[$doc:meta])* $vis:vis $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        $vis struct $name(pub(in crate::bus) usize);

        impl SlotId for $name {
            fn from_slot(slot: usize) -> Self {
                $name(slot)
            }
            fn slot(self) -> usize {
                self.0
            }
        }
    };
}

slot_id!(
    /// An element in the registry; stable while the element lives (its slot may be
    /// reused afterwards).
    pub(crate) ElemId
);
slot_id!(
    /// A fetcher; stable while the fetcher lives (its slot may be reused afterwards).
    pub FetcherId
);

/// A connection, for as long as the daemon runs (never reused).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ConnId(pub(in crate::bus) u64);

impl ConnId {
    /// The first id a daemon gives out.
    pub(in crate::bus) const FIRST: ConnId = ConnId(1);

    /// The id after this one.
    pub(in crate::bus) fn next(self) -> ConnId {
        ConnId(self.0 + 1)
    }
}

impl fmt::Display for ConnId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A routed request; never repeats while the daemon runs (its wire form is `"r<n>"`,
/// see `Routes::write_id`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct RouteId(pub(in crate::bus) u64);

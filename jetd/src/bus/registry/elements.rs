//! The element registry: states and methods by path, in the order they were added.

use std::collections::BTreeMap;
use std::ops::Bound;
use std::sync::Arc;
use std::time::Duration;

use jet_runtime::protocol::JsonText;

use super::access::{allowed, Access, Op};
use super::links::Attachment;
use super::slab::Slab;
use crate::auth::Groups;
use crate::bus::ConnId;

pub(crate) use super::ids::ElemId;

/// A state (it has a value) or a method (it has none), owned by the connection that added it.
#[derive(Debug)]
pub(crate) struct Element {
    pub path: Arc<str>,
    /// Insertion order: fetches report existing elements in this order.
    pub seq: u64,
    pub owner: ConnId,
    /// `None` for a method.
    pub value: Option<JsonText>,
    pub fetch_only: bool,
    pub access: Option<Box<Access>>,
    /// Default timeout of routed requests to this element (`timeout` in `add`).
    pub timeout: Option<Duration>,
    /// JSON Schema given in `add` (an extension: served by the `schema` method).
    pub schema: Option<JsonText>,
    /// Fetchers whose path rule matches and that may fetch this element, with the
    /// per-fetcher `fetchOnly` flag (see `links`: kept in step with `Fetcher::attached`).
    pub fetchers: Vec<Attachment>,
}

impl Element {
    pub(crate) fn is_method(&self) -> bool {
        self.value.is_none()
    }

    /// Whether a fetching peer with these groups sees this element as fetch-only: the
    /// flag from `add`, or no set (state) / call (method) access for it.
    pub(crate) fn fetch_only_for(&self, auth: Option<&Groups>) -> bool {
        let op = if self.is_method() { Op::Call } else { Op::Set };
        self.fetch_only || !allowed(self.access.as_deref(), auth, op)
    }
}

/// All elements, with a sorted path index for exact and prefix lookups.
#[derive(Debug, Default)]
pub(crate) struct Elements {
    slab: Slab<ElemId, Element>,
    by_path: BTreeMap<Arc<str>, ElemId>,
    next_seq: u64,
}

impl Elements {
    pub(crate) fn len(&self) -> usize {
        self.by_path.len()
    }

    pub(crate) fn lookup(&self, path: &str) -> Option<ElemId> {
        self.by_path.get(path).copied()
    }

    pub(crate) fn get(&self, id: ElemId) -> &Element {
        self.slab.get(id).expect("live element id")
    }

    pub(crate) fn get_mut(&mut self, id: ElemId) -> &mut Element {
        self.slab.get_mut(id).expect("live element id")
    }

    /// Insert a new element; the caller has checked that the path is free.
    pub(crate) fn insert(&mut self, mut element: Element) -> ElemId {
        element.seq = self.next_seq;
        self.next_seq += 1;
        let path = element.path.clone();
        let id = self.slab.insert(element);
        self.by_path.insert(path, id);
        id
    }

    pub(crate) fn remove(&mut self, id: ElemId) -> Element {
        let element = self.slab.remove(id).expect("live element id");
        self.by_path.remove(&element.path);
        element
    }

    /// Ids of the elements whose path starts with `prefix`.
    pub(crate) fn with_prefix<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = ElemId> + 'a {
        self.by_path
            .range::<str, _>((Bound::Included(prefix), Bound::Unbounded))
            .take_while(move |(path, _)| path.starts_with(prefix))
            .map(|(_, id)| *id)
    }

    /// All elements with their ids, in memory order (not path or insertion order).
    pub(crate) fn iter(&self) -> impl Iterator<Item = (ElemId, &Element)> {
        self.slab.iter()
    }
}

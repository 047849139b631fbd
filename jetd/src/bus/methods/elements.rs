//! `add`, `remove` and `change` (PROTOCOL.md A.4, A.7).

use std::sync::Arc;

use jet_runtime::fetch::engine::Event;
use jet_runtime::protocol::{ErrorObject, JsonText};
use serde_json::Value;

use crate::bus::params::Params;
use crate::bus::registry::access::{allowed, Access, Op};
use crate::bus::registry::elements::{ElemId, Element};
use crate::bus::registry::fetchers::{Fetcher, FetcherId, LazyValue};
use crate::bus::registry::idhash::IdMap;
use crate::bus::registry::links;
use crate::bus::registry::slab::Slab;
use crate::bus::{Conn, ConnId, Core};

use crate::bus::reply::{MethodResult, Reply, TRUE};

impl Core {
    pub(in crate::bus) fn add(&mut self, conn: ConnId, p: &Params<'_>) -> MethodResult {
        let path = p.path()?;
        let fetch_only = p.flag(p.m.fetch_only, "fetchOnly")?;
        let timeout = p.timeout()?;
        let access = match p.m.access {
            None => None,
            Some(a) if a.get() == "null" => None,
            Some(a) => {
                let value: Value = serde_json::from_str(a.get()).unwrap_or(Value::Null);
                let access = Access::parse(&value).map_err(|_| p.wrong_type("access"))?;
                Some(Box::new(access))
            }
        };
        if let Some(existing) = self.elements.lookup(&path) {
            let owner = self.elements.get(existing).owner;
            if owner == conn || !self.owner_is_gone(owner) {
                return Err(ErrorObject::path_already_exists(&path));
            }
            // Its owner's peer closed the connection before this add was sent, but its
            // task has not cleaned up yet: do that now (its `remove`s go out first).
            tracing::debug!(conn = %owner, "peer closed the connection (seen by a conflicting add)");
            self.disconnect(owner);
        }
        if let Some(by) = self
            .nodes
            .strict_conflict(&path, |p| self.elements.lookup(p).is_some())
        {
            return Err(super::nodes::occupied(&path, by));
        }
        let limit = self.config.max_elements_per_peer;
        if self.conn(conn).owned.len() >= limit {
            return Err(ErrorObject::limit_exceeded("elementsPerPeer", limit));
        }
        let path: Arc<str> = Arc::from(path.as_ref());
        let id = self.elements.insert(Element {
            path: path.clone(),
            seq: 0,
            owner: conn,
            value: p.m.value.map(|v| JsonText::from_valid(v.get())),
            fetch_only,
            access,
            timeout,
            schema: p.m.schema.map(|s| JsonText::from_valid(s.get())),
            fetchers: Vec::new(),
        });
        if let Some(c) = self.conns.get_mut(&conn) {
            c.owned.insert(id);
        }
        self.nodes_element_added(id);
        self.attach_new_element(id);
        Ok(Reply::Result(TRUE.into()))
    }

    /// Whether the peer of connection `owner` has already closed it, asked of its
    /// transport without waiting (a non-blocking peek, the one syscall under the lock,
    /// and only for a conflicting `add`). Its outbox is closed too, so that its task ends.
    fn owner_is_gone(&self, owner: ConnId) -> bool {
        let Some(c) = self.conns.get(&owner) else {
            return true;
        };
        let gone = c.closed_probe.as_ref().is_some_and(|probe| probe());
        if gone {
            c.outbox.close(crate::outbox::Closed::Shutdown);
        }
        gone
    }

    /// Find the fetchers that match a new element, attach them and report `add`.
    pub(in crate::bus) fn attach_new_element(&mut self, id: ElemId) {
        let mut candidates = Vec::new();
        let el = self.elements.get(id);
        self.index.candidates(&el.path, &mut candidates);
        if candidates.is_empty() {
            return;
        }
        let mut attached = Vec::with_capacity(candidates.len());
        let mut lazy = LazyValue::new(el.value.as_ref());
        for key in candidates {
            let Some(f) = self.fetchers.get_mut(key) else {
                continue;
            };
            if !f.expr.matches_path(&el.path) {
                continue;
            }
            let Some(c) = self.conns.get(&f.conn) else {
                continue;
            };
            if !allowed(el.access.as_deref(), c.auth.as_ref(), Op::Fetch) {
                continue;
            }
            let fo = el.fetch_only_for(c.auth.as_ref());
            f.deliver(&c.outbox, Event::Add, &el.path, &mut lazy, fo);
            attached.push((key, fo));
        }
        let el = self.elements.get_mut(id);
        el.fetchers.reserve_exact(attached.len());
        for (key, fo) in attached {
            let f = self.fetchers.get_mut(key).expect("matched above");
            links::attach(el, id, f, key, fo);
        }
    }

    pub(in crate::bus) fn remove(&mut self, conn: ConnId, p: &Params<'_>) -> MethodResult {
        let id = self.owned(conn, &p.path()?)?;
        self.remove_element(id);
        Ok(Reply::Result(TRUE.into()))
    }

    /// Report `remove` (with the last value) to every attached fetcher, then forget it.
    /// (A value-filtered fetcher's filter drops the path as it reports the removal.)
    pub(in crate::bus) fn remove_element(&mut self, id: ElemId) {
        let el = self.elements.remove(id);
        self.deliver_to_attached(&el, Event::Remove);
        links::detach_element(&mut self.elements, &mut self.fetchers, &el);
        self.nodes_element_removed(&el);
        if let Some(c) = self.conns.get_mut(&el.owner) {
            c.owned.remove(&id);
        }
    }

    pub(in crate::bus) fn change(&mut self, conn: ConnId, p: &Params<'_>) -> MethodResult {
        let path = p.path()?;
        let value = p.value()?;
        let id = self.owned(conn, &path)?;
        let el = self.elements.get_mut(id);
        if el.is_method() {
            return Err(ErrorObject::not_a_state(&path));
        }
        el.value = Some(JsonText::from_valid(value.get()));
        let el = self.elements.get(id);
        deliver_to_attached(&mut self.fetchers, &self.conns, el, Event::Change);
        Ok(Reply::Result(TRUE.into()))
    }

    fn deliver_to_attached(&mut self, el: &Element, event: Event) {
        deliver_to_attached(&mut self.fetchers, &self.conns, el, event);
    }
}

/// Run one element event through every fetcher attached to the element. The value is
/// parsed at most once, and only if a value-filtered or sorted fetcher needs it.
fn deliver_to_attached(
    fetchers: &mut Slab<FetcherId, Fetcher>,
    conns: &IdMap<ConnId, Box<Conn>>,
    el: &Element,
    event: Event,
) {
    let mut lazy = LazyValue::new(el.value.as_ref());
    for a in &el.fetchers {
        let Some(f) = fetchers.get_mut(a.key) else {
            continue;
        };
        let Some(c) = conns.get(&f.conn) else {
            continue;
        };
        f.deliver(&c.outbox, event, &el.path, &mut lazy, a.fetch_only);
    }
}

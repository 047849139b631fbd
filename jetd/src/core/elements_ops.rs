//! `add`, `remove` and `change` (PROTOCOL.md A.4, A.7).

use std::sync::Arc;

use jet_runtime::fetch::filter::Event;
use jet_runtime::protocol::{ErrorObject, JsonText};
use serde_json::value::RawValue;
use serde_json::Value;

use super::access::{allowed, Access, Op};
use super::elements::{ElemId, Element};
use super::fetchers::{Fetcher, LazyValue};
use super::idhash::IdMap;
use super::message::{self, Params};
use super::slab::Slab;
use super::{links, Conn, ConnId, Core};

use super::dispatch::{fetch_only_for, optional_bool, optional_timeout, required_str, Reply, TRUE};

impl Core {
    // ---- add / remove / change -------------------------------------------------------

    pub(super) fn add(
        &mut self,
        conn: ConnId,
        p: &Params<'_>,
        raw: Option<&RawValue>,
    ) -> Result<Reply, ErrorObject> {
        let path = required_str(p.path, "path", raw)?;
        let fetch_only = optional_bool(p.fetch_only, "fetchOnly", raw)?.unwrap_or(false);
        let timeout = optional_timeout(p.timeout, raw)?;
        let access = match p.access {
            None => None,
            Some(a) if a.get() == "null" => None,
            Some(a) => {
                let value: Value = serde_json::from_str(a.get()).unwrap_or(Value::Null);
                let access = Access::parse(&value)
                    .map_err(|_| ErrorObject::wrong_type("access", message::got(raw)))?;
                Some(Box::new(access))
            }
        };
        if self.elements.lookup(&path).is_some() {
            return Err(ErrorObject::path_already_exists(&path));
        }
        if let Some(by) = self
            .nodes
            .strict_conflict(&path, |p| self.elements.lookup(p).is_some())
        {
            return Err(super::node_fetch::occupied(&path, by));
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
            value: p.value.map(|v| JsonText::from_valid(v.get())),
            fetch_only,
            access,
            timeout,
            schema: p.schema.map(|s| JsonText::from_valid(s.get())),
            fetchers: Vec::new(),
        });
        if let Some(c) = self.conns.get_mut(&conn) {
            c.owned.insert(id);
        }
        self.nodes_element_added(id);
        self.attach_new_element(id);
        Ok(Reply::Result(TRUE.into()))
    }

    /// Find the fetchers that match a new element, attach them and report `add`.
    pub(super) fn attach_new_element(&mut self, id: ElemId) {
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
            let fo = fetch_only_for(el, c.auth.as_ref());
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

    pub(super) fn remove(
        &mut self,
        conn: ConnId,
        p: &Params<'_>,
        raw: Option<&RawValue>,
    ) -> Result<Reply, ErrorObject> {
        let path = required_str(p.path, "path", raw)?;
        let id = self.owned(conn, &path)?;
        self.remove_element(id);
        Ok(Reply::Result(TRUE.into()))
    }

    /// Report `remove` (with the last value) to every attached fetcher, then forget it.
    /// (A value-filtered fetcher's filter drops the path as it reports the removal.)
    pub(super) fn remove_element(&mut self, id: ElemId) {
        let el = self.elements.remove(id);
        self.deliver_to_attached(&el, Event::Remove);
        links::detach_element(&mut self.elements, &mut self.fetchers, &el);
        self.nodes_element_removed(&el);
        if let Some(c) = self.conns.get_mut(&el.owner) {
            c.owned.remove(&id);
        }
    }

    pub(super) fn change(
        &mut self,
        conn: ConnId,
        p: &Params<'_>,
        raw: Option<&RawValue>,
    ) -> Result<Reply, ErrorObject> {
        let path = required_str(p.path, "path", raw)?;
        let value = p
            .value
            .ok_or_else(|| ErrorObject::missing_param("value", message::got(raw)))?;
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
    fetchers: &mut Slab<Fetcher>,
    conns: &IdMap<ConnId, Conn>,
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

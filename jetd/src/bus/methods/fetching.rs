//! `fetch`, `unfetch`, `get` and the `schema` extension (PROTOCOL.md A.6).

use jet_runtime::fetch::engine::Sorter;
use jet_runtime::fetch::engine::{FetchExpr, PathHint};
use jet_runtime::protocol::{ErrorObject, JsonText};
use serde_json::value::RawValue;

use crate::bus::message;
use crate::bus::params::Params;
use crate::bus::registry::access::{allowed, Op};
use crate::bus::registry::elements::{ElemId, Element};
use crate::bus::registry::fetchers::{Fetcher, FetcherId, LazyValue};
use crate::bus::registry::links;
use crate::bus::{wire, ConnId, Core, Dialect};

use super::nodes::parse_nodes;

use crate::bus::reply::{MethodResult, Reply, TRUE};

impl Core {
    pub(in crate::bus) fn fetch(
        &mut self,
        conn: ConnId,
        id: Option<&RawValue>,
        p: &Params<'_>,
    ) -> MethodResult {
        let fetch_id = p.fetch_id()?;
        if self.conn(conn).fetchers.contains_key(fetch_id.get()) {
            return Err(ErrorObject::fetch_id_in_use(message::got(Some(fetch_id))));
        }
        let limit = self.config.max_fetchers_per_peer;
        if self.conn(conn).fetchers.len() >= limit {
            return Err(ErrorObject::limit_exceeded("fetchersPerPeer", limit));
        }
        let dialect = self.dialect(conn);
        let expr = p.expr(dialect)?;
        let nodes = parse_nodes(&p.got(), &expr)?;
        let hint = expr.path_hint();
        let mut fetcher = Fetcher::new(conn, dialect, fetch_id.get().into(), expr);
        if nodes {
            fetcher.nodes = Some(Box::default());
        }
        let key = self.fetchers.insert(fetcher);
        self.index.insert(key, &hint);
        let c = self.conns.get_mut(&conn).expect("live connection");
        c.fetchers.insert(fetch_id.get().into(), key);
        // Classic: the response goes out before the initial notifications (A.6); node-jet 3
        // expects it after them (C.1.2).
        let respond = |c: &crate::bus::Conn| {
            if let Some(id) = id {
                wire::result(&c.outbox, id.get(), wire::ok_text(dialect));
            }
        };
        if dialect == Dialect::Classic {
            respond(c);
        }
        if nodes {
            self.setup_node_fetcher(conn, key, &hint);
        } else {
            self.setup_fetcher(conn, key, &hint);
        }
        if dialect == Dialect::N3 {
            respond(self.conn(conn));
        }
        Ok(Reply::Later)
    }

    /// Attach a new fetcher to every matching element, in insertion order, reporting each.
    pub(in crate::bus) fn setup_fetcher(&mut self, conn: ConnId, key: FetcherId, hint: &PathHint) {
        let matching = self.matching_elements(
            conn,
            &self.fetchers.get(key).expect("new fetcher").expr,
            hint,
        );
        let c = self.conns.get(&conn).expect("live connection");
        let f = self.fetchers.get_mut(key).expect("new fetcher");
        for id in matching {
            let el = self.elements.get_mut(id);
            let fo = el.fetch_only_for(c.auth.as_ref());
            links::attach(el, id, f, key, fo);
            f.initial(&c.outbox, &el.path, el.value.as_ref(), fo);
        }
        f.flush(&c.outbox);
    }

    /// Elements whose path matches and that `conn` may fetch, in insertion order.
    pub(in crate::bus) fn matching_elements(
        &self,
        conn: ConnId,
        expr: &FetchExpr,
        hint: &PathHint,
    ) -> Vec<ElemId> {
        let auth = self.auth_of(conn);
        let mut found: Vec<(u64, ElemId)> = Vec::new();
        let mut consider = |id: ElemId, el: &Element| {
            if expr.matches_path(&el.path) && allowed(el.access.as_deref(), auth, Op::Fetch) {
                found.push((el.seq, id));
            }
        };
        match hint {
            PathHint::Equals(paths) => {
                for id in paths.iter().filter_map(|p| self.elements.lookup(p)) {
                    consider(id, self.elements.get(id));
                }
            }
            PathHint::Prefix(prefix) => {
                for id in self.elements.with_prefix(prefix) {
                    consider(id, self.elements.get(id));
                }
            }
            // No index narrows the rule: walk the elements in memory order (sequential
            // reads) instead of the path index (a tree walk plus a random read per element).
            PathHint::Any => {
                for (id, el) in self.elements.iter() {
                    consider(id, el);
                }
            }
        }
        // Sorting (seq, id) pairs reads no element per comparison.
        found.sort_unstable();
        found.dedup();
        found.into_iter().map(|(_, id)| id).collect()
    }

    pub(in crate::bus) fn unfetch(&mut self, conn: ConnId, p: &Params<'_>) -> MethodResult {
        let fetch_id = p.fetch_id()?;
        let key = self
            .conns
            .get_mut(&conn)
            .and_then(|c| c.fetchers.remove(fetch_id.get()))
            .ok_or_else(|| ErrorObject::fetch_not_found(message::got(Some(fetch_id))))?;
        self.drop_fetcher(key);
        Ok(Reply::Result(TRUE.into()))
    }

    /// Detach a fetcher from its elements and the index and forget it: O(the elements it
    /// is attached to), not O(the elements its rule might match).
    pub(in crate::bus) fn drop_fetcher(&mut self, key: FetcherId) {
        let Some(f) = self.fetchers.remove(key) else {
            return;
        };
        self.index.remove(key, &f.expr.path_hint());
        if f.nodes.is_some() {
            self.forget_node_fetcher(key);
        }
        links::detach_fetcher(&mut self.elements, &mut self.fetchers, &f);
    }

    pub(in crate::bus) fn get(&mut self, conn: ConnId, p: &Params<'_>) -> MethodResult {
        let dialect = self.dialect(conn);
        let expr = p.expr(dialect)?;
        if parse_nodes(&p.got(), &expr)? {
            return Ok(Reply::Result(self.get_with_nodes(conn, &expr).into()));
        }
        let matching = self.matching_elements(conn, &expr, &expr.path_hint());
        let auth = self.auth_of(conn);
        let mut b = Vec::new();
        if let Some(spec) = expr.sort() {
            let mut sorter: Sorter<JsonText> = Sorter::new(spec.clone());
            for id in matching {
                let el = self.elements.get(id);
                let mut lazy = LazyValue::new(el.value.as_ref());
                if expr.has_value_rule() && !expr.matches_value(lazy.get()) {
                    continue;
                }
                sorter.initial(
                    el.path.clone(),
                    lazy.get(),
                    el.value.clone(),
                    el.fetch_only_for(auth),
                );
            }
            wire::write_sorted_entries(&mut b, &sorter.flush(), true);
        } else {
            b.push(b'[');
            for id in matching {
                let el = self.elements.get(id);
                if expr.has_value_rule() {
                    let mut lazy = LazyValue::new(el.value.as_ref());
                    if !expr.matches_value(lazy.get()) {
                        continue;
                    }
                }
                if b.len() > 1 {
                    b.push(b',');
                }
                wire::write_get_entry(
                    &mut b,
                    dialect,
                    &el.path,
                    el.value.as_ref(),
                    el.fetch_only_for(auth),
                    None,
                );
            }
            b.push(b']');
        }
        Ok(Reply::json(b))
    }

    /// `schema`: the JSON Schemas given in `add` for the visible elements whose path
    /// matches the rule, as `[{"path","schema"}]` in insertion order (an extension of
    /// jetd, advertised as `features.schemas`).
    pub(in crate::bus) fn schema(&mut self, conn: ConnId, p: &Params<'_>) -> MethodResult {
        let (_, matching) = self.query(conn, p)?;
        let mut b = Vec::from(&b"["[..]);
        for id in matching {
            let el = self.elements.get(id);
            let Some(schema) = &el.schema else { continue };
            if b.len() > 1 {
                b.push(b',');
            }
            wire::write_schema_entry(&mut b, &el.path, schema);
        }
        b.push(b']');
        Ok(Reply::json(b))
    }

    /// The params as a fetch expression (`get`, `schema`) and the elements it matches
    /// that `conn` may fetch, in insertion order.
    fn query(&self, conn: ConnId, p: &Params<'_>) -> Result<(FetchExpr, Vec<ElemId>), ErrorObject> {
        let expr = p.expr(self.dialect(conn))?;
        let matching = self.matching_elements(conn, &expr, &expr.path_hint());
        Ok((expr, matching))
    }
}

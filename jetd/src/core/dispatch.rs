//! The daemon methods (PROTOCOL.md A.4) and response routing (A.5), run under the core lock.

use std::sync::Arc;
use std::time::{Duration, Instant};

use jet_runtime::fetch::expr::{FetchExpr, PathHint};
use jet_runtime::fetch::filter::Event;
use jet_runtime::fetch::sorter::Sorter;
use jet_runtime::protocol::{ErrorObject, JsonText};
use serde_json::value::RawValue;
use serde_json::Value;

use super::access::{allowed, Access, Op};
use super::elements::{ElemId, Element};
use super::fetchers::{write_entries, Fetcher, FetcherKey, LazyValue};
use super::message::{self, Envelope, Params};
use super::routes::{Route, Routes};
use super::{out, Conn, ConnId, Core, PendingAuth};
use crate::auth::Groups;

/// The result of a daemon method: a response to send, nothing (routed: the owner answers
/// later), or an `authenticate` to verify off the lock.
enum Reply {
    /// The result as JSON text (borrowed for the constant `true`, the common case).
    Result(std::borrow::Cow<'static, str>),
    Error(ErrorObject),
    Later,
    Authenticate(String, String),
}

impl From<ErrorObject> for Reply {
    fn from(e: ErrorObject) -> Self {
        Reply::Error(e)
    }
}

const TRUE: &str = "true";

impl Core {
    /// Handle one message of a frame. Returns an `authenticate` to verify.
    pub(super) fn handle_message(&mut self, conn: ConnId, raw: &RawValue) -> Option<PendingAuth> {
        let Some(env) = message::envelope(raw) else {
            // Not an object: an Invalid Request without id (A.1).
            let data = serde_json::from_str(raw.get()).unwrap_or(Value::Null);
            self.send_error(conn, None, &ErrorObject::invalid_request(data));
            return None;
        };
        if env.method.is_none() {
            if env.is_response() {
                self.route_response(conn, raw.get(), &env);
            } else if let Some(id) = env.request_id() {
                let data = serde_json::from_str(raw.get()).unwrap_or(Value::Null);
                self.send_error(conn, Some(id.get()), &ErrorObject::invalid_request(data));
            }
            return None;
        }
        let id = env.request_id();
        let method_raw = env.method.expect("checked above");
        let Some(method) = message::as_str(method_raw) else {
            if let Some(id) = id {
                let data = serde_json::from_str(raw.get()).unwrap_or(Value::Null);
                self.send_error(conn, Some(id.get()), &ErrorObject::invalid_request(data));
            }
            return None;
        };
        let reply = self.call_method(conn, &method, id, &env);
        match reply {
            Reply::Result(result) => {
                if let (Some(id), Some(c)) = (id, self.conns.get(&conn)) {
                    out::result(&c.outbox, id.get(), &result);
                }
            }
            Reply::Error(err) => {
                if let Some(id) = id {
                    self.send_error(conn, Some(id.get()), &err);
                }
            }
            Reply::Later => {}
            Reply::Authenticate(user, password) => {
                return Some(PendingAuth {
                    id: id.map(|id| id.get().into()),
                    user,
                    password,
                });
            }
        }
        None
    }

    fn send_error(&self, conn: ConnId, id: Option<&str>, err: &ErrorObject) {
        if let Some(c) = self.conns.get(&conn) {
            out::error(&c.outbox, id, err);
        }
    }

    fn call_method(
        &mut self,
        conn: ConnId,
        method: &str,
        id: Option<&RawValue>,
        env: &Envelope<'_>,
    ) -> Reply {
        let raw_params = env.params;
        let p = match method {
            "info" => return Reply::Result(self.info.clone().into()),
            "echo" => {
                return Reply::Result(raw_params.map_or(TRUE.into(), |p| p.get().to_owned().into()))
            }
            "add" | "remove" | "change" | "set" | "call" | "fetch" | "unfetch" | "get"
            | "schema" | "config" | "authenticate" => match message::params(raw_params) {
                Ok(p) => p,
                Err(()) => {
                    return ErrorObject::wrong_type("params", message::got(raw_params)).into()
                }
            },
            _ => return ErrorObject::method_not_found(Value::String(method.to_owned())).into(),
        };
        let result = match method {
            "add" => self.add(conn, &p, raw_params),
            "remove" => self.remove(conn, &p, raw_params),
            "change" => self.change(conn, &p, raw_params),
            "set" => self.route_request(conn, Op::Set, id, &p, raw_params),
            "call" => self.route_request(conn, Op::Call, id, &p, raw_params),
            "fetch" => self.fetch(conn, id, &p, raw_params),
            "unfetch" => self.unfetch(conn, &p, raw_params),
            "get" => self.get(conn, raw_params),
            "schema" => self.schema(conn, raw_params),
            "config" => self.config(conn, &p, raw_params),
            "authenticate" => self.authenticate(conn, &p, raw_params),
            _ => unreachable!("method list checked above"),
        };
        result.unwrap_or_else(Reply::Error)
    }

    fn conn(&self, conn: ConnId) -> &Conn {
        self.conns
            .get(&conn)
            .expect("messages come from live connections")
    }

    fn auth_of(&self, conn: ConnId) -> Option<&Groups> {
        self.conns.get(&conn).and_then(|c| c.auth.as_ref())
    }

    /// Look up an element the way a peer may see it: one it may not fetch does not exist
    /// for it (A.9: invisible, also through errors).
    fn visible(&self, conn: ConnId, path: &str) -> Result<ElemId, ErrorObject> {
        let not_found = || ErrorObject::path_not_exists(path);
        let id = self.elements.lookup(path).ok_or_else(not_found)?;
        let el = self.elements.get(id);
        if !allowed(el.access.as_deref(), self.auth_of(conn), Op::Fetch) {
            return Err(not_found());
        }
        Ok(id)
    }

    /// Look up an element for its owner: an owner always reaches its own elements (even
    /// when access rules would hide them from it); another peer gets `foreignPath`, or
    /// `pathNotExists` when it may not even see the element.
    fn owned(&self, conn: ConnId, path: &str) -> Result<ElemId, ErrorObject> {
        let id = self
            .elements
            .lookup(path)
            .ok_or_else(|| ErrorObject::path_not_exists(path))?;
        if self.elements.get(id).owner == conn {
            return Ok(id);
        }
        self.visible(conn, path)?;
        Err(ErrorObject::foreign_path(path))
    }

    // ---- add / remove / change -------------------------------------------------------

    fn add(
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
        self.attach_new_element(id);
        Ok(Reply::Result(TRUE.into()))
    }

    /// Find the fetchers that match a new element, attach them and report `add`.
    fn attach_new_element(&mut self, id: ElemId) {
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
        self.elements.get_mut(id).fetchers = attached;
    }

    fn remove(
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
    fn remove_element(&mut self, id: ElemId) {
        let el = self.elements.remove(id);
        let mut lazy = LazyValue::new(el.value.as_ref());
        for &(key, fo) in &el.fetchers {
            let Some(f) = self.fetchers.get_mut(key) else {
                continue;
            };
            let Some(c) = self.conns.get(&f.conn) else {
                continue;
            };
            f.deliver(&c.outbox, Event::Remove, &el.path, &mut lazy, fo);
            if let Some(filter) = f.filter.as_mut() {
                filter.forget(&el.path);
            }
        }
        if let Some(c) = self.conns.get_mut(&el.owner) {
            c.owned.remove(&id);
        }
    }

    fn change(
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
        let mut lazy = LazyValue::new(el.value.as_ref());
        for &(key, fo) in &el.fetchers {
            let Some(f) = self.fetchers.get_mut(key) else {
                continue;
            };
            let Some(c) = self.conns.get(&f.conn) else {
                continue;
            };
            f.deliver(&c.outbox, Event::Change, &el.path, &mut lazy, fo);
        }
        Ok(Reply::Result(TRUE.into()))
    }

    // ---- routing ---------------------------------------------------------------------

    fn route_request(
        &mut self,
        conn: ConnId,
        op: Op,
        id: Option<&RawValue>,
        p: &Params<'_>,
        raw: Option<&RawValue>,
    ) -> Result<Reply, ErrorObject> {
        let path = required_str(p.path, "path", raw)?;
        let timeout = optional_timeout(p.timeout, raw)?;
        let routed_params: String = match op {
            Op::Set => {
                let value = p
                    .value
                    .ok_or_else(|| ErrorObject::missing_param("value", message::got(raw)))?;
                let vas = optional_bool(p.value_as_result, "valueAsResult", raw)?.unwrap_or(false);
                let mut s = String::with_capacity(value.get().len() + 32);
                s.push_str("{\"value\":");
                s.push_str(value.get());
                if vas {
                    s.push_str(",\"valueAsResult\":true");
                }
                s.push('}');
                s
            }
            _ => match p.args {
                None => "{}".to_owned(),
                Some(a) if a.get().starts_with('[') || a.get().starts_with('{') => {
                    a.get().to_owned()
                }
                Some(_) => return Err(ErrorObject::wrong_type("args", message::got(raw))),
            },
        };
        let el_id = self.visible(conn, &path)?;
        let el = self.elements.get(el_id);
        if !allowed(el.access.as_deref(), self.auth_of(conn), op) {
            return Err(ErrorObject::no_access(&path));
        }
        match (op, el.is_method()) {
            (Op::Set, true) => return Err(ErrorObject::not_a_state(&path)),
            (Op::Call, false) => return Err(ErrorObject::not_a_method(&path)),
            _ => {}
        }
        if el.fetch_only {
            return Err(ErrorObject::fetch_only(&path));
        }
        let owner = el.owner;
        let limit = self.config.max_pending_per_peer;
        if id.is_some() && self.conn(conn).pending >= limit {
            return Err(ErrorObject::limit_exceeded("pendingPerPeer", limit));
        }
        let timeout = timeout
            .or(el.timeout)
            .unwrap_or(self.config.default_timeout);
        let el_path = el.path.clone();
        let routed_id = id.map(|id| {
            let deadline = Instant::now() + timeout;
            let (_, routed_id) = self.routes.insert(Route {
                requester: conn,
                requester_id: id.get().into(),
                owner,
                path: el_path,
                params: raw.map_or_else(|| "{}".into(), |r| r.get().into()),
                deadline,
            });
            if let Some(c) = self.conns.get_mut(&conn) {
                c.pending += 1;
            }
            if self.timer_next.is_none_or(|t| deadline < t) {
                self.timer_next = Some(deadline);
                self.timer_wake.notify_one();
            }
            routed_id
        });
        let owner_out = &self.conn(owner).outbox;
        let method_json = p.path.expect("checked above").get();
        owner_out.push_with(|b| {
            b.push(b'{');
            if let Some(rid) = &routed_id {
                b.extend_from_slice(b"\"id\":");
                b.extend_from_slice(rid.as_bytes());
                b.push(b',');
            }
            b.extend_from_slice(b"\"method\":");
            b.extend_from_slice(method_json.as_bytes());
            b.extend_from_slice(b",\"params\":");
            b.extend_from_slice(routed_params.as_bytes());
            b.push(b'}');
        });
        Ok(Reply::Later)
    }

    /// A response from a peer: if it answers a pending route of which this peer is the
    /// owner, relay it to the requester with only the id replaced. Anything else is
    /// dropped silently (late answers, unknown ids).
    fn route_response(&mut self, conn: ConnId, text: &str, env: &Envelope<'_>) {
        let Some(id) = env.id else { return };
        let Some(n) = Routes::parse_id(id.get()) else {
            return;
        };
        let Some(route) = self.routes.take(n) else {
            return;
        };
        if route.owner != conn {
            // Not this peer's to answer; keep the route for its real owner.
            self.routes.insert_back(n, route);
            return;
        }
        let Some(requester) = self.route_done(&route) else {
            return;
        };
        let span = message::span_in(text, id.get());
        requester.outbox.push_with(|b| {
            b.extend_from_slice(&text.as_bytes()[..span.start]);
            b.extend_from_slice(route.requester_id.as_bytes());
            b.extend_from_slice(&text.as_bytes()[span.end..]);
        });
    }

    /// A route ended (answered, timed out, owner gone): the requester has one request
    /// less in flight. Returns the requester if it is still connected.
    fn route_done(&mut self, route: &Route) -> Option<&Conn> {
        let c = self.conns.get_mut(&route.requester)?;
        c.pending = c.pending.saturating_sub(1);
        Some(c)
    }

    pub(super) fn expire_routes(&mut self, now: Instant) {
        for route in self.routes.expire(now) {
            if let Some(c) = self.route_done(&route) {
                tracing::debug!(path = %route.path, "routed request timed out");
                c.outbox.push_with(|b| {
                    b.extend_from_slice(b"{\"id\":");
                    b.extend_from_slice(route.requester_id.as_bytes());
                    b.extend_from_slice(
                        b",\"error\":{\"message\":\"Response Timeout\",\"code\":-32001,\"data\":",
                    );
                    b.extend_from_slice(route.params.as_bytes());
                    b.extend_from_slice(b"}}");
                });
            }
        }
    }

    // ---- fetch -----------------------------------------------------------------------

    fn fetch(
        &mut self,
        conn: ConnId,
        id: Option<&RawValue>,
        p: &Params<'_>,
        raw: Option<&RawValue>,
    ) -> Result<Reply, ErrorObject> {
        let fetch_id = fetch_id(p.id, raw)?;
        if self.conn(conn).fetchers.contains_key(fetch_id.get()) {
            return Err(ErrorObject::fetch_id_in_use(message::got(Some(fetch_id))));
        }
        let limit = self.config.max_fetchers_per_peer;
        if self.conn(conn).fetchers.len() >= limit {
            return Err(ErrorObject::limit_exceeded("fetchersPerPeer", limit));
        }
        let expr = parse_expr(raw)?;
        let hint = expr.path_hint();
        let key = self
            .fetchers
            .insert(Fetcher::new(conn, fetch_id.get().into(), expr));
        self.index.insert(key, &hint);
        let c = self.conns.get_mut(&conn).expect("live connection");
        c.fetchers.insert(fetch_id.get().into(), key);
        // The response goes out before the initial notifications (A.6).
        if let Some(id) = id {
            out::result(&c.outbox, id.get(), TRUE);
        }
        self.setup_fetcher(conn, key, &hint);
        Ok(Reply::Later)
    }

    /// Attach a new fetcher to every matching element, in insertion order, reporting each.
    fn setup_fetcher(&mut self, conn: ConnId, key: FetcherKey, hint: &PathHint) {
        let matching = self.matching_elements(
            conn,
            &self.fetchers.get(key).expect("new fetcher").expr,
            hint,
        );
        let c = self.conns.get(&conn).expect("live connection");
        let f = self.fetchers.get_mut(key).expect("new fetcher");
        for id in matching {
            let el = self.elements.get_mut(id);
            let fo = fetch_only_for(el, c.auth.as_ref());
            el.fetchers.push((key, fo));
            f.initial(&c.outbox, &el.path, el.value.as_ref(), fo);
        }
        f.flush(&c.outbox);
    }

    /// Elements whose path matches and that `conn` may fetch, in insertion order.
    fn matching_elements(&self, conn: ConnId, expr: &FetchExpr, hint: &PathHint) -> Vec<ElemId> {
        let auth = self.auth_of(conn);
        let mut ids: Vec<ElemId> = match hint {
            PathHint::Equals(paths) => paths
                .iter()
                .filter_map(|p| self.elements.lookup(p))
                .collect(),
            PathHint::Prefix(prefix) => self.elements.with_prefix(prefix).collect(),
            PathHint::Any => self.elements.all_ids().collect(),
        };
        ids.retain(|&id| {
            let el = self.elements.get(id);
            expr.matches_path(&el.path) && allowed(el.access.as_deref(), auth, Op::Fetch)
        });
        ids.sort_unstable_by_key(|&id| self.elements.get(id).seq);
        ids.dedup();
        ids
    }

    fn unfetch(
        &mut self,
        conn: ConnId,
        p: &Params<'_>,
        raw: Option<&RawValue>,
    ) -> Result<Reply, ErrorObject> {
        let fetch_id = fetch_id(p.id, raw)?;
        let key = self
            .conns
            .get_mut(&conn)
            .and_then(|c| c.fetchers.remove(fetch_id.get()))
            .ok_or_else(|| ErrorObject::fetch_not_found(message::got(Some(fetch_id))))?;
        self.drop_fetcher(key);
        Ok(Reply::Result(TRUE.into()))
    }

    /// Detach a fetcher from its elements and the index and forget it.
    fn drop_fetcher(&mut self, key: FetcherKey) {
        let Some(f) = self.fetchers.remove(key) else {
            return;
        };
        let hint = f.expr.path_hint();
        self.index.remove(key, &hint);
        let ids: Vec<ElemId> = match &hint {
            PathHint::Equals(paths) => paths
                .iter()
                .filter_map(|p| self.elements.lookup(p))
                .collect(),
            PathHint::Prefix(prefix) => self.elements.with_prefix(prefix).collect(),
            PathHint::Any => self.elements.all_ids().collect(),
        };
        for id in ids {
            self.elements
                .get_mut(id)
                .fetchers
                .retain(|(k, _)| *k != key);
        }
    }

    fn get(&mut self, conn: ConnId, raw: Option<&RawValue>) -> Result<Reply, ErrorObject> {
        let expr = parse_expr(raw)?;
        let hint = expr.path_hint();
        let auth = self.auth_of(conn);
        let matching = self.matching_elements(conn, &expr, &hint);
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
                    fetch_only_for(el, auth),
                );
            }
            write_entries(&mut b, &sorter.flush(), true);
        } else {
            b.push(b'[');
            let mut first = true;
            for id in matching {
                let el = self.elements.get(id);
                if expr.has_value_rule() {
                    let mut lazy = LazyValue::new(el.value.as_ref());
                    if !expr.matches_value(lazy.get()) {
                        continue;
                    }
                }
                if !first {
                    b.push(b',');
                }
                first = false;
                out::write_get_entry(
                    &mut b,
                    &el.path,
                    el.value.as_ref(),
                    fetch_only_for(el, auth),
                );
            }
            b.push(b']');
        }
        Ok(Reply::Result(
            String::from_utf8(b).expect("JSON text is UTF-8").into(),
        ))
    }

    /// `schema`: the JSON Schemas given in `add` for the visible elements whose path
    /// matches the rule, as `[{"path","schema"}]` in insertion order (an extension of
    /// jetd, advertised as `features.schemas`).
    fn schema(&mut self, conn: ConnId, raw: Option<&RawValue>) -> Result<Reply, ErrorObject> {
        let expr = parse_expr(raw)?;
        let hint = expr.path_hint();
        let mut b = Vec::from(&b"["[..]);
        let mut first = true;
        for id in self.matching_elements(conn, &expr, &hint) {
            let el = self.elements.get(id);
            let Some(schema) = &el.schema else { continue };
            if !first {
                b.push(b',');
            }
            first = false;
            b.extend_from_slice(b"{\"path\":");
            jet_runtime::protocol::write_json_str(&mut b, &el.path);
            b.extend_from_slice(b",\"schema\":");
            b.extend_from_slice(schema.as_str().as_bytes());
            b.push(b'}');
        }
        b.push(b']');
        Ok(Reply::Result(
            String::from_utf8(b).expect("JSON text is UTF-8").into(),
        ))
    }

    // ---- config / authenticate -------------------------------------------------------

    fn config(
        &mut self,
        conn: ConnId,
        p: &Params<'_>,
        raw: Option<&RawValue>,
    ) -> Result<Reply, ErrorObject> {
        if p.name.is_some() {
            let name = required_str(p.name, "name", raw)?;
            let c = self.conns.get_mut(&conn).expect("live connection");
            tracing::debug!(conn, name = %name, "peer named itself");
            c.name = Some(name.into_owned());
        }
        Ok(Reply::Result(TRUE.into()))
    }

    fn authenticate(
        &mut self,
        conn: ConnId,
        p: &Params<'_>,
        raw: Option<&RawValue>,
    ) -> Result<Reply, ErrorObject> {
        let user = required_str(p.user, "user", raw)?;
        let password = required_str(p.password, "password", raw)?;
        if !self.conn(conn).fetchers.is_empty() {
            return Err(ErrorObject::already_fetching());
        }
        Ok(Reply::Authenticate(
            user.into_owned(),
            password.into_owned(),
        ))
    }

    pub(super) fn finish_authenticate(
        &mut self,
        conn: ConnId,
        auth: PendingAuth,
        groups: Option<Groups>,
    ) {
        let Some(c) = self.conns.get_mut(&conn) else {
            return;
        };
        let reply = match groups {
            None => {
                c.auth_failures = c.auth_failures.saturating_add(1);
                tracing::info!(conn, addr = ?c.addr, failures = c.auth_failures, "authentication failed");
                Err(ErrorObject::invalid_credentials())
            }
            Some(_) if !c.fetchers.is_empty() => Err(ErrorObject::already_fetching()),
            Some(groups) => {
                let text = serde_json::to_string(&groups).expect("groups serialise");
                c.auth = Some(groups);
                Ok(text)
            }
        };
        let Some(id) = auth.id else { return };
        match reply {
            Ok(text) => out::result(&c.outbox, &id, &text),
            Err(e) => out::error(&c.outbox, Some(&id), &e),
        }
    }

    // ---- lifecycle -------------------------------------------------------------------

    pub(super) fn disconnect(&mut self, conn: ConnId) {
        let Some(c) = self.conns.get_mut(&conn) else {
            return;
        };
        let fetchers: Vec<FetcherKey> = c.fetchers.drain().map(|(_, k)| k).collect();
        let mut owned: Vec<ElemId> = c.owned.iter().copied().collect();
        tracing::debug!(conn, transport = c.transport, name = ?c.name, "peer disconnected");
        for key in fetchers {
            self.drop_fetcher(key);
        }
        owned.sort_unstable_by_key(|&id| self.elements.get(id).seq);
        for id in owned {
            self.remove_element(id);
        }
        for route in self
            .routes
            .drain_where(|r| r.owner == conn || r.requester == conn)
        {
            if route.requester == conn {
                continue;
            }
            if let Some(req) = self.route_done(&route) {
                out::error(
                    &req.outbox,
                    Some(&route.requester_id),
                    &ErrorObject::owner_disconnected(&route.path),
                );
            }
        }
        self.conns.remove(&conn);
    }
}

/// Whether a fetching peer sees an element as fetch-only: the flag from `add`, or no
/// set (state) / call (method) access for it.
fn fetch_only_for(el: &Element, auth: Option<&Groups>) -> bool {
    let op = if el.is_method() { Op::Call } else { Op::Set };
    el.fetch_only || !allowed(el.access.as_deref(), auth, op)
}

fn required_str<'a>(
    member: Option<&'a RawValue>,
    key: &str,
    raw: Option<&RawValue>,
) -> Result<std::borrow::Cow<'a, str>, ErrorObject> {
    let member = member.ok_or_else(|| ErrorObject::missing_param(key, message::got(raw)))?;
    message::as_str(member).ok_or_else(|| ErrorObject::wrong_type(key, message::got(raw)))
}

fn optional_bool(
    member: Option<&RawValue>,
    key: &str,
    raw: Option<&RawValue>,
) -> Result<Option<bool>, ErrorObject> {
    match member.map(RawValue::get) {
        None => Ok(None),
        Some("true") => Ok(Some(true)),
        Some("false") => Ok(Some(false)),
        Some(_) => Err(ErrorObject::wrong_type(key, message::got(raw))),
    }
}

/// `timeout` in seconds: a positive, finite number (A.5).
fn optional_timeout(
    member: Option<&RawValue>,
    raw: Option<&RawValue>,
) -> Result<Option<Duration>, ErrorObject> {
    let Some(member) = member else {
        return Ok(None);
    };
    let secs: Option<f64> = serde_json::from_str(member.get()).ok();
    match secs {
        Some(s) if s.is_finite() && s > 0.0 && s < 1e9 => Ok(Some(Duration::from_secs_f64(s))),
        _ => Err(ErrorObject::wrong_type("timeout", message::got(raw))),
    }
}

/// A fetch id: a string or a number.
fn fetch_id<'a>(
    member: Option<&'a RawValue>,
    raw: Option<&RawValue>,
) -> Result<&'a RawValue, ErrorObject> {
    let id = member.ok_or_else(|| ErrorObject::missing_param("id", message::got(raw)))?;
    let first = id.get().as_bytes().first().copied().unwrap_or(b' ');
    if first == b'"' || first == b'-' || first.is_ascii_digit() {
        Ok(id)
    } else {
        Err(ErrorObject::wrong_type("id", message::got(raw)))
    }
}

fn parse_expr(raw: Option<&RawValue>) -> Result<FetchExpr, ErrorObject> {
    let value = message::got(raw);
    FetchExpr::parse(&value).map_err(|e| ErrorObject::invalid_fetch(e.0))
}

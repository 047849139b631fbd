//! Routed `set` and `call` (PROTOCOL.md A.5): forwarding to the owner, relaying its
//! answer, timeouts.

use std::time::Instant;

use jet_runtime::protocol::ErrorObject;
use serde_json::value::RawValue;

use crate::bus::message::{self, Envelope};
use crate::bus::params::Params;
use crate::bus::registry::access::{allowed, Op};
use crate::bus::registry::routes::{Route, Routes};
use crate::bus::{wire, Conn, ConnId, Core};

use crate::bus::reply::{MethodResult, Reply};

impl Core {
    pub(in crate::bus) fn route_request(
        &mut self,
        conn: ConnId,
        op: Op,
        id: Option<&RawValue>,
        p: &Params<'_>,
    ) -> MethodResult {
        let path = p.path()?;
        let timeout = p.timeout()?;
        let routed = match op {
            Op::Set => wire::Routed::Set {
                value: p.value()?.get(),
                value_as_result: p.flag(p.m.value_as_result, "valueAsResult")?,
            },
            _ => match p.m.args {
                None => wire::Routed::Call { args: None },
                Some(a) if a.get().starts_with('[') || a.get().starts_with('{') => {
                    wire::Routed::Call {
                        args: Some(a.get()),
                    }
                }
                Some(_) => return Err(p.wrong_type("args")),
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
        let route_id = id.map(|id| {
            let deadline = Instant::now() + timeout;
            let n = self.routes.insert(Route {
                requester: conn,
                requester_id: id.get().into(),
                owner,
                path: el_path,
                op,
                params: p.raw().map_or_else(|| "{}".into(), |r| r.get().into()),
                timeout,
                deadline,
            });
            if let Some(c) = self.conns.get_mut(&conn) {
                c.pending += 1;
            }
            if self.timer_next.is_none_or(|t| deadline < t) {
                self.timer_next = Some(deadline);
                self.timer_wake.notify_one();
            }
            n
        });
        let owner = self.conn(owner);
        let path_json = p.m.path.expect("checked by p.path()").get();
        wire::routed_request(&owner.outbox, owner.dialect, route_id, path_json, &routed);
        Ok(Reply::Later)
    }

    /// A response from a peer: if it answers a pending route of which this peer is the
    /// owner, relay it to the requester with only the id replaced. Anything else is
    /// dropped silently (late answers, unknown ids).
    pub(in crate::bus) fn route_response(&mut self, conn: ConnId, text: &str, env: &Envelope<'_>) {
        let Some(id) = env.id else { return };
        let Some(n) = Routes::parse_id(id.get()) else {
            return;
        };
        // Only the owner the request went to may answer it; the route stays pending for it.
        let Some(route) = self.routes.take_answer(n, conn) else {
            return;
        };
        let Some(requester) = self.route_done(&route) else {
            return;
        };
        let span = message::span_in(text, id.get());
        let answer = wire::Answer {
            text,
            result: env.result.map(RawValue::get),
            error: env.error.map(RawValue::get),
            path: &route.path,
            op: route.op,
        };
        wire::relay(
            &requester.outbox,
            requester.dialect,
            answer,
            span,
            &route.requester_id,
        );
    }

    /// A route ended (answered, timed out, owner gone): the requester has one request
    /// less in flight. Returns the requester if it is still connected.
    pub(in crate::bus) fn route_done(&mut self, route: &Route) -> Option<&Conn> {
        let c = self.conns.get_mut(&route.requester)?;
        c.pending = c.pending.saturating_sub(1);
        Some(c)
    }

    pub(in crate::bus) fn expire_routes(&mut self, now: Instant) {
        for route in self.routes.expire(now) {
            if let Some(c) = self.route_done(&route) {
                tracing::debug!(path = %route.path, "routed request timed out");
                wire::timeout(&c.outbox, c.dialect, &route.requester_id, &route.params);
            }
        }
    }
}

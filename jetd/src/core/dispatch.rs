//! The daemon methods (PROTOCOL.md A.4) and response routing (A.5), run under the core lock.
//!
//! This file classifies messages, dispatches the method table and holds the parameter
//! helpers; the methods themselves live by topic in `elements_ops.rs` (add, remove,
//! change), `routing.rs` (set, call, owners' answers, timeouts), `fetching.rs` (fetch,
//! unfetch, get, schema) and `session.rs` (config, authenticate, disconnect).

use std::time::Duration;

use jet_runtime::fetch::engine::FetchExpr;
use jet_runtime::protocol::ErrorObject;
use serde_json::value::RawValue;
use serde_json::Value;

use super::access::{allowed, Op};
use super::elements::{ElemId, Element};
use super::message::{self, Envelope, Message, Params};
use super::{out, Conn, ConnId, Core, PendingAuth};
use crate::auth::Groups;

/// The result of a daemon method: a response to send, nothing (routed: the owner answers
/// later), or an `authenticate` to verify off the lock.
pub(super) enum Reply {
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

pub(super) const TRUE: &str = "true";

impl Core {
    /// Handle one message of a frame, parsed and classified before the lock was taken.
    /// Returns an `authenticate` to verify.
    pub(super) fn handle_message(
        &mut self,
        conn: ConnId,
        msg: &Message<'_>,
    ) -> Option<PendingAuth> {
        let Some(env) = &msg.env else {
            // Not an object: an Invalid Request without id (A.1).
            self.send_invalid_request(conn, None, msg.text);
            return None;
        };
        if env.method.is_none() {
            if env.is_response() {
                self.route_response(conn, msg.text, env);
            } else if let Some(id) = env.request_id() {
                self.send_invalid_request(conn, Some(id.get()), msg.text);
            }
            return None;
        }
        let id = env.request_id();
        let Some(method) = &msg.method else {
            if let Some(id) = id {
                self.send_invalid_request(conn, Some(id.get()), msg.text);
            }
            return None;
        };
        let reply = self.call_method(conn, method, id, env, msg.params);
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

    /// An Invalid Request error whose data is the offending message (A.1).
    fn send_invalid_request(&self, conn: ConnId, id: Option<&str>, text: &str) {
        let data = serde_json::from_str(text).unwrap_or(Value::Null);
        self.send_error(conn, id, &ErrorObject::invalid_request(data));
    }

    pub(super) fn send_error(&self, conn: ConnId, id: Option<&str>, err: &ErrorObject) {
        if let Some(c) = self.conns.get(&conn) {
            out::error(&c.outbox, id, err);
        }
    }

    /// Run a daemon method. `params` are the parsed params of a method that reads them
    /// ([`message::takes_params`]), `None` for any other method.
    pub(super) fn call_method(
        &mut self,
        conn: ConnId,
        method: &str,
        id: Option<&RawValue>,
        env: &Envelope<'_>,
        params: Option<Result<Params<'_>, ()>>,
    ) -> Reply {
        let raw_params = env.params;
        let p = match (method, params) {
            ("info", _) => return Reply::Result(self.info.clone().into()),
            ("echo", _) => {
                return Reply::Result(raw_params.map_or(TRUE.into(), |p| p.get().to_owned().into()))
            }
            (_, Some(Ok(p))) => p,
            (_, Some(Err(()))) => {
                return ErrorObject::wrong_type("params", message::got(raw_params)).into()
            }
            (_, None) => {
                return ErrorObject::method_not_found(Value::String(method.to_owned())).into()
            }
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
            _ => unreachable!("params are parsed only for the methods above"),
        };
        result.unwrap_or_else(Reply::Error)
    }

    pub(super) fn conn(&self, conn: ConnId) -> &Conn {
        self.conns
            .get(&conn)
            .expect("messages come from live connections")
    }

    pub(super) fn auth_of(&self, conn: ConnId) -> Option<&Groups> {
        self.conns.get(&conn).and_then(|c| c.auth.as_ref())
    }

    /// Look up an element the way a peer may see it: one it may not fetch does not exist
    /// for it (A.9: invisible, also through errors).
    pub(super) fn visible(&self, conn: ConnId, path: &str) -> Result<ElemId, ErrorObject> {
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
    pub(super) fn owned(&self, conn: ConnId, path: &str) -> Result<ElemId, ErrorObject> {
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
}

/// Whether a fetching peer sees an element as fetch-only: the flag from `add`, or no
/// set (state) / call (method) access for it.
pub(super) fn fetch_only_for(el: &Element, auth: Option<&Groups>) -> bool {
    let op = if el.is_method() { Op::Call } else { Op::Set };
    el.fetch_only || !allowed(el.access.as_deref(), auth, op)
}

pub(super) fn required_str<'a>(
    member: Option<&'a RawValue>,
    key: &str,
    raw: Option<&RawValue>,
) -> Result<std::borrow::Cow<'a, str>, ErrorObject> {
    let member = member.ok_or_else(|| ErrorObject::missing_param(key, message::got(raw)))?;
    message::as_str(member).ok_or_else(|| ErrorObject::wrong_type(key, message::got(raw)))
}

pub(super) fn optional_bool(
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
pub(super) fn optional_timeout(
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
pub(super) fn fetch_id<'a>(
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

pub(super) fn parse_expr(raw: Option<&RawValue>) -> Result<FetchExpr, ErrorObject> {
    let value = message::got(raw);
    FetchExpr::parse(&value).map_err(|e| ErrorObject::invalid_fetch(e.0))
}

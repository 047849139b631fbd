//! The daemon methods (PROTOCOL.md A.4) and response routing (A.5), run under the core lock.
//!
//! This file turns a classified message into a method call (an exhaustive match over
//! [`DaemonMethod`]) and its reply into a response, and holds the lookups every method
//! shares (`visible`, `owned`). The methods live by topic in `methods/`: `elements.rs`
//! (add, remove, change), `routing.rs` (set, call, owners' answers, timeouts),
//! `fetching.rs` (fetch, unfetch, get, schema) and `session.rs` (config, authenticate,
//! disconnect); their params are read through [`Params`] (`params.rs`).

use jet_runtime::protocol::ErrorObject;
use serde_json::value::RawValue;
use serde_json::Value;

use super::message::{self, Envelope, Members, Message};
use super::method::DaemonMethod;
use super::params::Params;
use super::registry::access::{allowed, Op};
use super::registry::elements::ElemId;
use super::reply::{Reply, TRUE};
use super::{wire, Conn, ConnId, Core, Dialect, PendingAuth};

/// Why `addUser` (node-jet 3) is refused: jetd's users come from its users file.
const ADD_USER_REFUSED: &str = "jetd takes its users from the users file (--users FILE, \
    see docs/AUTHENTICATION.md); addUser is not supported";
use crate::auth::Groups;

impl Core {
    /// Handle one message of a frame, parsed and classified before the lock was taken.
    /// Returns an `authenticate` to verify.
    pub(in crate::bus) fn handle_message(
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
        if let Some(c) = self.conns.get_mut(&conn) {
            if !c.dialect_known {
                c.dialect_known = true;
                if super::n3::looks_like_n3(env, msg.method.as_deref()) {
                    tracing::debug!(conn = %conn, "peer speaks node-jet 3");
                    c.dialect = Dialect::N3;
                }
            }
        }
        let Some(name) = &msg.method else {
            if let Some(id) = id {
                self.send_invalid_request(conn, Some(id.get()), msg.text);
            }
            return None;
        };
        let reply = match msg.daemon_method {
            Some(method) if method.n3_only() && self.dialect(conn) == Dialect::Classic => {
                ErrorObject::method_not_found(Value::String(name.clone().into_owned())).into()
            }
            Some(method) => self.call_method(conn, method, id, env, msg.params),
            None => ErrorObject::method_not_found(Value::String(name.clone().into_owned())).into(),
        };
        match reply {
            Reply::Result(result) => {
                if let (Some(id), Some(c)) = (id, self.conns.get(&conn)) {
                    let result = if result == TRUE {
                        wire::ok_text(c.dialect)
                    } else {
                        &result
                    };
                    wire::result(&c.outbox, id.get(), result);
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

    pub(in crate::bus) fn send_error(&self, conn: ConnId, id: Option<&str>, err: &ErrorObject) {
        if let Some(c) = self.conns.get(&conn) {
            wire::error(&c.outbox, c.dialect, id, err);
        }
    }

    /// Run a daemon method. `params` are the parsed params of a method that reads them
    /// ([`DaemonMethod::takes_params`]), `None` for `info` and `echo`.
    pub(in crate::bus) fn call_method(
        &mut self,
        conn: ConnId,
        method: DaemonMethod,
        id: Option<&RawValue>,
        env: &Envelope<'_>,
        params: Option<Result<Members<'_>, ()>>,
    ) -> Reply {
        let p = match params {
            Some(Ok(m)) => Params::new(m, env.params),
            Some(Err(())) => {
                return ErrorObject::wrong_type("params", message::got(env.params)).into()
            }
            None => Params::new(Members::default(), env.params),
        };
        let result = match method {
            DaemonMethod::Info => Ok(Reply::Result(
                match self.dialect(conn) {
                    Dialect::Classic => self.info.clone(),
                    Dialect::N3 => self.info_n3.clone(),
                }
                .into(),
            )),
            DaemonMethod::Echo => Ok(Reply::Result(
                p.raw().map_or(TRUE.into(), |p| p.get().to_owned().into()),
            )),
            DaemonMethod::Add => self.add(conn, &p),
            DaemonMethod::Remove => self.remove(conn, &p),
            DaemonMethod::Change => self.change(conn, &p),
            DaemonMethod::Set => self.route_request(conn, Op::Set, id, &p),
            DaemonMethod::Call => self.route_request(conn, Op::Call, id, &p),
            DaemonMethod::Fetch => self.fetch(conn, id, &p),
            DaemonMethod::Unfetch => self.unfetch(conn, &p),
            DaemonMethod::Get => self.get(conn, &p),
            DaemonMethod::Schema => self.schema(conn, &p),
            DaemonMethod::Config | DaemonMethod::Configure => self.config(conn, &p),
            DaemonMethod::AddUser => Err(ErrorObject::invalid_params_with(
                "addUserRefused",
                Value::String(ADD_USER_REFUSED.into()),
            )),
            DaemonMethod::Authenticate => self.authenticate(conn, &p),
        };
        result.unwrap_or_else(Reply::Error)
    }

    pub(in crate::bus) fn conn(&self, conn: ConnId) -> &Conn {
        self.conns
            .get(&conn)
            .expect("messages come from live connections")
    }

    pub(in crate::bus) fn auth_of(&self, conn: ConnId) -> Option<&Groups> {
        self.conns.get(&conn).and_then(|c| c.auth.as_ref())
    }

    /// Look up an element the way a peer may see it: one it may not fetch does not exist
    /// for it (A.9: invisible, also through errors).
    pub(in crate::bus) fn visible(&self, conn: ConnId, path: &str) -> Result<ElemId, ErrorObject> {
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
    pub(in crate::bus) fn owned(&self, conn: ConnId, path: &str) -> Result<ElemId, ErrorObject> {
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

//! [`PeerError`]: everything a peer operation can fail with, typed by what the caller can do
//! about it.
//!
//! Daemons report Jet-level failures as `-32602 Invalid params` with a one-key `data` object
//! (PROTOCOL.md A.3). This module turns those into variants, so callers match on
//! `PeerError::NotFound(path)` instead of digging in JSON. The keys of node-jet/jetd and of
//! cjet (`"not exists"`, `"exists"`, ...) are both understood, so the same code works on
//! either daemon.

use std::sync::Arc;

use serde_json::Value;

use crate::protocol::{codes, ErrorObject};

/// A failed peer operation.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum PeerError {
    /// The address is none of `host:port`, `tls://host:port`, `ws://host:port/path` and
    /// `wss://host:port/path`.
    #[error("invalid daemon address `{0}`: expected `host:port`, `tls://host:port`, `ws://host:port/path` or `wss://host:port/path`")]
    InvalidAddress(String),
    /// The daemon could not be reached or the WebSocket handshake failed.
    #[error("cannot connect to {addr}: {reason}")]
    Connect {
        /// The address as given.
        addr: String,
        /// What failed.
        reason: String,
    },
    /// Something answered at the address but refused the WebSocket upgrade with this HTTP
    /// status (404: a daemon that serves another path, such as cjet's `/api/jet/`; 400 from
    /// jetd: a `ws://` client on its `wss://` port).
    #[error("cannot connect to {addr}: the daemon refused the WebSocket {} (HTTP {status}{})", if *.status == 404 { "path" } else { "upgrade" }, .reason.as_ref().map_or_else(String::new, |r| format!(": {r}")))]
    WebSocketRefused {
        /// The address as given.
        addr: String,
        /// The HTTP status of the daemon's answer.
        status: u16,
        /// The first line of the answer's body, when it has one in plain text.
        reason: Option<String>,
    },
    /// The daemon's TLS certificate is not trusted: signed by a CA the peer does not know
    /// (`unknown_issuer`: give it with
    /// [`PeerBuilder::tls_ca_file`](super::PeerBuilder::tls_ca_file)), expired, or not for
    /// the host name connected to.
    #[error("cannot connect to {addr}: the daemon's certificate is not trusted: {reason}{}", if *.unknown_issuer { "; give the CA that signed it (PeerBuilder::tls_ca_file)" } else { "" })]
    Untrusted {
        /// The address as given.
        addr: String,
        /// What is wrong with the certificate.
        reason: String,
        /// No trusted CA signed it (a self-signed or private-CA deployment).
        unknown_issuer: bool,
    },
    /// The CA file given with [`PeerBuilder::tls_ca_file`](super::PeerBuilder::tls_ca_file)
    /// cannot be used.
    #[error("the CA file {path}: {reason}")]
    CaFile {
        /// The file as given.
        path: String,
        /// What is wrong with it.
        reason: String,
    },
    /// No element at this path (`pathNotExists`).
    #[error("no element at path `{0}`")]
    NotFound(String),
    /// The path is already taken by an element (`pathAlreadyExists`).
    #[error("path `{0}` is already in use")]
    Occupied(String),
    /// The element belongs to another peer (`foreignPath`): only its owner may change or remove it.
    #[error("path `{0}` belongs to another peer")]
    Foreign(String),
    /// The element was added fetch-only (read-only): it cannot be set or called.
    #[error("path `{0}` is fetch-only (read-only)")]
    FetchOnly(String),
    /// The authenticated user (or an anonymous peer) may not do this (`noAccess`).
    #[error("no access to path `{0}`; authenticate as a user whose groups allow it")]
    NoAccess(String),
    /// `set` of a method or `change` of a method (`notAState`).
    #[error("path `{0}` is a method, not a state")]
    NotAState(String),
    /// `call` of a state (`notAMethod`).
    #[error("path `{0}` is a state, not a method")]
    NotAMethod(String),
    /// No answer in time. `details` is the daemon's data for a routed timeout (`-32001`, the
    /// original params); `None` when the peer's own request timeout expired.
    #[error("no response in time{}", match .details { Some(d) => format!(" (daemon reported {d})"), None => String::new() })]
    Timeout {
        /// The daemon's error data, if the daemon timed out.
        details: Option<Value>,
    },
    /// The owner of the element disconnected while the request was pending.
    #[error("the owner of `{}` disconnected before answering", .0.as_deref().unwrap_or("the element"))]
    OwnerDisconnected(Option<String>),
    /// User or password refused by `authenticate`.
    #[error("invalid user name or password")]
    InvalidCredentials,
    /// `authenticate` after this peer already fetched: authenticate first.
    #[error("authenticate before fetching: the daemon refuses it after a fetch")]
    AlreadyFetching,
    /// The parameters were refused: by the daemon (missing or mistyped member, malformed
    /// fetch, ...) or by the element's owner (a refused value: node-jet's `invalidArgument`,
    /// shown as "the owner refused: `<its message>`").
    #[error("{}", fmt_invalid_params(.message, .data))]
    InvalidParams {
        /// The error object's message.
        message: String,
        /// The error object's data.
        data: Option<Value>,
    },
    /// The daemon does not know the method (e.g. `info` on lua-jet).
    #[error("the daemon does not support `{0}`")]
    MethodNotFound(String),
    /// The connection is gone (closed by either side, or not yet re-established).
    #[error("connection to the daemon closed")]
    ConnectionClosed,
    /// The peer was closed with [`Peer::close`](super::Peer::close).
    #[error("the peer was closed")]
    Closed,
    /// Any other error, as sent by the daemon or relayed from the element's owner.
    #[error("error {code}: {message}{}", fmt_data(.data))]
    Remote {
        /// The error object's code.
        code: i64,
        /// The error object's message.
        message: String,
        /// The error object's data.
        data: Option<Value>,
    },
    /// The daemon sent something this peer cannot understand.
    #[error("protocol violation by the daemon: {0}")]
    Protocol(String),
    /// Reading or writing the socket failed.
    #[error("i/o error: {0}")]
    Io(Arc<std::io::Error>),
}

fn fmt_data(data: &Option<Value>) -> String {
    match data {
        Some(d) => format!(": {d}"),
        None => String::new(),
    }
}

fn fmt_invalid_params(message: &str, data: &Option<Value>) -> String {
    if let Some(refusal) = data.as_ref().and_then(owner_refusal) {
        return refusal;
    }
    match data.as_ref().and_then(reason) {
        Some(reason) => format!("{message}: {reason}"),
        None => format!("{message}{}", fmt_data(data)),
    }
}

/// An `invalidArgument` refusal in the owner's words: "the owner of `p` refused: <reason>"
/// when the owner names path and reason (the typed layer does), else "the owner refused:
/// <message>" (`{"invalidArgument":{"message":..}}`, or a bare string).
fn owner_refusal(data: &Value) -> Option<String> {
    let detail = data.get("invalidArgument")?;
    if let Value::String(s) = detail {
        return Some(format!("the owner refused: {s}"));
    }
    let text = |key: &str| detail.get(key).and_then(Value::as_str);
    match (text("path"), text("reason"), text("message")) {
        (Some(path), Some(reason), _) => Some(format!("the owner of `{path}` refused: {reason}")),
        (_, _, Some(message)) => Some(format!("the owner refused: {message}")),
        _ => None,
    }
}

/// cjet's `{"reason":"<text>"}`.
fn reason(data: &Value) -> Option<&str> {
    match data {
        Value::Object(m) if m.len() == 1 => m.get("reason")?.as_str(),
        _ => None,
    }
}

impl PeerError {
    /// The peer's own request timeout expired. (Which timeout is the caller's to say: the
    /// error carries no details for a local timeout, see [`PeerError::Timeout`].)
    pub(crate) fn local_timeout() -> Self {
        PeerError::Timeout { details: None }
    }

    /// Classify an `error` member of a response. Some daemons (lua-jet on internal failures)
    /// put a bare string there instead of an object; that becomes a `-32603` [`Remote`].
    ///
    /// [`Remote`]: PeerError::Remote
    pub fn from_error_value(error: Value) -> Self {
        match serde_json::from_value::<ErrorObject>(error.clone()) {
            Ok(obj) => Self::from_error_object(obj),
            Err(_) => PeerError::Remote {
                code: codes::INTERNAL_ERROR,
                message: match error {
                    Value::String(s) => s,
                    other => other.to_string(),
                },
                data: None,
            },
        }
    }

    /// Map an error object to the variant that names the case (PROTOCOL.md A.3, B.3.2,
    /// and node-jet 3's `data.name`, C.1.4).
    pub fn from_error_object(obj: ErrorObject) -> Self {
        if let Some(e) = Self::from_n3(&obj) {
            return e;
        }
        let kind_value = |obj: &ErrorObject| -> Option<(String, Value)> {
            match &obj.data {
                Some(Value::Object(map)) if map.len() == 1 || obj.code == codes::INTERNAL_ERROR => {
                    map.iter().next().map(|(k, v)| (k.clone(), v.clone()))
                }
                _ => None,
            }
        };
        let path_of = |v: &Value| match v {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        match obj.code {
            codes::INVALID_PARAMS => {
                if let Some((kind, value)) = kind_value(&obj) {
                    let path = path_of(&value);
                    match kind.as_str() {
                        "pathNotExists" | "not exists" => return PeerError::NotFound(path),
                        "pathAlreadyExists" | "exists" => return PeerError::Occupied(path),
                        "foreignPath" | "not owner of state" => return PeerError::Foreign(path),
                        "fetchOnly" => return PeerError::FetchOnly(path),
                        "noAccess" | "request not authorized" => return PeerError::NoAccess(path),
                        "notAState" | "change on method not possible" => {
                            return PeerError::NotAState(path)
                        }
                        "notAMethod" => return PeerError::NotAMethod(path),
                        "invalidCredentials"
                        | "invalidUser"
                        | "invalidPassword"
                        | "invalid credentials" => return PeerError::InvalidCredentials,
                        "alreadyFetching" | "fetched before authenticate" => {
                            return PeerError::AlreadyFetching
                        }
                        _ => {}
                    }
                }
                PeerError::InvalidParams {
                    message: obj.message,
                    data: obj.data,
                }
            }
            codes::RESPONSE_TIMEOUT => PeerError::Timeout { details: obj.data },
            codes::METHOD_NOT_FOUND => PeerError::MethodNotFound(match obj.data {
                Some(Value::String(s)) => s,
                // cjet: `{"reason":"<method>"}`.
                Some(other) => reason(&other).map_or_else(|| other.to_string(), str::to_owned),
                None => String::new(),
            }),
            codes::INTERNAL_ERROR => match kind_value(&obj) {
                Some((kind, value)) if kind == "ownerDisconnected" => {
                    PeerError::OwnerDisconnected(Some(path_of(&value)))
                }
                // cjet's words for the same two situations.
                Some((kind, Value::String(reason))) if kind == "reason" => match reason.as_str() {
                    "peer shuts down" => PeerError::OwnerDisconnected(None),
                    "timeout for routed request" => PeerError::Timeout { details: obj.data },
                    _ => PeerError::remote(obj),
                },
                _ => PeerError::remote(obj),
            },
            _ => PeerError::remote(obj),
        }
    }

    /// node-jet 3's errors name themselves in `data.name` (`jet.NotFound`, ...) with the
    /// path, when there is one, in `data.details` (PROTOCOL.md C.1.4).
    fn from_n3(obj: &ErrorObject) -> Option<Self> {
        let data = obj.data.as_ref()?.as_object()?;
        let name = data.get("name")?.as_str()?;
        let details = || match data.get("details") {
            Some(Value::String(s)) => s.clone(),
            Some(other) => other.to_string(),
            None => String::new(),
        };
        Some(match name {
            "jet.NotFound" => PeerError::NotFound(details()),
            "jet.Occupied" => PeerError::Occupied(details()),
            "jet.FetchOnly" => PeerError::FetchOnly(details()),
            "jet.NotAllowed" => PeerError::Foreign(details()),
            "jet.invalid params" if obj.message == "invalid credentials" => {
                PeerError::InvalidCredentials
            }
            "jet.invalid params" => PeerError::NoAccess(details()),
            "jet.PeerTimeout" => PeerError::Timeout {
                details: data.get("details").cloned(),
            },
            "jet.ConnectionClosed" => PeerError::OwnerDisconnected(Some(details())),
            "jet.MethodNotFound" => PeerError::MethodNotFound(details()),
            "jet.InvalidArgument" | "jet.ParseError" => PeerError::InvalidParams {
                message: obj.message.clone(),
                data: obj.data.clone(),
            },
            _ => return None,
        })
    }

    fn remote(obj: ErrorObject) -> Self {
        PeerError::Remote {
            code: obj.code,
            message: obj.message,
            data: obj.data,
        }
    }

    /// Whether the failure is about the connection rather than the request: retrying after
    /// a reconnect may succeed. (Not an untrusted certificate: like refused credentials,
    /// that needs the peer's settings changed.)
    pub fn is_connection_error(&self) -> bool {
        matches!(
            self,
            PeerError::ConnectionClosed
                | PeerError::Io(_)
                | PeerError::Connect { .. }
                | PeerError::WebSocketRefused { .. }
        )
    }

    /// The error of a routed `set` or `call`: cjet's one key for both "set of a method" and
    /// "call of a state" becomes [`NotAState`] or [`NotAMethod`] as the request says.
    ///
    /// [`NotAState`]: PeerError::NotAState
    /// [`NotAMethod`]: PeerError::NotAMethod
    pub(crate) fn for_routed(self, method: &str) -> Self {
        let PeerError::InvalidParams {
            data: Some(Value::Object(map)),
            ..
        } = &self
        else {
            return self;
        };
        match map.get("set/call on element not possible") {
            Some(path) if map.len() == 1 => {
                let path = match path {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                if method == "set" {
                    PeerError::NotAState(path)
                } else {
                    PeerError::NotAMethod(path)
                }
            }
            _ => self,
        }
    }
}

impl From<std::io::Error> for PeerError {
    fn from(e: std::io::Error) -> Self {
        PeerError::Io(Arc::new(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(v: Value) -> PeerError {
        PeerError::from_error_value(v)
    }

    /// node-jet 3's error object (PROTOCOL.md C.1.4).
    fn n3(code: i64, name: &str, message: &str, details: Value) -> Value {
        json!({"code": code, "message": message,
            "data": {"name": name, "url": "https://example/#x", "details": details}, "name": name})
    }

    #[test]
    fn node_jet_3_errors_by_data_name() {
        let msg = "No State/Method matching the specified path";
        assert!(matches!(map(n3(-32602, "jet.NotFound", msg, json!("a/b"))),
            PeerError::NotFound(p) if p == "a/b"));
        assert!(
            matches!(map(n3(-32602, "jet.Occupied", "taken", json!("a"))),
            PeerError::Occupied(p) if p == "a")
        );
        assert!(
            matches!(map(n3(-32600, "jet.NotAllowed", "Not allowed", json!("a"))),
            PeerError::Foreign(p) if p == "a")
        );
        assert!(matches!(
            map(n3(
                -32602,
                "jet.invalid params",
                "invalid credentials",
                json!("")
            )),
            PeerError::InvalidCredentials
        ));
        assert!(matches!(
            map(n3(-32602, "jet.invalid params", "Missing authorization", json!("a"))),
            PeerError::NoAccess(p) if p == "a"
        ));
        assert!(
            matches!(map(n3(-32001, "jet.PeerTimeout", "late", json!({"path": "a"}))),
            PeerError::Timeout { details: Some(d) } if d == json!({"path": "a"}))
        );
        assert!(
            matches!(map(n3(-32002, "jet.ConnectionClosed", "closed", json!("a"))),
            PeerError::OwnerDisconnected(Some(p)) if p == "a")
        );
        assert!(
            matches!(map(n3(-32601, "jet.MethodNotFound", "Method not found", json!("x"))),
            PeerError::MethodNotFound(m) if m == "x")
        );
        assert!(matches!(
            map(n3(
                -32600,
                "jet.ParseError",
                "Message could not be parsed",
                json!("{}")
            )),
            PeerError::InvalidParams { .. }
        ));
        // An owner's own N3 error (jet.InvalidParam) keeps code, message and data.
        assert!(
            matches!(map(n3(-32602, "jet.InvalidParam", "Failed to set value", json!("Error: x"))),
            PeerError::InvalidParams { message, .. } if message == "Failed to set value")
        );
        assert!(matches!(
            map(n3(-32000, "jet.Custom", "mine", json!(1))),
            PeerError::Remote { code: -32000, .. }
        ));
    }

    #[test]
    fn jet_data_keys_map_to_variants() {
        let e =
            map(json!({"message":"Invalid params","code":-32602,"data":{"pathNotExists":"a/b"}}));
        assert!(matches!(e, PeerError::NotFound(p) if p == "a/b"));
        let e =
            map(json!({"message":"Invalid params","code":-32602,"data":{"pathAlreadyExists":"x"}}));
        assert!(matches!(e, PeerError::Occupied(p) if p == "x"));
        let e = map(json!({"message":"Invalid params","code":-32602,"data":{"foreignPath":"x"}}));
        assert!(matches!(e, PeerError::Foreign(_)));
        let e = map(json!({"message":"Invalid params","code":-32602,"data":{"fetchOnly":"x"}}));
        assert!(matches!(e, PeerError::FetchOnly(_)));
        let e = map(json!({"message":"Invalid params","code":-32602,"data":{"noAccess":"x"}}));
        assert!(matches!(e, PeerError::NoAccess(_)));
        let e = map(
            json!({"message":"Invalid params","code":-32602,"data":{"invalidCredentials":true}}),
        );
        assert!(matches!(e, PeerError::InvalidCredentials));
    }

    #[test]
    fn cjet_data_keys_map_to_the_same_variants() {
        let e = map(json!({"message":"Invalid params","code":-32602,"data":{"not exists":"a"}}));
        assert!(matches!(e, PeerError::NotFound(p) if p == "a"));
        let e = map(
            json!({"message":"Internal error","code":-32603,"data":{"reason":"peer shuts down"}}),
        );
        assert!(matches!(e, PeerError::OwnerDisconnected(None)));
        let e = map(
            json!({"message":"Internal error","code":-32603,"data":{"reason":"timeout for routed request"}}),
        );
        assert!(matches!(e, PeerError::Timeout { .. }));
    }

    #[test]
    fn cjet_set_call_on_the_wrong_kind_follows_the_request() {
        let e = || {
            map(json!({"message":"Invalid params","code":-32602,
                "data":{"set/call on element not possible":"m"}}))
        };
        assert!(matches!(e().for_routed("set"), PeerError::NotAState(p) if p == "m"));
        assert!(matches!(e().for_routed("call"), PeerError::NotAMethod(p) if p == "m"));
        let e = map(
            json!({"message":"Invalid params","code":-32602,"data":{"change on method not possible":"m"}}),
        );
        assert!(matches!(e, PeerError::NotAState(_)));
        let e = map(
            json!({"message":"Invalid params","code":-32602,"data":{"request not authorized":"p"}}),
        );
        assert!(matches!(e, PeerError::NoAccess(_)));
        let e = map(
            json!({"message":"Invalid params","code":-32602,"data":{"not owner of state":"p"}}),
        );
        assert!(matches!(e, PeerError::Foreign(_)));
        let e = map(
            json!({"message":"Invalid params","code":-32602,"data":{"invalid credentials":"u"}}),
        );
        assert!(matches!(e, PeerError::InvalidCredentials));
        let e = map(
            json!({"message":"Invalid params","code":-32602,"data":{"fetched before authenticate":"u"}}),
        );
        assert!(matches!(e, PeerError::AlreadyFetching));
        let e = map(json!({"message":"Method not found","code":-32601,"data":{"reason":"foo"}}));
        assert!(matches!(e, PeerError::MethodNotFound(m) if m == "foo"));
        let e = map(
            json!({"message":"Invalid params","code":-32602,"data":{"reason":"no path given"}}),
        );
        assert_eq!(e.to_string(), "Invalid params: no path given");
    }

    #[test]
    fn an_owners_refusal_reads_as_the_owners() {
        let e = map(
            json!({"message":"Invalid params","code":-32602,"data":{"invalidArgument":
            {"message":"the setpoint must be within 30 to 90 °C","path":"b/s"}}}),
        );
        assert_eq!(
            e.to_string(),
            "the owner refused: the setpoint must be within 30 to 90 °C"
        );
        let e = map(
            json!({"message":"Invalid params","code":-32602,"data":{"invalidArgument":
            {"message":"`b/s` refused the value: too hot","path":"b/s","reason":"too hot"}}}),
        );
        assert_eq!(e.to_string(), "the owner of `b/s` refused: too hot");
        let e = map(json!({"message":"Invalid params","code":-32602,
            "data":{"missingParam":"path","got":{}}}));
        assert_eq!(
            e.to_string(),
            r#"Invalid params: {"missingParam":"path","got":{}}"#
        );
        let e = PeerError::WebSocketRefused {
            addr: "ws://h:1/x".into(),
            status: 404,
            reason: None,
        };
        assert_eq!(
            e.to_string(),
            "cannot connect to ws://h:1/x: the daemon refused the WebSocket path (HTTP 404)"
        );
    }

    #[test]
    fn timeouts_owner_disconnect_and_unknown_methods() {
        let e =
            map(json!({"message":"Response Timeout","code":-32001,"data":{"path":"s","value":1}}));
        assert!(matches!(e, PeerError::Timeout { details: Some(_) }));
        let e =
            map(json!({"message":"Internal error","code":-32603,"data":{"ownerDisconnected":"m"}}));
        assert!(matches!(e, PeerError::OwnerDisconnected(Some(p)) if p == "m"));
        let e = map(json!({"message":"Method not found","code":-32601,"data":"info"}));
        assert!(matches!(e, PeerError::MethodNotFound(m) if m == "info"));
    }

    #[test]
    fn owner_errors_keep_code_message_and_data() {
        let e = map(json!({"message":"too hot","code":123,"data":{"max":90}}));
        match e {
            PeerError::Remote {
                code,
                message,
                data,
            } => {
                assert_eq!(code, 123);
                assert_eq!(message, "too hot");
                assert_eq!(data, Some(json!({"max":90})));
            }
            other => panic!("expected Remote, got {other:?}"),
        }
        let e = map(
            json!({"message":"Invalid params","code":-32602,"data":{"missingParam":"path","got":{}}}),
        );
        assert!(matches!(e, PeerError::InvalidParams { .. }));
    }

    #[test]
    fn a_bare_string_error_is_an_internal_remote_error() {
        let e = map(json!("daemon.lua:188: table index is nil"));
        assert!(matches!(e, PeerError::Remote { code: -32603, .. }));
    }
}

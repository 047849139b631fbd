//! Every outgoing daemon message, written straight into a connection's outbox as JSON
//! text: responses, errors, fetch notifications, `get` entries, routed requests, relayed
//! answers and timeouts. This is the only module that writes wire bytes, so a dialect is a
//! rendering chosen here, never a second path through the core.
//!
//! Two dialects (PROTOCOL.md A.10): [`Dialect::Classic`] (Part A/B: member order follows
//! node-jet 2's traces, B §13: responses `id` then `result`/`error`; notifications `method`,
//! `params`) and [`Dialect::N3`] (node-jet 3, Part C: `{}` results, `Add`/`Change`/`Remove`
//! without `fetchOnly` and without a value on `Remove`, `[{"path","value"}]` from `get`,
//! error objects with `data.name`, routed requests as `{"method":"set"|"call",...}`).
//! Values are copied as the text the owner sent, never re-encoded.

use jet_runtime::fetch::engine::{Event, SortedUpdate};
use jet_runtime::protocol::{codes, write_json_str, ErrorObject, JsonText};
use serde_json::{json, Value};

use crate::bus::registry::access::Op;
use crate::bus::registry::ids::RouteId;
use crate::bus::registry::routes::Routes;
use crate::outbox::Outbox;

/// How a connection's peer speaks (PROTOCOL.md A.10): chosen per connection, classic until
/// the peer shows node-jet 3 traffic or a listener fixes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Dialect {
    /// Part A/B: lua-jet, node-jet 2, cjet, the Rust peer.
    #[default]
    Classic,
    /// Part C: npm node-jet 3.x.
    N3,
}

/// The result of most methods: `true` (classic) or `{}` (node-jet 3).
pub(super) fn ok_text(d: Dialect) -> &'static str {
    match d {
        Dialect::Classic => "true",
        Dialect::N3 => "{}",
    }
}

/// `{"id":<id>,"result":<result>}`
pub(super) fn result(out: &Outbox, id: &str, result: &str) {
    out.push_with(|b| {
        b.extend_from_slice(b"{\"id\":");
        b.extend_from_slice(id.as_bytes());
        b.extend_from_slice(b",\"result\":");
        b.extend_from_slice(result.as_bytes());
        b.push(b'}');
    });
}

/// `{"id":<id>,"error":{...}}`, or `{"error":{...}}` when there is no id (node-jet 3:
/// `"id":""`, as its daemon answers what it cannot parse).
pub(super) fn error(out: &Outbox, d: Dialect, id: Option<&str>, err: &ErrorObject) {
    out.push_with(|b| {
        b.push(b'{');
        match (id, d) {
            (Some(id), _) => {
                b.extend_from_slice(b"\"id\":");
                b.extend_from_slice(id.as_bytes());
                b.push(b',');
            }
            (None, Dialect::N3) => b.extend_from_slice(b"\"id\":\"\","),
            (None, Dialect::Classic) => {}
        }
        b.extend_from_slice(b"\"error\":");
        write_error_object(b, d, err);
        b.push(b'}');
    });
}

fn write_error_object(b: &mut Vec<u8>, d: Dialect, err: &ErrorObject) {
    match d {
        Dialect::Classic => {
            serde_json::to_writer(&mut *b, err).expect("writing to a Vec cannot fail")
        }
        Dialect::N3 => {
            serde_json::to_writer(&mut *b, &n3_error(err)).expect("writing to a Vec cannot fail")
        }
    }
}

/// A Part A error object in node-jet 3's vocabulary (PROTOCOL.md C.1.4):
/// `{"code","message","data":{"name","url","details"},"name"}`. Part A's own errors that
/// node-jet 3's daemon never sends (timeouts, an owner gone, a foreign path, limits) get
/// the names node-jet 3 defines for them. An owner's error with a code of its own (a
/// typed service's `JetError`: `{"kind": .., <fields>}`) keeps its whole `data` as
/// `details`, so a node-jet 3 requester sees the fields too.
pub(super) fn n3_error(err: &ErrorObject) -> Value {
    let kind = err.data_kind();
    let detail = match (&err.data, kind) {
        (Some(Value::Object(m)), Some(k)) => m.get(k).cloned().unwrap_or(Value::Null),
        (Some(v), _) => v.clone(),
        (None, _) => Value::String(String::new()),
    };
    let (code, name, message) = match (err.code, kind) {
        (_, Some("pathNotExists")) => (
            codes::INVALID_PARAMS,
            "NotFound",
            "No State/Method matching the specified path",
        ),
        (_, Some("fetchNotFound")) => (
            codes::INVALID_PARAMS,
            "NotFound",
            "No State/Method matching the specified path",
        ),
        (_, Some("pathAlreadyExists" | "fetchIdInUse")) => (
            codes::INVALID_PARAMS,
            "Occupied",
            "A State/Method with the same path has already been added",
        ),
        (_, Some("invalidFetch")) => (
            codes::INVALID_PARAMS,
            "InvalidArgument",
            "The provided argument(s) have been refused by the State/Method",
        ),
        (_, Some("fetchOnly")) => (
            codes::INVALID_PARAMS,
            "FetchOnly",
            "The State cannot be modified",
        ),
        (_, Some("noAccess")) => (
            codes::INVALID_PARAMS,
            "invalid params",
            "Missing authorization",
        ),
        (_, Some("invalidCredentials")) => (
            codes::INVALID_PARAMS,
            "invalid params",
            "invalid credentials",
        ),
        (_, Some("notAState" | "notAMethod")) => (
            codes::INVALID_REQUEST,
            "invalidMethod",
            "The path does not support this method",
        ),
        (_, Some("foreignPath" | "alreadyFetching")) => {
            (codes::INVALID_REQUEST, "NotAllowed", "Not allowed")
        }
        (_, Some("ownerDisconnected")) => (
            codes::LIMIT_EXCEEDED,
            "ConnectionClosed",
            "The connection is closed",
        ),
        (_, Some("limitExceeded")) => (codes::LIMIT_EXCEEDED, "LimitExceeded", "Limit exceeded"),
        (codes::RESPONSE_TIMEOUT, _) => (
            codes::RESPONSE_TIMEOUT,
            "PeerTimeout",
            "The peer processing the request did not respond within the specified timeout",
        ),
        (codes::METHOD_NOT_FOUND, _) => (
            codes::METHOD_NOT_FOUND,
            "MethodNotFound",
            "Method not found",
        ),
        (codes::PARSE_ERROR | codes::INVALID_REQUEST, _) => (
            codes::INVALID_REQUEST,
            "ParseError",
            "Message could not be parsed",
        ),
        (codes::INVALID_PARAMS, _) => (
            codes::INVALID_PARAMS,
            "InvalidArgument",
            "The provided argument(s) have been refused by the State/Method",
        ),
        // Outside JSON-RPC's reserved range: the owner's own error, `data` as it is.
        (code, _) if !(-32768..=-32000).contains(&code) => {
            let details = err.data.clone().unwrap_or(Value::String(String::new()));
            return n3_shape(code, "InternalError", &err.message, details);
        }
        (code, _) => (code, "InternalError", err.message.as_str()),
    };
    n3_shape(code, name, message, detail)
}

/// `{"code","message","data":{"name":"jet.<name>","url","details"},"name"}`.
fn n3_shape(code: i64, name: &str, message: &str, detail: Value) -> Value {
    let name = format!("jet.{name}");
    let url = format!(
        "https://github.com/lipp/node-jet/blob/master/doc/peer.markdown#{}",
        name.replace(['.', ' '], "").to_lowercase()
    );
    json!({
        "code": code,
        "message": message,
        "data": {"name": name, "url": url, "details": detail},
        "name": name,
    })
}

/// A routed request's timeout (A.5): classic
/// `{"id","error":{"message":"Response Timeout","code":-32001,"data":<params>}}` (the
/// request's params as sent, in node-jet 2's member order), node-jet 3 `jet.PeerTimeout`.
pub(super) fn timeout(out: &Outbox, d: Dialect, id: &str, params: &str) {
    match d {
        Dialect::Classic => {
            out.push_with(|b| {
                b.extend_from_slice(b"{\"id\":");
                b.extend_from_slice(id.as_bytes());
                b.extend_from_slice(
                    b",\"error\":{\"message\":\"Response Timeout\",\"code\":-32001,\"data\":",
                );
                b.extend_from_slice(params.as_bytes());
                b.extend_from_slice(b"}}");
            });
        }
        Dialect::N3 => {
            let params = serde_json::from_str(params).unwrap_or(Value::Null);
            error(out, d, Some(id), &ErrorObject::response_timeout(params));
        }
    }
}

/// The event of an unsorted fetch notification.
#[derive(Debug, Clone, Copy)]
pub(super) struct Notification<'a> {
    pub fetch_id: &'a str,
    pub fetch_only: bool,
    pub path: &'a str,
    pub event: Event,
    pub value: Option<&'a JsonText>,
    /// `type` (`node`, `state`, `method`): only in the events of a `nodes:true` fetch, so a
    /// peer that did not ask for nodes never sees the member (in either dialect).
    pub kind: Option<&'a str>,
}

/// Classic: `{"method":<fetch id>,"params":{"fetchOnly":true?,"path":..,"event":..,"type":..?,"value":..?}}`;
/// node-jet 3: `{"method":<fetch id>,"params":{"path","event":"Add"|..,"type"?,"value"?}}`, no
/// `fetchOnly`, no value on `Remove`.
pub(super) fn notification(out: &Outbox, d: Dialect, n: &Notification<'_>) {
    out.push_with(|b| {
        b.extend_from_slice(b"{\"method\":");
        b.extend_from_slice(n.fetch_id.as_bytes());
        b.extend_from_slice(b",\"params\":");
        match d {
            Dialect::Classic => {
                write_event_params(b, n.fetch_only, n.path, n.event.as_str(), n.value, n.kind)
            }
            Dialect::N3 => {
                let value = if n.event == Event::Remove {
                    None
                } else {
                    n.value
                };
                write_event_params(b, false, n.path, n.event.as_n3_str(), value, n.kind)
            }
        }
        b.push(b'}');
    });
}

/// One entry of an unsorted `get` result: classic
/// `{"fetchOnly":true?,"path","event":"add","type"?,"value"?}`, node-jet 3
/// `{"path","type"?,"value"?}`; `type` only for a `nodes:true` get.
pub(super) fn write_get_entry(
    b: &mut Vec<u8>,
    d: Dialect,
    path: &str,
    value: Option<&JsonText>,
    fetch_only: bool,
    kind: Option<&str>,
) {
    match d {
        Dialect::Classic => {
            write_event_params(b, fetch_only, path, Event::Add.as_str(), value, kind)
        }
        Dialect::N3 => {
            b.extend_from_slice(b"{\"path\":");
            write_json_str(b, path);
            write_kind(b, kind);
            write_value(b, value);
            b.push(b'}');
        }
    }
}

/// One entry of the `schema` result: `{"path","schema"}` (jetd's extension, one shape).
pub(super) fn write_schema_entry(b: &mut Vec<u8>, path: &str, schema: &JsonText) {
    b.extend_from_slice(b"{\"path\":");
    write_json_str(b, path);
    b.extend_from_slice(b",\"schema\":");
    b.extend_from_slice(schema.as_str().as_bytes());
    b.push(b'}');
}

fn write_value(b: &mut Vec<u8>, value: Option<&JsonText>) {
    if let Some(v) = value {
        b.extend_from_slice(b",\"value\":");
        b.extend_from_slice(v.as_str().as_bytes());
    }
}

fn write_kind(b: &mut Vec<u8>, kind: Option<&str>) {
    if let Some(kind) = kind {
        b.extend_from_slice(b",\"type\":\"");
        b.extend_from_slice(kind.as_bytes());
        b.push(b'"');
    }
}

fn write_event_params(
    b: &mut Vec<u8>,
    fetch_only: bool,
    path: &str,
    event: &str,
    value: Option<&JsonText>,
    kind: Option<&str>,
) {
    b.push(b'{');
    if fetch_only {
        b.extend_from_slice(b"\"fetchOnly\":true,");
    }
    b.extend_from_slice(b"\"path\":");
    write_json_str(b, path);
    b.extend_from_slice(b",\"event\":\"");
    b.extend_from_slice(event.as_bytes());
    b.push(b'"');
    write_kind(b, kind);
    write_value(b, value);
    b.push(b'}');
}

/// A sorted fetch's notification. Classic: `{"method":<fetch id>,"params":{"changes":[..],"n":N}}`
/// (`n` first for in-place updates, as node-jet 2 orders them). node-jet 3 has no sorted
/// notifications of its own (its daemon ignores `sort`) and its peers drop a notification
/// without `params.path`, so each changed window slot is one notification
/// `{"path","event":"Add"|"Change","value"?,"index","n"}` (`Add` in the first one, which
/// fills the window; `n` is the window's size after the update).
pub(super) fn sorted_notification(
    out: &Outbox,
    d: Dialect,
    fetch_id: &str,
    update: &SortedUpdate<JsonText>,
    flush: bool,
) {
    if d == Dialect::N3 {
        let event = if flush { Event::Add } else { Event::Change };
        for c in &update.changes {
            out.push_with(|b| {
                b.extend_from_slice(b"{\"method\":");
                b.extend_from_slice(fetch_id.as_bytes());
                b.extend_from_slice(b",\"params\":{\"path\":");
                write_json_str(b, &c.path);
                b.extend_from_slice(b",\"event\":\"");
                b.extend_from_slice(event.as_n3_str().as_bytes());
                b.push(b'"');
                write_value(b, c.value.as_ref());
                b.extend_from_slice(b",\"index\":");
                b.extend_from_slice(c.index.to_string().as_bytes());
                b.push(b',');
                write_n(b, update.n);
                b.extend_from_slice(b"}}");
            });
        }
        return;
    }
    out.push_with(|b| {
        b.extend_from_slice(b"{\"method\":");
        b.extend_from_slice(fetch_id.as_bytes());
        b.extend_from_slice(b",\"params\":{");
        if update.in_place {
            write_n(b, update.n);
            b.push(b',');
            write_changes(b, update, flush);
        } else {
            write_changes(b, update, flush);
            b.push(b',');
            write_n(b, update.n);
        }
        b.extend_from_slice(b"}}");
    });
}

fn write_n(b: &mut Vec<u8>, n: usize) {
    b.extend_from_slice(b"\"n\":");
    b.extend_from_slice(n.to_string().as_bytes());
}

fn write_changes(b: &mut Vec<u8>, update: &SortedUpdate<JsonText>, flush: bool) {
    b.extend_from_slice(b"\"changes\":");
    write_sorted_entries(b, update, flush);
}

/// `[{"path",..,"index"},...]`: the changes of a sorted update (also the result of a
/// sorted `get`).
pub(super) fn write_sorted_entries(b: &mut Vec<u8>, update: &SortedUpdate<JsonText>, flush: bool) {
    b.push(b'[');
    for (i, c) in update.changes.iter().enumerate() {
        if i > 0 {
            b.push(b',');
        }
        write_sorted_entry(
            b,
            &SortedEntry {
                path: &c.path,
                value: c.value.as_ref(),
                index: c.index,
                fetch_only: c.fetch_only,
            },
            flush,
        );
    }
    b.push(b']');
}

/// One entry of a sorted notification or of a sorted `get`.
pub(super) struct SortedEntry<'a> {
    pub path: &'a str,
    pub value: Option<&'a JsonText>,
    pub index: usize,
    pub fetch_only: bool,
}

/// Write `{"path","value"?,...,"index"}`; `flush_order` puts `fetchOnly` before `index`
/// as node-jet does in the first notification of a sorted fetch.
pub(super) fn write_sorted_entry(b: &mut Vec<u8>, e: &SortedEntry<'_>, flush_order: bool) {
    b.extend_from_slice(b"{\"path\":");
    write_json_str(b, e.path);
    write_value(b, e.value);
    if flush_order && e.fetch_only {
        b.extend_from_slice(b",\"fetchOnly\":true");
    }
    b.extend_from_slice(b",\"index\":");
    b.extend_from_slice(e.index.to_string().as_bytes());
    if !flush_order && e.fetch_only {
        b.extend_from_slice(b",\"fetchOnly\":true");
    }
    b.push(b'}');
}

/// What a routed request carries besides its path.
pub(super) enum Routed<'a> {
    /// `set`: the value (JSON text), and classic `valueAsResult`.
    Set {
        value: &'a str,
        value_as_result: bool,
    },
    /// `call`: the arguments (an array or object as JSON text), if any.
    Call { args: Option<&'a str> },
}

/// A routed request to an element's owner (PROTOCOL.md A.5) under route id `id` (none
/// for a request sent as a notification). Classic: `{"id","method":<path>,
/// "params":{"value"[,"valueAsResult":true]} | <args> | {}}`; node-jet 3 (C.2):
/// `{"id","method":"set","params":{"path","value"}}` or
/// `{"id","method":"call","params":{"path"[,"args"]}}`. `path_json` is the path as the
/// requester wrote it (JSON text).
pub(super) fn routed_request(
    out: &Outbox,
    owner: Dialect,
    id: Option<RouteId>,
    path_json: &str,
    r: &Routed<'_>,
) {
    out.push_with(|b| {
        b.push(b'{');
        if let Some(n) = id {
            b.extend_from_slice(b"\"id\":");
            Routes::write_id(b, n);
            b.push(b',');
        }
        match owner {
            Dialect::Classic => {
                b.extend_from_slice(b"\"method\":");
                b.extend_from_slice(path_json.as_bytes());
                b.extend_from_slice(b",\"params\":");
                match r {
                    Routed::Set {
                        value,
                        value_as_result,
                    } => {
                        b.extend_from_slice(b"{\"value\":");
                        b.extend_from_slice(value.as_bytes());
                        if *value_as_result {
                            b.extend_from_slice(b",\"valueAsResult\":true");
                        }
                        b.push(b'}');
                    }
                    Routed::Call { args } => {
                        b.extend_from_slice(args.unwrap_or("{}").as_bytes());
                    }
                }
            }
            Dialect::N3 => {
                let (op, member, rest) = match r {
                    Routed::Set { value, .. } => (Op::Set, Some("value"), Some(*value)),
                    Routed::Call { args } => (Op::Call, args.map(|_| "args"), *args),
                };
                b.extend_from_slice(b"\"method\":\"");
                b.extend_from_slice(if op == Op::Set { b"set" } else { b"call" });
                b.extend_from_slice(b"\",\"params\":{\"path\":");
                b.extend_from_slice(path_json.as_bytes());
                if let (Some(member), Some(rest)) = (member, rest) {
                    b.extend_from_slice(b",\"");
                    b.extend_from_slice(member.as_bytes());
                    b.extend_from_slice(b"\":");
                    b.extend_from_slice(rest.as_bytes());
                }
                b.push(b'}');
            }
        }
        b.push(b'}');
    });
}

/// Relay an owner's answer to the requester: the owner's message with its id (at
/// `id_span` in `text`) replaced by the requester's. An answer already in the requester's
/// dialect passes as it is. A node-jet 3 requester gets `{}` for a classic `true`, and a
/// classic error object in node-jet 3's vocabulary; a classic requester gets a node-jet 3
/// owner's error in Part A's words ([`classic_error`]).
pub(super) fn relay(
    out: &Outbox,
    requester: Dialect,
    answer: Answer<'_>,
    id_span: std::ops::Range<usize>,
    requester_id: &str,
) {
    let text = answer.text;
    let rendered = match requester {
        Dialect::N3 => n3_answer(&answer),
        Dialect::Classic => classic_answer(&answer),
    };
    if let Some(rendered) = rendered {
        out.push_with(|b| {
            b.extend_from_slice(b"{\"id\":");
            b.extend_from_slice(requester_id.as_bytes());
            b.extend_from_slice(rendered.as_bytes());
            b.push(b'}');
        });
        return;
    }
    out.push_with(|b| {
        b.extend_from_slice(&text.as_bytes()[..id_span.start]);
        b.extend_from_slice(requester_id.as_bytes());
        b.extend_from_slice(&text.as_bytes()[id_span.end..]);
    });
}

/// An owner's answer: its whole text and its `result` or `error` member (raw, as the
/// message classifier found them, so relaying parses nothing again), and what was asked
/// of which path (the words of a translated error).
pub(super) struct Answer<'a> {
    pub text: &'a str,
    pub result: Option<&'a str>,
    pub error: Option<&'a str>,
    pub path: &'a str,
    pub op: Op,
}

/// For a classic requester: `,"error":{..}` in Part A's words for an error that a node-jet
/// 3 owner wrote (it names itself with `name`/`data.name`); `None` for anything else, which
/// passes as it is (classic owners already speak the requester's dialect, and an answer
/// with a result needs no translation: node-jet 3 owners return `{path,value}` or the
/// method's value, which classic peers accept).
fn classic_answer(answer: &Answer<'_>) -> Option<String> {
    let e: Value = serde_json::from_str(answer.error?).ok()?;
    let err = classic_error(&e, answer.path, answer.op)?;
    Some(format!(
        ",\"error\":{}",
        serde_json::to_string(&err).expect("an ErrorObject always serialises")
    ))
}

/// A node-jet 3 owner's error object (PROTOCOL.md C.1.4) as the Part A error a classic
/// owner would have answered with, so a classic requester (node-jet 2's typed errors, the
/// Rust peer's `PeerError`) reads it as it reads any other:
///
/// * `jet.InvalidParam` (what a node-jet 3 owner answers whenever its `set` or `call`
///   handler throws; `details` is the thrown error as text) and `jet.InvalidArgument`:
///   `-32602` `{"invalidArgument":{"message":<details>}}`, node-jet 2's refusal, with JS's
///   generic `Error: ` prefix taken off the details;
/// * `jet.invalidMethod` (set of a method, call of a state): `notAState` / `notAMethod`;
/// * `jet.NotFound`, `jet.FetchOnly`, `Missing authorization`, `jet.ConnectionClosed`:
///   `pathNotExists`, `fetchOnly`, `noAccess`, `ownerDisconnected` of the routed path.
///
/// Any other name returns `None`: the object passes as the owner wrote it (still a valid
/// JSON-RPC error with `code`, `message` and `data`).
fn classic_error(e: &Value, path: &str, op: Op) -> Option<ErrorObject> {
    let name = e
        .get("name")
        .or_else(|| e.pointer("/data/name"))?
        .as_str()?;
    let message = e.get("message").and_then(Value::as_str);
    Some(match name {
        "jet.InvalidParam" | "jet.InvalidArgument" => {
            let reason = match e.pointer("/data/details") {
                Some(Value::String(d)) if !d.is_empty() => {
                    Value::from(d.strip_prefix("Error: ").unwrap_or(d))
                }
                Some(Value::Null | Value::String(_)) | None => Value::from(message.unwrap_or("")),
                Some(other) => other.clone(),
            };
            ErrorObject::invalid_params_with("invalidArgument", json!({ "message": reason }))
        }
        "jet.invalidMethod" if op == Op::Call => ErrorObject::not_a_method(path),
        "jet.invalidMethod" => ErrorObject::not_a_state(path),
        "jet.NotFound" => ErrorObject::path_not_exists(path),
        "jet.FetchOnly" => ErrorObject::fetch_only(path),
        "jet.invalid params" if message == Some("Missing authorization") => {
            ErrorObject::no_access(path)
        }
        "jet.ConnectionClosed" => ErrorObject::owner_disconnected(path),
        _ => return None,
    })
}

/// For a node-jet 3 requester: `,"result":{}` for a classic `true`, `,"error":{..}` in
/// node-jet 3's shape for a classic error object; `None` when the answer can pass as is
/// (any other result, or an error that already is node-jet 3's).
fn n3_answer(answer: &Answer<'_>) -> Option<String> {
    if answer.result.map(str::trim) == Some("true") {
        return Some(",\"result\":{}".to_owned());
    }
    let e: Value = serde_json::from_str(answer.error?).ok()?;
    if e.get("name").is_some() || e.pointer("/data/name").is_some() {
        return None;
    }
    let err: ErrorObject = serde_json::from_value(e.clone()).unwrap_or_else(|_| {
        // A bare string or an odd object (lua-jet, node-jet 2 handlers): an internal
        // error whose details are what the owner sent.
        ErrorObject::internal(e)
    });
    Some(format!(",\"error\":{}", n3_error(&err)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The messages pushed so far, as text.
    fn drained(out: &Outbox) -> Vec<String> {
        let mut buf = Vec::new();
        out.close(crate::outbox::Closed::Shutdown);
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        rt.block_on(out.take(&mut buf))
            .expect("something was queued");
        crate::outbox::frames(&buf)
            .map(|f| String::from_utf8(f.to_vec()).unwrap())
            .collect()
    }

    #[test]
    fn notification_shape() {
        let v = JsonText::from_valid("{\"x\":1}");
        let out = Outbox::new(1 << 20);
        let n = Notification {
            fetch_id: "\"f\"",
            fetch_only: true,
            path: "a/b",
            event: Event::Add,
            value: Some(&v),
            kind: None,
        };
        notification(&out, Dialect::Classic, &n);
        notification(&out, Dialect::N3, &n);
        notification(
            &out,
            Dialect::N3,
            &Notification {
                event: Event::Remove,
                ..n
            },
        );
        let typed = Notification {
            kind: Some("state"),
            ..n
        };
        notification(&out, Dialect::Classic, &typed);
        notification(&out, Dialect::N3, &typed);
        assert_eq!(
            drained(&out),
            [
                r#"{"method":"f","params":{"fetchOnly":true,"path":"a/b","event":"add","value":{"x":1}}}"#,
                r#"{"method":"f","params":{"path":"a/b","event":"Add","value":{"x":1}}}"#,
                r#"{"method":"f","params":{"path":"a/b","event":"Remove"}}"#,
                r#"{"method":"f","params":{"fetchOnly":true,"path":"a/b","event":"add","type":"state","value":{"x":1}}}"#,
                r#"{"method":"f","params":{"path":"a/b","event":"Add","type":"state","value":{"x":1}}}"#,
            ]
        );
    }

    #[test]
    fn get_entry_shape() {
        let v = JsonText::from_valid("1");
        let mut b = Vec::new();
        write_get_entry(&mut b, Dialect::Classic, "a", Some(&v), false, None);
        b.push(b' ');
        write_get_entry(&mut b, Dialect::Classic, "n", None, false, Some("node"));
        b.push(b' ');
        write_get_entry(&mut b, Dialect::N3, "a", Some(&v), true, None);
        b.push(b' ');
        write_get_entry(&mut b, Dialect::N3, "a", Some(&v), false, Some("state"));
        assert_eq!(
            String::from_utf8(b).unwrap(),
            concat!(
                r#"{"path":"a","event":"add","value":1} "#,
                r#"{"path":"n","event":"add","type":"node"} "#,
                r#"{"path":"a","value":1} "#,
                r#"{"path":"a","type":"state","value":1}"#,
            )
        );
    }

    #[test]
    fn routed_requests_in_each_owners_dialect() {
        let out = Outbox::new(1 << 20);
        let set = Routed::Set {
            value: "5",
            value_as_result: true,
        };
        let call = Routed::Call { args: None };
        let args = Routed::Call {
            args: Some("[1,2]"),
        };
        routed_request(&out, Dialect::Classic, Some(RouteId(3)), "\"p\"", &set);
        routed_request(&out, Dialect::Classic, None, "\"m\"", &call);
        routed_request(&out, Dialect::N3, Some(RouteId(4)), "\"p\"", &set);
        routed_request(&out, Dialect::N3, Some(RouteId(5)), "\"m\"", &call);
        routed_request(&out, Dialect::N3, Some(RouteId(6)), "\"m\"", &args);
        assert_eq!(
            drained(&out),
            [
                r#"{"id":"r3","method":"p","params":{"value":5,"valueAsResult":true}}"#,
                r#"{"method":"m","params":{}}"#,
                r#"{"id":"r4","method":"set","params":{"path":"p","value":5}}"#,
                r#"{"id":"r5","method":"call","params":{"path":"m"}}"#,
                r#"{"id":"r6","method":"call","params":{"path":"m","args":[1,2]}}"#,
            ]
        );
    }

    #[test]
    fn answers_are_relayed_in_the_requesters_dialect() {
        let out = Outbox::new(1 << 20);
        let answer = |text: &'static str, d: Dialect| {
            let start = text.find("\"r1\"").unwrap();
            let v: Value = serde_json::from_str(text).unwrap();
            let result = v.get("result").map(|r| r.to_string());
            let error = v.get("error").map(|r| r.to_string());
            let answer = Answer {
                text,
                result: result.as_deref(),
                error: error.as_deref(),
                path: "p",
                op: Op::Set,
            };
            relay(&out, d, answer, start..start + 4, "7");
        };
        answer(r#"{"id":"r1","result":true}"#, Dialect::Classic);
        answer(r#"{"id":"r1","result":true}"#, Dialect::N3);
        answer(
            r#"{"id":"r1","result":{"path":"p","value":1}}"#,
            Dialect::N3,
        );
        answer(
            r#"{"id":"r1","error":{"message":"Invalid params","code":-32602,"data":{"pathNotExists":"p"}}}"#,
            Dialect::N3,
        );
        answer(
            r#"{"id":"r1","error":{"code":1,"message":"m","data":{"name":"jet.X"},"name":"jet.X"}}"#,
            Dialect::N3,
        );
        let got = drained(&out);
        assert_eq!(got[0], r#"{"id":7,"result":true}"#);
        assert_eq!(got[1], r#"{"id":7,"result":{}}"#);
        assert_eq!(got[2], r#"{"id":7,"result":{"path":"p","value":1}}"#);
        let err: Value = serde_json::from_str(&got[3]).unwrap();
        assert_eq!(err["error"]["name"], json!("jet.NotFound"));
        assert_eq!(err["error"]["data"]["details"], json!("p"));
        assert_eq!(
            got[4],
            r#"{"id":7,"error":{"code":1,"message":"m","data":{"name":"jet.X"},"name":"jet.X"}}"#
        );
    }

    #[test]
    fn a_node_jet_3_owners_errors_reach_a_classic_requester_in_part_a_words() {
        let out = Outbox::new(1 << 20);
        let relay_error = |error: Value, op: Op| {
            let text = json!({"id": "r1", "error": error}).to_string();
            let start = text.find("\"r1\"").unwrap();
            let error = error.to_string();
            let answer = Answer {
                text: &text,
                result: None,
                error: Some(&error),
                path: "demo/x",
                op,
            };
            relay(&out, Dialect::Classic, answer, start..start + 4, "7");
        };
        let n3 = |code: i64, name: &str, message: &str, details: Value| {
            json!({"code": code, "message": message,
                   "data": {"name": name, "url": "u", "details": details}, "name": name})
        };
        let threw = n3(
            -32602,
            "jet.InvalidParam",
            "Failed to set value",
            json!("Error: counter must be a number"),
        );
        relay_error(threw, Op::Set);
        let no_details = n3(-32602, "jet.InvalidArgument", "refused", json!(""));
        relay_error(no_details, Op::Call);
        let on_method = n3(-32600, "jet.invalidMethod", "m", json!("Tried to set"));
        relay_error(on_method.clone(), Op::Set);
        relay_error(on_method, Op::Call);
        relay_error(n3(-32602, "jet.NotFound", "n", json!("demo/x")), Op::Set);
        let custom = n3(-32000, "jet.Custom", "custom", json!({"x": 1}));
        relay_error(custom.clone(), Op::Call);
        let plain = json!({"code": -32000, "message": "custom err", "data": {"x": 1}});
        relay_error(plain.clone(), Op::Call);
        let got = drained(&out);
        let error_of = |i: usize| serde_json::from_str::<Value>(&got[i]).unwrap()["error"].clone();
        assert_eq!(
            error_of(0),
            json!({"message": "Invalid params", "code": -32602,
                   "data": {"invalidArgument": {"message": "counter must be a number"}}})
        );
        assert_eq!(
            error_of(1)["data"],
            json!({"invalidArgument": {"message": "refused"}})
        );
        assert_eq!(error_of(2)["data"], json!({"notAState": "demo/x"}));
        assert_eq!(error_of(3)["data"], json!({"notAMethod": "demo/x"}));
        assert_eq!(error_of(4)["data"], json!({"pathNotExists": "demo/x"}));
        // Names Part A has no word for, and errors with no N3 name, pass as written.
        assert_eq!(error_of(5), custom);
        assert_eq!(error_of(6), plain);
        assert!(got.iter().all(|m| m.starts_with("{\"id\":7,")), "{got:?}");
    }

    #[test]
    fn an_owners_own_error_keeps_its_whole_data_for_n3() {
        let typed = ErrorObject {
            message: "too hot: 99 °C".into(),
            code: 1001,
            data: Some(json!({"kind": "TooHot", "temperature": 99})),
        };
        let e = n3_error(&typed);
        assert_eq!(
            (e["code"].as_i64(), e["message"].as_str()),
            (Some(1001), Some("too hot: 99 °C"))
        );
        assert_eq!(
            e["data"]["details"],
            json!({"kind": "TooHot", "temperature": 99})
        );
        // Reserved codes keep Part A's reading: the one key's value.
        let internal = ErrorObject {
            message: "Internal error".into(),
            code: -32603,
            data: Some(json!({"message": "boom"})),
        };
        assert_eq!(n3_error(&internal)["data"]["details"], "boom");
    }

    #[test]
    fn part_a_errors_in_n3_words() {
        let cases = [
            (ErrorObject::path_not_exists("p"), -32602, "jet.NotFound"),
            (
                ErrorObject::path_already_exists("p"),
                -32602,
                "jet.Occupied",
            ),
            (ErrorObject::foreign_path("p"), -32600, "jet.NotAllowed"),
            (
                ErrorObject::invalid_fetch("x"),
                -32602,
                "jet.InvalidArgument",
            ),
            (
                ErrorObject::owner_disconnected("p"),
                -32002,
                "jet.ConnectionClosed",
            ),
            (
                ErrorObject::response_timeout(json!({})),
                -32001,
                "jet.PeerTimeout",
            ),
            (
                ErrorObject::method_not_found(json!("x")),
                -32601,
                "jet.MethodNotFound",
            ),
            (ErrorObject::parse_error("bad"), -32600, "jet.ParseError"),
            (ErrorObject::not_a_state("p"), -32600, "jet.invalidMethod"),
            (
                ErrorObject::invalid_credentials(),
                -32602,
                "jet.invalid params",
            ),
        ];
        for (err, code, name) in cases {
            let e = n3_error(&err);
            assert_eq!(
                (e["code"].as_i64(), e["name"].as_str()),
                (Some(code), Some(name)),
                "{e}"
            );
            assert_eq!(e["data"]["name"], e["name"]);
        }
    }

    #[test]
    fn sorted_entry_orders() {
        let mut b = Vec::new();
        let e = SortedEntry {
            path: "p",
            value: None,
            index: 2,
            fetch_only: true,
        };
        write_sorted_entry(&mut b, &e, true);
        b.push(b' ');
        write_sorted_entry(&mut b, &e, false);
        assert_eq!(
            String::from_utf8(b).unwrap(),
            r#"{"path":"p","fetchOnly":true,"index":2} {"path":"p","index":2,"fetchOnly":true}"#
        );
    }
}

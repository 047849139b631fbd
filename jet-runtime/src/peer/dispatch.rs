//! Incoming messages: classify each one and hand it to the part of the peer it is for.
//!
//! * a response (`result` or `error`, no `method`) goes to request correlation;
//! * a notification (`method`, no `id`) whose method is one of our fetch ids is a fetch
//!   notification;
//! * anything else with a `method` is a routed `set`/`call` for an element we own (with an
//!   id: answer it; without: a notification-style request, run the handler silently).
//!
//! A frame may hold a JSON array of messages (lua-jet batches its output); they are handled
//! in order, as if each had arrived alone.

use std::sync::Arc;

use serde_json::Value;

use super::method::handle_call;
use super::registry::Shared;
use super::state::{handle_set, respond};
use super::PeerError;
use crate::protocol::ErrorObject;

/// Handle one frame's payload.
pub(crate) fn frame(shared: &Arc<Shared>, payload: &[u8]) {
    match serde_json::from_slice::<Value>(payload) {
        Ok(Value::Array(messages)) => {
            for m in messages {
                message(shared, m);
            }
        }
        Ok(m) => message(shared, m),
        Err(e) => tracing::warn!(error = %e, "ignoring a frame that is not JSON"),
    }
}

fn message(shared: &Arc<Shared>, message: Value) {
    let Value::Object(mut m) = message else {
        tracing::warn!(%message, "ignoring a message that is not an object");
        return;
    };
    let id = m.remove("id").filter(|id| !id.is_null());
    if let Some(method) = m.remove("method") {
        let name = match method {
            Value::String(s) => s,
            // Numeric fetch ids come back as numbers.
            Value::Number(n) => n.to_string(),
            other => {
                tracing::warn!(method = %other, "ignoring a message with a non-string method");
                return;
            }
        };
        let params = m.remove("params");
        if id.is_none() {
            let mut reg = shared.lock();
            if let Some(fetch) = reg.fetches.get_mut(&name) {
                let notice = fetch.on_notification(params.unwrap_or(Value::Null));
                drop(reg);
                if let Some(notice) = notice {
                    super::local::report(&shared.settings, &notice);
                }
                return;
            }
        }
        routed(shared, name, id, params);
    } else if m.contains_key("result") || m.contains_key("error") {
        let outcome = match m.remove("error") {
            Some(error) if !error.is_null() => Err(PeerError::from_error_value(error)),
            _ => Ok(m.remove("result").unwrap_or(Value::Null)),
        };
        match id {
            Some(id) => {
                shared.lock().requests.resolve(&id, outcome);
            }
            // A daemon's complaint about something we sent as a notification, or a parse
            // error report: nobody waits for it.
            None => tracing::warn!(?outcome, "response without id"),
        }
    } else {
        let message = Value::Object(m);
        tracing::warn!(%message, "ignoring a message that is neither request nor response");
    }
}

/// node-jet 3 daemons route as `{"method":"set","params":{"path","value"}}` and
/// `{"method":"call","params":{"path","args"?}}` (PROTOCOL.md C.2): the element's path
/// and the params a classic daemon would send. Only when `params.path` is one of our
/// elements of that kind, so a classic request to an element at path `set` stays classic.
fn n3_routed(
    shared: &Arc<Shared>,
    method: &str,
    params: &Option<Value>,
) -> Option<(String, Option<Value>)> {
    let p = params.as_ref()?.as_object()?;
    let path = p.get("path")?.as_str()?;
    let reg = shared.lock();
    match method {
        "set" if reg.states.contains_key(path) => {
            let mut classic = serde_json::Map::new();
            classic.insert(
                "value".into(),
                p.get("value").cloned().unwrap_or(Value::Null),
            );
            Some((path.to_owned(), Some(Value::Object(classic))))
        }
        "call" if reg.methods.contains_key(path) => Some((path.to_owned(), p.get("args").cloned())),
        _ => None,
    }
}

/// A routed request for one of our elements.
fn routed(shared: &Arc<Shared>, path: String, id: Option<Value>, params: Option<Value>) {
    if path == "set" || path == "call" {
        if let Some((element, classic)) = n3_routed(shared, &path, &params) {
            return routed_classic(shared, element, id, classic);
        }
    }
    routed_classic(shared, path, id, params)
}

fn routed_classic(shared: &Arc<Shared>, path: String, id: Option<Value>, params: Option<Value>) {
    let is_state = shared.lock().states.contains_key(&path);
    if is_state {
        handle_set(shared, path, id, params.unwrap_or(Value::Null));
    } else if !handle_call(shared, &path, id.clone(), params) {
        // Removed a moment ago, or a daemon confused about ownership.
        respond(&shared.lock(), id, Err(ErrorObject::path_not_exists(&path)));
    }
}

//! Interop with node-jet 2.1.2 (pinned in `tests/interop`): node-jet peers against jetd and
//! against node-jet's own daemon, the Rust peer on a node-jet bus, and a node-jet peer
//! driving a typed service and receiving its typed errors.

mod nodejet;
mod nodejet3;
mod nodes;
mod rust_peer;
mod typed;
mod typed_errors;

use serde_json::{json, Value};

/// What node-jet's `consumer.js set` prints, whoever provides `demo/state` (which floors
/// `x`): node-jet's `provider.js` (nodejet.rs) or the Rust peer (rust_peer.rs), which must
/// behave the same.
fn set_scenario_lines() -> Vec<Value> {
    vec![
        json!({"initial": [{"path": "demo/state", "event": "add", "value": {"x": 1}}]}),
        json!({"valueAsResult": {"ok": {"x": 2}}}),
        json!({"event": {"path": "demo/state", "event": "change", "value": {"x": 2}}}),
        json!({"plain": {"ok": true}}),
        json!({"event": {"path": "demo/state", "event": "change", "value": {"x": 5}}}),
        // A set sent as a notification: the provider floors 8.9 and publishes the change,
        // nothing comes back to the consumer.
        json!({"notification": {}}),
        json!({"event": {"path": "demo/state", "event": "change", "value": {"x": 8}}}),
    ]
}

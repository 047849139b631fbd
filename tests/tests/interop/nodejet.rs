//! Interop: real node-jet 2.1.2 peers (from npm, pinned in tests/interop/package-lock.json)
//! against jetd running in-process, over TCP and over WebSocket.
//!
//! Every scenario runs `provider.js` (a node-jet peer that adds states and methods) and
//! `consumer.js <scenario>` (a node-jet peer that fetches, sets and calls) and asserts on
//! the JSON lines they print. The same scenarios also run against node-jet's own daemon
//! (`reference_*` tests): that proves the scripts and expectations are right, and the few
//! places where jetd deliberately differs from node-jet (PROTOCOL.md Part A) are spelled
//! out by [`Target`].
//!
//! Expectations are compared as JSON text, so member order counts: what a node-jet peer
//! hands to its callbacks is the object as it came off the wire.

use jet_tests::node::{NodeDaemon, NodeProcess};
use jet_tests::STEP;
use serde_json::{json, Value};

#[derive(Clone, Copy, Debug, PartialEq)]
enum Transport {
    Tcp,
    Ws,
}

/// Which daemon the node-jet peers talk to.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Target {
    Jetd,
    NodeJet,
}

/// A running daemon of either kind.
enum Bus {
    Jetd(jetd::Daemon),
    NodeJet(Box<NodeDaemon>),
}

impl Bus {
    async fn start(target: Target) -> Bus {
        match target {
            Target::Jetd => Bus::Jetd(jet_tests::start_daemon().await),
            Target::NodeJet => Bus::NodeJet(Box::new(NodeDaemon::start().await)),
        }
    }

    fn target(&self) -> Target {
        match self {
            Bus::Jetd(_) => Target::Jetd,
            Bus::NodeJet(_) => Target::NodeJet,
        }
    }

    /// The address argument the scripts take: `127.0.0.1:PORT` or `ws://127.0.0.1:PORT/`.
    fn addr(&self, transport: Transport) -> String {
        match (self, transport) {
            (Bus::Jetd(d), Transport::Tcp) => d.tcp_addr().expect("jetd tcp listener").to_string(),
            (Bus::Jetd(d), Transport::Ws) => {
                format!("ws://{}/", d.ws_addr().expect("jetd ws listener"))
            }
            (Bus::NodeJet(d), Transport::Tcp) => d.tcp_arg(),
            (Bus::NodeJet(d), Transport::Ws) => d.ws_url(),
        }
    }

    async fn stop(self) {
        if let Bus::Jetd(daemon) = self {
            tokio::time::timeout(STEP, daemon.shutdown())
                .await
                .expect("jetd shutdown timed out");
        }
    }
}

/// Start `provider.js` and wait until all its elements are added. Adding a path that is
/// already taken must reject with node-jet's typed `jet.Occupied`.
async fn start_provider(addr: &str) -> NodeProcess {
    let (provider, ready) = NodeProcess::start_provider(addr).await;
    assert_eq!(
        ready["occupied"]["name"],
        json!("jet.Occupied"),
        "adding a taken path: {ready}"
    );
    provider
}

/// Run one consumer scenario to its end and return its observation lines (without the
/// final `{"done":true}`).
async fn consume(addr: &str, scenario: &str, extra: &[&str]) -> Vec<Value> {
    let mut args = vec![addr, scenario];
    args.extend_from_slice(extra);
    let mut consumer = NodeProcess::spawn("consumer.js", &args).await;
    let mut lines = Vec::new();
    loop {
        let line = consumer.next_json().await;
        assert!(
            line.get("fatal").is_none(),
            "consumer {scenario} failed: {line}"
        );
        if line == json!({"done": true}) {
            break;
        }
        let stop = line.get("connect").is_some();
        lines.push(line);
        if stop {
            break;
        }
    }
    assert!(
        consumer.wait_success().await,
        "consumer {scenario} exited with an error"
    );
    lines
}

/// Read the provider's lines up to `{"quit":true}` (sent when a consumer calls `ctl/quit`)
/// and check it exits cleanly.
async fn finish_provider(provider: NodeProcess) -> Vec<Value> {
    provider.finish(&json!({"quit": true})).await
}

/// What a scenario printed: the consumer's lines and the provider's (routed requests it
/// handled).
struct Run {
    consumer: Vec<Value>,
    provider: Vec<Value>,
}

/// Provider on `provider_transport`, consumer on `consumer_transport`, one scenario.
async fn run_mixed(
    bus: &Bus,
    provider_transport: Transport,
    consumer_transport: Transport,
    scenario: &str,
) -> Run {
    let provider = start_provider(&bus.addr(provider_transport)).await;
    let consumer = consume(&bus.addr(consumer_transport), scenario, &[]).await;
    let provider = finish_provider(provider).await;
    Run { consumer, provider }
}

async fn run(bus: &Bus, transport: Transport, scenario: &str) -> Run {
    run_mixed(bus, transport, transport, scenario).await
}

/// Equal as JSON text: same values and the same member order.
#[track_caller]
fn assert_json(actual: &Value, expected: Value) {
    assert_eq!(
        actual.to_string(),
        expected.to_string(),
        "\n  got:      {actual}\n  expected: {expected}"
    );
}

#[track_caller]
fn assert_lines(actual: &[Value], expected: Vec<Value>) {
    assert_json(&Value::Array(actual.to_vec()), Value::Array(expected));
}

/// A `get` result with its entries ordered by path (Part A fixes the entries, not the
/// order of an unsorted snapshot).
fn by_path(get: &Value) -> Value {
    let mut entries = get.as_array().expect("get returns an array").clone();
    entries.sort_by(|a, b| a["path"].as_str().cmp(&b["path"].as_str()));
    Value::Array(entries)
}

fn typed(name: &str, message: &str) -> Value {
    json!({"err": {"name": name, "message": message}})
}

const NOT_FOUND: &str = "No State/Method matching the specified path";
const UNAUTHORIZED: &str = "The request is not authorized for the user";

fn not_found() -> Value {
    typed("jet.NotFound", NOT_FOUND)
}

fn unauthorized() -> Value {
    typed("jet.Unauthorized", UNAUTHORIZED)
}

/// An error node-jet has no typed class for: the peer rejects with the raw error object.
fn raw_invalid_params(data: Value) -> Value {
    json!({"err": {"name": "raw", "raw": {"message": "Invalid params", "code": -32602, "data": data}}})
}

// ---------------------------------------------------------------------------------------
// Scenarios. Each takes the bus and a transport and asserts everything the peers saw.

/// node-jet sees the daemon's `info` (A.4).
async fn check_info(bus: &Bus, transport: Transport) {
    let mut peer = NodeProcess::spawn("info.js", &[&bus.addr(transport)]).await;
    let line = peer.next_json().await;
    let info = &line["daemonInfo"];
    match bus.target() {
        Target::Jetd => {
            assert_eq!(info["name"], json!("jetd"), "{line}");
            assert_eq!(info["version"], json!(env!("CARGO_PKG_VERSION")), "{line}");
        }
        Target::NodeJet => assert_eq!(info["name"], json!("node-jet"), "{line}"),
    }
    assert_eq!(info["protocolVersion"], json!("1.1.0"), "{line}");
    for (feature, value) in [
        ("batches", json!(true)),
        ("authentication", json!(true)),
        ("fetch", json!("full")),
    ] {
        assert_eq!(
            info["features"][feature], value,
            "feature {feature}: {line}"
        );
    }
    assert!(peer.wait_success().await, "info.js failed");
}

/// Unsorted fetch: initial adds in insertion order, a change event, fetchOnly flags and
/// methods without value, get, unfetch.
async fn check_fetch(bus: &Bus, transport: Transport) {
    let run = run(bus, transport, "fetch").await;
    let c = &run.consumer;
    assert_eq!(c.len(), 5, "consumer lines: {c:?}");
    assert_json(
        &c[0],
        json!({"initial": [
            {"path": "list/a", "event": "add", "value": 3},
            {"path": "list/b", "event": "add", "value": 1},
            {"path": "list/c", "event": "add", "value": 5},
            {"path": "list/d", "event": "add", "value": 2},
            {"path": "list/e", "event": "add", "value": 4},
        ]}),
    );
    assert_json(
        &c[1],
        json!({"event": {"path": "list/b", "event": "change", "value": 10}}),
    );
    assert_json(
        &c[2],
        json!({"demo": [
            {"path": "demo/state", "event": "add", "value": {"x": 1}},
            {"fetchOnly": true, "path": "demo/ro", "event": "add", "value": 5},
            {"path": "demo/slow", "event": "add", "value": 0},
            {"path": "demo/sum", "event": "add"},
            {"path": "demo/fail", "event": "add"},
        ]}),
    );
    assert_json(
        &by_path(&c[3]["get"]),
        json!([
            {"fetchOnly": true, "path": "demo/ro", "event": "add", "value": 5},
            {"path": "demo/sum", "event": "add"},
            {"path": "list/a", "event": "add", "value": 3},
        ]),
    );
    assert_json(&c[4], json!({"unfetch": {"ok": true}}));
    assert_lines(&run.provider, vec![]);
}

/// Value-filtered fetch: elements enter (`add`) and leave (`remove`, with the value that
/// no longer matches) as their values change (B §6.5).
async fn check_filter(bus: &Bus, transport: Transport) {
    let run = run(bus, transport, "filter").await;
    assert_lines(
        &run.consumer,
        vec![
            json!({"initial": [
                {"path": "list/a", "event": "add", "value": 3},
                {"path": "list/c", "event": "add", "value": 5},
                {"path": "list/e", "event": "add", "value": 4},
            ]}),
            json!({"event": {"path": "list/b", "event": "add", "value": 10}}),
            json!({"event": {"path": "list/a", "event": "remove", "value": 0}}),
            json!({"event": {"path": "list/c", "event": "change", "value": 6}}),
        ],
    );
}

/// Sorted fetches: node-jet's array view (window 1..3 by number), the differential view
/// (by path, descending, window 1..2) with an in-place update, and a sorted get (B §6.8).
async fn check_sorted(bus: &Bus, transport: Transport) {
    let run = run(bus, transport, "sorted").await;
    assert_lines(
        &run.consumer,
        vec![
            json!({"array": [
                {"path": "list/b", "value": 1, "index": 1},
                {"path": "list/d", "value": 2, "index": 2},
                {"path": "list/a", "value": 3, "index": 3},
            ]}),
            // b = 10 leaves the window; everything behind it moves up one place.
            json!({"array": [
                {"path": "list/d", "value": 2, "index": 1},
                {"path": "list/a", "value": 3, "index": 2},
                {"path": "list/e", "value": 4, "index": 3},
            ]}),
            json!({"diff": {"changes": [
                {"path": "list/e", "value": 4, "index": 1},
                {"path": "list/d", "value": 2, "index": 2},
            ], "n": 2}}),
            json!({"diff": {"changes": [{"path": "list/e", "value": 7, "index": 1}], "n": 2}}),
            json!({"get": [
                {"path": "list/d", "value": 2, "index": 1},
                {"path": "list/a", "value": 3, "index": 2},
            ]}),
        ],
    );
}

/// set with and without valueAsResult, and as a notification (node-jet's `skipResult`,
/// A.5: routed without id); the owner's adjusted value comes back and its `change` reaches
/// the fetcher.
async fn check_set(bus: &Bus, transport: Transport) {
    let run = run(bus, transport, "set").await;
    assert_lines(&run.consumer, crate::set_scenario_lines());
    assert_lines(
        &run.provider,
        vec![
            json!({"set": "demo/state", "value": {"x": 2.7}}),
            json!({"set": "demo/state", "value": {"x": 5.5}}),
            json!({"set": "demo/state", "value": {"x": 8.9}}),
        ],
    );
}

/// call with array args, object args, none (node-jet sends `[]`) and `{}`: the owner gets
/// them verbatim and its result comes back.
fn check_call(run: Run) {
    assert_lines(
        &run.consumer,
        vec![
            json!({"array": {"ok": {"shape": "array", "sum": 6}}}),
            json!({"object": {"ok": {"shape": "object", "sum": 3}}}),
            json!({"none": {"ok": {"shape": "array", "sum": 0}}}),
            json!({"empty": {"ok": {"shape": "object", "sum": 0}}}),
        ],
    );
    assert_lines(
        &run.provider,
        vec![
            json!({"call": "demo/sum", "args": [1, 2, 3]}),
            json!({"call": "demo/sum", "args": {"a": 1, "b": 2}}),
            json!({"call": "demo/sum", "args": []}),
            json!({"call": "demo/sum", "args": {}}),
        ],
    );
}

/// Errors as node-jet's typed errors. jetd refuses a set of a method and a call of a state
/// (A.3 `notAState`/`notAMethod`, raw errors for node-jet); node-jet routes them anyway.
async fn check_errors(bus: &Bus, transport: Transport) {
    let run = run(bus, transport, "errors").await;
    let (set_method, call_state, routed) = match bus.target() {
        Target::Jetd => (
            raw_invalid_params(json!({"notAState": "demo/sum"})),
            raw_invalid_params(json!({"notAMethod": "demo/state"})),
            vec![
                json!({"set": "demo/slow", "value": 1}),
                json!({"call": "demo/fail", "args": []}),
            ],
        ),
        Target::NodeJet => (
            json!({"ok": {"shape": "object", "sum": 1}}),
            // The owner's set handler throws a JavaScript TypeError whose text depends
            // on the node version; only the type is checked (see below).
            json!({"err": {"name": "jet.PeerError", "message": null}}),
            vec![
                json!({"set": "demo/slow", "value": 1}),
                json!({"call": "demo/fail", "args": []}),
                json!({"call": "demo/sum", "args": {"value": 1}}),
                json!({"set": "demo/state"}),
            ],
        ),
    };
    let mut consumer = run.consumer.clone();
    if bus.target() == Target::NodeJet {
        if let Some(message) = consumer
            .get_mut(7)
            .and_then(|l| l.pointer_mut("/result/err/message"))
        {
            *message = Value::Null;
        }
    }
    let case = |name: &str, result: Value| json!({"case": name, "result": result});
    assert_lines(
        &consumer,
        vec![
            case("setUnknown", not_found()),
            case("callUnknown", not_found()),
            case(
                "addExisting",
                typed(
                    "jet.Occupied",
                    "A State/Method with the same path has already been added",
                ),
            ),
            case(
                "setFetchOnly",
                typed("jet.FetchOnly", "The State cannot be modified"),
            ),
            case(
                "setTimeout",
                typed(
                    "jet.PeerTimeout",
                    "The peer processing the request did not respond within the specified timeout",
                ),
            ),
            case("callFailing", typed("jet.PeerError", "nope")),
            case("setMethod", set_method),
            case("callState", call_state),
        ],
    );
    assert_lines(&run.provider, routed);
}

/// An unauthenticated node-jet peer and elements with access rules (A.9): only the open
/// element is visible and settable. jetd keeps elements the peer may not fetch invisible
/// (NotFound); node-jet answers Unauthorized.
async fn check_access_anonymous(bus: &Bus, transport: Transport) {
    let run = run(bus, transport, "access").await;
    let hidden = match bus.target() {
        Target::Jetd => not_found(),
        Target::NodeJet => unauthorized(),
    };
    assert_lines(
        &run.consumer,
        vec![
            json!({"access": null}),
            json!({"get": [{"path": "secure/open", "event": "add", "value": "o"}]}),
            json!({"set": "secure/open", "result": {"ok": true}}),
            json!({"set": "secure/view", "result": hidden.clone()}),
            json!({"set": "secure/admin", "result": hidden}),
        ],
    );
    assert_lines(
        &run.provider,
        vec![json!({"set": "secure/open", "value": "anonymous"})],
    );
}

/// The provider disconnects while a set is pending at it (A.7): jetd fails the set at once
/// with `-32603 {"ownerDisconnected":path}` (node-jet's `jet.PeerError`, which keeps no
/// message for it), node-jet's daemon lets it time out; fetchers get `remove` with the
/// last value and the path is gone afterwards.
async fn check_owner_disconnect(bus: &Bus, transport: Transport) {
    let addr = bus.addr(transport);
    let provider = start_provider(&addr).await;
    let consumer = consume(&addr, "disconnect", &["--keep-provider"]).await;
    let (pending, in_time) = match bus.target() {
        Target::Jetd => (typed("jet.PeerError", ""), true),
        Target::NodeJet => (
            typed(
                "jet.PeerTimeout",
                "The peer processing the request did not respond within the specified timeout",
            ),
            false,
        ),
    };
    assert_lines(
        &consumer,
        vec![
            json!({"initial": [{"path": "demo/state", "event": "add", "value": {"x": 1}}]}),
            json!({"pending": pending, "withinTimeout": in_time}),
            json!({"event": {"path": "demo/state", "event": "remove", "value": {"x": 1}}}),
            json!({"afterwards": not_found()}),
        ],
    );
    assert_lines(
        &finish_provider(provider).await,
        vec![json!({"set": "demo/slow", "value": 1})],
    );
}

// ---------------------------------------------------------------------------------------
// The tests: every scenario against jetd over TCP and over WebSocket, and against
// node-jet's own daemon (both transports) as the reference.

macro_rules! interop_tests {
    ($($name:ident => $check:ident;)*) => {$(
        mod $name {
            use super::*;

            #[tokio::test]
            async fn jetd_tcp() {
                let bus = Bus::start(Target::Jetd).await;
                $check(&bus, Transport::Tcp).await;
                bus.stop().await;
            }

            #[tokio::test]
            async fn jetd_ws() {
                let bus = Bus::start(Target::Jetd).await;
                $check(&bus, Transport::Ws).await;
                bus.stop().await;
            }

            #[tokio::test]
            async fn reference_node_jet() {
                let bus = Bus::start(Target::NodeJet).await;
                $check(&bus, Transport::Tcp).await;
                $check(&bus, Transport::Ws).await;
                bus.stop().await;
            }
        }
    )*};
}

interop_tests! {
    info => check_info;
    fetch_unsorted => check_fetch;
    fetch_value_filtered => check_filter;
    fetch_sorted => check_sorted;
    set_value_as_result => check_set;
    typed_errors => check_errors;
    access_anonymous => check_access_anonymous;
    owner_disconnect => check_owner_disconnect;
}

async fn check_call_same(bus: &Bus, transport: Transport) {
    check_call(run(bus, transport, "call").await);
}

/// Calls across transports: the provider on one, the consumer on the other.
async fn check_call_across(bus: &Bus, consumer: Transport) {
    let provider = match consumer {
        Transport::Tcp => Transport::Ws,
        Transport::Ws => Transport::Tcp,
    };
    check_call(run_mixed(bus, provider, consumer, "call").await);
}

interop_tests! {
    call_args => check_call_same;
    call_across_transports => check_call_across;
}

// ---------------------------------------------------------------------------------------
// Authentication: node-jet peers that log in (`new jet.Peer({user, password})`) and see
// the access rules of their groups applied.

/// A user the daemon knows, with the group lists of A.9.
struct TestUser {
    name: &'static str,
    password: &'static str,
    fetch: &'static [&'static str],
    set: &'static [&'static str],
    call: &'static [&'static str],
}

const USERS: [TestUser; 2] = [
    TestUser {
        name: "vera",
        password: "vera-pw",
        fetch: &["viewers"],
        set: &[],
        call: &[],
    },
    TestUser {
        name: "adam",
        password: "adam-pw",
        fetch: &["admins"],
        set: &["admins"],
        call: &["admins"],
    },
];

fn groups_json(fetch: &[&str], set: &[&str], call: &[&str]) -> Value {
    json!({"fetchGroups": fetch, "setGroups": set, "callGroups": call})
}

/// Start the daemon with [`USERS`]: a jetd users file with password hashes, or node-jet's
/// plain `users` option.
async fn start_with_users(target: Target) -> Bus {
    match target {
        Target::Jetd => {
            let mut text = String::new();
            for TestUser {
                name,
                password,
                fetch,
                set,
                call,
            } in USERS
            {
                text.push_str(&format!(
                    "[users.{name}]\npassword = {}\nfetchGroups = {}\nsetGroups = {}\ncallGroups = {}\n\n",
                    json!(jetd::auth::hash_password(password)),
                    json!(fetch),
                    json!(set),
                    json!(call),
                ));
            }
            let users = jetd::auth::Users::from_toml_str(&text).expect("users file");
            let config = jetd::Config {
                users,
                ..jetd::Config::loopback_ephemeral()
            };
            Bus::Jetd(jet_tests::start_daemon_with(config).await)
        }
        Target::NodeJet => {
            let mut users = serde_json::Map::new();
            for user in USERS {
                users.insert(
                    user.name.to_owned(),
                    json!({
                        "password": user.password,
                        "auth": groups_json(user.fetch, user.set, user.call),
                    }),
                );
            }
            Bus::NodeJet(Box::new(
                NodeDaemon::start_with_users(&Value::Object(users)).await,
            ))
        }
    }
}

/// Logged-in viewers see what their fetch groups allow, flagged fetchOnly where they may
/// not set; admins see and set everything; bad credentials fail the connect. jetd answers
/// `invalidCredentials` for both unknown user and wrong password (A.3), which node-jet has
/// no typed error for; node-jet's daemon says which of the two it was.
async fn check_authenticated(bus: &Bus, transport: Transport) {
    let addr = bus.addr(transport);
    let login = |user: &'static str, password: &'static str| {
        ["--keep-provider", "--user", user, "--password", password]
    };
    let provider = start_provider(&addr).await;

    let vera = consume(&addr, "access", &login("vera", "vera-pw")).await;
    let hidden = match bus.target() {
        Target::Jetd => not_found(),
        Target::NodeJet => unauthorized(),
    };
    assert_eq!(vera.len(), 5, "vera: {vera:?}");
    assert_json(
        &vera[0],
        json!({"access": groups_json(&["viewers"], &[], &[])}),
    );
    assert_json(
        &by_path(&vera[1]["get"]),
        json!([
            {"path": "secure/open", "event": "add", "value": "o"},
            {"fetchOnly": true, "path": "secure/view", "event": "add", "value": "v"},
        ]),
    );
    assert_lines(
        &vera[2..],
        vec![
            json!({"set": "secure/open", "result": {"ok": true}}),
            json!({"set": "secure/view", "result": unauthorized()}),
            json!({"set": "secure/admin", "result": hidden}),
        ],
    );

    let adam = consume(&addr, "access", &login("adam", "adam-pw")).await;
    assert_eq!(adam.len(), 5, "adam: {adam:?}");
    assert_json(
        &adam[0],
        json!({"access": groups_json(&["admins"], &["admins"], &["admins"])}),
    );
    assert_json(
        &by_path(&adam[1]["get"]),
        json!([
            {"path": "secure/admin", "event": "add", "value": "a"},
            {"path": "secure/open", "event": "add", "value": "vera"},
            {"path": "secure/view", "event": "add", "value": "v"},
        ]),
    );
    assert_lines(
        &adam[2..],
        vec![
            json!({"set": "secure/open", "result": {"ok": true}}),
            json!({"set": "secure/view", "result": {"ok": true}}),
            json!({"set": "secure/admin", "result": {"ok": true}}),
        ],
    );

    let (wrong_password, unknown_user) = match bus.target() {
        Target::Jetd => (
            raw_invalid_params(json!({"invalidCredentials": true}))["err"].clone(),
            raw_invalid_params(json!({"invalidCredentials": true}))["err"].clone(),
        ),
        Target::NodeJet => (
            typed("jet.InvalidPassword", "The specified password is wrong")["err"].clone(),
            typed("jet.InvalidUser", "The specified user does not exist")["err"].clone(),
        ),
    };
    let refused = consume(&addr, "access", &login("vera", "adam-pw")).await;
    assert_lines(&refused, vec![json!({"connect": wrong_password})]);
    let refused = consume(&addr, "access", &login("nobody", "vera-pw")).await;
    assert_lines(&refused, vec![json!({"connect": unknown_user})]);

    // Finally an anonymous consumer, which also ends the provider.
    let anonymous = consume(&addr, "access", &[]).await;
    assert_lines(
        &anonymous,
        vec![
            json!({"access": null}),
            json!({"get": [{"path": "secure/open", "event": "add", "value": "adam"}]}),
            json!({"set": "secure/open", "result": {"ok": true}}),
            json!({"set": "secure/view", "result": hidden.clone()}),
            json!({"set": "secure/admin", "result": hidden}),
        ],
    );
    assert_lines(
        &finish_provider(provider).await,
        vec![
            json!({"set": "secure/open", "value": "vera"}),
            json!({"set": "secure/open", "value": "adam"}),
            json!({"set": "secure/view", "value": "adam"}),
            json!({"set": "secure/admin", "value": "adam"}),
            json!({"set": "secure/open", "value": "anonymous"}),
        ],
    );
}

mod authenticated {
    use super::*;

    #[tokio::test]
    async fn jetd_tcp() {
        let bus = start_with_users(Target::Jetd).await;
        check_authenticated(&bus, Transport::Tcp).await;
        bus.stop().await;
    }

    #[tokio::test]
    async fn jetd_ws() {
        let bus = start_with_users(Target::Jetd).await;
        check_authenticated(&bus, Transport::Ws).await;
        bus.stop().await;
    }

    #[tokio::test]
    async fn reference_node_jet() {
        let bus = start_with_users(Target::NodeJet).await;
        check_authenticated(&bus, Transport::Tcp).await;
        check_authenticated(&bus, Transport::Ws).await;
        bus.stop().await;
    }
}

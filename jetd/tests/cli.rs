//! End-to-end tests of `jet`, the command-line peer: the built binary against an in-process
//! jetd on 127.0.0.1 (and, where the daemon's side of the conversation must be observed, a
//! fake daemon that records what `jet` sends).

#[path = "cli/support.rs"]
mod support;

#[path = "cli/codegen.rs"]
mod codegen;

use futures_util::StreamExt;
use jet_runtime::fetch::builder::Fetch;
use jet_runtime::peer::{
    custom_error, EventKind, FetchEvent, FetchStream, Peer, PeerError, SetReply, State,
};
use serde_json::{json, Value};
use tokio::time::timeout;

use jet_test_support::fake::{reply, FakeDaemon};
use jet_test_support::STEP;
use support::{jet, jet_command, run, silent_listener, Bus, Running};

/// A small plant: a writable setpoint clamped to 90, a read-only pump, a sensor with an
/// object value, a method that sums its arguments, and something outside `plant/`.
struct Plant {
    peer: Peer,
    setpoint: State,
    _others: Vec<State>,
    _methods: Vec<jet_runtime::peer::Method>,
}

async fn plant(bus: &Bus) -> Plant {
    let peer = bus.peer().await;
    let add = |path: &'static str, value: Value| peer.add_state(path, value);
    let setpoint = timeout(
        STEP,
        add("plant/boiler/setpoint", json!(70)).on_set(|v| {
            let clamped = v.as_f64().map_or(v.clone(), |x| json!(x.min(90.0)));
            Ok(SetReply::adjusted(clamped))
        }),
    )
    .await
    .unwrap()
    .unwrap();
    let mut others = Vec::new();
    for (path, value) in [
        ("plant/pump", json!("on")),
        ("plant/sensor", json!({"temp": 80})),
        ("other/x", json!(1)),
    ] {
        others.push(timeout(STEP, add(path, value)).await.unwrap().unwrap());
    }
    let sum = peer.add_method("plant/boiler/sum", |args| {
        let nums = args.as_array().cloned().unwrap_or_default();
        if nums.iter().any(|n| !n.is_number()) {
            return Err(custom_error(123, "numbers only", Some(args)));
        }
        Ok(json!(nums
            .iter()
            .filter_map(Value::as_f64)
            .fold(0.0, |a, b| a + b)))
    });
    let sum = timeout(STEP, sum).await.unwrap().unwrap();
    Plant {
        peer,
        setpoint,
        _others: others,
        _methods: vec![sum],
    }
}

/// The next element event of a fetch stream.
async fn next_event(stream: &mut FetchStream) -> (EventKind, String, Option<Value>) {
    match timeout(STEP, stream.next()).await {
        Ok(Some(FetchEvent::Element(e))) => (e.kind, e.path, e.value),
        other => panic!("expected an element event, got {other:?}"),
    }
}

#[tokio::test]
async fn info_in_columns_and_as_json() {
    let bus = Bus::start().await;
    let done = jet(&bus.tcp, &["info"]).await;
    done.assert_ok();
    let lines = done.lines();
    assert!(lines.len() >= 4, "{lines:?}");
    assert!(lines[0].starts_with("name ") && lines[0].ends_with("  jetd"));
    // Every value starts in the same column.
    let column = lines[0].rfind("  jetd").unwrap() + 2;
    for l in &lines {
        assert!(
            l[..column].ends_with("  ") && !l[column..].starts_with(' '),
            "{l:?}"
        );
    }
    assert!(lines.contains(&format!("{:<w$}\"full\"", "features.fetch", w = column).as_str()));

    let done = jet(&bus.tcp, &["info", "--json"]).await;
    done.assert_ok();
    let v = &done.json_lines()[0];
    assert_eq!(v["name"], "jetd");
    assert_eq!(v["protocolVersion"], "1.1.0");
    assert_eq!(v["features"]["fetch"], "full");
    bus.shutdown().await;
}

#[tokio::test]
async fn get_lists_states_and_methods_and_applies_rules() {
    let bus = Bus::start().await;
    let _plant = plant(&bus).await;

    // Sorted by path (the daemon answers in the order the elements were added).
    let done = jet(&bus.tcp, &["get", "plant/"]).await;
    done.assert_ok();
    assert_eq!(
        done.lines(),
        [
            "plant/boiler/setpoint  70",
            "plant/boiler/sum       (method)",
            "plant/pump             \"on\"         read-only",
            "plant/sensor           {\"temp\":80}  read-only",
        ]
    );

    // Rule flags: value rules leave methods out; field rules look inside objects.
    let done = jet(
        &bus.tcp,
        &[
            "get",
            "--json",
            "--starts-with",
            "plant/",
            "--value-greater-than",
            "50",
        ],
    )
    .await;
    done.assert_ok();
    assert_eq!(
        done.json_lines(),
        [json!({"path":"plant/boiler/setpoint","value":70})]
    );
    let done = jet(
        &bus.tcp,
        &["get", "--json", "--field", "temp=greaterThan:50"],
    )
    .await;
    done.assert_ok();
    assert_eq!(
        done.json_lines(),
        [json!({"path":"plant/sensor","value":{"temp":80},"fetchOnly":true})]
    );
    let done = jet(&bus.tcp, &["get", "--json", "-i", "--ends-with", "SUM"]).await;
    done.assert_ok();
    assert_eq!(
        done.json_lines(),
        [json!({"path":"plant/boiler/sum","method":true})]
    );
    // Nothing: said on stderr, stdout stays empty (and under --json, nothing at all).
    let done = jet(&bus.tcp, &["get", "--equals", "nothing/here"]).await;
    assert_eq!(
        (done.code, done.stdout.as_str(), done.stderr.as_str()),
        (Some(0), "", "jet: no element matches\n")
    );
    let done = jet(&bus.tcp, &["tree", "--json", "nothing/here"]).await;
    done.assert_ok();
    assert_eq!((done.stdout.as_str(), done.stderr.as_str()), ("", ""));
    bus.shutdown().await;
}

#[tokio::test]
async fn tree_draws_the_hierarchy() {
    let bus = Bus::start().await;
    let _plant = plant(&bus).await;
    let done = jet(&bus.tcp, &["tree"]).await;
    done.assert_ok();
    assert_eq!(
        done.lines(),
        [
            "other (1 element)",
            "└── x = 1  read-only",
            "plant (4 elements)",
            "├── boiler (2 elements)",
            "│   ├── setpoint = 70",
            "│   └── sum()",
            "├── pump = \"on\"  read-only",
            "└── sensor = {\"temp\":80}  read-only",
        ]
    );
    let done = jet(&bus.tcp, &["tree", "--json", "plant/boiler"]).await;
    done.assert_ok();
    assert_eq!(
        done.json_lines(),
        [
            json!({"name":"boiler","path":"plant/boiler","count":2,"children":[
                {"name":"setpoint","path":"plant/boiler/setpoint","value":70},
                {"name":"sum","path":"plant/boiler/sum","method":true}
            ]})
        ]
    );
    bus.shutdown().await;
}

#[tokio::test]
async fn fetch_streams_events_until_interrupted() {
    let bus = Bus::start().await;
    let plant = plant(&bus).await;
    let mut fetch = Running::spawn(&bus.tcp, &["fetch", "boiler/"]);
    let mut first = vec![fetch.line().await, fetch.line().await];
    first.sort_unstable();
    assert_eq!(
        first,
        [
            "add     plant/boiler/setpoint  70",
            "add     plant/boiler/sum       (method)"
        ]
    );
    timeout(STEP, plant.setpoint.change(json!(71)))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(fetch.line().await, "change  plant/boiler/setpoint  71");
    let extra = timeout(
        STEP,
        plant.peer.add_state("plant/boiler/flame", json!(true)),
    )
    .await
    .unwrap()
    .unwrap();
    // Read-only, as `get` and `tree` mark it (the daemon says so on the add only).
    assert_eq!(
        fetch.line().await,
        "add     plant/boiler/flame     true  read-only"
    );
    timeout(STEP, extra.remove()).await.unwrap().unwrap();
    assert_eq!(
        fetch.line().await,
        "remove  plant/boiler/flame     true  read-only"
    );

    let done = fetch.interrupt().await;
    done.assert_ok();
    assert_eq!(done.stdout, "", "nothing more after the interrupt");
    bus.shutdown().await;
}

#[tokio::test]
async fn fetch_json_events() {
    let bus = Bus::start().await;
    let plant = plant(&bus).await;
    let mut fetch = Running::spawn(&bus.tcp, &["fetch", "--json", "--equals", "plant/pump"]);
    assert_eq!(
        fetch.json().await,
        json!({"event":"add","path":"plant/pump","value":"on","fetchOnly":true})
    );
    timeout(STEP, plant.peer.change("plant/pump", json!("off")))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        fetch.json().await,
        json!({"event":"change","path":"plant/pump","value":"off"})
    );
    fetch.interrupt().await.assert_ok();
    bus.shutdown().await;
}

#[tokio::test]
async fn sorted_fetch_redraws_its_window() {
    let bus = Bus::start().await;
    let peer = bus.peer().await;
    let mut states = Vec::new();
    for (path, v) in [("n/a", 3), ("n/b", 1), ("n/c", 2)] {
        states.push(
            timeout(STEP, peer.add_state(path, json!(v)))
                .await
                .unwrap()
                .unwrap(),
        );
    }
    let args = [
        "fetch",
        "--starts-with",
        "n/",
        "--sort",
        "value",
        "--to",
        "2",
    ];

    let mut people = Running::spawn(&bus.tcp, &args);
    assert_eq!(people.line().await, "#1  n/b  1  read-only");
    assert_eq!(people.line().await, "#2  n/c  2  read-only");
    let mut json_args = args.to_vec();
    json_args.push("--json");
    let mut script = Running::spawn(&bus.tcp, &json_args);
    assert_eq!(
        script.json().await,
        json!({"from":1,"window":[{"index":1,"path":"n/b","value":1,"fetchOnly":true},{"index":2,"path":"n/c","value":2,"fetchOnly":true}]})
    );

    timeout(STEP, states[0].change(json!(0)))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        people.line().await,
        "",
        "windows are separated by a blank line"
    );
    assert_eq!(people.line().await, "#1  n/a  0  read-only");
    assert_eq!(people.line().await, "#2  n/b  1  read-only");
    assert_eq!(
        script.json().await,
        json!({"from":1,"window":[{"index":1,"path":"n/a","value":0,"fetchOnly":true},{"index":2,"path":"n/b","value":1,"fetchOnly":true}]})
    );
    people.interrupt().await.assert_ok();
    script.interrupt().await.assert_ok();
    bus.shutdown().await;
}

#[tokio::test]
async fn set_prints_the_answer_and_explains_refusals() {
    let bus = Bus::start().await;
    let plant = plant(&bus).await;

    let done = jet(&bus.tcp, &["set", "plant/boiler/setpoint", "72"]).await;
    done.assert_ok();
    assert_eq!(done.stdout, "true\n");
    assert_eq!(plant.setpoint.value(), json!(72.0));
    let done = jet(
        &bus.tcp,
        &["set", "plant/boiler/setpoint", "95", "--value-as-result"],
    )
    .await;
    done.assert_ok();
    assert_eq!(done.stdout, "90.0\n", "the owner's clamped value");
    let done = jet(
        &bus.tcp,
        &[
            "set",
            "--json",
            "plant/boiler/setpoint",
            "-5",
            "--timeout",
            "2",
        ],
    )
    .await;
    done.assert_ok();
    assert_eq!(done.json_lines(), [json!({"result": true})]);
    assert_eq!(plant.setpoint.value(), json!(-5.0));

    // Refusals: words on stderr, status 1, the raw error with --verbose.
    let done = jet(&bus.tcp, &["set", "plant/boiler/nothing", "1"]).await;
    done.assert_fails(1, "jet: no such path: plant/boiler/nothing");
    assert!(!done.stderr.contains("raw error"));
    assert_eq!(done.stdout, "");
    let done = jet(&bus.tcp, &["set", "-v", "plant/boiler/nothing", "1"]).await;
    done.assert_fails(1, "raw error: NotFound(\"plant/boiler/nothing\")");
    jet(&bus.tcp, &["set", "plant/pump", "off"])
        .await
        .assert_fails(1, "read-only: plant/pump");
    jet(&bus.tcp, &["set", "plant/boiler/sum", "1"])
        .await
        .assert_fails(1, "not a state: plant/boiler/sum is a method");
    bus.shutdown().await;
}

#[tokio::test]
async fn set_takes_bare_words_as_strings_and_times_out() {
    let bus = Bus::start().await;
    let peer = bus.peer().await;
    let mode = timeout(
        STEP,
        peer.add_state("plant/mode", json!("manual"))
            .on_set(|_| Ok(SetReply::accept())),
    )
    .await
    .unwrap()
    .unwrap();
    // An owner that never answers.
    let _slow = timeout(
        STEP,
        peer.add_state("plant/slow", json!(0))
            .on_set_async(|_| std::future::pending()),
    )
    .await
    .unwrap()
    .unwrap();

    jet(&bus.tcp, &["set", "plant/mode", "auto"])
        .await
        .assert_ok();
    assert_eq!(mode.value(), json!("auto"));
    jet(&bus.tcp, &["set", "plant/mode", r#"{"level":[1,2]}"#])
        .await
        .assert_ok();
    assert_eq!(mode.value(), json!({"level":[1,2]}));

    jet(&bus.tcp, &["set", "plant/slow", "1", "--timeout", "0.3"])
        .await
        .assert_fails(1, "timeout: the owner did not answer in time");
    bus.shutdown().await;
}

#[tokio::test]
async fn call_passes_arguments_and_prints_the_result() {
    let bus = Bus::start().await;
    let _plant = plant(&bus).await;
    let done = jet(&bus.tcp, &["call", "plant/boiler/sum", "1", "2", "3.5"]).await;
    done.assert_ok();
    assert_eq!(done.stdout, "6.5\n");
    let done = jet(&bus.tcp, &["call", "plant/boiler/sum", "[4,-5]", "--json"]).await;
    done.assert_ok();
    assert_eq!(done.json_lines(), [json!({"result": -1.0})]);
    let done = jet(&bus.tcp, &["call", "plant/boiler/sum"]).await;
    done.assert_ok();
    assert_eq!(done.stdout, "0.0\n");

    jet(&bus.tcp, &["call", "plant/boiler/sum", "one"])
        .await
        .assert_fails(1, r#"refused: numbers only (error 123): ["one"]"#);
    jet(&bus.tcp, &["call", "plant/pump"])
        .await
        .assert_fails(1, "not a method: plant/pump is a state");
    jet(&bus.tcp, &["call", "plant/none"])
        .await
        .assert_fails(1, "no such path: plant/none");
    bus.shutdown().await;
}

#[tokio::test]
async fn add_publishes_a_writable_state_until_interrupted() {
    let bus = Bus::start().await;
    let observer = bus.peer().await;
    let mut watch = timeout(
        STEP,
        observer.fetch(&Fetch::all().path_equals("plant/boiler/setpoint")),
    )
    .await
    .unwrap()
    .unwrap();

    let mut add = Running::spawn(
        &bus.tcp,
        &["add", "plant/boiler/setpoint", "70", "--writable"],
    );
    assert_eq!(
        add.line().await,
        "added plant/boiler/setpoint = 70 (writable); Ctrl-C removes it"
    );
    assert_eq!(
        next_event(&mut watch).await,
        (
            EventKind::Add,
            "plant/boiler/setpoint".into(),
            Some(json!(70))
        )
    );
    let answer = timeout(STEP, observer.set("plant/boiler/setpoint", json!(72)))
        .await
        .unwrap();
    assert_eq!(answer.unwrap(), json!(true));
    assert_eq!(add.line().await, "set  plant/boiler/setpoint  72");
    assert_eq!(
        next_event(&mut watch).await,
        (
            EventKind::Change,
            "plant/boiler/setpoint".into(),
            Some(json!(72))
        )
    );

    let done = add.interrupt().await;
    done.assert_ok();
    assert_eq!(done.stdout, "removed plant/boiler/setpoint\n");
    assert_eq!(
        next_event(&mut watch).await,
        (
            EventKind::Remove,
            "plant/boiler/setpoint".into(),
            Some(json!(72))
        )
    );
    bus.shutdown().await;
}

#[tokio::test]
async fn add_without_writable_is_read_only_and_speaks_json() {
    let bus = Bus::start().await;
    let observer = bus.peer().await;
    let mut add = Running::spawn(&bus.tcp, &["add", "--json", "plant/pump", "on"]);
    assert_eq!(
        add.json().await,
        json!({"event":"added","path":"plant/pump","value":"on","writable":false})
    );
    let refused = timeout(STEP, observer.set("plant/pump", json!("off")))
        .await
        .unwrap();
    assert!(
        matches!(refused, Err(PeerError::FetchOnly(_))),
        "{refused:?}"
    );
    let done = add.interrupt().await;
    done.assert_ok();
    assert_eq!(
        done.json_lines(),
        [json!({"event":"removed","path":"plant/pump"})]
    );
    let gone = timeout(STEP, observer.get(&Fetch::all().path_equals("plant/pump")))
        .await
        .unwrap()
        .unwrap();
    assert!(gone.is_empty(), "{gone:?}");
    bus.shutdown().await;
}

#[tokio::test]
async fn add_method_echoes_its_calls_until_interrupted() {
    let bus = Bus::start().await;
    let caller = bus.peer().await;
    let mut method = Running::spawn(&bus.tcp, &["add-method", "--json", "plant/echo"]);
    assert_eq!(
        method.json().await,
        json!({"event":"added","path":"plant/echo","method":true})
    );
    let result = timeout(STEP, caller.call("plant/echo", json!([1, "a"])))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(result, json!([1, "a"]));
    assert_eq!(
        method.json().await,
        json!({"event":"call","path":"plant/echo","args":[1,"a"]})
    );
    let done = method.interrupt().await;
    done.assert_ok();
    let after = timeout(STEP, caller.call("plant/echo", json!([])))
        .await
        .unwrap();
    assert!(matches!(after, Err(PeerError::NotFound(_))), "{after:?}");

    // For people.
    let mut method = Running::spawn(&bus.tcp, &["add-method", "plant/echo"]);
    assert!(method.line().await.starts_with("added method plant/echo"));
    timeout(STEP, caller.call("plant/echo", json!({"x": 1})))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(method.line().await, r#"call  plant/echo  {"x":1}"#);
    let done = method.interrupt().await;
    done.assert_ok();
    assert_eq!(done.stdout, "removed plant/echo\n");
    bus.shutdown().await;
}

/// The fake daemon answers every request with `true`; a `fetch` also gets one `add`
/// notification so `jet` has something to print.
fn fetch_script(m: &Value) -> Vec<Value> {
    if m.get("id").is_none() {
        return Vec::new();
    }
    let mut out = vec![reply(m, json!(true))];
    if m["method"] == "fetch" {
        out.push(
            json!({"method": m["params"]["id"], "params": {"path":"a","event":"add","value":1}}),
        );
    }
    out
}

#[tokio::test]
async fn an_interrupted_fetch_unfetches_before_exiting() {
    let mut fake = FakeDaemon::start(fetch_script).await;
    let mut fetch = Running::spawn(&fake.url(), &["fetch", "a"]);
    assert_eq!(fetch.line().await, "add     a  1");
    let request = fake.next_with_method("fetch").await;
    assert_eq!(request["params"]["path"], json!({"contains": "a"}));
    let done = fetch.interrupt().await;
    done.assert_ok();
    let unfetch = fake.next_with_method("unfetch").await;
    assert_eq!(unfetch["params"]["id"], request["params"]["id"]);
    assert!(
        unfetch.get("id").is_some(),
        "a request, awaited before exit"
    );
}

#[tokio::test]
async fn an_interrupted_add_removes_its_element_before_exiting() {
    for args in [
        &["add", "plant/x", "1", "--writable"][..],
        &["add-method", "plant/x"][..],
    ] {
        let mut fake = FakeDaemon::start(fetch_script).await;
        let mut add = Running::spawn(&fake.url(), args);
        assert!(add.line().await.starts_with("added "));
        let added = fake.next_with_method("add").await;
        assert_eq!(added["params"]["path"], "plant/x");
        let done = add.interrupt().await;
        done.assert_ok();
        assert_eq!(done.stdout, "removed plant/x\n");
        let remove = fake.next_with_method("remove").await;
        assert_eq!(remove["params"]["path"], "plant/x");
    }
}

/// `jet add` keeps its value's digits (`2.50`, 20 significant digits, a big integer: never
/// through `f64`). Its exponent is written as serde_json writes it (`1e3` and `1E3` as
/// `1e+3`, the same number): the peer API holds the value as a `serde_json::Value`.
#[tokio::test]
async fn add_sends_numbers_with_their_digits() {
    for (value, sent) in [
        ("2.50", r#""value":2.50"#),
        ("19.0895346879861560", r#""value":19.0895346879861560"#),
        (
            "123456789012345678901234",
            r#""value":123456789012345678901234"#,
        ),
        ("1E3", r#""value":1E3"#),
        ("[1E3, -0.0]", r#""value":[1E3, -0.0]"#),
        (r#"{"t":1.10}"#, r#""value":{"t":1.10}"#),
    ] {
        let mut fake = FakeDaemon::start(fetch_script).await;
        let mut add = Running::spawn(&fake.url(), &["add", "n", value]);
        assert!(add.line().await.starts_with("added "));
        let (_, text) = fake.text_with_method("add").await;
        assert!(text.contains(sent), "{value}: {text}");
        add.interrupt().await.assert_ok();
    }
}

fn schema_script(m: &Value) -> Vec<Value> {
    match m["method"].as_str() {
        Some("schema") => vec![reply(
            m,
            json!([
                {"path":"plant/boiler/setpoint","schema":{"type":"number","maximum":90}},
                {"path":"plant/boiler/heat","schema":{"params":{"type":"object"}}}
            ]),
        )],
        _ if m.get("id").is_some() => vec![reply(m, json!(true))],
        _ => Vec::new(),
    }
}

#[tokio::test]
async fn schema_shows_schemas_where_the_daemon_has_them() {
    let mut fake = FakeDaemon::start(schema_script).await;
    let done = jet(&fake.url(), &["schema", "--starts-with", "plant/"]).await;
    done.assert_ok();
    assert_eq!(
        done.lines(),
        [
            "plant/boiler/setpoint",
            "  {",
            "    \"type\": \"number\",",
            "    \"maximum\": 90",
            "  }",
            "",
            "plant/boiler/heat",
            "  {",
            "    \"params\": {",
            "      \"type\": \"object\"",
            "    }",
            "  }",
        ]
    );
    let request = fake.next_with_method("schema").await;
    assert_eq!(request["params"], json!({"path": {"startsWith": "plant/"}}));

    let done = jet(&fake.url(), &["schema", "--json"]).await;
    done.assert_ok();
    assert_eq!(
        done.json_lines(),
        [
            json!({"path":"plant/boiler/setpoint","schema":{"type":"number","maximum":90}}),
            json!({"path":"plant/boiler/heat","schema":{"params":{"type":"object"}}}),
        ]
    );
    assert_eq!(fake.next_with_method("schema").await["params"], json!({}));
}

#[tokio::test]
async fn schema_shows_what_jetd_kept_from_add() {
    let bus = Bus::start().await;
    let peer = bus.peer().await;
    peer.request(
        "add",
        json!({"path":"plant/boiler/setpoint","value":70,"schema":{"type":"number"}}),
        None,
    )
    .await
    .expect("add with a schema");
    peer.request("add", json!({"path":"plant/boiler/plain","value":1}), None)
        .await
        .expect("add without a schema");
    let done = jet(&bus.tcp, &["schema", "--json", "plant"]).await;
    done.assert_ok();
    assert_eq!(
        done.json_lines(),
        [json!({"path":"plant/boiler/setpoint","schema":{"type":"number"}})]
    );
    bus.shutdown().await;
}

/// A daemon without the `schema` extension (node-jet, cjet) answers Method not found.
fn no_schema_script(m: &Value) -> Vec<Value> {
    match m["method"].as_str() {
        Some("schema") => vec![json!({
            "id": m["id"],
            "error": {"message":"Method not found","code":-32601,"data":"schema"}
        })],
        Some("info") => vec![reply(
            m,
            json!({"name":"node-jet","version":"2.2.0","protocolVersion":"1.1.0","features":{"fetch":"full"}}),
        )],
        _ if m.get("id").is_some() => vec![reply(m, json!(true))],
        _ => Vec::new(),
    }
}

#[tokio::test]
async fn schema_says_when_the_daemon_does_not_support_it() {
    let fake = FakeDaemon::start(no_schema_script).await;
    let done = jet(&fake.url(), &["schema"]).await;
    let words = format!("the daemon at {} does not support schemas", fake.url());
    done.assert_fails(1, &words);
    assert_eq!(done.stdout, "");
}

#[tokio::test]
async fn an_unreachable_daemon_is_named_and_exits_3() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let addr = format!("tcp://127.0.0.1:{port}");
    jet(&addr, &["info"])
        .await
        .assert_fails(3, &format!("cannot connect to the daemon at {addr}"));
    let ws = format!("ws://127.0.0.1:{port}/");
    jet(&ws, &["get"])
        .await
        .assert_fails(3, &format!("cannot connect to the daemon at {ws}"));
}

/// A daemon that accepts the connection but never answers (TCP: no answer to `config`;
/// WebSocket: no answer to the upgrade) is unreachable, status 3, every time: the connect
/// timeout (5 s by default) ends it before the 10 s request timeout could.
#[tokio::test]
async fn a_daemon_that_never_answers_is_unreachable_with_status_3() {
    let (addr, _listener) = silent_listener().await;
    let tcp = format!("tcp://{addr}");
    let ws = format!("ws://{addr}/");
    let started = std::time::Instant::now();
    let (by_default, over_ws, quick, quick_ws) = tokio::join!(
        jet(&tcp, &["get"]),
        jet(&ws, &["info"]),
        jet(&tcp, &["--connect-timeout", "0.3", "set", "x", "1"]),
        jet(&ws, &["call", "m", "--connect-timeout", "0.3"]),
    );
    let elapsed = started.elapsed();
    by_default.assert_fails(
        3,
        &format!("cannot connect to the daemon at {tcp}: no answer to the handshake within 5 s"),
    );
    over_ws.assert_fails(
        3,
        &format!("cannot connect to the daemon at {ws}: no connection within 5 s"),
    );
    quick.assert_fails(3, "no answer to the handshake within 0.3 s");
    quick_ws.assert_fails(3, "no connection within 0.3 s");
    assert!(
        elapsed < std::time::Duration::from_secs(9),
        "took {elapsed:?}: the connect timeout must be shorter than the request timeout"
    );
    jet(&tcp, &["--connect-timeout", "0", "info"])
        .await
        .assert_fails(2, "positive number of seconds");
}

/// `jet set` and `jet call` send numbers as written (the daemon passes them on as they are);
/// values the daemon sends are printed with the digits they have.
#[tokio::test]
async fn numbers_pass_through_as_written() {
    let mut fake = FakeDaemon::start(fetch_script).await;
    jet(&fake.url(), &["set", "x", "1e3"]).await.assert_ok();
    let (_, text) = fake.text_with_method("set").await;
    assert!(text.contains(r#""value":1e3"#), "{text}");
    jet(&fake.url(), &["call", "m", "1E-7", "2.50", "word"])
        .await
        .assert_ok();
    let (_, text) = fake.text_with_method("call").await;
    assert!(text.contains(r#""args":[1E-7,2.50,"word"]"#), "{text}");
    jet(&fake.url(), &["set", "x", r#"{"t": 19.0895346879861560}"#])
        .await
        .assert_ok();
    let (_, text) = fake.text_with_method("set").await;
    assert!(
        text.contains(r#""value":{"t": 19.0895346879861560}"#),
        "{text}"
    );
    // `01` is not JSON: an error, not the string "01".
    jet(&fake.url(), &["set", "x", "01"])
        .await
        .assert_fails(2, "`01` is not a valid JSON number");

    // Through a real daemon: a C peer's 17 digits and a big integer come back as they are.
    let bus = Bus::start().await;
    let provider = bus.peer().await;
    let texts = ["19.0895346879861560", "123456789012345678901234", "1.50"];
    let mut states = Vec::new();
    for (i, text) in texts.iter().enumerate() {
        let value: Value = serde_json::from_str(text).unwrap();
        let add = provider.add_state(format!("n/{i}"), value);
        states.push(timeout(STEP, add).await.unwrap().unwrap());
    }
    let done = jet(&bus.tcp, &["get", "n/"]).await;
    done.assert_ok();
    for (i, text) in texts.iter().enumerate() {
        let start = format!("n/{i}  {text} ");
        assert!(
            done.lines().iter().any(|l| l.starts_with(&start)),
            "no line starting {start:?} in {:?}",
            done.lines()
        );
    }
    let done = jet(&bus.tcp, &["get", "--json", "--equals", "n/0"]).await;
    done.assert_ok();
    assert!(
        done.stdout.contains(r#""value":19.0895346879861560"#),
        "{}",
        done.stdout
    );
    bus.shutdown().await;
}

/// A daemon like cjet: `get` ignores value rules and sorting (every element, unsorted),
/// `fetch` sends every element as a plain `add`, and a `set` is answered `true`.
fn ignoring_script(m: &Value) -> Vec<Value> {
    let all = [("t/a", json!(10)), ("t/b", json!(60)), ("t/c", json!(80))];
    match m["method"].as_str() {
        Some("get") => vec![reply(
            m,
            all.iter()
                .map(|(p, v)| json!({"path": p, "value": v}))
                .collect(),
        )],
        Some("fetch") => {
            let mut out = vec![reply(m, json!(true))];
            for (p, v) in &all {
                let params = json!({"path": p, "event": "add", "value": v});
                out.push(json!({"method": m["params"]["id"], "params": params}));
            }
            out
        }
        Some(_) if m.get("id").is_some() => vec![reply(m, json!(true))],
        _ => Vec::new(),
    }
}

/// `jet` gives the answer the rules ask for even when the daemon ignores them, and says so
/// on stderr.
#[tokio::test]
async fn rules_the_daemon_ignores_are_applied_with_a_note() {
    let fake = FakeDaemon::start(ignoring_script).await;
    let done = jet(&fake.url(), &["get", "--value-greater-than", "50"]).await;
    assert_eq!(done.code, Some(0), "{done:#?}");
    assert_eq!(done.lines(), ["t/b  60", "t/c  80"]);
    assert_eq!(
        done.stderr,
        "jet: note: the daemon does not apply value rules; the peer applied them to its answer\n"
    );
    let done = jet(&fake.url(), &["--json", "get", "--value-less-than", "50"]).await;
    assert_eq!(done.json_lines(), [json!({"path": "t/a", "value": 10})]);
    let note: Value = serde_json::from_str(done.stderr.trim()).expect("a JSON note");
    assert!(
        note["note"].as_str().unwrap().contains("value rules"),
        "{note}"
    );

    // A sorted window from plain events.
    let mut fetch = Running::spawn(
        &fake.url(),
        &[
            "fetch",
            "--json",
            "--sort",
            "value",
            "--descending",
            "--to",
            "2",
        ],
    );
    let mut last = Value::Null;
    for _ in 0..3 {
        last = fetch.json().await;
    }
    let paths: Vec<&str> = last["window"]
        .as_array()
        .unwrap_or_else(|| panic!("{last}"))
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["t/c", "t/b"], "{last}");
    let done = fetch.interrupt().await;
    assert!(done.stderr.contains("does not sort"), "{done:#?}");

    // valueAsResult answered `true`: the value is read back.
    let done = jet(&fake.url(), &["set", "t/b", "61", "--value-as-result"]).await;
    assert_eq!(done.stdout, "60\n", "{done:#?}");
    assert!(
        done.stderr.contains("does not pass on valueAsResult"),
        "{done:#?}"
    );
}

/// cjet's words: one data key for "set of a method" and "call of a state", and an HTTP/1.0
/// 404 for a WebSocket path it does not serve.
fn cjet_errors_script(m: &Value) -> Vec<Value> {
    let refused = |key: &str| {
        json!({"id": m["id"], "error": {"message": "Invalid params", "code": -32602,
            "data": {key: m["params"]["path"]}}})
    };
    match m["method"].as_str() {
        Some("set" | "call") => vec![refused("set/call on element not possible")],
        Some("get") => vec![refused("request not authorized")],
        Some(_) if m.get("id").is_some() => vec![reply(m, json!(true))],
        _ => Vec::new(),
    }
}

#[tokio::test]
async fn errors_are_worded_for_what_refused_them() {
    // cjet's error keys become the typed errors.
    let fake = FakeDaemon::start(cjet_errors_script).await;
    jet(&fake.url(), &["set", "m", "1"])
        .await
        .assert_fails(1, "jet: not a state: m is a method");
    jet(&fake.url(), &["call", "s"])
        .await
        .assert_fails(1, "jet: not a method: s is a state");

    // A WebSocket path the daemon does not serve (cjet answers HTTP/1.0 404).
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let http = tokio::spawn(async move {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        for _ in 0..2 {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let mut buf = [0u8; 2048];
            let _ = socket.read(&mut buf).await;
            let _ = socket
                .write_all(b"HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n")
                .await;
        }
    });
    let ws = format!("ws://{addr}/wrong");
    let done = jet(&ws, &["info"]).await;
    done.assert_fails(
        3,
        &format!("cannot connect to the daemon at {ws}: the daemon refused the WebSocket path (HTTP 404)"),
    );
    assert!(!done.stderr.contains("is jetd running"), "{done:#?}");
    http.abort();

    // An owner's refusal is the owner's, in its words.
    let bus = Bus::start().await;
    let peer = bus.peer().await;
    let _strict = timeout(
        STEP,
        peer.add_state("plant/setpoint", json!(60)).on_set(|_| {
            Err(jet_runtime::peer::invalid_argument(
                "the setpoint must be within 30 to 90 °C",
            ))
        }),
    )
    .await
    .unwrap()
    .unwrap();
    let done = jet(&bus.tcp, &["set", "plant/setpoint", "95"]).await;
    done.assert_fails(
        1,
        "jet: the owner refused: the setpoint must be within 30 to 90 °C\n",
    );
    assert!(!done.stderr.contains("daemon"), "{done:#?}");
    bus.shutdown().await;
}

/// Under --json every error is one JSON object on stderr (command line errors too), and
/// commands that find nothing say so for people.
#[tokio::test]
async fn errors_as_json_and_a_word_on_nothing() {
    let bus = Bus::start().await;
    let _plant = plant(&bus).await;
    let err = |done: &support::Done| -> Value {
        serde_json::from_str(done.stderr.trim())
            .unwrap_or_else(|e| panic!("stderr is not one JSON object ({e}): {done:#?}"))
    };
    let done = jet(&bus.tcp, &["--json", "set", "plant/nothing", "1"]).await;
    assert_eq!(done.code, Some(1));
    assert_eq!(
        err(&done),
        json!({"error": "no such path: plant/nothing", "kind": "refused", "exitCode": 1})
    );
    let done = jet(&bus.tcp, &["--json", "call", "plant/boiler/sum", "x"]).await;
    let e = err(&done);
    assert_eq!(e["kind"], "refused");
    assert_eq!(e["daemonError"]["code"], 123);
    assert_eq!(e["daemonError"]["data"], json!(["x"]));
    let done = jet(&bus.tcp, &["get", "--json", "--field", "temp>5"]).await;
    assert_eq!(done.code, Some(2));
    assert_eq!(err(&done)["kind"], "usage");
    let done = jet(&bus.tcp, &["--json", "frobnicate"]).await;
    assert_eq!(done.code, Some(2));
    let e = err(&done);
    assert_eq!(e["kind"], "usage");
    assert!(e["error"].as_str().unwrap().contains("frobnicate"), "{e}");
    let done = jet("tcp://127.0.0.1:9", &["--json", "info"]).await;
    assert_eq!(
        (done.code, err(&done)["kind"].clone()),
        (Some(3), json!("connection"))
    );

    // Nothing found: a word for people on stderr, stdout empty.
    let done = jet(&bus.tcp, &["schema", "--equals", "plant/pump"]).await;
    assert_eq!(
        (done.code, done.stdout.as_str(), done.stderr.as_str()),
        (
            Some(0),
            "",
            "jet: no schemas: no matching element has one\n"
        )
    );
    let done = jet(&bus.tcp, &["tree", "nothing"]).await;
    assert_eq!(done.stderr, "jet: no element matches\n");
    bus.shutdown().await;
}

#[tokio::test]
async fn a_lost_connection_ends_fetch_and_add_with_status_3() {
    let bus = Bus::start().await;
    let _plant = plant(&bus).await;
    let mut fetch = Running::spawn(&bus.tcp, &["fetch", "--equals", "plant/pump"]);
    fetch.line().await;
    let mut add = Running::spawn(&bus.tcp, &["add", "x", "1"]);
    add.line().await;
    let tcp = bus.tcp.clone();
    bus.shutdown().await;
    let words = format!("lost the connection to the daemon at {tcp}");
    fetch.finish().await.assert_fails(3, &words);
    add.finish().await.assert_fails(3, &words);
}

#[tokio::test]
async fn bad_command_lines_exit_2_before_connecting() {
    // Nothing listens at this address: usage errors must be found first.
    let nowhere = "tcp://127.0.0.1:9";
    for (args, words) in [
        (&["set", "a", r#"{"unclosed":1"#][..], "is not valid JSON"),
        (&["get", "--field", "temp>5"][..], "expected NAME=OP:VALUE"),
        (&["fetch", "--sort", "size"][..], "unknown sort key `size`"),
        (&["fetch", "--from", "5", "--to", "2"][..], "is empty"),
        (
            &["set", "a", "1", "--timeout", "0"][..],
            "positive number of seconds",
        ),
        (&["schema", "--value-equals", "1"][..], "path rules only"),
        (&["frobnicate"][..], "unrecognized subcommand"),
    ] {
        jet(nowhere, args).await.assert_fails(2, words);
    }
    jet("http://127.0.0.1:1", &["info"])
        .await
        .assert_fails(2, "unknown scheme");
}

#[tokio::test]
async fn websocket_and_the_jet_daemon_variable() {
    let bus = Bus::start().await;
    let _plant = plant(&bus).await;
    let done = jet(&bus.ws, &["get", "--json", "--equals", "plant/pump"]).await;
    done.assert_ok();
    assert_eq!(
        done.json_lines(),
        [json!({"path":"plant/pump","value":"on","fetchOnly":true})]
    );
    let mut c = jet_command(["get", "--equals", "other/x"]);
    c.env("JET_DAEMON", &bus.tcp);
    let done = run(c).await;
    done.assert_ok();
    assert_eq!(done.stdout, "other/x  1  read-only\n");
    bus.shutdown().await;
}

#[tokio::test]
async fn credentials_come_from_an_environment_variable() {
    let entry = jetd::auth::users_file_entry("alice", "s3cret")
        .replace("fetchGroups = []", "fetchGroups = [\"ops\"]");
    let users = jetd::auth::Users::from_toml_str(&entry).expect("users file");
    let bus = Bus::start_with(jetd::Config {
        users,
        ..jetd::Config::loopback_ephemeral()
    })
    .await;
    let peer = bus.peer().await;
    let _secret = timeout(
        STEP,
        peer.add_state("ops/secret", json!(42))
            .access(json!({"fetchGroups": ["ops"]})),
    )
    .await
    .unwrap()
    .unwrap();

    // Anonymous: the element is invisible.
    let done = jet(&bus.tcp, &["get", "--json", "ops/"]).await;
    done.assert_ok();
    assert_eq!(done.stdout, "");

    let as_alice = |password: Option<&str>| {
        let mut c = jet_command([
            "--daemon",
            &bus.tcp,
            "--user",
            "alice",
            "--password-env",
            "JET_TEST_PASSWORD",
            "get",
            "ops/",
        ]);
        c.env_remove("JET_TEST_PASSWORD");
        if let Some(p) = password {
            c.env("JET_TEST_PASSWORD", p);
        }
        c
    };
    let done = run(as_alice(Some("s3cret"))).await;
    done.assert_ok();
    assert_eq!(done.stdout, "ops/secret  42  read-only\n");
    run(as_alice(Some("wrong")))
        .await
        .assert_fails(1, "authentication failed: invalid user name or password");
    run(as_alice(None))
        .await
        .assert_fails(2, "the environment variable JET_TEST_PASSWORD is not set");
    bus.shutdown().await;
}

#[tokio::test]
async fn piped_output_has_no_colour_codes() {
    let bus = Bus::start().await;
    let _plant = plant(&bus).await;
    let mut fetch = Running::spawn(&bus.tcp, &["fetch", "--equals", "plant/pump"]);
    let line = fetch.line().await;
    assert!(!line.contains('\x1b'), "{line:?}");
    fetch.interrupt().await.assert_ok();
    let done = jet(&bus.tcp, &["tree"]).await;
    assert!(!done.stdout.contains('\x1b'));
    bus.shutdown().await;
}

#[tokio::test]
async fn tree_takes_a_prefix_and_a_depth() {
    let bus = Bus::start().await;
    let _plant = plant(&bus).await;
    let done = jet(&bus.tcp, &["tree", "plant/boiler"]).await;
    done.assert_ok();
    assert_eq!(
        done.lines(),
        [
            "plant/boiler (2 elements)",
            "├── setpoint = 70",
            "└── sum()"
        ]
    );
    let done = jet(&bus.tcp, &["tree", "--depth", "1"]).await;
    done.assert_ok();
    assert_eq!(done.lines(), ["other (1 element)", "plant (4 elements)"]);
    let done = jet(&bus.tcp, &["tree", "--depth", "2", "plant"]).await;
    done.assert_ok();
    assert_eq!(
        done.lines(),
        [
            "plant (4 elements)",
            "├── boiler (2 elements)",
            "├── pump = \"on\"  read-only",
            "└── sensor = {\"temp\":80}  read-only",
        ]
    );
    // A prefix nothing lies below: stdout stays empty, a word on stderr.
    let done = jet(&bus.tcp, &["tree", "nothing"]).await;
    assert_eq!(
        (done.code, done.stdout.as_str(), done.stderr.as_str()),
        (Some(0), "", "jet: no element matches\n")
    );
    bus.shutdown().await;
}

#[tokio::test]
async fn ls_lists_direct_children() {
    let bus = Bus::start().await;
    let _plant = plant(&bus).await;
    let done = jet(&bus.tcp, &["ls", "plant"]).await;
    done.assert_ok();
    assert_eq!(
        done.lines(),
        [
            "plant/boiler/",
            "plant/pump = \"on\"  read-only",
            "plant/sensor = {\"temp\":80}  read-only",
        ]
    );
    let done = jet(&bus.tcp, &["ls"]).await;
    done.assert_ok();
    assert_eq!(done.lines(), ["plant/", "other/"]);
    let done = jet(&bus.tcp, &["ls", "--json", "plant/boiler"]).await;
    done.assert_ok();
    assert_eq!(
        done.json_lines(),
        [
            json!({"path":"plant/boiler/setpoint","type":"state","value":70}),
            json!({"path":"plant/boiler/sum","type":"method"}),
        ]
    );
    bus.shutdown().await;
}

#[tokio::test]
async fn fetch_nodes_reports_nodes_first() {
    let bus = Bus::start().await;
    let plant = plant(&bus).await;
    let mut fetch = Running::spawn(
        &bus.tcp,
        &["fetch", "--json", "--nodes", "--starts-with", "plant/b"],
    );
    let mut got = Vec::new();
    for _ in 0..3 {
        got.push(fetch.json().await);
    }
    assert_eq!(
        got,
        [
            json!({"event":"add","path":"plant/boiler","node":true}),
            json!({"event":"add","path":"plant/boiler/setpoint","value":70}),
            json!({"event":"add","path":"plant/boiler/sum","method":true}),
        ]
    );
    let valve = timeout(STEP, plant.peer.add_state("plant/burner/on", json!(true)))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        fetch.json().await,
        json!({"event":"add","path":"plant/burner","node":true})
    );
    assert_eq!(
        fetch.json().await,
        json!({"event":"add","path":"plant/burner/on","value":true,"fetchOnly":true})
    );
    drop(valve);
    assert_eq!(
        fetch.json().await,
        json!({"event":"remove","path":"plant/burner/on","value":true})
    );
    assert_eq!(
        fetch.json().await,
        json!({"event":"remove","path":"plant/burner","node":true})
    );
    fetch.interrupt().await.assert_ok();
    let done = jet(&bus.tcp, &["fetch", "--nodes", "--sort", "path"]).await;
    done.assert_fails(2, "cannot be used with");
    bus.shutdown().await;
}

/// Read frames of `jet tree --watch` (blocks separated by a blank line) until one equals
/// `want`; the frames seen on the way are returned for the failure message.
async fn frame_until(watch: &mut Running, want: &[&str]) {
    let mut seen: Vec<Vec<String>> = Vec::new();
    let mut frame: Vec<String> = Vec::new();
    for _ in 0..200 {
        let line = watch.line().await;
        if line.is_empty() {
            seen.push(std::mem::take(&mut frame));
            continue;
        }
        frame.push(line);
        if frame == want {
            return;
        }
    }
    panic!("no frame {want:?} among {seen:?} (current {frame:?})");
}

#[tokio::test]
async fn tree_watch_redraws_and_stops_on_interrupt() {
    let bus = Bus::start().await;
    let plant = plant(&bus).await;
    let mut watch = Running::spawn(&bus.tcp, &["tree", "--watch", "plant/boiler"]);
    frame_until(
        &mut watch,
        &[
            "plant/boiler (2 elements)",
            "├── setpoint = 70",
            "└── sum()",
        ],
    )
    .await;
    let flame = timeout(
        STEP,
        plant.peer.add_state("plant/boiler/flame", json!(true)),
    )
    .await
    .unwrap()
    .unwrap();
    assert_eq!(watch.line().await, "", "a new frame");
    frame_until(
        &mut watch,
        &[
            "plant/boiler (3 elements)",
            "├── flame = true  read-only",
            "├── setpoint = 70",
            "└── sum()",
        ],
    )
    .await;
    timeout(STEP, plant.setpoint.change(json!(75)))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(watch.line().await, "");
    frame_until(
        &mut watch,
        &[
            "plant/boiler (3 elements)",
            "├── flame = true  read-only",
            "├── setpoint = 75",
            "└── sum()",
        ],
    )
    .await;
    drop(flame);
    let done = watch.interrupt().await;
    done.assert_ok();
    bus.shutdown().await;
}

/// `jet` against a jetd serving TLS (a certificate made in the test): with `--ca` over
/// `tls://` and `wss://`; without it, or with a bad CA file, or speaking plain TCP to the
/// TLS port, it fails clearly: unreachable (3), or a bad command line (2).
#[tokio::test]
async fn jet_connects_over_tls_with_ca_and_is_unreachable_without() {
    let pki = jet_test_support::pki::TestPki::new("cli");
    let identity = jetd::TlsIdentity::from_pem_files(&pki.cert, &pki.key).unwrap();
    let bus = Bus::start_with(jetd::Config {
        tls: Some(identity),
        ..jetd::Config::loopback_ephemeral()
    })
    .await;
    let tls = format!("tls://{}", bus.daemon.tcp_addr().unwrap());
    let wss = format!("wss://localhost:{}/", bus.daemon.ws_addr().unwrap().port());
    let ca = pki.ca.to_str().unwrap();
    let peer = timeout(STEP, Peer::builder().tls_ca_file(&pki.ca).connect(&tls))
        .await
        .unwrap()
        .unwrap();
    let _state = timeout(STEP, peer.add_state("plant/secure", json!(7)))
        .await
        .unwrap()
        .unwrap();
    for daemon in [&tls, &wss] {
        let done = jet(daemon, &["--ca", ca, "get", "--json"]).await;
        done.assert_ok();
        assert_eq!(
            done.json_lines(),
            [json!({"path": "plant/secure", "value": 7, "fetchOnly": true})]
        );
        jet(daemon, &["info"]).await.assert_fails(
            3,
            &format!(
                "cannot connect to the daemon at {daemon}: the daemon's certificate is not \
                 trusted: no trusted CA signed it; pass --ca FILE"
            ),
        );
    }
    // The CA file may come from the environment too.
    let mut c = jet_command(["--daemon", &tls, "get", "plant/"]);
    c.env("JET_CA", ca);
    let done = run(c).await;
    done.assert_ok();
    assert_eq!(done.lines(), ["plant/secure  7  read-only"]);
    let missing = pki.dir().join("missing.pem");
    jet(&tls, &["--ca", missing.to_str().unwrap(), "info"])
        .await
        .assert_fails(2, &format!("--ca {}: cannot read it", missing.display()));
    let plain = format!("tcp://{}", bus.daemon.tcp_addr().unwrap());
    let started = std::time::Instant::now();
    jet(&plain, &["info"])
        .await
        .assert_fails(3, "if the daemon serves TLS there, connect with tls://");
    assert!(started.elapsed() < std::time::Duration::from_secs(3));
    peer.close().await;
    bus.shutdown().await;
}

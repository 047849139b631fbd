//! PROTOCOL.md A.9 access control and `authenticate` (A.3 rows `noAccess`,
//! `invalidCredentials`, `alreadyFetching`), modelled on node-jet authentication-tests with
//! the visibility rule of the wire decisions: an element a peer may not fetch is invisible
//! to it, also for set/call (`pathNotExists`).

use jet_tests::raw::{assert_invalid_params, stop, tcp_client, text, RawClient};
use jet_tests::start_daemon_with;
use serde_json::{json, Value};

const JOHN: &str = "john";
const LINUS: &str = "linus";
const HORST: &str = "horst";

/// A users file with three users; passwords are `<name>-pw`.
fn users() -> jetd::auth::Users {
    let mut toml = String::new();
    for (name, fetch, set, call) in [
        (JOHN, r#"["public"]"#, r#"["public"]"#, r#"["public"]"#),
        (
            LINUS,
            r#"["admin","public"]"#,
            r#"["admin"]"#,
            r#"["admin"]"#,
        ),
        (HORST, r#"["horsties"]"#, r#"["public"]"#, r#"["public"]"#),
    ] {
        let hash = jetd::auth::hash_password(&format!("{name}-pw"));
        toml.push_str(&format!(
            "[users.{name}]\npassword = \"{hash}\"\nfetchGroups = {fetch}\nsetGroups = {set}\ncallGroups = {call}\n\n"
        ));
    }
    jetd::auth::Users::from_toml_str(&toml).expect("valid users file")
}

/// The elements of the scenario, added by an unauthenticated owner (adding is not
/// access-controlled), in this order.
fn elements() -> Vec<Value> {
    vec![
        json!({"path":"everyone","value":"e","access":{"setGroups":["admin"]}}),
        json!({"path":"pub-admin","value":"pa","access":{"fetchGroups":["public","admin"],"setGroups":["admin"]}}),
        json!({"path":"pub-api","value":"pp","fetchOnly":true,"access":{"fetchGroups":["public","api"]}}),
        json!({"path":"square","access":{"callGroups":["admin"]}}),
        json!({"path":"hidden","access":{"fetchGroups":[],"callGroups":["admin"]}}),
        json!({"path":"guarded","value":0,"fetchOnly":true,"access":{"setGroups":["admin"],"callGroups":["admin"]}}),
        json!({"path":"open","value":"o"}),
        json!({"path":"open-m"}),
    ]
}

async fn daemon_with_elements() -> (jetd::Daemon, RawClient) {
    daemon_with_elements_owned_by(None).await
}

/// As [`daemon_with_elements`], with the owner authenticated as `owner` first.
async fn daemon_with_elements_owned_by(owner: Option<&str>) -> (jetd::Daemon, RawClient) {
    let mut config = jetd::Config::loopback_ephemeral();
    config.users = users();
    let d = start_daemon_with(config).await;
    let mut owner = peer(&d, owner).await;
    for e in elements() {
        owner.request_ok("add", e).await;
    }
    (d, owner)
}

/// A connection authenticated as `user` (or anonymous for `None`).
async fn peer(d: &jetd::Daemon, user: Option<&str>) -> RawClient {
    let mut c = tcp_client(d).await;
    if let Some(user) = user {
        let resp = c
            .request(
                "authenticate",
                json!({"user":user,"password":format!("{user}-pw")}),
            )
            .await;
        assert!(resp.get("result").is_some(), "authenticate {user}: {resp}");
    }
    c
}

#[tokio::test]
async fn authenticate_returns_the_users_groups() {
    let (d, _owner) = daemon_with_elements().await;
    let mut c = tcp_client(&d).await;
    c.send(
        r#"{"id":"au","method":"authenticate","params":{"user":"linus","password":"linus-pw"}}"#,
    )
    .await;
    c.expect(r#"{"id":"au","result":{"fetchGroups":["admin","public"],"setGroups":["admin"],"callGroups":["admin"]}}"#)
        .await;
    stop(d).await;
}

/// Wrong password and unknown user give the same answer (no user-name probing).
#[tokio::test]
async fn bad_credentials_are_invalid_credentials_for_user_and_password_alike() {
    let (d, _owner) = daemon_with_elements().await;
    let mut c = tcp_client(&d).await;
    for (user, password) in [(LINUS, "wrong"), ("nobody", "x"), (LINUS, ""), ("", "")] {
        c.send(&format!(
            r#"{{"id":1,"method":"authenticate","params":{{"user":{},"password":{}}}}}"#,
            text(&json!(user)),
            text(&json!(password))
        ))
        .await;
        c.expect(r#"{"id":1,"error":{"message":"Invalid params","code":-32602,"data":{"invalidCredentials":true}}}"#)
            .await;
    }
    // A failed attempt leaves the peer anonymous.
    let got = c.request("get", json!({})).await;
    let paths: Vec<&str> = got["result"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["open", "open-m"]);
    stop(d).await;
}

#[tokio::test]
async fn authenticate_after_creating_a_fetcher_is_already_fetching() {
    let (d, _owner) = daemon_with_elements().await;
    let mut c = tcp_client(&d).await;
    c.request_ok("fetch", json!({"id":"f","path":{"equals":"nothing"}}))
        .await;
    c.send(r#"{"id":1,"method":"authenticate","params":{"user":"linus","password":"linus-pw"}}"#)
        .await;
    c.expect(r#"{"id":1,"error":{"message":"Invalid params","code":-32602,"data":{"alreadyFetching":true}}}"#)
        .await;
    // Still anonymous.
    let resp = c.request("set", json!({"path":"everyone","value":1})).await;
    assert_invalid_params(&resp, json!({"pathNotExists":"everyone"}));
    stop(d).await;
}

/// What each peer sees, with per-peer `fetchOnly` on `add`: elements with `access` are
/// hidden from anonymous peers; a missing list allows, an empty list denies.
#[tokio::test]
async fn fetch_and_get_show_each_peer_only_what_it_may_fetch() {
    let (d, _owner) = daemon_with_elements().await;
    let add = |fetch_only: bool, path: &str, value: Option<&str>| -> String {
        let fo = if fetch_only {
            r#""fetchOnly":true,"#
        } else {
            ""
        };
        let v = value
            .map(|v| format!(r#","value":"{v}""#))
            .unwrap_or_default();
        format!(r#"{{"method":"f","params":{{{fo}"path":"{path}","event":"add"{v}}}}}"#)
    };
    let guarded =
        r#"{"method":"f","params":{"fetchOnly":true,"path":"guarded","event":"add","value":0}}"#;
    let expected: [(Option<&str>, Vec<String>); 4] = [
        (
            None,
            vec![add(false, "open", Some("o")), add(false, "open-m", None)],
        ),
        (
            Some(JOHN),
            vec![
                add(true, "everyone", Some("e")),
                add(true, "pub-admin", Some("pa")),
                add(true, "pub-api", Some("pp")),
                add(true, "square", None),
                guarded.to_owned(),
                add(false, "open", Some("o")),
                add(false, "open-m", None),
            ],
        ),
        (
            Some(LINUS),
            vec![
                add(false, "everyone", Some("e")),
                add(false, "pub-admin", Some("pa")),
                add(true, "pub-api", Some("pp")),
                add(false, "square", None),
                guarded.to_owned(),
                add(false, "open", Some("o")),
                add(false, "open-m", None),
            ],
        ),
        (
            Some(HORST),
            vec![
                add(true, "everyone", Some("e")),
                add(true, "square", None),
                guarded.to_owned(),
                add(false, "open", Some("o")),
                add(false, "open-m", None),
            ],
        ),
    ];
    for (user, adds) in expected {
        let mut c = peer(&d, user).await;
        // get first (it creates no fetcher), then fetch.
        let got = c.request("get", json!({})).await;
        let want: Vec<Value> = adds
            .iter()
            .map(|a| serde_json::from_str::<Value>(a).unwrap()["params"].clone())
            .collect();
        assert_eq!(got["result"], Value::Array(want), "get as {user:?}");
        c.request_ok("fetch", json!({"id":"f"})).await;
        for a in &adds {
            c.expect(a).await;
        }
    }
    stop(d).await;
}

/// Changes of invisible elements do not reach a fetcher; `fetchOnly` is on `add` only;
/// later adds are filtered the same way; removes of invisible elements are not sent.
#[tokio::test]
async fn notifications_respect_access_after_the_initial_adds() {
    // The owner can see everything it touches here (ownership alone is tested below).
    let (d, mut owner) = daemon_with_elements_owned_by(Some(LINUS)).await;
    let mut horst = peer(&d, Some(HORST)).await;
    horst
        .request_ok("fetch", json!({"id":"f","path":{"startsWith":"n"}}))
        .await;
    let mut john = peer(&d, Some(JOHN)).await;
    john.request_ok("fetch", json!({"id":"f","path":{"equals":"pub-admin"}}))
        .await;
    john.expect(r#"{"method":"f","params":{"fetchOnly":true,"path":"pub-admin","event":"add","value":"pa"}}"#)
        .await;
    owner
        .request_ok("change", json!({"path":"pub-admin","value":"pa2"}))
        .await;
    john.expect(r#"{"method":"f","params":{"path":"pub-admin","event":"change","value":"pa2"}}"#)
        .await;

    owner
        .request_ok(
            "add",
            json!({"path":"n-api","value":1,"access":{"fetchGroups":["admin"]}}),
        )
        .await;
    owner
        .request_ok("change", json!({"path":"n-api","value":2}))
        .await;
    owner.request_ok("remove", json!({"path":"n-api"})).await;
    owner
        .request_ok("add", json!({"path":"n-horst","value":1,"access":{"fetchGroups":["horsties"],"setGroups":["public"]}}))
        .await;
    horst
        .expect(r#"{"method":"f","params":{"path":"n-horst","event":"add","value":1}}"#)
        .await;
    stop(d).await;
}

/// Access lists restrict fetch, set and call, not ownership: an owner may change and
/// remove its elements whatever their `access` says, even unauthenticated.
#[tokio::test]
async fn owners_change_and_remove_their_elements_whatever_the_access() {
    let (d, mut owner) = daemon_with_elements().await;
    let mut linus = peer(&d, Some(LINUS)).await;
    linus
        .request_ok("fetch", json!({"id":"f","path":{"equals":"pub-admin"}}))
        .await;
    linus
        .expect(r#"{"method":"f","params":{"path":"pub-admin","event":"add","value":"pa"}}"#)
        .await;
    owner
        .request_ok("change", json!({"path":"pub-admin","value":"pa2"}))
        .await;
    linus
        .expect(r#"{"method":"f","params":{"path":"pub-admin","event":"change","value":"pa2"}}"#)
        .await;
    owner
        .request_ok("remove", json!({"path":"pub-admin"}))
        .await;
    linus
        .expect(r#"{"method":"f","params":{"path":"pub-admin","event":"remove","value":"pa2"}}"#)
        .await;
    owner.request_ok("remove", json!({"path":"hidden"})).await;
    // The path is free again.
    owner
        .request_ok("add", json!({"path":"hidden","value":1}))
        .await;
    stop(d).await;
}

/// set/call: allowed, `noAccess`, or `pathNotExists` when the peer may not even fetch the
/// element; order of checks exists -> access -> kind -> fetchOnly.
#[tokio::test]
async fn set_and_call_follow_access_lists() {
    let (d, mut owner) = daemon_with_elements().await;
    const ANON: usize = 0;
    const J: usize = 1;
    const L: usize = 2;
    const H: usize = 3;
    let mut peers = [
        peer(&d, None).await,
        peer(&d, Some(JOHN)).await,
        peer(&d, Some(LINUS)).await,
        peer(&d, Some(HORST)).await,
    ];

    let refused: Vec<(usize, &str, Value, Value)> = vec![
        (
            ANON,
            "set",
            json!({"path":"everyone","value":1}),
            json!({"pathNotExists":"everyone"}),
        ),
        (
            ANON,
            "call",
            json!({"path":"square"}),
            json!({"pathNotExists":"square"}),
        ),
        (
            H,
            "set",
            json!({"path":"pub-admin","value":1}),
            json!({"pathNotExists":"pub-admin"}),
        ),
        (
            H,
            "set",
            json!({"path":"everyone","value":1}),
            json!({"noAccess":"everyone"}),
        ),
        (
            H,
            "call",
            json!({"path":"square","args":[2]}),
            json!({"noAccess":"square"}),
        ),
        (
            J,
            "set",
            json!({"path":"pub-admin","value":1}),
            json!({"noAccess":"pub-admin"}),
        ),
        (
            L,
            "call",
            json!({"path":"hidden"}),
            json!({"pathNotExists":"hidden"}),
        ),
        // access before kind: horst may not call "guarded" at all.
        (
            H,
            "call",
            json!({"path":"guarded"}),
            json!({"noAccess":"guarded"}),
        ),
        // access before fetchOnly.
        (
            J,
            "set",
            json!({"path":"guarded","value":1}),
            json!({"noAccess":"guarded"}),
        ),
        // allowed by access, then the kind check.
        (
            L,
            "call",
            json!({"path":"guarded"}),
            json!({"notAMethod":"guarded"}),
        ),
        (
            H,
            "set",
            json!({"path":"square","value":1}),
            json!({"notAState":"square"}),
        ),
        // allowed by access, then fetchOnly.
        (
            L,
            "set",
            json!({"path":"guarded","value":1}),
            json!({"fetchOnly":"guarded"}),
        ),
        (
            J,
            "set",
            json!({"path":"pub-api","value":1}),
            json!({"fetchOnly":"pub-api"}),
        ),
    ];
    for (who, method, params, data) in refused {
        let resp = peers[who].request(method, params.clone()).await;
        assert_eq!(resp["error"]["code"], -32602, "{method} {params}: {resp}");
        assert_eq!(resp["error"]["data"], data, "{method} {params}: {resp}");
    }

    // Allowed ones reach the owner.
    peers[L]
        .send(r#"{"id":1,"method":"set","params":{"path":"pub-admin","value":"master","valueAsResult":true}}"#)
        .await;
    let routed = owner.recv().await;
    assert_eq!(routed["method"], "pub-admin");
    assert_eq!(
        routed["params"],
        json!({"value":"master","valueAsResult":true})
    );
    owner
        .send(&format!(
            r#"{{"id":{},"result":"master"}}"#,
            text(&routed["id"])
        ))
        .await;
    peers[L].expect(r#"{"id":1,"result":"master"}"#).await;

    peers[L]
        .send(r#"{"id":2,"method":"call","params":{"path":"square","args":[2]}}"#)
        .await;
    let routed = owner.recv().await;
    assert_eq!(routed["method"], "square");
    assert_eq!(routed["params"], json!([2]));
    owner
        .send(&format!(r#"{{"id":{},"result":4}}"#, text(&routed["id"])))
        .await;
    peers[L].expect(r#"{"id":2,"result":4}"#).await;

    for (who, method, params, path) in [
        (L, "set", json!({"path":"everyone","value":"x"}), "everyone"),
        (ANON, "call", json!({"path":"open-m"}), "open-m"),
        (H, "set", json!({"path":"open","value":1}), "open"),
    ] {
        peers[who]
            .send(&json!({"id":3,"method":method,"params":params}).to_string())
            .await;
        let routed = owner.recv().await;
        assert_eq!(routed["method"], path);
        owner
            .send(&format!(
                r#"{{"id":{},"result":true}}"#,
                text(&routed["id"])
            ))
            .await;
        peers[who].expect(r#"{"id":3,"result":true}"#).await;
    }
    stop(d).await;
}

/// Authenticating again before any fetch replaces the groups.
#[tokio::test]
async fn re_authentication_before_fetching_replaces_the_groups() {
    let (d, _owner) = daemon_with_elements().await;
    let mut c = peer(&d, Some(HORST)).await;
    let resp = c
        .request("authenticate", json!({"user":LINUS,"password":"linus-pw"}))
        .await;
    assert_eq!(
        resp["result"],
        json!({"fetchGroups":["admin","public"],"setGroups":["admin"],"callGroups":["admin"]})
    );
    let got = c
        .request("get", json!({"path":{"equals":"pub-admin"}}))
        .await;
    assert_eq!(
        got["result"],
        json!([{"path":"pub-admin","event":"add","value":"pa"}])
    );
    stop(d).await;
}

/// Sorted fetches apply the same visibility and carry per-peer `fetchOnly` in entries.
#[tokio::test]
async fn sorted_fetch_applies_access_and_fetch_only() {
    let (d, _owner) = daemon_with_elements().await;
    let mut john = peer(&d, Some(JOHN)).await;
    john.request_ok(
        "fetch",
        json!({"id":"s","path":{"startsWith":"pub"},"sort":{"byPath":true}}),
    )
    .await;
    john.expect(r#"{"method":"s","params":{"changes":[{"path":"pub-admin","value":"pa","fetchOnly":true,"index":1},{"path":"pub-api","value":"pp","fetchOnly":true,"index":2}],"n":2}}"#)
        .await;
    let mut horst = peer(&d, Some(HORST)).await;
    let got = horst
        .request(
            "get",
            json!({"path":{"startsWith":"pub"},"sort":{"byPath":true}}),
        )
        .await;
    assert_eq!(got["result"], json!([]));
    stop(d).await;
}

/// A batch is processed in order even across `authenticate` (whose password check runs off
/// the daemon's core): the requests after it already see the user's groups, and a fetch
/// before it makes it fail.
#[tokio::test]
async fn authenticate_inside_a_batch_takes_effect_in_order() {
    let (d, _owner) = daemon_with_elements().await;
    let mut c = tcp_client(&d).await;
    c.send(r#"[{"id":1,"method":"get","params":{"path":{"equals":"pub-admin"}}},{"id":2,"method":"authenticate","params":{"user":"linus","password":"linus-pw"}},{"id":3,"method":"get","params":{"path":{"equals":"pub-admin"}}},{"id":4,"method":"fetch","params":{"id":"f","path":{"equals":"everyone"}}},{"id":5,"method":"authenticate","params":{"user":"john","password":"john-pw"}}]"#)
        .await;
    c.expect(r#"{"id":1,"result":[]}"#).await;
    c.expect(r#"{"id":2,"result":{"fetchGroups":["admin","public"],"setGroups":["admin"],"callGroups":["admin"]}}"#)
        .await;
    c.expect(r#"{"id":3,"result":[{"path":"pub-admin","event":"add","value":"pa"}]}"#)
        .await;
    c.expect(r#"{"id":4,"result":true}"#).await;
    c.expect(r#"{"method":"f","params":{"path":"everyone","event":"add","value":"e"}}"#)
        .await;
    c.expect(r#"{"id":5,"error":{"message":"Invalid params","code":-32602,"data":{"alreadyFetching":true}}}"#)
        .await;
    stop(d).await;
}

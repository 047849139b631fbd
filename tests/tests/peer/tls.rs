//! The peer over TLS (`tls://`, `wss://`) against an in-process jetd serving TLS with a
//! certificate made in the test (`jet_tests::pki`): requests, authentication, the CA it
//! must be given, and the clear, quick failures of a client that speaks the other way.

use std::future::IntoFuture;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use jet_runtime::fetch::builder::Fetch;
use jet_runtime::peer::{ElementEvent, EventKind, FetchEvent, Peer, PeerError};
use jet_tests::pki::TestPki;
use jet_tests::within as t;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A jetd serving TLS on both listeners with `pki`'s certificate, on 127.0.0.1.
async fn tls_daemon(pki: &TestPki) -> jetd::Daemon {
    tls_daemon_with(pki, jetd::Config::loopback_ephemeral()).await
}

async fn tls_daemon_with(pki: &TestPki, config: jetd::Config) -> jetd::Daemon {
    let identity = jetd::TlsIdentity::from_pem_files(&pki.cert, &pki.key).expect("identity");
    jet_tests::start_daemon_with(jetd::Config {
        tls: Some(identity),
        ..config
    })
    .await
}

fn tls_url(d: &jetd::Daemon) -> String {
    format!("tls://{}", d.tcp_addr().unwrap())
}

/// By name: the certificate is for `localhost` and `127.0.0.1`.
fn wss_url(d: &jetd::Daemon) -> String {
    format!("wss://localhost:{}/", d.ws_addr().unwrap().port())
}

async fn trusting(pki: &TestPki, url: &str) -> Peer {
    t(Peer::builder().tls_ca_file(&pki.ca).connect(url))
        .await
        .expect("connect over TLS")
}

async fn element(s: &mut jet_runtime::peer::FetchStream) -> ElementEvent {
    match t(s.next()).await.expect("fetch stream ended") {
        FetchEvent::Element(e) => e,
        other => panic!("expected an element event, got {other:?}"),
    }
}

#[tokio::test]
async fn add_set_fetch_and_call_work_over_tls_and_wss() {
    let pki = TestPki::new("peer-e2e");
    let d = tls_daemon(&pki).await;
    assert!(d.serves_tls());
    let line = d.listening_line();
    assert!(
        line.contains("tcp=tls://127.0.0.1:") && line.contains("ws=wss://127.0.0.1:"),
        "{line}"
    );
    let owner = trusting(&pki, &tls_url(&d)).await;
    let user = trusting(&pki, &wss_url(&d)).await;
    let setpoint = t(owner
        .add_state("boiler/setpoint", json!(60))
        .on_set(|_| Ok(jet_runtime::peer::SetReply::accept())))
    .await
    .unwrap();
    let _sum = t(owner.add_method("math/sum", |args| {
        Ok(json!(args
            .as_array()
            .map(|a| a.iter().filter_map(|x| x.as_i64()).sum::<i64>())))
    }))
    .await
    .unwrap();
    let mut fetch = t(user.fetch(&Fetch::all().path_starts_with("boiler/")))
        .await
        .unwrap();
    let added = element(&mut fetch).await;
    assert_eq!(
        (added.kind, added.path.as_str(), added.value.clone()),
        (EventKind::Add, "boiler/setpoint", Some(json!(60)))
    );
    t(user.set("boiler/setpoint", json!(72))).await.unwrap();
    let changed = element(&mut fetch).await;
    assert_eq!(
        (changed.kind, changed.value),
        (EventKind::Change, Some(json!(72)))
    );
    assert_eq!(setpoint.value(), json!(72));
    let sum = t(user.call("math/sum", json!([1, 2, 39]))).await.unwrap();
    assert_eq!(sum, json!(42));
    // A message larger than one TLS record (16 KiB) arrives whole, both ways.
    let big = "x".repeat(100_000);
    t(user.set("boiler/setpoint", json!(big))).await.unwrap();
    assert_eq!(element(&mut fetch).await.value, Some(json!(big)));
    owner.close().await;
    user.close().await;
    d.shutdown().await;
}

#[tokio::test]
async fn authenticate_works_over_tls() {
    let pki = TestPki::new("peer-auth");
    let hash = jetd::auth::hash_password("secret");
    let users = jetd::auth::Users::from_toml_str(&format!(
        "[users.ada]\npassword = \"{hash}\"\nfetchGroups = [\"ops\"]\nsetGroups = [\"ops\"]\ncallGroups = [\"ops\"]\n"
    ))
    .unwrap();
    let mut config = jetd::Config::loopback_ephemeral();
    config.users = users;
    let d = tls_daemon_with(&pki, config).await;
    for url in [tls_url(&d), wss_url(&d)] {
        let peer = t(Peer::builder()
            .tls_ca_file(&pki.ca)
            .credentials("ada", "secret")
            .connect(&url))
        .await
        .unwrap_or_else(|e| panic!("{url}: {e}"));
        assert_eq!(t(peer.info()).await.unwrap().name, "jetd");
        peer.close().await;
        let refused = t(Peer::builder()
            .tls_ca_file(&pki.ca)
            .credentials("ada", "wrong")
            .connect(&url))
        .await;
        assert!(
            matches!(refused, Err(PeerError::InvalidCredentials)),
            "{url}: {refused:?}"
        );
    }
    d.shutdown().await;
}

#[tokio::test]
async fn a_peer_that_does_not_trust_the_certificate_is_refused_clearly() {
    let pki = TestPki::new("peer-untrusted");
    let other = TestPki::new("peer-untrusted-other");
    let d = tls_daemon(&pki).await;
    for url in [tls_url(&d), wss_url(&d)] {
        // The system's roots, and another deployment's CA: neither signed it.
        for builder in [Peer::builder(), Peer::builder().tls_ca_file(&other.ca)] {
            let err = t(builder.connect(&url)).await.unwrap_err();
            let PeerError::Untrusted {
                unknown_issuer: true,
                ..
            } = &err
            else {
                panic!("{url}: expected an untrusted certificate, got {err:?}");
            };
            assert_eq!(
                err.to_string(),
                format!(
                    "cannot connect to {url}: the daemon's certificate is not trusted: no \
                     trusted CA signed it; give the CA that signed it (PeerBuilder::tls_ca_file)"
                )
            );
            assert!(!err.is_connection_error(), "retrying cannot fix it");
        }
    }
    d.shutdown().await;
}

#[tokio::test]
async fn a_certificate_for_another_name_is_not_trusted() {
    let pki = TestPki::new("peer-name");
    // 127.0.0.2 is loopback too, but not a name the certificate is for.
    let config = jetd::Config {
        tcp: Some(([127, 0, 0, 2], 0).into()),
        ws: None,
        ..jetd::Config::loopback_ephemeral()
    };
    let d = tls_daemon_with(&pki, config).await;
    let err = t(Peer::builder().tls_ca_file(&pki.ca).connect(&tls_url(&d)))
        .await
        .unwrap_err();
    match &err {
        PeerError::Untrusted {
            unknown_issuer: false,
            reason,
            ..
        } => assert!(reason.contains("not valid for name"), "{reason}"),
        other => panic!("expected an untrusted certificate, got {other:?}"),
    }
    d.shutdown().await;
}

#[tokio::test]
async fn an_unusable_ca_file_is_reported_before_connecting() {
    let pki = TestPki::new("peer-ca-file");
    let missing = pki.dir().join("missing.pem");
    let not_a_cert = pki.key.clone();
    for (file, says) in [
        (missing, "cannot read it"),
        (not_a_cert, "no certificate in it"),
    ] {
        let err = t(Peer::builder()
            .tls_ca_file(&file)
            .connect("tls://127.0.0.1:1"))
        .await
        .unwrap_err();
        assert!(
            matches!(&err, PeerError::CaFile { reason, .. } if reason.contains(says)),
            "{file:?}: {err:?}"
        );
    }
}

/// The most a refusal of a client speaking the other way may take: a hang would be the
/// connect timeout (5 s) or jetd's handshake timeout (10 s).
const QUICKLY: Duration = Duration::from_secs(2);

#[tokio::test]
async fn plain_clients_on_a_tls_port_are_refused_quickly() {
    let pki = TestPki::new("peer-plain-on-tls");
    let d = tls_daemon(&pki).await;
    let tcp = d.tcp_addr().unwrap().to_string();
    let ws = format!("ws://{}/", d.ws_addr().unwrap());

    // A named peer sends `config` first: jetd closes at once, and the peer says why.
    let started = Instant::now();
    let err = t(Peer::builder().name("plain").connect(&tcp))
        .await
        .unwrap_err();
    assert!(started.elapsed() < QUICKLY, "took {:?}", started.elapsed());
    match &err {
        PeerError::Connect { reason, .. } => {
            assert!(reason.contains("connect with tls://"), "{reason}")
        }
        other => panic!("expected a connect error, got {other:?}"),
    }

    // A plain WebSocket client is answered in HTTP, saying what to use.
    let started = Instant::now();
    let err = t(Peer::connect(&ws)).await.unwrap_err();
    assert!(started.elapsed() < QUICKLY, "took {:?}", started.elapsed());
    match &err {
        PeerError::WebSocketRefused {
            status: 400,
            reason: Some(reason),
            ..
        } => assert!(reason.contains("wss://"), "{reason}"),
        other => panic!("expected a refused upgrade, got {other:?}"),
    }

    // Raw Jet framing on the TLS TCP port: closed, not left waiting.
    let mut raw = t(tokio::net::TcpStream::connect(&tcp)).await.unwrap();
    let frame = br#"{"id":1,"method":"info"}"#;
    raw.write_all(&(frame.len() as u32).to_be_bytes())
        .await
        .unwrap();
    raw.write_all(frame).await.unwrap();
    let mut answer = Vec::new();
    let read = tokio::time::timeout(QUICKLY, raw.read_to_end(&mut answer)).await;
    assert!(
        matches!(read, Ok(Ok(0)) | Ok(Err(_))),
        "expected the connection closed without an answer, got {read:?} {answer:?}"
    );
    d.shutdown().await;
}

#[tokio::test]
async fn tls_clients_on_a_plain_port_get_a_clear_error_quickly() {
    let pki = TestPki::new("peer-tls-on-plain");
    let d = jet_tests::start_daemon().await;
    for url in [
        format!("tls://{}", d.tcp_addr().unwrap()),
        format!("wss://127.0.0.1:{}/", d.ws_addr().unwrap().port()),
    ] {
        let started = Instant::now();
        let err = t(Peer::builder().tls_ca_file(&pki.ca).connect(&url))
            .await
            .unwrap_err();
        assert!(started.elapsed() < QUICKLY, "took {:?}", started.elapsed());
        match &err {
            PeerError::Connect { reason, .. } => {
                assert!(
                    reason.contains("is this port serving TLS?"),
                    "{url}: {reason}"
                )
            }
            other => panic!("{url}: expected a connect error, got {other:?}"),
        }
    }
    d.shutdown().await;
}

/// As `conformance::lifecycle`'s test of the closed-peer probe over plain TCP: a peer
/// that closes its TLS connection and comes back at once re-adds its paths unrefused.
#[tokio::test]
async fn a_tls_peer_that_closed_and_re_adds_at_once_is_never_refused() {
    const ROUNDS: usize = 100;
    let pki = TestPki::new("peer-replug");
    let d = tls_daemon(&pki).await;
    let url = tls_url(&d);
    let mut owner = trusting(&pki, &url).await;
    let mut states = Vec::new();
    for i in 0..4 {
        states.push(t(owner.add_state(format!("s{i}"), json!(0))).await.unwrap());
    }
    let mut refused = Vec::new();
    for round in 1..=ROUNDS {
        let next = trusting(&pki, &url).await;
        owner.close().await;
        drop(std::mem::take(&mut states));
        let adds = (0..4).map(|i| next.add_state(format!("s{i}"), json!(round)).into_future());
        for (i, added) in futures_util::future::join_all(adds)
            .await
            .into_iter()
            .enumerate()
        {
            match added {
                Ok(state) => states.push(state),
                Err(e) => refused.push((round, i, e)),
            }
        }
        owner = next;
    }
    assert!(
        refused.is_empty(),
        "{} adds refused: {refused:?}",
        refused.len()
    );
    owner.close().await;
    d.shutdown().await;
}

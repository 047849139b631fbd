//! Method return types that are results without being spelled `Result<T, E>`:
//! `anyhow::Result<T>`, `Result<T, anyhow::Error>`, `Result<T, Box<dyn Error + Send +
//! Sync>>`, `std::io::Result<T>` and a crate's own `type Result<T>` alias (issue 12).
//!
//! Every await is bounded by `jet_tests::STEP`.

use jet_runtime::peer::{Peer, PeerError};
use jet_runtime::prelude::*;
use jet_tests::within as t;

/// A crate-style error module with its own `Result` alias.
mod app {
    use jet_runtime::peer::internal_error;
    use jet_runtime::protocol::ErrorObject;
    use jet_runtime::typed::IntoErrorObject;

    #[derive(Debug)]
    pub struct AppError(pub String);

    impl IntoErrorObject for AppError {
        fn into_error_object(self) -> ErrorObject {
            internal_error(format!("app: {}", self.0))
        }
    }

    pub type Result<T> = std::result::Result<T, AppError>;
}

#[derive(Default, Node)]
struct Results {
    calls: u32,
}

#[jet_runtime::methods]
impl Results {
    pub fn via_anyhow(&self, fail: bool) -> anyhow::Result<u32> {
        if fail {
            Err(anyhow::anyhow!("inner").context("outer"))
        } else {
            Ok(1)
        }
    }

    pub fn anyhow_error(&self, fail: bool) -> Result<u32, anyhow::Error> {
        anyhow::ensure!(!fail, "refused");
        Ok(2)
    }

    pub async fn boxed(&self, fail: bool) -> Result<u32, Box<dyn std::error::Error + Send + Sync>> {
        if fail {
            Err("boxed failure".into())
        } else {
            Ok(3)
        }
    }

    pub fn io(&self, fail: bool) -> std::io::Result<u32> {
        if fail {
            Err(std::io::Error::other("disk gone"))
        } else {
            Ok(4)
        }
    }

    pub fn alias(&mut self, fail: bool) -> app::Result<u32> {
        self.calls += 1;
        if fail {
            Err(app::AppError("nope".into()))
        } else {
            Ok(self.calls)
        }
    }
}

fn message(e: TypedError) -> String {
    match e {
        TypedError::Peer(PeerError::Remote {
            code: -32603,
            data: Some(data),
            ..
        }) => data["message"].as_str().unwrap().to_owned(),
        other => panic!("expected -32603 with a message, got {other:?}"),
    }
}

#[tokio::test]
async fn result_aliases_and_foreign_error_types_work_as_return_types() {
    let d = jet_tests::start_daemon().await;
    let addr = d.tcp_addr().unwrap().to_string();
    let service = t(Peer::connect(&addr)).await.unwrap();
    let _served = t(service.serve("r", Results::default())).await.unwrap();
    let caller = t(Peer::connect(&addr)).await.unwrap();
    let c = ResultsClient::new(&caller, "r");

    assert_eq!(t(c.via_anyhow(false)).await.unwrap(), 1u32);
    assert_eq!(
        message(t(c.via_anyhow(true)).await.unwrap_err()),
        "outer: inner"
    );
    assert_eq!(t(c.anyhow_error(false)).await.unwrap(), 2u32);
    assert_eq!(
        message(t(c.anyhow_error(true)).await.unwrap_err()),
        "refused"
    );
    assert_eq!(t(c.boxed(false)).await.unwrap(), 3u32);
    assert_eq!(
        message(t(c.boxed(true)).await.unwrap_err()),
        "boxed failure"
    );
    assert_eq!(t(c.io(false)).await.unwrap(), 4u32);
    assert_eq!(message(t(c.io(true)).await.unwrap_err()), "disk gone");
    assert_eq!(t(c.alias(false)).await.unwrap(), 1u32);
    assert_eq!(message(t(c.alias(true)).await.unwrap_err()), "app: nope");

    // The schema's result is the ok type, not the whole result.
    let schemas = Results::schemas();
    let result = &schemas.get("via_anyhow").unwrap()["result"];
    assert_eq!(result["type"], "integer", "{result}");
    assert_eq!(schemas.get("alias").unwrap()["result"]["type"], "integer");
    d.shutdown().await;
}

//! Methods: sync and async, `&self` and `&mut self`, Option arguments, `Result` with a
//! custom error, no return value, rename, skip, non-pub helpers; the client's signatures.
use std::future::Future;

use jet_runtime::prelude::*;

#[derive(Default, Node)]
pub struct Counter {
    value: i64,
}

pub struct Overflow;

impl IntoErrorObject for Overflow {
    fn into_error_object(self) -> ErrorObject {
        jet_runtime::peer::custom_error(1, "overflow", None)
    }
}

#[jet_runtime::methods]
impl Counter {
    /// Add `by` (default 1).
    pub async fn add(&mut self, by: Option<i64>) -> Result<i64, Overflow> {
        self.value = self.value.checked_add(by.unwrap_or(1)).ok_or(Overflow)?;
        Ok(self.value)
    }

    /// The value.
    pub fn get(&self) -> i64 {
        self.value
    }

    pub fn clear(&mut self) {
        self.value = 0;
    }

    #[jet(rename = "describe")]
    pub async fn text(&self, prefix: String, digits: Vec<u8>) -> String {
        format!("{prefix}{}{digits:?}", self.value)
    }

    #[jet(skip)]
    pub fn create() -> Self {
        Counter::default()
    }

    fn helper(&self) -> i64 {
        self.value
    }
}

fn add(c: &CounterClient) -> impl Future<Output = Result<i64, TypedError>> + '_ {
    c.add(Some(2))
}

fn get(c: &CounterClient) -> impl Future<Output = Result<i64, TypedError>> + '_ {
    c.get()
}

fn clear(c: &CounterClient) -> impl Future<Output = Result<(), TypedError>> + '_ {
    c.clear()
}

fn text(c: &CounterClient) -> impl Future<Output = Result<String, TypedError>> + '_ {
    c.text("n=".to_owned(), vec![1])
}

fn main() {
    let names: Vec<String> = Counter::methods().iter().map(|m| m.path().to_owned()).collect();
    assert_eq!(names, ["add", "get", "clear", "describe"]);
    let schemas = Counter::schemas();
    assert_eq!(schemas.get("add").unwrap()["params"]["required"], serde_json::json!([]));
    assert_eq!(
        schemas.get("describe").unwrap()["params"]["x-positional"],
        serde_json::json!(["prefix", "digits"])
    );
    let _ = (add, get, clear, text, Counter::create().helper());
}

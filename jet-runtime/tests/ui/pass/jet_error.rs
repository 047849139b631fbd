//! `#[derive(JetError)]`: every variant shape, codes from the enum and the variant, message
//! templates with format specs and literal braces, rename, raw identifiers, an empty enum;
//! the client's error type for `Result<T, E>`, a `#[jet(result)]` alias and plain values.
use std::future::Future;

use jet_runtime::prelude::*;

#[derive(Debug, PartialEq, JetError)]
#[jet(code = 1000)]
pub enum PumpError {
    /// No water.
    Dry,
    #[jet(code = 1001, message = "{{{r#type}}} at {pressure:.2} bar")]
    Pressure { r#type: String, pressure: f64 },
    #[jet(rename = "stuck", message = "stuck for {0} s")]
    Stuck(u32),
    #[jet(code = -1)]
    Pair(u8, Option<String>),
    Empty(),
}

#[derive(Debug, JetError)]
pub enum Never {}

pub type Outcome<T> = Result<T, PumpError>;

#[derive(Default, Node)]
pub struct Pump {
    on: bool,
}

#[jet_runtime::methods]
impl Pump {
    pub fn start(&mut self) -> Result<bool, PumpError> {
        self.on = true;
        Err(PumpError::Dry)
    }

    #[jet(result)]
    pub async fn stop(&mut self) -> Outcome<()> {
        self.on = false;
        Ok(())
    }

    pub fn check(&self) -> Result<(), Never> {
        Ok(())
    }

    pub fn running(&self) -> bool {
        self.on
    }
}

fn start(c: &PumpClient) -> impl Future<Output = Result<bool, ClientError<PumpError>>> + '_ {
    c.start()
}

fn stop(c: &PumpClient) -> impl Future<Output = Result<(), ClientError<PumpError>>> + '_ {
    c.stop()
}

fn check(c: &PumpClient) -> impl Future<Output = Result<(), ClientError<Never>>> + '_ {
    c.check()
}

fn running(c: &PumpClient) -> impl Future<Output = Result<bool, TypedError>> + '_ {
    c.running()
}

fn main() {
    let e = PumpError::Pressure {
        r#type: "inlet".into(),
        pressure: 2.345,
    };
    assert_eq!(e.message(), "{inlet} at 2.35 bar");
    let object = e.into_error_object();
    assert_eq!(object.code, 1001);
    assert_eq!(
        object.data,
        Some(serde_json::json!({"kind": "Pressure", "type": "inlet", "pressure": 2.345}))
    );
    assert_eq!(
        PumpError::from_error_object(&object).map(Result::unwrap),
        Some(PumpError::Pressure {
            r#type: "inlet".into(),
            pressure: 2.345
        })
    );
    assert_eq!(PumpError::Stuck(3).message(), "stuck for 3 s");
    assert_eq!(PumpError::Stuck(3).kind(), "stuck");
    assert_eq!(PumpError::Pair(1, None).code(), -1);
    let pair = PumpError::Pair(1, Some("x".into())).into_error_object();
    assert_eq!(
        PumpError::from_error_object(&pair).map(Result::unwrap),
        Some(PumpError::Pair(1, Some("x".into())))
    );
    let empty = PumpError::Empty().into_error_object();
    assert_eq!(empty.message, "Empty");
    assert_eq!(PumpError::from_error_object(&empty).map(Result::unwrap), Some(PumpError::Empty()));
    assert_eq!(Never::error_schemas(), Vec::<serde_json::Value>::new());
    let schemas = Pump::schemas();
    assert_eq!(schemas.get("start").unwrap()["errors"].as_array().unwrap().len(), 5);
    assert_eq!(schemas.get("check").unwrap().get("errors"), None);
    let _ = (start, stop, check, running);
}

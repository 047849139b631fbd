//! Errors of the typed layer, and how method errors become Jet error objects.

use std::fmt::Display;

use serde::Serialize;
use serde_json::{Map, Value};

use super::jet_error::MethodError;
use crate::peer::{custom_error, internal_error, CallResult, PeerError};
use crate::protocol::ErrorObject;

/// A failed typed operation (serving a value, or a typed client request).
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum TypedError {
    /// The peer or the daemon failed the request (including errors a method returned: they
    /// arrive as [`PeerError::Remote`] or [`PeerError::InvalidParams`]).
    #[error(transparent)]
    Peer(#[from] PeerError),
    /// A value from the bus does not fit the Rust type: the service and the client were
    /// built from different definitions, or someone else serves that path.
    #[error("`{path}` sent a value that is not {expected}: {message}")]
    Decode {
        /// The element.
        path: String,
        /// The Rust type it should fit.
        expected: String,
        /// The deserialiser's error.
        message: String,
    },
    /// A value could not be serialised to JSON (a map with non-string keys, a failing
    /// `Serialize` impl, ...).
    #[error("cannot serialise the value for `{path}`: {message}")]
    Encode {
        /// The element.
        path: String,
        /// The serialiser's error.
        message: String,
    },
    /// Two elements of one served value would get the same path (a field renamed to a
    /// method's name, ...): rename one of them with `#[jet(rename = "..")]`.
    #[error("`{0}` would be served twice: give one of the fields or methods another name with #[jet(rename = \"..\")]")]
    DuplicatePath(String),
    /// No element at the path: the same variant for a typed client's `get_`, `set_` and
    /// method calls (the daemon's `pathNotExists`).
    #[error("nothing is served at `{0}`")]
    NotFound(String),
    /// An [`Event`](super::Event) was emitted while the value it belongs to is not served
    /// (before `serve`, or after its `Served` was dropped, removed or taken apart).
    #[error("the event cannot be sent: the value it belongs to is not served")]
    NotServed,
    /// [`Served::into_inner`](super::Served::into_inner) removed the elements at this
    /// path, but a method call or a [`Handle`](super::Handle) operation kept using the value,
    /// so it could not be given back.
    #[error("`{0}` was removed, but a method call or handle kept using the value")]
    StillInUse(String),
}

/// How a remote `set` of a state was refused, before the path is known.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum SetError {
    /// The value does not deserialise into the field's type.
    Type { expected: String, message: String },
    /// The field's validator refused it.
    Invalid(String),
    /// The accepted value could not be serialised back.
    Encode(String),
}

impl SetError {
    /// The error object the requester receives: `-32602 Invalid params` with
    /// `{"invalidArgument":{"message":..,"path":..[,"expected":..]}}` (node-jet's kind for a
    /// refused value), or `-32603` for a value that cannot be serialised.
    #[cold]
    pub(crate) fn into_error_object(self, path: &str) -> ErrorObject {
        let mut detail = Map::new();
        let message = match self {
            SetError::Type { expected, message } => {
                let m = format!("`{path}` takes {expected}: {message}");
                detail.insert("expected".into(), Value::String(expected));
                m
            }
            SetError::Invalid(reason) => {
                // `reason` alone too, so a Rust requester can say "the owner of `path`
                // refused: <reason>" (PeerError's Display).
                let m = format!("`{path}` refused the value: {reason}");
                detail.insert("reason".into(), Value::String(reason));
                m
            }
            SetError::Encode(message) => {
                return internal_error(format!("`{path}`: cannot serialise the value: {message}"))
            }
        };
        detail.insert("message".into(), Value::String(message));
        detail.insert("path".into(), Value::String(path.into()));
        detail.sort_keys();
        ErrorObject::invalid_params_with("invalidArgument", Value::Object(detail))
    }
}

/// Turns the error type of a method (`Result<T, E>`) into the error object the caller
/// receives. Implement it for your error types; `ErrorObject` passes through unchanged,
/// strings become `-32603 Internal error` with `{"message": ..}`.
///
/// ```
/// use jet_runtime::protocol::ErrorObject;
/// use jet_runtime::typed::IntoErrorObject;
///
/// pub enum HeatError { TooHot(f64) }
///
/// impl IntoErrorObject for HeatError {
///     fn into_error_object(self) -> ErrorObject {
///         match self {
///             HeatError::TooHot(t) => jet_runtime::peer::custom_error(
///                 1001, "too hot", Some(serde_json::json!({"temperature": t}))),
///         }
///     }
/// }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be sent to a Jet caller as an error",
    label = "the error type of this method",
    note = "derive `jet_runtime::JetError` for `{Self}`, implement `jet_runtime::typed::IntoErrorObject` for it, or return `Result<_, jet_runtime::protocol::ErrorObject>`"
)]
pub trait IntoErrorObject {
    /// The error object the caller receives.
    fn into_error_object(self) -> ErrorObject;
}

impl IntoErrorObject for ErrorObject {
    fn into_error_object(self) -> ErrorObject {
        self
    }
}

impl IntoErrorObject for String {
    fn into_error_object(self) -> ErrorObject {
        internal_error(self)
    }
}

impl IntoErrorObject for &str {
    fn into_error_object(self) -> ErrorObject {
        internal_error(self)
    }
}

/// `-32603` with the error's message (`{"message": ..}`).
impl IntoErrorObject for Box<dyn std::error::Error + Send + Sync> {
    fn into_error_object(self) -> ErrorObject {
        internal_error(self.to_string())
    }
}

/// `-32603` with the error's message (`{"message": ..}`).
impl IntoErrorObject for std::io::Error {
    fn into_error_object(self) -> ErrorObject {
        internal_error(self.to_string())
    }
}

/// `-32603` with the whole context chain as the message (`{"message": "outer: inner"}`).
#[cfg(feature = "anyhow")]
impl IntoErrorObject for anyhow::Error {
    fn into_error_object(self) -> ErrorObject {
        internal_error(format!("{self:#}"))
    }
}

/// What a method's return type named `Result` without two arguments (an alias such as
/// `anyhow::Result<T>`, `std::io::Result<T>` or a `type Result<T>` of your own) must
/// be: a `std::result::Result`. The macro takes its ok type (the result and its schema)
/// and its error type (through [`IntoErrorObject`]) from here.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is named `Result` but is not a `std::result::Result`",
    label = "a method's return type named `Result` is taken as a result",
    note = "return a `Result<T, E>` (or an alias of one), or give the type another name"
)]
pub trait ResultLike {
    /// The value of a successful call.
    type Ok;
    /// The error, sent through [`IntoErrorObject`].
    type Err;
    /// As a `Result`.
    fn into_result(self) -> Result<Self::Ok, Self::Err>;
}

impl<T, E> ResultLike for Result<T, E> {
    type Ok = T;
    type Err = E;
    fn into_result(self) -> Result<T, E> {
        self
    }
}

/// The compile-time check that a method returning a plain value (neither spelled `Result`
/// nor marked `#[jet(result)]`) does not return a `Result` under another name, which would
/// be sent as the value `{"Ok": ..}`. The macro calls `PlainValue::<T>::new().check()`:
/// for a `Result`, method resolution picks the inherent `check`, whose bound
/// ([`ResultUnderAnotherName`], implemented by nothing) fails with the fix in the message;
/// for any other type it finds [`PlainValueCheck::check`], which does nothing.
pub struct PlainValue<T>(std::marker::PhantomData<T>);

impl<T> PlainValue<T> {
    /// The probe for `T`.
    #[allow(clippy::new_without_default)]
    pub fn new() -> Self {
        PlainValue(std::marker::PhantomData)
    }
}

impl<T, E> PlainValue<Result<T, E>> {
    /// Fails to compile: `Result<T, E>` returned as a plain value.
    pub fn check(&self)
    where
        Result<T, E>: ResultUnderAnotherName,
    {
    }
}

/// See [`PlainValue`].
pub trait PlainValueCheck {
    /// Nothing to check.
    fn check(&self) {}
}

impl<T> PlainValueCheck for PlainValue<T> {}

/// Implemented by nothing: see [`PlainValue`].
#[diagnostic::on_unimplemented(
    message = "this method returns a `Result` under another name (`{Self}`)",
    label = "a `Result` alias",
    note = "add #[jet(result)] to the fn, so `Ok` is the result and `Err` the error the caller receives, or write the return type as `Result<T, E>`"
)]
pub trait ResultUnderAnotherName {}

impl IntoErrorObject for std::convert::Infallible {
    fn into_error_object(self) -> ErrorObject {
        match self {}
    }
}

/// A method that talks to other peers may pass their failures on: a remote error keeps
/// its code, message and data; anything else becomes `-32603` with the message.
impl IntoErrorObject for PeerError {
    fn into_error_object(self) -> ErrorObject {
        match self {
            PeerError::Remote {
                code,
                message,
                data,
            } => custom_error(code, message, data),
            other => internal_error(other.to_string()),
        }
    }
}

impl IntoErrorObject for TypedError {
    fn into_error_object(self) -> ErrorObject {
        match self {
            TypedError::Peer(e) => e.into_error_object(),
            other => internal_error(other.to_string()),
        }
    }
}

/// The answer of a method returning a plain value.
pub fn call_ok<R: Serialize>(value: R) -> CallResult {
    super::finite::to_json(&value).map_err(result_unserialisable)
}

/// The answer of a method returning `Result<R, E>`: `E` is an [`IntoErrorObject`] type or
/// a `#[derive(JetError)]` enum.
pub fn call_result<R: Serialize, E: MethodError>(outcome: Result<R, E>) -> CallResult {
    match outcome {
        Ok(value) => call_ok(value),
        Err(e) => Err(e.error_object()),
    }
}

#[cold]
fn result_unserialisable(e: serde_json::Error) -> ErrorObject {
    internal_error(format!("the method's result cannot be serialised: {e}"))
}

/// A validator's verdict with its error turned into text.
pub fn validation<E: Display>(verdict: Result<(), E>) -> Result<(), String> {
    verdict.map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn set_errors_name_path_and_expected_type() {
        let e = SetError::Type {
            expected: "f64".into(),
            message: "invalid type: string \"hot\", expected f64".into(),
        }
        .into_error_object("b/setpoint");
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            json!({"message":"Invalid params","code":-32602,"data":{"invalidArgument":{
                "expected":"f64",
                "message":"`b/setpoint` takes f64: invalid type: string \"hot\", expected f64",
                "path":"b/setpoint"}}})
        );
        let e = SetError::Invalid("95 is above 90".into()).into_error_object("b/setpoint");
        assert_eq!(
            e.data.as_ref().unwrap()["invalidArgument"]["message"],
            "`b/setpoint` refused the value: 95 is above 90"
        );
        assert_eq!(
            e.data.as_ref().unwrap()["invalidArgument"]["reason"],
            "95 is above 90"
        );
        // What a Rust requester (and so `TypedError`) shows.
        let shown = TypedError::Peer(PeerError::from_error_object(e)).to_string();
        assert_eq!(shown, "the owner of `b/setpoint` refused: 95 is above 90");
    }

    #[test]
    fn method_results_and_errors() {
        assert_eq!(call_ok(1.5), Ok(json!(1.5)));
        assert_eq!(call_result::<u8, _>(Ok::<u8, String>(3)), Ok(json!(3)));
        let e = call_result::<u8, _>(Err("broken".to_owned())).unwrap_err();
        assert_eq!(e.code, -32603);
        assert_eq!(e.data, Some(json!({"message":"broken"})));
        let mut bad = std::collections::HashMap::new();
        bad.insert((1, 2), 3);
        assert_eq!(call_ok(bad).unwrap_err().code, -32603);
    }

    #[test]
    fn remote_peer_errors_pass_through() {
        let e = PeerError::Remote {
            code: 7,
            message: "m".into(),
            data: None,
        }
        .into_error_object();
        assert_eq!((e.code, e.message.as_str()), (7, "m"));
    }
}

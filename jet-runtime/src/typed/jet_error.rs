//! Typed method errors end to end: [`JetError`] (what `#[derive(JetError)]` implements),
//! [`ClientError`] (what a generated client returns for a method whose error type is a
//! `JetError`), and the hidden [`MethodError`] trait that lets the macros treat both kinds
//! of method error (a `JetError` enum, or any [`IntoErrorObject`] type) alike.
//!
//! On the wire a `JetError` variant is an ordinary JSON-RPC error object:
//! `{"code": <the variant's code>, "message": <text>, "data": {"kind": "<Variant>", ..}}`
//! where the rest of `data` is the variant's named fields, `value` for a tuple variant
//! (an array for several fields), nothing more for a unit variant. A client decodes it back
//! by `code` and `data.kind`, so peers in other languages only need those two members.

use std::fmt;

use serde::de::{DeserializeOwned, Error as _};
use serde::Serialize;
use serde_json::{Map, Value};

use super::args::short_type_name;
use super::schema;
use super::{IntoErrorObject, TypedError};
use crate::peer::{custom_error, internal_error, PeerError};
use crate::protocol::ErrorObject;

/// An error enum whose variants travel as distinct Jet error objects and come back as the
/// same variants. Derive it with `#[derive(JetError)]` (see the
/// [derive's documentation](macro@crate::JetError)); implementing it by hand is possible
/// but the derive keeps the encoder, the decoder and the schema in step.
///
/// ```
/// use jet_runtime::prelude::*;
///
/// #[derive(Debug, PartialEq, JetError)]
/// #[jet(code = 1000)]
/// pub enum DoorError {
///     /// Locked from the inside.
///     Locked,
///     #[jet(code = 1001, message = "jammed (needs {force} N)")]
///     Jammed { force: u32 },
/// }
///
/// let e = DoorError::Jammed { force: 30 }.into_error_object();
/// assert_eq!((e.code, e.message.as_str()), (1001, "jammed (needs 30 N)"));
/// assert_eq!(e.data, Some(serde_json::json!({"kind": "Jammed", "force": 30})));
/// let back = DoorError::from_error_object(&e).unwrap().unwrap();
/// assert_eq!(back, DoorError::Jammed { force: 30 });
/// assert_eq!(DoorError::Locked.into_error_object().message, "Locked");
/// ```
pub trait JetError: Sized {
    /// The JSON-RPC error code of this variant.
    fn code(&self) -> i64;
    /// The variant's name on the wire (`data.kind`).
    fn kind(&self) -> &'static str;
    /// The error object's `message`: the variant's `#[jet(message = "..")]` with its fields
    /// filled in, else the type's `Display`, else the kind.
    fn message(&self) -> String;
    /// The error object the caller receives.
    fn into_error_object(self) -> ErrorObject;
    /// The variant `error` encodes: `None` if its code and `data.kind` are not one of this
    /// type's variants, `Some(Err(..))` if they are but the fields do not decode (the
    /// service was built from another definition).
    fn from_error_object(error: &ErrorObject) -> Option<Result<Self, serde_json::Error>>;
    /// One `{"code", "kind", "message"?, "description"?, "data"}` document per variant, in
    /// declaration order: the `errors` member of the schema of every method returning it.
    fn error_schemas() -> Vec<Value>;
}

/// The error of a generated client's method fn when the method's error type `E` is a
/// [`JetError`]: the service's own error, or anything else that went wrong on the way.
#[derive(Debug, Clone)]
pub enum ClientError<E> {
    /// The method ran and returned this error.
    Service(E),
    /// The call failed otherwise: the element does not exist, the connection closed, the
    /// daemon timed out, the arguments were refused, or the error object was not one of
    /// `E`'s variants (a [`TypedError::Decode`] if its kind matched but its fields did not).
    Transport(TypedError),
}

impl<E> ClientError<E> {
    /// The service's error, if that is what it is.
    pub fn service(self) -> Option<E> {
        match self {
            ClientError::Service(e) => Some(e),
            ClientError::Transport(_) => None,
        }
    }
}

impl<E> From<TypedError> for ClientError<E> {
    fn from(e: TypedError) -> Self {
        ClientError::Transport(e)
    }
}

/// The service error's message (as [`JetError::message`]), or the transport error's.
impl<E: JetError> fmt::Display for ClientError<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClientError::Service(e) => f.write_str(&e.message()),
            ClientError::Transport(e) => fmt::Display::fmt(e, f),
        }
    }
}

/// `source` is the transport error's source; a service error has none (its message is
/// the whole story, and `E` need not implement `Error`). So `?` into `anyhow::Error` works
/// for any `JetError` that is `Debug + Send + Sync + 'static`.
impl<E: JetError + fmt::Debug> std::error::Error for ClientError<E> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ClientError::Service(_) => None,
            ClientError::Transport(e) => std::error::Error::source(e),
        }
    }
}

/// The error type of a method, as the macros see it: how it is sent, what the generated
/// client returns instead, and what the method's schema says about it. Implemented for
/// every [`IntoErrorObject`] type (the client returns [`TypedError`], the schema lists no
/// errors) and by `#[derive(JetError)]` (the client returns [`ClientError<E>`], the
/// schema lists the variants). Not public API.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be sent to a Jet caller as an error",
    label = "the error type of this method",
    note = "derive `jet_runtime::JetError` for `{Self}`, implement `jet_runtime::typed::IntoErrorObject` for it, or return `Result<_, jet_runtime::protocol::ErrorObject>`"
)]
pub trait MethodError {
    /// The error of the generated client's method fn.
    type Client;
    /// The error object the caller receives.
    fn error_object(self) -> ErrorObject;
    /// What the client returns for a failed call of the method at `path`.
    fn client_error(path: &str, error: TypedError) -> Self::Client;
    /// The `errors` member of the method's schema (none: no member).
    fn error_schemas() -> Vec<Value>;
}

impl<E: IntoErrorObject> MethodError for E {
    type Client = TypedError;

    fn error_object(self) -> ErrorObject {
        IntoErrorObject::into_error_object(self)
    }

    fn client_error(_path: &str, error: TypedError) -> TypedError {
        error
    }

    fn error_schemas() -> Vec<Value> {
        Vec::new()
    }
}

/// [`MethodError::client_error`] of a `JetError` `E`: a remote error that decodes as one of
/// `E`'s variants is [`ClientError::Service`], anything else [`ClientError::Transport`].
pub fn client_error<E: JetError>(path: &str, error: TypedError) -> ClientError<E> {
    let TypedError::Peer(PeerError::Remote {
        code,
        message,
        data,
    }) = &error
    else {
        return ClientError::Transport(error);
    };
    let object = custom_error(*code, message.clone(), data.clone());
    match E::from_error_object(&object) {
        Some(Ok(e)) => ClientError::Service(e),
        Some(Err(e)) => ClientError::Transport(TypedError::Decode {
            path: path.to_owned(),
            expected: short_type_name::<E>(),
            message: e.to_string(),
        }),
        None => ClientError::Transport(error),
    }
}

/// Builds the error object of one variant (generated `into_error_object`).
pub struct ErrorData {
    kind: &'static str,
    code: i64,
    message: String,
    data: Map<String, Value>,
    failed: Option<String>,
}

impl ErrorData {
    /// Variant `kind` with its code and message; `data` is `{"kind": kind}` so far.
    pub fn new(code: i64, message: String, kind: &'static str) -> Self {
        let mut data = Map::new();
        data.insert("kind".into(), Value::String(kind.into()));
        ErrorData {
            kind,
            code,
            message,
            data,
            failed: None,
        }
    }

    /// Field `name` (or `value` for a tuple variant) in `data`.
    pub fn field<T: Serialize + ?Sized>(mut self, name: &str, value: &T) -> Self {
        match super::finite::to_json(value) {
            Ok(v) => {
                self.data.insert(name.into(), v);
            }
            Err(e) => {
                self.failed.get_or_insert_with(|| format!("`{name}`: {e}"));
            }
        }
        self
    }

    /// The error object; `-32603` saying so if a field could not be serialised.
    pub fn finish(self) -> ErrorObject {
        match self.failed {
            None => custom_error(self.code, self.message, Some(Value::Object(self.data))),
            Some(why) => unserialisable(self.kind, &why),
        }
    }
}

#[cold]
fn unserialisable(kind: &str, why: &str) -> ErrorObject {
    internal_error(format!(
        "the method failed with error `{kind}`, but it cannot be serialised: {why}"
    ))
}

/// Reads the fields of a variant back from an error object's `data` (generated
/// `from_error_object`).
pub struct ErrorFields<'a> {
    kind: &'a str,
    data: &'a Map<String, Value>,
}

impl<'a> ErrorFields<'a> {
    /// `data` as an object with a string `kind`, or `None` (then it is no `JetError`'s).
    pub fn of(error: &'a ErrorObject) -> Option<Self> {
        let data = error.data.as_ref()?.as_object()?;
        let kind = data.get("kind")?.as_str()?;
        Some(ErrorFields { kind, data })
    }

    /// `data.kind`.
    pub fn kind(&self) -> &'a str {
        self.kind
    }

    /// Field `name`; a missing one decodes like `null` (so `Option` fields may be left
    /// out) and is reported as missing otherwise.
    pub fn field<T: DeserializeOwned>(&self, name: &'static str) -> Result<T, serde_json::Error> {
        match self.data.get(name) {
            Some(v) => T::deserialize(v),
            None => {
                T::deserialize(&Value::Null).map_err(|_| serde_json::Error::missing_field(name))
            }
        }
    }
}

/// Builds one entry of a method schema's `errors` (generated `error_schemas`).
pub struct ErrorSchema {
    code: i64,
    kind: &'static str,
    message: Option<&'static str>,
    doc: &'static str,
    fields: schema::ObjectSchema,
}

impl ErrorSchema {
    /// Variant `kind`, sent with `code`; `message` is its `#[jet(message)]` template.
    pub fn new(
        code: i64,
        kind: &'static str,
        message: Option<&'static str>,
        doc: &'static str,
    ) -> Self {
        let mut fields = schema::ObjectSchema::new();
        fields.property_value(
            "kind",
            serde_json::json!({"type": "string", "const": kind}),
            true,
        );
        ErrorSchema {
            code,
            kind,
            message,
            doc,
            fields,
        }
    }

    /// A field of the variant (`value` for a tuple variant's).
    pub fn field<T: schemars::JsonSchema + DeserializeOwned>(mut self, name: &str) -> Self {
        self.fields.property::<T>(name);
        self
    }

    /// `{"code", "kind", "message"?, "description"?, "data"}`.
    pub fn finish(self) -> Value {
        let mut m = Map::new();
        m.insert("code".into(), self.code.into());
        m.insert("kind".into(), self.kind.into());
        if let Some(message) = self.message {
            m.insert("message".into(), message.into());
        }
        if !self.doc.is_empty() {
            m.insert("description".into(), self.doc.into());
        }
        m.insert("data".into(), self.fields.finish());
        Value::Object(m)
    }
}

/// The message of a variant without `#[jet(message)]`: `Display` if the error type has it,
/// else the kind. Chosen by method resolution on the concrete type ("autoref
/// specialisation"): `(&MessageOf(e)).jet_message(kind)` finds [`DisplayMessage`] on
/// `MessageOf<T>` when `T: Display`, else [`KindMessage`] one reference further.
pub struct MessageOf<'a, T>(pub &'a T);

/// `Display` as the message.
pub trait DisplayMessage {
    /// The message.
    fn jet_message(&self, kind: &str) -> String;
}

impl<T: fmt::Display> DisplayMessage for MessageOf<'_, T> {
    fn jet_message(&self, _kind: &str) -> String {
        self.0.to_string()
    }
}

/// The kind as the message.
pub trait KindMessage {
    /// The message.
    fn jet_message(&self, kind: &str) -> String;
}

impl<T> KindMessage for &MessageOf<'_, T> {
    fn jet_message(&self, kind: &str) -> String {
        kind.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// What the derive generates, written out: a unit and a struct variant.
    #[derive(Debug, PartialEq)]
    enum Door {
        Locked,
        Jammed { force: u32 },
    }

    impl JetError for Door {
        fn code(&self) -> i64 {
            1000
        }
        fn kind(&self) -> &'static str {
            match self {
                Door::Locked => "Locked",
                Door::Jammed { .. } => "Jammed",
            }
        }
        fn message(&self) -> String {
            (&MessageOf(self)).jet_message(self.kind())
        }
        fn into_error_object(self) -> ErrorObject {
            let data = ErrorData::new(self.code(), self.message(), self.kind());
            match self {
                Door::Locked => data.finish(),
                Door::Jammed { force } => data.field("force", &force).finish(),
            }
        }
        fn from_error_object(error: &ErrorObject) -> Option<Result<Self, serde_json::Error>> {
            let fields = ErrorFields::of(error)?;
            match (fields.kind(), error.code) {
                ("Locked", 1000) => Some(Ok(Door::Locked)),
                ("Jammed", 1000) => Some(fields.field("force").map(|force| Door::Jammed { force })),
                _ => None,
            }
        }
        fn error_schemas() -> Vec<Value> {
            vec![ErrorSchema::new(1000, "Jammed", None, "")
                .field::<u32>("force")
                .finish()]
        }
    }

    fn remote(code: i64, data: Value) -> TypedError {
        TypedError::Peer(PeerError::Remote {
            code,
            message: "m".into(),
            data: Some(data),
        })
    }

    #[test]
    fn variants_round_trip_through_error_objects() {
        let e = Door::Jammed { force: 3 }.into_error_object();
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            json!({"message":"Jammed","code":1000,"data":{"kind":"Jammed","force":3}})
        );
        let back = client_error::<Door>("d/open", remote(e.code, e.data.unwrap()));
        assert!(matches!(
            back,
            ClientError::Service(Door::Jammed { force: 3 })
        ));
        assert_eq!(back.to_string(), "Jammed");
    }

    #[test]
    fn other_errors_stay_transport_errors() {
        // Another code, no kind, a kind of another type: not the service's error.
        for e in [
            remote(1001, json!({"kind": "Locked"})),
            remote(1000, json!({"message": "x"})),
            remote(1000, json!({"kind": "Burnt"})),
            TypedError::NotFound("d/open".into()),
        ] {
            let shown = e.to_string();
            let back = client_error::<Door>("d/open", e);
            assert!(matches!(&back, ClientError::Transport(_)), "{back:?}");
            assert_eq!(back.to_string(), shown);
        }
        // The kind matches but the fields do not: another definition of the type.
        match client_error::<Door>("d/open", remote(1000, json!({"kind": "Jammed"}))) {
            ClientError::Transport(TypedError::Decode { path, message, .. }) => {
                assert_eq!(path, "d/open");
                assert!(message.contains("missing field `force`"), "{message}");
            }
            other => panic!("expected a decode error, got {other:?}"),
        }
    }

    #[test]
    fn unserialisable_fields_become_internal_errors() {
        let e = ErrorData::new(1, "m".into(), "Hot")
            .field("t", &f64::NAN)
            .finish();
        assert_eq!(e.code, crate::protocol::codes::INTERNAL_ERROR);
        assert!(e.data.unwrap()["message"]
            .as_str()
            .unwrap()
            .contains("error `Hot`, but it cannot be serialised"));
    }

    #[test]
    fn schemas_name_code_kind_and_fields() {
        let s = &Door::error_schemas()[0];
        assert_eq!(s["code"], 1000);
        assert_eq!(s["kind"], "Jammed");
        assert_eq!(s["data"]["properties"]["kind"]["const"], "Jammed");
        assert_eq!(s["data"]["required"], json!(["kind", "force"]));
        assert_eq!(s.get("message"), None);
    }
}

//! Incoming messages: classify a JSON text as request, notification or response without
//! copying or re-encoding the parts that are passed on (ids, values, args, owner responses).

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::value::RawValue;

/// Deserialise a member as raw JSON text, keeping an explicit `null` as `Some("null")`
/// (serde's `Option` would turn it into `None`, and `"result":null` is a valid response).
fn present<'de, D>(d: D) -> Result<Option<&'de RawValue>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    <&'de RawValue>::deserialize(d).map(Some)
}

/// The members of one JSON-RPC message that matter; anything else (`jsonrpc`, extras) is
/// ignored here and, for relayed responses, passed through untouched.
#[derive(Debug, Deserialize)]
pub struct Envelope<'a> {
    #[serde(default, borrow, deserialize_with = "present")]
    pub id: Option<&'a RawValue>,
    #[serde(default, borrow, deserialize_with = "present")]
    pub method: Option<&'a RawValue>,
    #[serde(default, borrow, deserialize_with = "present")]
    pub params: Option<&'a RawValue>,
    #[serde(default, borrow, deserialize_with = "present")]
    pub result: Option<&'a RawValue>,
    #[serde(default, borrow, deserialize_with = "present")]
    pub error: Option<&'a RawValue>,
}

impl<'a> Envelope<'a> {
    /// The id unless it is absent or `null` (both mean "notification").
    pub fn request_id(&self) -> Option<&'a RawValue> {
        self.id.filter(|id| id.get() != "null")
    }

    pub fn is_response(&self) -> bool {
        self.method.is_none() && (self.result.is_some() || self.error.is_some())
    }
}

/// What a frame holds at the top level.
pub enum Frame<'a> {
    One(&'a RawValue),
    Batch(Vec<&'a RawValue>),
}

/// Parse a frame's text far enough to split batches. `Err` carries the parse error text.
pub fn split_frame(text: &[u8]) -> Result<Frame<'_>, String> {
    let raw: &RawValue = serde_json::from_slice(text).map_err(|e| e.to_string())?;
    if raw.get().starts_with('[') {
        let items: Vec<&RawValue> = serde_json::from_str(raw.get()).map_err(|e| e.to_string())?;
        Ok(Frame::Batch(items))
    } else {
        Ok(Frame::One(raw))
    }
}

/// Classify one message. `None` when it is not a JSON object.
pub fn envelope(raw: &RawValue) -> Option<Envelope<'_>> {
    if !raw.get().starts_with('{') {
        return None;
    }
    serde_json::from_str(raw.get()).ok()
}

/// A JSON string's value (unescaped). `None` if `raw` is not a string.
pub fn as_str(raw: &RawValue) -> Option<Cow<'_, str>> {
    if !raw.get().starts_with('"') {
        return None;
    }
    serde_json::from_str::<Cow<'_, str>>(raw.get()).ok()
}

/// The byte range of `part` inside `whole`; `part` must have been borrowed from `whole`.
pub fn span_in(whole: &str, part: &str) -> std::ops::Range<usize> {
    let start = part.as_ptr() as usize - whole.as_ptr() as usize;
    start..start + part.len()
}

/// The members of daemon-method params, each kept raw so that errors can say which member
/// was missing or mistyped and values pass through untouched.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Params<'a> {
    #[serde(default, borrow, deserialize_with = "present")]
    pub path: Option<&'a RawValue>,
    #[serde(default, borrow, deserialize_with = "present")]
    pub value: Option<&'a RawValue>,
    #[serde(default, borrow, deserialize_with = "present")]
    pub fetch_only: Option<&'a RawValue>,
    #[serde(default, borrow, deserialize_with = "present")]
    pub access: Option<&'a RawValue>,
    #[serde(default, borrow, deserialize_with = "present")]
    pub timeout: Option<&'a RawValue>,
    #[serde(default, borrow, deserialize_with = "present")]
    pub value_as_result: Option<&'a RawValue>,
    #[serde(default, borrow, deserialize_with = "present")]
    pub args: Option<&'a RawValue>,
    #[serde(default, borrow, deserialize_with = "present")]
    pub id: Option<&'a RawValue>,
    #[serde(default, borrow, deserialize_with = "present")]
    pub name: Option<&'a RawValue>,
    #[serde(default, borrow, deserialize_with = "present")]
    pub user: Option<&'a RawValue>,
    #[serde(default, borrow, deserialize_with = "present")]
    pub password: Option<&'a RawValue>,
    #[serde(default, borrow, deserialize_with = "present")]
    pub schema: Option<&'a RawValue>,
}

/// Parse params for a daemon method: absent means `{}`; `Err(())` if they are not an object.
pub fn params<'a>(raw: Option<&'a RawValue>) -> Result<Params<'a>, ()> {
    match raw {
        None => Ok(Params::default()),
        Some(raw) if raw.get().starts_with('{') => serde_json::from_str(raw.get()).map_err(|_| ()),
        Some(_) => Err(()),
    }
}

/// The params as a `Value`, for the `got` member of parameter errors.
pub fn got(raw: Option<&RawValue>) -> serde_json::Value {
    match raw {
        None => serde_json::Value::Object(Default::default()),
        Some(raw) => serde_json::from_str(raw.get()).unwrap_or(serde_json::Value::Null),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn null_result_is_present_and_null_id_is_absent() {
        let e: Envelope = serde_json::from_str(r#"{"id":null,"result":null}"#).unwrap();
        assert!(e.request_id().is_none());
        assert!(e.is_response());
    }

    #[test]
    fn ids_keep_their_text() {
        let e: Envelope = serde_json::from_str(r#"{"id":1e3,"method":"info"}"#).unwrap();
        assert_eq!(e.request_id().unwrap().get(), "1e3");
    }

    #[test]
    fn span_finds_borrowed_parts() {
        let text = r#"{"id":"7","result":true}"#;
        let e: Envelope = serde_json::from_str(text).unwrap();
        let span = span_in(text, e.id.unwrap().get());
        assert_eq!(&text[span], "\"7\"");
    }

    #[test]
    fn batches_split() {
        match split_frame(br#"[{"a":1}, 2]"#).unwrap() {
            Frame::Batch(items) => assert_eq!(items.len(), 2),
            Frame::One(_) => panic!("expected a batch"),
        }
    }

    #[test]
    fn escaped_strings_unescape() {
        let raw: &RawValue = serde_json::from_str(r#""a\/b""#).unwrap();
        assert_eq!(as_str(raw).unwrap(), "a/b");
    }
}

//! Incoming messages: classify a JSON text as request, notification or response without
//! copying or re-encoding the parts that are passed on (ids, values, args, owner responses).

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::value::RawValue;

use super::method::DaemonMethod;

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
#[derive(Debug, Clone, Copy, Deserialize)]
pub(super) struct Envelope<'a> {
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
    pub(super) fn request_id(&self) -> Option<&'a RawValue> {
        self.id.filter(|id| id.get() != "null")
    }

    pub(super) fn is_response(&self) -> bool {
        self.method.is_none() && (self.result.is_some() || self.error.is_some())
    }
}

/// What a frame holds at the top level, each message classified (see [`Message`]).
///
/// `One` is much larger than `Batch` (the parsed params are inline), but a frame lives on
/// the stack for one call: boxing it would cost an allocation per message.
#[derive(Debug)]
#[allow(clippy::large_enum_variant)]
pub(super) enum Frame<'a> {
    One(Message<'a>),
    Batch(Vec<Message<'a>>),
}

/// One message of a frame, classified before the core lock is taken, so that the work
/// under the lock starts from parsed members instead of scanning the JSON text again.
#[derive(Debug)]
pub(super) struct Message<'a> {
    /// The message's JSON text without surrounding whitespace: relayed responses are
    /// copied from it and invalid-request errors quote it.
    pub text: &'a str,
    /// Its members; `None` when it is not a JSON object (or its members cannot be read,
    /// e.g. a duplicate `id`).
    pub env: Option<Envelope<'a>>,
    /// The method name, when `method` is a JSON string.
    pub method: Option<Cow<'a, str>>,
    /// The daemon method of that name (`None`: not one, or no name).
    pub daemon_method: Option<DaemonMethod>,
    /// The params, for exactly the methods that read them
    /// ([`DaemonMethod::takes_params`]): `Err(())` when they are not an object. `None`
    /// for every other message.
    pub params: Option<Result<Members<'a>, ()>>,
}

impl<'a> Message<'a> {
    fn new(text: &'a str, env: Option<Envelope<'a>>) -> Message<'a> {
        let method = env.as_ref().and_then(|e| e.method).and_then(as_str);
        let daemon_method = method.as_deref().and_then(DaemonMethod::parse);
        let params = match (&env, daemon_method) {
            (Some(env), Some(m)) if m.takes_params() => Some(params(env.params)),
            _ => None,
        };
        Message {
            text,
            env,
            method,
            daemon_method,
            params,
        }
    }

    fn from_raw(raw: &'a RawValue) -> Message<'a> {
        Message::new(raw.get(), envelope(raw))
    }
}

/// Parse and classify a frame. `Err` carries the parse error text (-32700).
///
/// The common frame, one valid JSON object, takes one JSON pass: its envelope is
/// deserialised straight from the text (serde_json validates what it skips, so this also
/// validates the whole message), plus one over its params. Everything else, errors
/// included, goes through the general path, whose results (and error texts) the fast
/// path must reproduce exactly; a property test checks that.
pub(super) fn parse_frame(text: &[u8]) -> Result<Frame<'_>, String> {
    if let Some(frame) = parse_fast(text) {
        return Ok(frame);
    }
    Ok(match split_frame(text)? {
        RawFrame::One(raw) => Frame::One(Message::from_raw(raw)),
        RawFrame::Batch(items) => Frame::Batch(items.into_iter().map(Message::from_raw).collect()),
    })
}

/// The one-pass parse of an object or a batch; `None` for anything it does not accept.
fn parse_fast(text: &[u8]) -> Option<Frame<'_>> {
    let text = std::str::from_utf8(text)
        .ok()?
        .trim_matches(|c| matches!(c, ' ' | '\t' | '\n' | '\r'));
    match text.as_bytes().first()? {
        b'{' => {
            let env = serde_json::from_str(text).ok()?;
            Some(Frame::One(Message::new(text, Some(env))))
        }
        b'[' => {
            let items: Vec<&RawValue> = serde_json::from_str(text).ok()?;
            let items = items.into_iter().map(Message::from_raw).collect();
            Some(Frame::Batch(items))
        }
        _ => None,
    }
}

/// A frame split, but not classified.
enum RawFrame<'a> {
    One(&'a RawValue),
    Batch(Vec<&'a RawValue>),
}

/// Parse a frame's text far enough to split batches. `Err` carries the parse error text.
fn split_frame(text: &[u8]) -> Result<RawFrame<'_>, String> {
    let raw: &RawValue = serde_json::from_slice(text).map_err(|e| e.to_string())?;
    if raw.get().starts_with('[') {
        let items: Vec<&RawValue> = serde_json::from_str(raw.get()).map_err(|e| e.to_string())?;
        Ok(RawFrame::Batch(items))
    } else {
        Ok(RawFrame::One(raw))
    }
}

/// Classify one message. `None` when it is not a JSON object.
fn envelope(raw: &RawValue) -> Option<Envelope<'_>> {
    if !raw.get().starts_with('{') {
        return None;
    }
    serde_json::from_str(raw.get()).ok()
}

/// A JSON string's value (unescaped). `None` if `raw` is not a string.
pub(super) fn as_str(raw: &RawValue) -> Option<Cow<'_, str>> {
    if !raw.get().starts_with('"') {
        return None;
    }
    serde_json::from_str::<Cow<'_, str>>(raw.get()).ok()
}

/// The byte range of `part` inside `whole`; `part` must have been borrowed from `whole`.
pub(super) fn span_in(whole: &str, part: &str) -> std::ops::Range<usize> {
    let start = part.as_ptr() as usize - whole.as_ptr() as usize;
    start..start + part.len()
}

/// The members of daemon-method params, each kept raw so that errors can say which member
/// was missing or mistyped and values pass through untouched.
#[derive(Debug, Default, Clone, Copy, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Members<'a> {
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
pub(super) fn params<'a>(raw: Option<&'a RawValue>) -> Result<Members<'a>, ()> {
    match raw {
        None => Ok(Members::default()),
        Some(raw) if raw.get().starts_with('{') => serde_json::from_str(raw.get()).map_err(|_| ()),
        Some(_) => Err(()),
    }
}

/// The params as a `Value`, for the `got` member of parameter errors.
pub(super) fn got(raw: Option<&RawValue>) -> serde_json::Value {
    match raw {
        None => serde_json::Value::Object(Default::default()),
        Some(raw) => serde_json::from_str(raw.get()).unwrap_or(serde_json::Value::Null),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

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
        match parse_frame(br#" [{"a":1}, 2] "#).unwrap() {
            Frame::Batch(items) => {
                assert_eq!(items.len(), 2);
                assert!(items[0].env.is_some());
                assert!(items[1].env.is_none());
                assert_eq!(items[1].text, "2");
            }
            Frame::One(_) => panic!("expected a batch"),
        }
    }

    #[test]
    fn one_message_is_trimmed_and_classified() {
        let text = b"\r\n {\"id\":1,\"method\":\"set\",\"params\":{\"path\":\"a\",\"value\":2}}\t";
        let Frame::One(msg) = parse_frame(text).unwrap() else {
            panic!("expected one message");
        };
        assert!(msg.text.starts_with('{') && msg.text.ends_with('}'));
        assert_eq!(msg.method.as_deref(), Some("set"));
        let p = msg.params.unwrap().unwrap();
        assert_eq!(p.path.unwrap().get(), "\"a\"");
        assert_eq!(p.value.unwrap().get(), "2");
    }

    #[test]
    fn params_only_for_methods_that_read_them() {
        let Frame::One(echo) = parse_frame(br#"{"method":"echo","params":5}"#).unwrap() else {
            panic!("expected one message");
        };
        assert!(echo.params.is_none());
        let Frame::One(set) = parse_frame(br#"{"method":"set","params":5}"#).unwrap() else {
            panic!("expected one message");
        };
        assert_eq!(set.params.map(|p| p.is_err()), Some(true));
    }

    #[test]
    fn invalid_json_is_a_parse_error() {
        assert!(parse_frame(b"{\"id\":1,").is_err());
        assert!(parse_frame(b"{} x").is_err());
        assert!(parse_frame(b"\"\xff\"").is_err());
    }

    #[test]
    fn duplicate_members_are_not_an_envelope() {
        let Frame::One(msg) = parse_frame(br#"{"id":1,"id":2,"method":"info"}"#).unwrap() else {
            panic!("expected one message");
        };
        assert!(msg.env.is_none());
    }

    /// The parse before the fast path existed: split, then classify each message.
    fn reference(text: &[u8]) -> Result<Frame<'_>, String> {
        Ok(match split_frame(text)? {
            RawFrame::One(raw) => Frame::One(Message::from_raw(raw)),
            RawFrame::Batch(items) => {
                Frame::Batch(items.into_iter().map(Message::from_raw).collect())
            }
        })
    }

    /// Text made of JSON-ish pieces, so that a good share of it is valid JSON.
    fn jsonish() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just("{".to_owned()),
            Just("}".to_owned()),
            Just("[".to_owned()),
            Just("]".to_owned()),
            Just(",".to_owned()),
            Just(":".to_owned()),
            Just(" ".to_owned()),
            Just("\n".to_owned()),
            Just("\"id\":".to_owned()),
            Just("\"method\":".to_owned()),
            Just("\"params\":".to_owned()),
            Just("\"result\":".to_owned()),
            Just("\"error\":".to_owned()),
            Just("\"path\":".to_owned()),
            Just("\"value\":".to_owned()),
            Just("\"set\"".to_owned()),
            Just("\"echo\"".to_owned()),
            Just("null".to_owned()),
            Just("true".to_owned()),
            Just("1e3".to_owned()),
            Just("-0".to_owned()),
            "\"[a-z\\\\/\"é]{0,4}\"".prop_map(|s| s),
            "[0-9]{1,3}".prop_map(|s| s),
        ];
        prop::collection::vec(piece, 0..24).prop_map(|v| v.concat())
    }

    /// Valid messages as peers send them, possibly in a batch, with whitespace around.
    fn messages() -> impl Strategy<Value = String> {
        let member = prop_oneof![
            Just(r#""id":7"#),
            Just(r#""id":"r3""#),
            Just(r#""id":null"#),
            Just(r#""method":"set""#),
            Just(r#""method":"echo""#),
            Just(r#""method":5"#),
            Just(r#""params":{"path":"a/b","value":{"x":[1,2]},"timeout":0.5}"#),
            Just(r#""params":[1]"#),
            Just(r#""result":null"#),
            Just(r#""error":{"code":-1}"#),
            Just(r#""jsonrpc":"2.0""#),
        ];
        let object =
            prop::collection::vec(member, 0..5).prop_map(|m| format!("{{{}}}", m.join(",")));
        let one = prop_oneof![
            object.clone(),
            Just("3".to_owned()),
            Just("\"x\"".to_owned())
        ];
        prop_oneof![
            one.clone(),
            prop::collection::vec(one, 0..4).prop_map(|v| format!("[{}]", v.join(","))),
        ]
        .prop_map(|s| format!(" {s}\n"))
    }

    proptest! {
        #[test]
        fn fast_path_matches_reference_on_jsonish_text(text in jsonish()) {
            let got = format!("{:?}", parse_frame(text.as_bytes()));
            prop_assert_eq!(got, format!("{:?}", reference(text.as_bytes())));
        }

        #[test]
        fn fast_path_matches_reference_on_messages(text in messages()) {
            let fast = parse_frame(text.as_bytes());
            prop_assert!(fast.is_ok());
            prop_assert_eq!(format!("{fast:?}"), format!("{:?}", reference(text.as_bytes())));
        }

        #[test]
        fn fast_path_matches_reference_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..32)) {
            let got = format!("{:?}", parse_frame(&bytes));
            prop_assert_eq!(got, format!("{:?}", reference(&bytes)));
        }
    }

    #[test]
    fn escaped_strings_unescape() {
        let raw: &RawValue = serde_json::from_str(r#""a\/b""#).unwrap();
        assert_eq!(as_str(raw).unwrap(), "a/b");
    }
}

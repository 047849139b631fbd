//! Method arguments: decoding what a caller sent (an array for positional arguments, an
//! object for named ones) and encoding what a typed client sends.
//!
//! A missing argument is decoded from `null`, so `Option<T>` (and anything else that
//! accepts `null`) may be left out, and everything else is reported as missing. Extra
//! positional arguments and unknown names are refused: a typo in a name should not turn
//! into a silently ignored argument.

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::TypedError;
use crate::protocol::ErrorObject;

/// The arguments of one call, as the generated handler takes them one by one.
#[derive(Debug)]
pub struct ArgsIn<'a> {
    path: &'a str,
    names: &'static [&'static str],
    /// By position, whether they were given by position or by name; `None`: not given.
    values: Vec<Option<Value>>,
}

impl<'a> ArgsIn<'a> {
    /// Check the shape of `args` against the method's argument names.
    pub fn new(
        path: &'a str,
        args: Value,
        names: &'static [&'static str],
    ) -> Result<Self, ErrorObject> {
        let mut values: Vec<Option<Value>> = Vec::with_capacity(names.len());
        match args {
            Value::Array(items) if items.len() > names.len() => {
                return Err(args_error(
                    path,
                    None,
                    format!(
                        "takes {} argument(s) ({}), got {}",
                        names.len(),
                        names.join(", "),
                        items.len()
                    ),
                ))
            }
            Value::Array(items) => values.extend(items.into_iter().map(Some)),
            Value::Object(map) => {
                values.resize(names.len(), None);
                // One pass over what was sent, matching names by comparison: a method
                // has a few arguments, so this beats hashing them for a lookup each.
                for (key, value) in map {
                    match names.iter().position(|n| *n == key) {
                        Some(index) => values[index] = Some(value),
                        None => return Err(unknown_argument(path, &key, names)),
                    }
                }
            }
            Value::Null => {}
            other => {
                return Err(args_error(
                    path,
                    None,
                    format!(
                        "takes its arguments as an array (positional) or an object (named), \
                         got {other}"
                    ),
                ))
            }
        };
        Ok(ArgsIn {
            path,
            names,
            values,
        })
    }

    /// Decode argument `index` (named `names[index]`).
    pub fn take<T: DeserializeOwned>(&mut self, index: usize) -> Result<T, ErrorObject> {
        let name = self.names[index];
        match self.values.get_mut(index).and_then(Option::take) {
            Some(value) => serde_json::from_value(value).map_err(|e| {
                args_error(
                    self.path,
                    Some(name),
                    format!("argument `{name}` must be {}: {e}", short_type_name::<T>()),
                )
            }),
            None => serde_json::from_value(Value::Null).map_err(|_| {
                args_error(
                    self.path,
                    Some(name),
                    format!("argument `{name}` ({}) is missing", short_type_name::<T>()),
                )
            }),
        }
    }
}

/// A named argument the method does not have.
#[cold]
fn unknown_argument(path: &str, unknown: &str, names: &[&str]) -> ErrorObject {
    args_error(
        path,
        Some(unknown),
        format!(
            "has no argument `{unknown}`; expected {}",
            if names.is_empty() {
                "none".to_owned()
            } else {
                names.join(", ")
            }
        ),
    )
}

/// `-32602 Invalid params` with `{"invalidArgument":{"message":..,"path":..,"argument":..}}`.
#[cold]
fn args_error(path: &str, argument: Option<&str>, what: String) -> ErrorObject {
    let mut detail = Map::new();
    detail.insert("message".into(), Value::String(format!("`{path}` {what}")));
    detail.insert("path".into(), Value::String(path.into()));
    if let Some(argument) = argument {
        detail.insert("argument".into(), Value::String(argument.into()));
    }
    ErrorObject::invalid_params_with("invalidArgument", Value::Object(detail))
}

/// The named arguments a typed client sends, written as JSON text as they are pushed (no
/// `Value` map is built: the object goes out as it is, through [`Peer::call_raw`]).
///
/// [`Peer::call_raw`]: crate::peer::Peer::call_raw
#[derive(Debug, Default)]
pub struct ArgsOut {
    path: String,
    /// `{"name":value,...` so far (the closing brace is added by `into_parts`).
    text: Vec<u8>,
}

impl ArgsOut {
    /// Arguments for the method at `path` (for error messages).
    pub fn new(path: String) -> Self {
        ArgsOut {
            path,
            text: Vec::new(),
        }
    }

    /// Add the argument `name`, serialised. The generated clients push each argument of
    /// a method once.
    pub fn push<T: Serialize + ?Sized>(&mut self, name: &str, value: &T) -> Result<(), TypedError> {
        if self.text.is_empty() {
            self.text.reserve(64);
            self.text.push(b'{');
        } else {
            self.text.push(b',');
        }
        let encoded = serde_json::to_writer(&mut self.text, name)
            .and_then(|()| {
                self.text.push(b':');
                super::finite::write_json(value, &mut self.text)
            })
            .map_err(|e| TypedError::Encode {
                path: self.path.clone(),
                message: format!("argument `{name}`: {e}"),
            });
        if encoded.is_err() {
            // Not sent after a failure; keep the text well-formed for what follows anyway.
            self.text.clear();
        }
        encoded
    }

    /// The method's path and the arguments as one JSON object.
    pub(crate) fn into_parts(self) -> Result<(String, Box<RawValue>), TypedError> {
        let mut text = self.text;
        if text.is_empty() {
            text.push(b'{');
        }
        text.push(b'}');
        let raw = String::from_utf8(text)
            .map_err(|e| e.to_string())
            .and_then(|text| RawValue::from_string(text).map_err(|e| e.to_string()));
        match raw {
            Ok(raw) => Ok((self.path, raw)),
            Err(message) => Err(TypedError::Encode {
                path: self.path,
                message,
            }),
        }
    }
}

/// `std::any::type_name` without module paths: `Option<String>`, not
/// `core::option::Option<alloc::string::String>`. For error messages people read.
pub fn short_type_name<T: ?Sized>() -> String {
    shorten(std::any::type_name::<T>())
}

fn shorten(full: &str) -> String {
    let mut out = String::with_capacity(full.len());
    // Where the path being written started: a `::` drops everything written since.
    let mut segment_start = 0;
    let mut chars = full.chars().peekable();
    while let Some(c) = chars.next() {
        if c == ':' && chars.peek() == Some(&':') {
            chars.next();
            out.truncate(segment_start);
        } else {
            out.push(c);
            if !(c.is_alphanumeric() || c == '_') {
                segment_start = out.len();
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NAMES: &[&str] = &["minutes", "note"];

    fn take2(args: Value) -> Result<(u32, Option<String>), ErrorObject> {
        let mut a = ArgsIn::new("b/heat", args, NAMES)?;
        Ok((a.take(0)?, a.take(1)?))
    }

    fn message(e: &ErrorObject) -> String {
        e.data.as_ref().unwrap()["invalidArgument"]["message"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    #[test]
    fn positional_and_named_arguments_decode_alike() {
        assert_eq!(take2(json!([5, "x"])).unwrap(), (5, Some("x".into())));
        assert_eq!(
            take2(json!({"note": "x", "minutes": 5})).unwrap(),
            (5, Some("x".into()))
        );
    }

    #[test]
    fn option_arguments_may_be_left_out_others_not() {
        assert_eq!(take2(json!([5])).unwrap(), (5, None));
        assert_eq!(take2(json!({"minutes": 5})).unwrap(), (5, None));
        let e = take2(json!({})).unwrap_err();
        assert_eq!(e.code, -32602);
        assert_eq!(message(&e), "`b/heat` argument `minutes` (u32) is missing");
        let e = take2(Value::Null).unwrap_err();
        assert!(message(&e).contains("is missing"), "{e}");
    }

    #[test]
    fn wrong_types_name_the_argument_and_the_expected_type() {
        let e = take2(json!(["hot"])).unwrap_err();
        let m = message(&e);
        assert!(
            m.starts_with("`b/heat` argument `minutes` must be u32: invalid type"),
            "{m}"
        );
        assert_eq!(e.data.unwrap()["invalidArgument"]["argument"], "minutes");
    }

    #[test]
    fn extra_and_unknown_arguments_are_refused() {
        let e = take2(json!([1, "a", 3])).unwrap_err();
        assert_eq!(
            message(&e),
            "`b/heat` takes 2 argument(s) (minutes, note), got 3"
        );
        let e = take2(json!({"minutes": 1, "minuets": 2})).unwrap_err();
        assert_eq!(
            message(&e),
            "`b/heat` has no argument `minuets`; expected minutes, note"
        );
        let e = take2(json!(7)).unwrap_err();
        assert!(message(&e).contains("as an array (positional) or an object (named)"));
    }

    #[test]
    fn type_names_lose_their_module_paths() {
        assert_eq!(short_type_name::<Option<String>>(), "Option<String>");
        assert_eq!(
            short_type_name::<std::collections::HashMap<String, Vec<u8>>>(),
            "HashMap<String, Vec<u8>>"
        );
        assert_eq!(short_type_name::<(f64, &str)>(), "(f64, &str)");
        assert_eq!(short_type_name::<[u8; 4]>(), "[u8; 4]");
    }

    proptest::proptest! {
        /// Model: a call decodes to the same values whether the caller sent the arguments
        /// by position (trailing `None`s left out or not) or by name (`None`s left out or
        /// `null`), and what a typed client encodes decodes back unchanged.
        #[test]
        fn positional_named_and_client_encodings_agree(
            minutes in proptest::num::u32::ANY,
            note in proptest::option::of(".{0,8}"),
            drop_none in proptest::bool::ANY,
        ) {
            let expected = (minutes, note.clone());
            let positional = match (&note, drop_none) {
                (None, true) => json!([minutes]),
                _ => json!([minutes, note]),
            };
            let named = match (&note, drop_none) {
                (None, true) => json!({"minutes": minutes}),
                _ => json!({"note": note, "minutes": minutes}),
            };
            proptest::prop_assert_eq!(take2(positional).unwrap(), expected.clone());
            proptest::prop_assert_eq!(take2(named).unwrap(), expected.clone());
            let mut out = ArgsOut::new("b/heat".into());
            out.push("minutes", &minutes).unwrap();
            out.push("note", &note).unwrap();
            let (path, sent) = out.into_parts().unwrap();
            proptest::prop_assert_eq!(path, "b/heat");
            let sent: Value = serde_json::from_str(sent.get()).unwrap();
            proptest::prop_assert_eq!(take2(sent).unwrap(), expected);
        }
    }
}

//! JSON encoding that refuses non-finite floats.
//!
//! `serde_json` turns `NaN` and `±inf` into `null`, which breaks the value's own schema
//! (`"type": "number"`) and reaches every fetcher as a different value than the service
//! holds. The typed layer encodes every state, argument and result through [`to_json`]
//! (a `Value`) or [`write_json`] (JSON text), which fail with a clear message instead.
//!
//! The common case pays one extra look at the encoding: only a value whose encoding
//! contains a `null` (where a non-finite float may have gone) is serialised a second time
//! through [`Check`], a serializer that produces nothing and fails at the first non-finite
//! float.

use serde::ser::{self, Error as _, Serialize};
use serde_json::{Error, Value};

/// `serde_json::to_value`, but a non-finite `f32`/`f64` anywhere in `value` is an error.
pub(crate) fn to_json<T: Serialize + ?Sized>(value: &T) -> Result<Value, Error> {
    let json = serde_json::to_value(value)?;
    if has_null(&json) {
        value.serialize(Check)?;
    }
    Ok(json)
}

/// `serde_json::to_writer` appending to `out`, but a non-finite `f32`/`f64` anywhere in
/// `value` is an error (`out` then holds a partial encoding after what it held before).
/// For publishing: encoding into a reused buffer and comparing the text with the last
/// published one costs no allocation for a value that did not change.
pub(crate) fn write_json<T: Serialize + ?Sized>(value: &T, out: &mut Vec<u8>) -> Result<(), Error> {
    let start = out.len();
    serde_json::to_writer(&mut *out, value)?;
    // A `null` inside a string (`"nullable"`) only costs the check, which then passes.
    if out[start..].windows(4).any(|w| w == b"null") {
        value.serialize(Check)?;
    }
    Ok(())
}

fn has_null(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Array(items) => items.iter().any(has_null),
        Value::Object(map) => map.values().any(has_null),
        _ => false,
    }
}

#[cold]
fn non_finite(x: f64) -> Error {
    Error::custom(format!(
        "{x} is not a finite number and JSON has no representation for it (serde_json \
         would send `null`); keep the value finite, or use an `Option` for \"no value\""
    ))
}

/// Walks a value the way a serializer does and fails at the first non-finite float.
struct Check;

impl ser::Serializer for Check {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Self;
    type SerializeTuple = Self;
    type SerializeTupleStruct = Self;
    type SerializeTupleVariant = Self;
    type SerializeMap = Self;
    type SerializeStruct = Self;
    type SerializeStructVariant = Self;

    fn serialize_f32(self, v: f32) -> Result<(), Error> {
        self.serialize_f64(f64::from(v))
    }
    fn serialize_f64(self, v: f64) -> Result<(), Error> {
        if v.is_finite() {
            Ok(())
        } else {
            Err(non_finite(v))
        }
    }
    fn serialize_bool(self, _: bool) -> Result<(), Error> {
        Ok(())
    }
    fn serialize_i8(self, _: i8) -> Result<(), Error> {
        Ok(())
    }
    fn serialize_i16(self, _: i16) -> Result<(), Error> {
        Ok(())
    }
    fn serialize_i32(self, _: i32) -> Result<(), Error> {
        Ok(())
    }
    fn serialize_i64(self, _: i64) -> Result<(), Error> {
        Ok(())
    }
    fn serialize_i128(self, _: i128) -> Result<(), Error> {
        Ok(())
    }
    fn serialize_u8(self, _: u8) -> Result<(), Error> {
        Ok(())
    }
    fn serialize_u16(self, _: u16) -> Result<(), Error> {
        Ok(())
    }
    fn serialize_u32(self, _: u32) -> Result<(), Error> {
        Ok(())
    }
    fn serialize_u64(self, _: u64) -> Result<(), Error> {
        Ok(())
    }
    fn serialize_u128(self, _: u128) -> Result<(), Error> {
        Ok(())
    }
    fn serialize_char(self, _: char) -> Result<(), Error> {
        Ok(())
    }
    fn serialize_str(self, _: &str) -> Result<(), Error> {
        Ok(())
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<(), Error> {
        Ok(())
    }
    fn serialize_none(self) -> Result<(), Error> {
        Ok(())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<(), Error> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Error> {
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Error> {
        Ok(())
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, _: &'static str) -> Result<(), Error> {
        Ok(())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        v: &T,
    ) -> Result<(), Error> {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        v: &T,
    ) -> Result<(), Error> {
        v.serialize(self)
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self, Error> {
        Ok(self)
    }
    fn serialize_tuple(self, _: usize) -> Result<Self, Error> {
        Ok(self)
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self, Error> {
        Ok(self)
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self, Error> {
        Ok(self)
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self, Error> {
        Ok(self)
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self, Error> {
        Ok(self)
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> Result<Self, Error> {
        Ok(self)
    }
}

impl ser::SerializeSeq for Check {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
        v.serialize(Check)
    }
    fn end(self) -> Result<(), Error> {
        Ok(())
    }
}

impl ser::SerializeTuple for Check {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
        v.serialize(Check)
    }
    fn end(self) -> Result<(), Error> {
        Ok(())
    }
}

impl ser::SerializeTupleStruct for Check {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
        v.serialize(Check)
    }
    fn end(self) -> Result<(), Error> {
        Ok(())
    }
}

impl ser::SerializeTupleVariant for Check {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
        v.serialize(Check)
    }
    fn end(self) -> Result<(), Error> {
        Ok(())
    }
}

impl ser::SerializeMap for Check {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, k: &T) -> Result<(), Error> {
        k.serialize(Check)
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
        v.serialize(Check)
    }
    fn end(self) -> Result<(), Error> {
        Ok(())
    }
}

impl ser::SerializeStruct for Check {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        _: &'static str,
        v: &T,
    ) -> Result<(), Error> {
        v.serialize(Check)
    }
    fn end(self) -> Result<(), Error> {
        Ok(())
    }
}

impl ser::SerializeStructVariant for Check {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        _: &'static str,
        v: &T,
    ) -> Result<(), Error> {
        v.serialize(Check)
    }
    fn end(self) -> Result<(), Error> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::collections::BTreeMap;

    #[derive(serde::Serialize)]
    struct Reading {
        celsius: f64,
        note: Option<String>,
        history: Vec<f32>,
    }

    #[test]
    fn finite_values_encode_as_serde_json_does() {
        let r = Reading {
            celsius: 20.5,
            note: None,
            history: vec![1.0],
        };
        assert_eq!(
            to_json(&r).unwrap(),
            json!({"celsius":20.5,"note":null,"history":[1.0]})
        );
    }

    #[test]
    fn non_finite_floats_are_refused_wherever_they_are() {
        let nan = to_json(&f64::NAN).unwrap_err().to_string();
        assert!(nan.contains("NaN is not a finite number"), "{nan}");
        let r = Reading {
            celsius: 1.0,
            note: None,
            history: vec![f32::INFINITY],
        };
        assert!(to_json(&r).unwrap_err().to_string().contains("inf"));
        let mut m = BTreeMap::new();
        m.insert("a", (1u8, Some(f64::NEG_INFINITY)));
        assert!(to_json(&m).is_err());
    }

    #[test]
    fn text_encoding_is_serde_jsons_and_refuses_non_finite_floats() {
        let r = Reading {
            celsius: 20.5,
            note: Some("nullable".into()),
            history: vec![0.1],
        };
        let mut out = b"x".to_vec();
        write_json(&r, &mut out).unwrap();
        assert_eq!(
            std::str::from_utf8(&out).unwrap(),
            r#"x{"celsius":20.5,"note":"nullable","history":[0.1]}"#,
            "appended, and an f32 keeps its own shortest spelling"
        );
        let bad = Reading {
            celsius: f64::NAN,
            note: None,
            history: vec![],
        };
        let e = write_json(&bad, &mut Vec::new()).unwrap_err().to_string();
        assert!(e.contains("NaN is not a finite number"), "{e}");
        let mut m = BTreeMap::new();
        m.insert((1u8, 2u8), 1.0);
        assert!(
            write_json(&m, &mut Vec::new()).is_err(),
            "a map key that is not a string"
        );
    }
}

//! Value rules (PROTOCOL.md A.6): the operators of `value` and of each `valueField` entry.
//!
//! The semantics are JSON's, not JavaScript's: equality is type-strict and deep, ordering
//! compares numbers with numbers and strings with strings only, so no coercion surprises
//! (`"10" < 20` is false here, true in node-jet).

use std::cmp::Ordering;

use serde_json::{Map, Value};

// The type names are defined once, with the builder; what they match is defined here.
pub(crate) use crate::fetch::builder::ValueType;
use crate::fetch::builder::{wire_names, ValueOp as Name};

impl ValueType {
    /// Whether `value` is of this type.
    pub fn matches(self, value: &Value) -> bool {
        match self {
            ValueType::Number => value.is_number(),
            ValueType::String => value.is_string(),
            ValueType::Boolean => value.is_boolean(),
            ValueType::Object => value.is_object() || value.is_array(),
            ValueType::Array => value.is_array(),
            ValueType::Null => value.is_null(),
        }
    }
}

/// One value operator with its validated operand.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ValueOp {
    Equals(Value),
    EqualsNot(Value),
    LessThan(Value),
    GreaterThan(Value),
    IsType(ValueType),
    HasOneOf(Vec<Value>),
    HasAllOf(Vec<Value>),
}

impl ValueOp {
    fn matches(&self, value: &Value) -> bool {
        match self {
            ValueOp::Equals(operand) => json_eq(value, operand),
            ValueOp::EqualsNot(operand) => !json_eq(value, operand),
            ValueOp::LessThan(operand) => json_cmp(value, operand) == Some(Ordering::Less),
            ValueOp::GreaterThan(operand) => json_cmp(value, operand) == Some(Ordering::Greater),
            ValueOp::IsType(ty) => ty.matches(value),
            ValueOp::HasOneOf(operands) => value
                .as_array()
                .is_some_and(|items| operands.iter().any(|o| items.iter().any(|i| json_eq(i, o)))),
            ValueOp::HasAllOf(operands) => value
                .as_array()
                .is_some_and(|items| operands.iter().all(|o| items.iter().any(|i| json_eq(i, o)))),
        }
    }
}

/// The operators of one `value` object (or one `valueField` entry), ANDed.
#[derive(Debug, Clone, PartialEq, Default)]
pub(crate) struct ValueRule {
    ops: Vec<ValueOp>,
}

impl ValueRule {
    /// Parses `{"<operator>": <operand>, ...}`; `what` names the rule in messages
    /// (`value` or `valueField["age"]`).
    pub(crate) fn parse(rule: &Value, what: &str) -> Result<ValueRule, String> {
        let members = rule
            .as_object()
            .ok_or_else(|| format!("{what} must be an object of value operators"))?;
        let ops = members
            .iter()
            .map(|(name, operand)| parse_op(name, operand, what))
            .collect::<Result<_, _>>()?;
        Ok(ValueRule { ops })
    }

    /// A rule with only `isType` (implied by sorting by value).
    pub(crate) fn is_type(ty: ValueType) -> ValueRule {
        ValueRule {
            ops: vec![ValueOp::IsType(ty)],
        }
    }

    /// Replaces any `isType` with `ty` (B §6.4: sorting overwrites a given `isType`).
    pub(crate) fn set_is_type(&mut self, ty: ValueType) {
        self.ops.retain(|op| !matches!(op, ValueOp::IsType(_)));
        self.ops.push(ValueOp::IsType(ty));
    }

    pub(crate) fn matches(&self, value: &Value) -> bool {
        self.ops.iter().all(|op| op.matches(value))
    }
}

fn parse_op(name: &str, operand: &Value, what: &str) -> Result<ValueOp, String> {
    let array = || {
        operand
            .as_array()
            .cloned()
            .ok_or_else(|| format!("{what}.{name} must be an array"))
    };
    let comparable = || {
        if operand.is_number() || operand.is_string() {
            Ok(operand.clone())
        } else {
            Err(format!("{what}.{name} must be a number or a string"))
        }
    };
    let Some(op) = Name::parse(name) else {
        return Err(format!(
            "unknown value operator `{name}` in {what}, expected one of {}",
            wire_names(Name::ALL.map(Name::as_str))
        ));
    };
    Ok(match op {
        Name::Equals => ValueOp::Equals(operand.clone()),
        Name::EqualsNot => ValueOp::EqualsNot(operand.clone()),
        Name::LessThan => ValueOp::LessThan(comparable()?),
        Name::GreaterThan => ValueOp::GreaterThan(comparable()?),
        Name::IsType => {
            let type_name = operand
                .as_str()
                .ok_or_else(|| format!("{what}.isType must be a string"))?;
            ValueOp::IsType(ValueType::parse_named(
                type_name,
                &format!("{what}.isType"),
            )?)
        }
        Name::HasOneOf => ValueOp::HasOneOf(array()?),
        Name::HasAllOf => ValueOp::HasAllOf(array()?),
    })
}

/// JSON equality: type-strict, deep, member order ignored; numbers by value (`1 == 1.0`).
pub(crate) fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            if let (Some(x), Some(y)) = (x.as_i64(), y.as_i64()) {
                x == y
            } else if let (Some(x), Some(y)) = (x.as_u64(), y.as_u64()) {
                x == y
            } else {
                x.as_f64() == y.as_f64()
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| json_eq(x, y))
        }
        (Value::Object(x), Value::Object(y)) => objects_eq(x, y),
        _ => a == b,
    }
}

fn objects_eq(x: &Map<String, Value>, y: &Map<String, Value>) -> bool {
    x.len() == y.len()
        && x.iter()
            .all(|(k, v)| y.get(k).is_some_and(|other| json_eq(v, other)))
}

/// Orders numbers with numbers and strings with strings (by code point); `None` for any
/// other pair, which makes `lessThan`/`greaterThan` false.
pub(crate) fn json_cmp(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64()?.partial_cmp(&y.as_f64()?),
        (Value::String(x), Value::String(y)) => Some(x.as_str().cmp(y.as_str())),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rule(r: Value) -> ValueRule {
        ValueRule::parse(&r, "value").unwrap()
    }

    #[test]
    fn equals_is_type_strict_and_deep() {
        let r = rule(json!({"equals": 123}));
        assert!(r.matches(&json!(123)));
        assert!(r.matches(&json!(123.0)));
        assert!(!r.matches(&json!("123")));
        assert!(!r.matches(&json!(124)));
        let deep = rule(json!({"equals": {"a": [1, {"b": null}], "c": "x"}}));
        assert!(deep.matches(&json!({"c": "x", "a": [1.0, {"b": null}]})));
        assert!(!deep.matches(&json!({"c": "x", "a": [1, {"b": false}]})));
        assert!(!deep.matches(&json!({"c": "x", "a": [1, {"b": null}], "d": 1})));
        assert!(!rule(json!({"equals": [1, 2]})).matches(&json!([2, 1])));
        assert!(rule(json!({"equals": null})).matches(&Value::Null));
        assert!(!rule(json!({"equals": false})).matches(&Value::Null));
        assert!(rule(json!({"equals": -1})).matches(&json!(-1.0)));
        assert!(!rule(json!({"equals": u64::MAX})).matches(&json!(-1)));
    }

    #[test]
    fn equals_not_negates() {
        let r = rule(json!({"equalsNot": 1}));
        assert!(!r.matches(&json!(1)));
        assert!(r.matches(&json!("1")));
        assert!(r.matches(&json!({"a": 1})));
    }

    #[test]
    fn ordering_compares_like_types_only() {
        let lt = rule(json!({"lessThan": 20}));
        assert!(lt.matches(&json!(10)));
        assert!(lt.matches(&json!(19.5)));
        assert!(!lt.matches(&json!(20)));
        assert!(!lt.matches(&json!("10")));
        assert!(!lt.matches(&Value::Null));
        let gt = rule(json!({"greaterThan": "b"}));
        assert!(gt.matches(&json!("c")));
        assert!(gt.matches(&json!("ba")));
        assert!(!gt.matches(&json!("b")));
        assert!(!gt.matches(&json!("B")));
        assert!(!gt.matches(&json!(5)));
        let both = rule(json!({"greaterThan": 1, "lessThan": 3}));
        assert!(both.matches(&json!(2)));
        assert!(!both.matches(&json!(3)));
        // Code points, not UTF-16 units.
        assert!(rule(json!({"greaterThan": "\u{ffff}"})).matches(&json!("\u{10000}")));
    }

    #[test]
    fn is_type_knows_every_type() {
        let cases = [
            ("number", json!(1.5), true),
            ("number", json!("1"), false),
            ("string", json!("x"), true),
            ("string", json!(1), false),
            ("boolean", json!(false), true),
            ("boolean", Value::Null, false),
            ("object", json!({}), true),
            ("object", json!([1]), true),
            ("object", Value::Null, false),
            ("array", json!([]), true),
            ("array", json!({}), false),
            ("null", Value::Null, true),
            ("null", json!(0), false),
        ];
        for (ty, value, expected) in cases {
            assert_eq!(
                rule(json!({ "isType": ty })).matches(&value),
                expected,
                "isType {ty} on {value}"
            );
        }
    }

    #[test]
    fn has_one_of_and_all_of_need_an_array_value() {
        let one = rule(json!({"hasOneOf": ["a", 2]}));
        assert!(one.matches(&json!(["x", 2.0])));
        assert!(!one.matches(&json!(["x", "2"])));
        assert!(!one.matches(&json!("a")));
        assert!(!one.matches(&json!({"0": "a"})));
        let all = rule(json!({"hasAllOf": ["a", {"b": 1}]}));
        assert!(all.matches(&json!([{"b": 1}, "c", "a"])));
        assert!(!all.matches(&json!(["a"])));
        assert!(rule(json!({"hasAllOf": []})).matches(&json!([])));
        assert!(!rule(json!({"hasOneOf": []})).matches(&json!([1])));
    }

    #[test]
    fn refuses_unknown_operators_and_bad_operands() {
        let err = |r: Value| ValueRule::parse(&r, "value").unwrap_err();
        assert!(err(json!({"like": 1})).contains("unknown value operator `like`"));
        assert!(
            err(json!({"lessThan": true})).contains("value.lessThan must be a number or a string")
        );
        assert!(err(json!({"greaterThan": null})).contains("value.greaterThan"));
        assert!(err(json!({"isType": 1})).contains("value.isType must be a string"));
        assert!(err(json!({"isType": "undefined"})).contains("unknown type `undefined`"));
        assert!(err(json!({"hasOneOf": "a"})).contains("value.hasOneOf must be an array"));
        assert!(err(json!({"hasAllOf": {}})).contains("value.hasAllOf must be an array"));
        assert!(err(json!([1])).contains("value must be an object"));
    }

    #[test]
    fn type_names_round_trip() {
        for name in ["number", "string", "boolean", "object", "array", "null"] {
            let ty: ValueType = name.parse().unwrap();
            assert_eq!(ty.as_str(), name);
            assert_eq!(ty.to_string(), name);
        }
        let err = "integer".parse::<ValueType>().unwrap_err();
        assert!(err.contains("unknown type `integer`") && err.contains("`number`"));
    }

    #[test]
    fn set_is_type_overwrites() {
        let mut r = rule(json!({"isType": "string", "equalsNot": 3}));
        r.set_is_type(ValueType::Number);
        assert!(r.matches(&json!(4)));
        assert!(!r.matches(&json!("x")));
        assert!(!r.matches(&json!(3)));
    }
}

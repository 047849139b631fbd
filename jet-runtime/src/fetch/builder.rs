//! Build fetch expressions in Rust (PROTOCOL.md A.6) and turn them into the JSON a daemon
//! expects.
//!
//! ```
//! use jet_runtime::fetch::builder::{Fetch, ValueType};
//! use serde_json::json;
//!
//! let expr = Fetch::all()
//!     .path_starts_with("plant/")
//!     .case_insensitive()
//!     .field("temperature", jet_runtime::fetch::builder::ValueOp::GreaterThan, json!(50))
//!     .sort_by_field("temperature", ValueType::Number)
//!     .descending()
//!     .range(1, 5);
//! assert_eq!(
//!     expr.to_json(),
//!     json!({
//!         "path": {"startsWith": "plant/", "caseInsensitive": true},
//!         "valueField": {"temperature": {"greaterThan": 50}},
//!         "sort": {"byValueField": {"temperature": "number"}, "descending": true, "from": 1, "to": 5}
//!     })
//! );
//! ```
//!
//! The builder only builds; it does not validate operands beyond their types. The daemon
//! refuses what it does not accept (`invalidFetch`). The expression carries no `id`: the peer
//! adds one per fetch.

use serde_json::{Map, Value};

/// A path operator (PROTOCOL.md A.6, B §6.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PathOp {
    /// `equals`: the path is the operand.
    Equals,
    /// `equalsNot`: the path is not the operand.
    EqualsNot,
    /// `startsWith`: the path starts with the operand.
    StartsWith,
    /// `startsNotWith`: the path does not start with the operand.
    StartsNotWith,
    /// `endsWith`: the path ends with the operand.
    EndsWith,
    /// `endsNotWith`: the path does not end with the operand.
    EndsNotWith,
    /// `contains`: the path contains the operand.
    Contains,
    /// `containsNot`: the path does not contain the operand.
    ContainsNot,
    /// Operand: array of strings.
    ContainsAllOf,
    /// Operand: array of strings.
    ContainsOneOf,
    /// Operand: array of strings.
    EqualsOneOf,
    /// Operand: array of strings.
    EqualsNotOneOf,
}

impl PathOp {
    /// Every path operator.
    pub const ALL: [PathOp; 12] = [
        PathOp::Equals,
        PathOp::EqualsNot,
        PathOp::StartsWith,
        PathOp::StartsNotWith,
        PathOp::EndsWith,
        PathOp::EndsNotWith,
        PathOp::Contains,
        PathOp::ContainsNot,
        PathOp::ContainsAllOf,
        PathOp::ContainsOneOf,
        PathOp::EqualsOneOf,
        PathOp::EqualsNotOneOf,
    ];

    /// The operator's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            PathOp::Equals => "equals",
            PathOp::EqualsNot => "equalsNot",
            PathOp::StartsWith => "startsWith",
            PathOp::StartsNotWith => "startsNotWith",
            PathOp::EndsWith => "endsWith",
            PathOp::EndsNotWith => "endsNotWith",
            PathOp::Contains => "contains",
            PathOp::ContainsNot => "containsNot",
            PathOp::ContainsAllOf => "containsAllOf",
            PathOp::ContainsOneOf => "containsOneOf",
            PathOp::EqualsOneOf => "equalsOneOf",
            PathOp::EqualsNotOneOf => "equalsNotOneOf",
        }
    }

    /// The operator with this wire name (for command lines and config files).
    pub fn parse(name: &str) -> Option<PathOp> {
        PathOp::ALL.into_iter().find(|op| op.as_str() == name)
    }

    /// Whether the operand is an array of strings (else a string).
    pub fn takes_list(self) -> bool {
        matches!(
            self,
            PathOp::ContainsAllOf
                | PathOp::ContainsOneOf
                | PathOp::EqualsOneOf
                | PathOp::EqualsNotOneOf
        )
    }
}

/// A value operator, for `value` and for each `valueField` accessor (A.6, B §6.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValueOp {
    /// `equals`: the value equals the operand (type-strict, deep).
    Equals,
    /// `equalsNot`: the value does not equal the operand.
    EqualsNot,
    /// `lessThan`: a number less than a number, or a string before a string.
    LessThan,
    /// `greaterThan`: a number greater than a number, or a string after a string.
    GreaterThan,
    /// Operand: a [`ValueType`] name.
    IsType,
    /// The value is an array containing at least one operand element.
    HasOneOf,
    /// The value is an array containing every operand element.
    HasAllOf,
}

impl ValueOp {
    /// Every value operator.
    pub const ALL: [ValueOp; 7] = [
        ValueOp::Equals,
        ValueOp::EqualsNot,
        ValueOp::LessThan,
        ValueOp::GreaterThan,
        ValueOp::IsType,
        ValueOp::HasOneOf,
        ValueOp::HasAllOf,
    ];

    /// The operator's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            ValueOp::Equals => "equals",
            ValueOp::EqualsNot => "equalsNot",
            ValueOp::LessThan => "lessThan",
            ValueOp::GreaterThan => "greaterThan",
            ValueOp::IsType => "isType",
            ValueOp::HasOneOf => "hasOneOf",
            ValueOp::HasAllOf => "hasAllOf",
        }
    }

    /// The operator with this wire name.
    pub fn parse(name: &str) -> Option<ValueOp> {
        ValueOp::ALL.into_iter().find(|op| op.as_str() == name)
    }
}

/// A JSON type name: the operand of `isType`, and what `sort.byValue` and
/// `sort.byValueField` order by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ValueType {
    /// `"number"`.
    Number,
    /// `"string"`.
    String,
    /// `"boolean"`.
    Boolean,
    /// `"object"`: objects and, as in node-jet, arrays; never `null`.
    Object,
    /// `"array"`.
    Array,
    /// `"null"`.
    Null,
}

impl ValueType {
    /// Every type name.
    pub const ALL: [ValueType; 6] = [
        ValueType::Number,
        ValueType::String,
        ValueType::Boolean,
        ValueType::Object,
        ValueType::Array,
        ValueType::Null,
    ];

    /// The type's name on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            ValueType::Number => "number",
            ValueType::String => "string",
            ValueType::Boolean => "boolean",
            ValueType::Object => "object",
            ValueType::Array => "array",
            ValueType::Null => "null",
        }
    }

    /// The type with this wire name.
    pub fn parse(name: &str) -> Option<ValueType> {
        ValueType::ALL.into_iter().find(|t| t.as_str() == name)
    }

    /// Parses a type name; `what` names the member in the error text, which lists the
    /// accepted names.
    pub(crate) fn parse_named(name: &str, what: &str) -> Result<ValueType, String> {
        ValueType::parse(name).ok_or_else(|| {
            format!(
                "unknown type `{name}` in {what}, expected one of {}",
                wire_names(ValueType::ALL.map(ValueType::as_str))
            )
        })
    }
}

impl std::str::FromStr for ValueType {
    type Err = String;

    fn from_str(name: &str) -> Result<ValueType, String> {
        ValueType::parse_named(name, "a type name")
    }
}

impl std::fmt::Display for ValueType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Wire names as an error text lists them: `` `a`, `b`, `c` `` (built from an `ALL`, so a
/// name added to an enum is offered in every message that lists its names).
pub(crate) fn wire_names<const N: usize>(names: [&str; N]) -> String {
    names.map(|n| format!("`{n}`")).join(", ")
}

#[derive(Debug, Clone, PartialEq)]
enum SortKey {
    Path,
    Value(ValueType),
    Field(String, ValueType),
}

#[derive(Debug, Clone, PartialEq)]
struct Sort {
    key: SortKey,
    descending: bool,
    range: Option<(u32, u32)>,
}

/// A fetch expression without its `id`.
#[derive(Debug, Clone, PartialEq, Default)]
#[must_use]
pub struct Fetch {
    path: Map<String, Value>,
    case_insensitive: bool,
    value: Map<String, Value>,
    value_field: Map<String, Value>,
    sort: Option<Sort>,
    nodes: bool,
}

impl Fetch {
    /// Every element; narrow it down with the other methods (all rules are ANDed).
    pub fn all() -> Fetch {
        Fetch::default()
    }

    /// A path rule. Giving the same operator twice keeps the last operand.
    pub fn path(mut self, op: PathOp, operand: Value) -> Self {
        self.path.insert(op.as_str().into(), operand);
        self
    }

    fn path_str(self, op: PathOp, s: impl Into<String>) -> Self {
        self.path(op, Value::String(s.into()))
    }

    fn path_list<I, S>(self, op: PathOp, items: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let list = items.into_iter().map(|s| Value::String(s.into())).collect();
        self.path(op, Value::Array(list))
    }

    /// Add `equals`: the path is `s`.
    pub fn path_equals(self, s: impl Into<String>) -> Self {
        self.path_str(PathOp::Equals, s)
    }
    /// Add `equalsNot`: the path is not `s`.
    pub fn path_equals_not(self, s: impl Into<String>) -> Self {
        self.path_str(PathOp::EqualsNot, s)
    }
    /// Add `startsWith`: the path starts with `s`.
    pub fn path_starts_with(self, s: impl Into<String>) -> Self {
        self.path_str(PathOp::StartsWith, s)
    }
    /// Add `startsNotWith`: the path does not start with `s`.
    pub fn path_starts_not_with(self, s: impl Into<String>) -> Self {
        self.path_str(PathOp::StartsNotWith, s)
    }
    /// Add `endsWith`: the path ends with `s`.
    pub fn path_ends_with(self, s: impl Into<String>) -> Self {
        self.path_str(PathOp::EndsWith, s)
    }
    /// Add `endsNotWith`: the path does not end with `s`.
    pub fn path_ends_not_with(self, s: impl Into<String>) -> Self {
        self.path_str(PathOp::EndsNotWith, s)
    }
    /// Add `contains`: the path contains `s`.
    pub fn path_contains(self, s: impl Into<String>) -> Self {
        self.path_str(PathOp::Contains, s)
    }
    /// Add `containsNot`: the path does not contain `s`.
    pub fn path_contains_not(self, s: impl Into<String>) -> Self {
        self.path_str(PathOp::ContainsNot, s)
    }
    /// Add `containsAllOf`: the path contains every one of `s`.
    pub fn path_contains_all_of<I: IntoIterator<Item = S>, S: Into<String>>(self, s: I) -> Self {
        self.path_list(PathOp::ContainsAllOf, s)
    }
    /// Add `containsOneOf`: the path contains at least one of `s`.
    pub fn path_contains_one_of<I: IntoIterator<Item = S>, S: Into<String>>(self, s: I) -> Self {
        self.path_list(PathOp::ContainsOneOf, s)
    }
    /// Add `equalsOneOf`: the path is one of `s`.
    pub fn path_equals_one_of<I: IntoIterator<Item = S>, S: Into<String>>(self, s: I) -> Self {
        self.path_list(PathOp::EqualsOneOf, s)
    }
    /// Add `equalsNotOneOf`: the path is none of `s`.
    pub fn path_equals_not_one_of<I: IntoIterator<Item = S>, S: Into<String>>(self, s: I) -> Self {
        self.path_list(PathOp::EqualsNotOneOf, s)
    }

    /// Compare paths and operands lower-cased.
    pub fn case_insensitive(mut self) -> Self {
        self.case_insensitive = true;
        self
    }

    /// A rule on the element's value.
    pub fn value(mut self, op: ValueOp, operand: Value) -> Self {
        self.value.insert(op.as_str().into(), operand);
        self
    }

    /// Add a value rule `equals`: the value equals `operand`.
    pub fn value_equals(self, operand: Value) -> Self {
        self.value(ValueOp::Equals, operand)
    }
    /// Add a value rule `equalsNot`: the value does not equal `operand`.
    pub fn value_equals_not(self, operand: Value) -> Self {
        self.value(ValueOp::EqualsNot, operand)
    }
    /// Add a value rule `lessThan` `operand`.
    pub fn value_less_than(self, operand: Value) -> Self {
        self.value(ValueOp::LessThan, operand)
    }
    /// Add a value rule `greaterThan` `operand`.
    pub fn value_greater_than(self, operand: Value) -> Self {
        self.value(ValueOp::GreaterThan, operand)
    }
    /// Add a value rule `isType`: the value is of type `ty`.
    pub fn value_is_type(self, ty: ValueType) -> Self {
        self.value(ValueOp::IsType, Value::String(ty.as_str().into()))
    }

    /// A rule on a field of the value: `accessor` is a dotted name with `[n]` indices
    /// (`person.age`, `friends[0].name`). Note that daemons use only `value` when both
    /// `value` and `valueField` rules are given (B §6.3).
    pub fn field(mut self, accessor: impl Into<String>, op: ValueOp, operand: Value) -> Self {
        let rules = self
            .value_field
            .entry(accessor.into())
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(rules) = rules {
            rules.insert(op.as_str().into(), operand);
        }
        self
    }

    fn sort_mut(&mut self) -> &mut Sort {
        self.sort.get_or_insert(Sort {
            key: SortKey::Path,
            descending: false,
            range: None,
        })
    }

    /// Sort by path (also the default when only a range or `descending` is given).
    pub fn sort_by_path(mut self) -> Self {
        self.sort_mut().key = SortKey::Path;
        self
    }

    /// Sort by the value; only values of type `ty` match.
    pub fn sort_by_value(mut self, ty: ValueType) -> Self {
        self.sort_mut().key = SortKey::Value(ty);
        self
    }

    /// Sort by a field of the value; only values whose field has type `ty` match.
    pub fn sort_by_field(mut self, accessor: impl Into<String>, ty: ValueType) -> Self {
        self.sort_mut().key = SortKey::Field(accessor.into(), ty);
        self
    }

    /// The window of the sorted list to report: positions `from..=to`, 1-based (daemon
    /// default 1..=10). Makes the fetch sorted.
    pub fn range(mut self, from: u32, to: u32) -> Self {
        self.sort_mut().range = Some((from, to));
        self
    }

    /// Sort in descending order. Makes the fetch sorted.
    pub fn descending(mut self) -> Self {
        self.sort_mut().descending = true;
        self
    }

    /// Whether the daemon will send sorted window changes instead of element events.
    pub fn is_sorted(&self) -> bool {
        self.sort.is_some()
    }

    /// Report the nodes of the hierarchy too (PROTOCOL.md A.11): the path rule selects
    /// nodes as it selects elements, and every event says what it is about
    /// ([`Subject`](crate::peer::Subject)). Works on every daemon: where the daemon has
    /// no nodes the peer derives them. Cannot be combined with value rules or sorting.
    pub fn nodes(mut self) -> Self {
        self.nodes = true;
        self
    }

    /// Whether [`Fetch::nodes`] was asked for.
    pub fn is_nodes(&self) -> bool {
        self.nodes
    }

    /// The expression as JSON, without `id`.
    pub fn to_json(&self) -> Value {
        let mut out = Map::new();
        if !self.path.is_empty() {
            let mut path = self.path.clone();
            if self.case_insensitive {
                path.insert("caseInsensitive".into(), Value::Bool(true));
            }
            out.insert("path".into(), Value::Object(path));
        }
        if !self.value.is_empty() {
            out.insert("value".into(), Value::Object(self.value.clone()));
        }
        if !self.value_field.is_empty() {
            out.insert("valueField".into(), Value::Object(self.value_field.clone()));
        }
        if let Some(sort) = &self.sort {
            let mut s = Map::new();
            match &sort.key {
                SortKey::Path => {
                    s.insert("byPath".into(), Value::Bool(true));
                }
                SortKey::Value(ty) => {
                    s.insert("byValue".into(), Value::String(ty.as_str().into()));
                }
                SortKey::Field(accessor, ty) => {
                    let mut f = Map::new();
                    f.insert(accessor.clone(), Value::String(ty.as_str().into()));
                    s.insert("byValueField".into(), Value::Object(f));
                }
            }
            if sort.descending {
                s.insert("descending".into(), Value::Bool(true));
            }
            if let Some((from, to)) = sort.range {
                s.insert("from".into(), Value::from(from));
                s.insert("to".into(), Value::from(to));
            }
            out.insert("sort".into(), Value::Object(s));
        }
        if self.nodes {
            out.insert("nodes".into(), Value::Bool(true));
        }
        Value::Object(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn all_is_the_empty_expression() {
        assert_eq!(Fetch::all().to_json(), json!({}));
        assert!(!Fetch::all().is_sorted());
    }

    #[test]
    fn every_path_operator_has_its_wire_name() {
        let e = Fetch::all()
            .path_equals("a")
            .path_equals_not("b")
            .path_starts_with("c")
            .path_starts_not_with("d")
            .path_ends_with("e")
            .path_ends_not_with("f")
            .path_contains("g")
            .path_contains_not("h")
            .path_contains_all_of(["i", "j"])
            .path_contains_one_of(["k"])
            .path_equals_one_of(vec!["l".to_string()])
            .path_equals_not_one_of(["m", "n"]);
        assert_eq!(
            e.to_json().to_string(),
            r#"{"path":{"equals":"a","equalsNot":"b","startsWith":"c","startsNotWith":"d","endsWith":"e","endsNotWith":"f","contains":"g","containsNot":"h","containsAllOf":["i","j"],"containsOneOf":["k"],"equalsOneOf":["l"],"equalsNotOneOf":["m","n"]}}"#
        );
        for op in PathOp::ALL {
            assert_eq!(PathOp::parse(op.as_str()), Some(op));
        }
        assert_eq!(PathOp::parse("EQUALS"), None);
    }

    #[test]
    fn case_insensitive_goes_last_and_only_with_a_path_rule() {
        assert_eq!(
            Fetch::all().case_insensitive().path_contains("X").to_json(),
            json!({"path":{"contains":"X","caseInsensitive":true}})
        );
        assert_eq!(Fetch::all().case_insensitive().to_json(), json!({}));
    }

    #[test]
    fn value_rules_and_field_rules() {
        let e = Fetch::all()
            .value_equals(json!(1))
            .value_equals_not(json!(2))
            .value_less_than(json!(10))
            .value_greater_than(json!(0))
            .value_is_type(ValueType::Number)
            .field("person.age", ValueOp::LessThan, json!(20))
            .field("person.age", ValueOp::IsType, json!("number"))
            .field("friends[0].name", ValueOp::Equals, json!("x"));
        assert_eq!(
            e.to_json().to_string(),
            r#"{"value":{"equals":1,"equalsNot":2,"lessThan":10,"greaterThan":0,"isType":"number"},"valueField":{"person.age":{"lessThan":20,"isType":"number"},"friends[0].name":{"equals":"x"}}}"#
        );
        for op in ValueOp::ALL {
            assert_eq!(ValueOp::parse(op.as_str()), Some(op));
        }
        for ty in ValueType::ALL {
            assert_eq!(ValueType::parse(ty.as_str()), Some(ty));
        }
    }

    #[test]
    fn sorting() {
        assert_eq!(
            Fetch::all().sort_by_path().to_json(),
            json!({"sort":{"byPath":true}})
        );
        assert_eq!(
            Fetch::all().range(2, 4).to_json(),
            json!({"sort":{"byPath":true,"from":2,"to":4}})
        );
        let e = Fetch::all()
            .descending()
            .sort_by_value(ValueType::String)
            .range(1, 3);
        assert!(e.is_sorted());
        assert_eq!(
            e.to_json().to_string(),
            r#"{"sort":{"byValue":"string","descending":true,"from":1,"to":3}}"#
        );
        assert_eq!(
            Fetch::all()
                .sort_by_field("age", ValueType::Number)
                .to_json(),
            json!({"sort":{"byValueField":{"age":"number"}}})
        );
    }

    /// A value operand the operator accepts (the builder does not validate operands).
    fn operand_for(op: ValueOp, ty: ValueType, n: i64) -> Value {
        match op {
            ValueOp::Equals | ValueOp::EqualsNot | ValueOp::LessThan | ValueOp::GreaterThan => {
                json!(n)
            }
            ValueOp::IsType => json!(ty.as_str()),
            ValueOp::HasOneOf | ValueOp::HasAllOf => json!([n]),
        }
    }

    proptest! {
        /// Whatever the builder writes, the engine parses: the two share one vocabulary
        /// (the operator and type names are defined once, here).
        #[test]
        fn what_the_builder_writes_parses(
            paths in proptest::collection::vec((0usize..12, "[a-z/]{0,6}"), 0..6),
            values in proptest::collection::vec((0usize..7, 0usize..6, -5i64..5), 0..4),
            fields in proptest::collection::vec(("[a-z]{1,4}", 0usize..7, 0usize..6, -5i64..5), 0..3),
            case_insensitive in any::<bool>(),
            sort in 0usize..4,
            sort_ty in 0usize..6,
            window in proptest::option::of((1u32..5, 0u32..5)),
            descending in any::<bool>(),
        ) {
            let mut e = Fetch::all();
            for (i, operand) in &paths {
                let op = PathOp::ALL[*i];
                e = e.path(op, if op.takes_list() { json!([operand]) } else { json!(operand) });
            }
            if case_insensitive {
                e = e.case_insensitive();
            }
            for (op, ty, n) in &values {
                let op = ValueOp::ALL[*op];
                e = e.value(op, operand_for(op, ValueType::ALL[*ty], *n));
            }
            for (field, op, ty, n) in &fields {
                let op = ValueOp::ALL[*op];
                e = e.field(field.as_str(), op, operand_for(op, ValueType::ALL[*ty], *n));
            }
            let ty = ValueType::ALL[sort_ty];
            e = match sort {
                1 => e.sort_by_path(),
                2 => e.sort_by_value(ty),
                3 => e.sort_by_field("k", ty),
                _ => e,
            };
            if sort != 0 {
                if let Some((from, extra)) = window {
                    e = e.range(from, from + extra);
                }
                if descending {
                    e = e.descending();
                }
            }
            let mut params = e.to_json();
            params["id"] = json!("f");
            let parsed = crate::fetch::engine::FetchExpr::parse(&params);
            prop_assert!(parsed.is_ok(), "{} -> {:?}", params, parsed.err());
            prop_assert_eq!(parsed.unwrap().sort().is_some(), sort != 0);
        }
    }

    proptest! {
        /// The path object holds exactly the operators given, each with its last operand,
        /// in first-use order.
        #[test]
        fn path_object_models_a_last_write_wins_map(
            rules in proptest::collection::vec((0usize..12, "[a-z/]{0,6}"), 0..20)
        ) {
            let mut e = Fetch::all();
            let mut model: Vec<(&str, Value)> = Vec::new();
            for (i, operand) in &rules {
                let op = PathOp::ALL[*i];
                let v = if op.takes_list() { json!([operand]) } else { json!(operand) };
                e = e.path(op, v.clone());
                match model.iter_mut().find(|(k, _)| *k == op.as_str()) {
                    Some(slot) => slot.1 = v,
                    None => model.push((op.as_str(), v)),
                }
            }
            let json = e.to_json();
            if model.is_empty() {
                prop_assert_eq!(json, json!({}));
            } else {
                let path = json["path"].as_object().unwrap();
                let got: Vec<(&str, Value)> = path.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
                prop_assert_eq!(got, model);
            }
        }
    }
}

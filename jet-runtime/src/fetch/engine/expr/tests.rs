//! Expression tests: every path and value operator through the public API, accessors,
//! sort specs, every `InvalidFetch` case, path hints, and property tests of the matchers
//! against naive models.

use proptest::prelude::*;
use serde_json::{json, Value};

use super::*;
use crate::fetch::engine::SortKey;

fn expr(params: Value) -> FetchExpr {
    FetchExpr::parse(&params).unwrap_or_else(|e| panic!("{params} should parse: {e}"))
}

fn path_rule(rule: Value) -> FetchExpr {
    expr(json!({ "id": "f", "path": rule }))
}

fn invalid(params: Value) -> String {
    match FetchExpr::parse(&params) {
        Ok(parsed) => panic!("{params} should be refused, got {parsed:?}"),
        Err(InvalidFetch(text)) => text,
    }
}

/// Asserts which of `paths` match `rule`, in one table.
fn check_paths(rule: Value, cases: &[(&str, bool)]) {
    let e = path_rule(rule.clone());
    for (path, expected) in cases {
        assert_eq!(e.matches_path(path), *expected, "{rule} on {path:?}");
    }
}

#[test]
fn string_path_operators() {
    check_paths(
        json!({"equals": "somepath"}),
        &[
            ("somepath", true),
            ("somePath", false),
            ("somepathsomepath", false),
            ("some*path", false),
            ("1somepath", false),
            ("somepath3", false),
        ],
    );
    check_paths(
        json!({"equalsNot": "abc"}),
        &[("abc", false), ("Abcd", true), ("", true)],
    );
    check_paths(
        json!({"startsWith": "bla/blub/"}),
        &[
            ("bla/blub/a", true),
            ("bla/blub", false),
            ("x/bla/blub/", false),
        ],
    );
    check_paths(
        json!({"startsNotWith": "a"}),
        &[("abc", false), ("Aa", true), ("ca", true)],
    );
    check_paths(
        json!({"endsWith": "/hobby"}),
        &[
            ("persons/1/hobby", true),
            ("persons/1/hobby/x", false),
            ("hobby", false),
        ],
    );
    // A correct suffix test: node-jet's lastIndexOf arithmetic says "ab" ends with "xab".
    check_paths(json!({"endsWith": "xab"}), &[("ab", false), ("xab", true)]);
    check_paths(
        json!({"endsNotWith": "c"}),
        &[("abc", false), ("ca", true), ("", true)],
    );
    check_paths(
        json!({"contains": "bc"}),
        &[("abc", true), ("Abcd", true), ("ca", false), ("b*c", false)],
    );
    check_paths(
        json!({"containsNot": "bc"}),
        &[("abc", false), ("ca", true)],
    );
    check_paths(json!({"contains": ""}), &[("", true), ("x", true)]);
}

#[test]
fn list_path_operators() {
    check_paths(
        json!({"containsAllOf": ["b", "c"]}),
        &[("1abc", true), ("1Abd", false), ("cb", true)],
    );
    check_paths(
        json!({"containsOneOf": ["d", "a"]}),
        &[("abc", true), ("Abcd", true), ("x", false)],
    );
    check_paths(
        json!({"equalsOneOf": ["abc", "Aa"]}),
        &[("abc", true), ("Aa", true), ("Aaa", false)],
    );
    check_paths(
        json!({"equalsNotOneOf": ["abc", "Aa"]}),
        &[("abc", false), ("Aa", false), ("Aaa", true)],
    );
    check_paths(json!({"equalsOneOf": []}), &[("", false), ("a", false)]);
    check_paths(json!({"containsAllOf": []}), &[("", true), ("a", true)]);
}

#[test]
fn path_operators_are_anded_and_empty_rule_matches_all() {
    // node-jet fetch-test.js "containsAllOf and startsWith".
    check_paths(
        json!({"startsWith": "1", "containsAllOf": ["b", "c"]}),
        &[
            ("1abc", true),
            ("1Abcd", true),
            ("1Abd", false),
            ("x", false),
            ("bc", false),
        ],
    );
    check_paths(
        json!({"contains": "a", "equalsNot": "abc"}),
        &[("abc", false), ("xa", true), ("x", false)],
    );
    check_paths(
        json!({"contains": "a", "containsNot": "b"}),
        &[("ab", false), ("ac", true)],
    );
    check_paths(json!({}), &[("", true), ("anything", true)]);
    let all = expr(json!({"id": 1}));
    assert!(all.matches_path("x") && all.matches_path(""));
    assert!(!all.has_value_rule());
    assert!(all.matches_value(None) && all.matches_value(Some(&json!(1))));
    assert!(all.sort().is_none());
}

#[test]
fn case_insensitive_uses_unicode_lower_case() {
    // lua-jet peer_spec "can fetch case insensitive".
    check_paths(
        json!({"equals": "persons/1/HOBBY", "caseInsensitive": true}),
        &[
            ("persons/1/hobby", true),
            ("PERSONS/1/Hobby", true),
            ("persons/1", false),
        ],
    );
    // node-jet "startsWith case insensitive".
    check_paths(
        json!({"startsWith": "a", "caseInsensitive": true}),
        &[("abc", true), ("Aa", true), ("aXXX", true), ("ca", false)],
    );
    check_paths(
        json!({"contains": "ÄRGER", "caseInsensitive": true}),
        &[("kein ärger", true), ("KEIN ÄRGER", true), ("ARGER", false)],
    );
    check_paths(
        json!({"equalsOneOf": ["STRAẞE", "ΟΔΟΣ"], "caseInsensitive": true}),
        &[
            ("straße", true),
            ("Straße", true),
            ("οδος", true),
            ("οδοσ", false),
        ],
    );
    check_paths(
        json!({"endsWith": "Ü", "caseInsensitive": true}),
        &[("mü", true), ("MÜ", true), ("mu", false)],
    );
    check_paths(
        json!({"equals": "ABC", "caseInsensitive": false}),
        &[("ABC", true), ("abc", false)],
    );
}

#[test]
fn value_rules_through_the_expression() {
    // node-jet fetch-test.js "by value".
    let e = expr(json!({"value": {"equals": 1}}));
    assert!(e.has_value_rule());
    assert!(e.matches_value(Some(&json!(1))));
    assert!(!e.matches_value(Some(&json!("1"))));
    // A method never matches a value rule.
    assert!(!e.matches_value(None));
    let e = expr(json!({"value": {"isType": "string"}}));
    assert!(e.matches_value(Some(&json!("1"))) && !e.matches_value(Some(&json!(1))));
    // node-jet "startsWith and lessThan".
    let e = expr(json!({"path": {"startsWith": "ab"}, "value": {"lessThan": 3}}));
    assert!(e.matches("abc", Some(&json!(1))));
    assert!(!e.matches("abde", Some(&json!(3))));
    assert!(!e.matches("aca", Some(&json!(1))));
    // Every value operator is recognised.
    for (op, operand, value, expected) in [
        ("equals", json!([1, {"a": 2}]), json!([1.0, {"a": 2}]), true),
        ("equalsNot", json!("x"), json!("y"), true),
        ("lessThan", json!("b"), json!("a"), true),
        ("greaterThan", json!(1.5), json!(2), true),
        ("isType", json!("array"), json!({}), false),
        ("hasOneOf", json!([3]), json!([1, 2, 3]), true),
        ("hasAllOf", json!([1, 4]), json!([1, 2, 3]), false),
    ] {
        let e = expr(json!({ "value": { op: operand } }));
        assert_eq!(
            e.matches_value(Some(&value)),
            expected,
            "{op} {operand} on {value}"
        );
    }
}

#[test]
fn value_field_rules() {
    // lua-jet daemon_spec "fetch with valueField array works".
    let e = expr(json!({"valueField": {"age": {"lessThan": 30}, "weight": {"greaterThan": 20}}}));
    assert!(e.matches_value(Some(&json!({"name": "peter", "age": 20, "weight": 70}))));
    assert!(!e.matches_value(Some(&json!({"name": "bob", "age": 40, "weight": 70}))));
    assert!(!e.matches_value(Some(&json!({"name": "tim", "age": 20, "weight": 10}))));
    assert!(!e.matches_value(Some(&json!({"name": "no weight", "age": 20}))));
    // A missing field never matches, not even equalsNot; a non-object value neither.
    let e = expr(json!({"valueField": {"age": {"equalsNot": 3}}}));
    assert!(e.matches_value(Some(&json!({"age": 4}))));
    assert!(!e.matches_value(Some(&json!({"age": 3}))));
    assert!(!e.matches_value(Some(&json!({"other": 4}))));
    assert!(!e.matches_value(Some(&json!(4))));
    assert!(!e.matches_value(None));
    // Nested and indexed accessors; a present null field is a value.
    let e = expr(json!({"valueField": {
        "friends[0].name": {"equals": "x"},
        "[2]": {"isType": "null"}
    }}));
    let v = json!({"friends": [{"name": "x"}]});
    assert!(!e.matches_value(Some(&v)), "[2] of an object is missing");
    let e = expr(
        json!({"valueField": {"friends[1].name": {"equals": "y"}, "deep.n": {"isType": "null"}}}),
    );
    assert!(e.matches_value(Some(
        &json!({"friends": [{}, {"name": "y"}], "deep": {"n": null}})
    )));
    let e = expr(json!({"valueField": {"[2]": {"greaterThan": 2}}}));
    assert!(e.matches_value(Some(&json!([0, 0, 3]))));
    assert!(!e.matches_value(Some(&json!([0, 0]))));
    // lua-jet value_matcher_spec: hasAllOf via valueField `tags`.
    let e = expr(json!({"valueField": {"tags": {"hasAllOf": ["a", "b"]}}}));
    assert!(e.matches_value(Some(&json!({"tags": ["b", "c", "a"]}))));
    assert!(!e.matches_value(Some(&json!({"tags": ["b"]}))));
}

#[test]
fn value_and_value_field_are_anded() {
    let e = expr(json!({
        "value": {"isType": "object"},
        "valueField": {"name": {"equals": "John"}, "age": {"lessThan": 40}}
    }));
    assert!(e.matches_value(Some(&json!({"name": "John", "age": 35}))));
    assert!(!e.matches_value(Some(&json!({"name": "John", "age": 40}))));
    assert!(!e.matches_value(Some(&json!({"name": "Nick", "age": 31}))));
    let e =
        expr(json!({"value": {"equalsNot": {"age": 1}}, "valueField": {"age": {"lessThan": 5}}}));
    assert!(!e.matches_value(Some(&json!({"age": 1}))));
    assert!(e.matches_value(Some(&json!({"age": 2}))));
}

#[test]
fn sort_specs_and_defaults() {
    let e = expr(json!({"sort": {}}));
    assert_eq!(e.sort(), Some(&SortSpec::default()));
    assert!(!e.has_value_rule());
    let e = expr(
        json!({"sort": {"byPath": true, "from": 2, "to": 5, "descending": true, "asArray": true}}),
    );
    assert_eq!(
        e.sort(),
        Some(&SortSpec {
            key: SortKey::Path,
            descending: true,
            from: 2,
            to: 5
        })
    );
    let e = expr(json!({"sort": {"from": 3, "to": 3}}));
    assert_eq!((e.sort().unwrap().from, e.sort().unwrap().to), (3, 3));
    let e = expr(json!({"sort": {"byValueField": {"deep.age": "number"}, "descending": false}}));
    assert_eq!(
        e.sort().unwrap().key,
        SortKey::Field(Accessor::parse("deep.age").unwrap(), ValueType::Number)
    );
    let e = expr(json!({"sort": {"byValue": "string", "byValueField": {"a": "number"}}}));
    assert_eq!(e.sort().unwrap().key, SortKey::Value(ValueType::String));
}

#[test]
fn sorting_by_value_implies_is_type() {
    // byValue overwrites a given value.isType.
    let e = expr(json!({"value": {"isType": "string"}, "sort": {"byValue": "number"}}));
    assert!(e.has_value_rule());
    assert!(e.matches_value(Some(&json!(3))));
    assert!(!e.matches_value(Some(&json!("3"))));
    assert!(!e.matches_value(None));
    // Other value operators stay.
    let e = expr(json!({"value": {"lessThan": 10}, "sort": {"byValue": "number"}}));
    assert!(e.matches_value(Some(&json!(3))) && !e.matches_value(Some(&json!(30))));
    // byPath wins the ordering but byValue still filters.
    let e = expr(json!({"sort": {"byPath": true, "byValue": "number"}}));
    assert_eq!(e.sort().unwrap().key, SortKey::Path);
    assert!(!e.matches_value(Some(&json!("x"))));
    // byValueField implies valueField[acc].isType, merged with a given rule for it.
    let e = expr(json!({
        "valueField": {"age": {"isType": "string", "greaterThan": 1}},
        "sort": {"byValueField": {"age": "number"}}
    }));
    assert!(e.matches_value(Some(&json!({"age": 2}))));
    assert!(!e.matches_value(Some(&json!({"age": 1}))));
    assert!(!e.matches_value(Some(&json!({"age": "2"}))));
    assert!(!e.matches_value(Some(&json!({"name": 2}))));
    let e = expr(json!({"sort": {"byValueField": {"a.b": "boolean"}}}));
    assert!(e.matches_value(Some(&json!({"a": {"b": false}}))));
    assert!(!e.matches_value(Some(&json!({"a": {"b": 0}}))));
}

#[test]
fn every_invalid_fetch_case_is_refused_with_a_reason() {
    let cases: Vec<(Value, &str)> = vec![
        (json!([1]), "fetch params must be an object"),
        (
            json!({"match": ["x"]}),
            "`match` is not supported, use `path`",
        ),
        (json!({"path": "abc"}), "path must be an object"),
        (
            json!({"path": {"unequalsAllOf": ["a"], "contains": "B"}}),
            "unknown path operator `unequalsAllOf`",
        ),
        (
            json!({"path": {"startsWith": 1}}),
            "path.startsWith must be a string",
        ),
        (
            json!({"path": {"equals": null}}),
            "path.equals must be a string",
        ),
        (
            json!({"path": {"equalsOneOf": "a"}}),
            "path.equalsOneOf must be an array of strings",
        ),
        (
            json!({"path": {"containsAllOf": ["a", 1]}}),
            "path.containsAllOf must be an array of strings",
        ),
        (
            json!({"path": {"caseInsensitive": "yes"}}),
            "path.caseInsensitive must be a boolean",
        ),
        (json!({"value": 3}), "value must be an object"),
        (
            json!({"value": {"matches": "x"}}),
            "unknown value operator `matches`",
        ),
        (
            json!({"value": {"lessThan": [1]}}),
            "value.lessThan must be a number or a string",
        ),
        (
            json!({"value": {"isType": "undefined"}}),
            "unknown type `undefined` in value.isType",
        ),
        (json!({"valueField": [1]}), "valueField must be an object"),
        (
            json!({"valueField": {"a..b": {"equals": 1}}}),
            "malformed field accessor `a..b`",
        ),
        (
            json!({"valueField": {"a[x]": {"equals": 1}}}),
            "malformed field accessor `a[x]`",
        ),
        (
            json!({"valueField": {"a[": {"equals": 1}}}),
            "malformed field accessor `a[`",
        ),
        (
            json!({"valueField": {"": {"equals": 1}}}),
            "field accessor must not be empty",
        ),
        (
            json!({"valueField": {"age": 3}}),
            "valueField[\"age\"] must be an object",
        ),
        (
            json!({"valueField": {"age": {"hasOneOf": 1}}}),
            "valueField[\"age\"].hasOneOf must be an array",
        ),
        (json!({"sort": true}), "sort must be an object"),
        (
            json!({"sort": {"byPath": 1}}),
            "sort.byPath must be a boolean",
        ),
        (
            json!({"sort": {"descending": "yes"}}),
            "sort.descending must be a boolean",
        ),
        (
            json!({"sort": {"from": 0}}),
            "sort.from must be an integer >= 1",
        ),
        (
            json!({"sort": {"from": "1"}}),
            "sort.from must be an integer >= 1",
        ),
        (
            json!({"sort": {"to": 1.5}}),
            "sort.to must be an integer >= 1",
        ),
        (
            json!({"sort": {"to": -1}}),
            "sort.to must be an integer >= 1",
        ),
        (
            json!({"sort": {"from": 5, "to": 4}}),
            "sort.to (4) must be >= sort.from (5)",
        ),
        (
            json!({"sort": {"from": 11}}),
            "sort.to (10, the default) must be >= sort.from (11)",
        ),
        (
            json!({"sort": {"byValue": 1}}),
            "sort.byValue must be a type name string",
        ),
        (
            json!({"sort": {"byValue": "date"}}),
            "unknown type `date` in sort.byValue",
        ),
        (
            json!({"sort": {"byValueField": "age"}}),
            "sort.byValueField must be an object",
        ),
        (json!({"sort": {"byValueField": {}}}), "exactly one"),
        (
            json!({"sort": {"byValueField": {"a": "number", "b": "number"}}}),
            "exactly one",
        ),
        (
            json!({"sort": {"byValueField": {"a]": "number"}}}),
            "malformed field accessor `a]`",
        ),
        (
            json!({"sort": {"byValueField": {"age": 1}}}),
            "sort.byValueField[\"age\"] must be a type name string",
        ),
        (
            json!({"sort": {"byValueField": {"age": "int"}}}),
            "unknown type `int` in sort.byValueField[\"age\"]",
        ),
    ];
    for (params, needle) in cases {
        let text = invalid(params.clone());
        assert!(
            text.contains(needle),
            "{params}: {text:?} should contain {needle:?}"
        );
    }
}

#[test]
fn invalid_fetch_error_object_and_display() {
    let err = FetchExpr::parse(&json!({"path": {"startsWith": 1}})).unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid fetch expression: path.startsWith must be a string"
    );
    let object = serde_json::to_value(err.to_error_object()).unwrap();
    assert_eq!(
        object,
        json!({"message": "Invalid params", "code": -32602,
               "data": {"invalidFetch": "path.startsWith must be a string"}})
    );
}

#[test]
fn tolerates_unknown_top_level_members_and_nulls() {
    let e = expr(json!({"id": "x", "asArray": true, "path": null, "value": null, "sort": null}));
    assert!(e.matches_path("anything") && !e.has_value_rule() && e.sort().is_none());
}

#[test]
fn path_hints() {
    let hint = |rule: Value| expr(json!({ "path": rule })).path_hint();
    assert_eq!(
        hint(json!({"equals": "a"})),
        PathHint::Equals(vec!["a".into()])
    );
    assert_eq!(
        hint(json!({"equalsOneOf": ["a", "b"]})),
        PathHint::Equals(vec!["a".into(), "b".into()])
    );
    assert_eq!(
        hint(json!({"equalsOneOf": ["a", "b"], "equals": "b"})),
        PathHint::Equals(vec!["b".into()])
    );
    assert_eq!(
        hint(json!({"startsWith": "a/"})),
        PathHint::Prefix("a/".into())
    );
    assert_eq!(
        hint(json!({"startsWith": "a/", "equals": "a/b"})),
        PathHint::Equals(vec!["a/b".into()])
    );
    assert_eq!(
        hint(json!({"startsWith": "a/", "contains": "x"})),
        PathHint::Prefix("a/".into())
    );
    assert_eq!(hint(json!({"contains": "a"})), PathHint::Any);
    assert_eq!(
        hint(json!({"equals": "A", "caseInsensitive": true})),
        PathHint::Any
    );
    assert_eq!(hint(json!({})), PathHint::Any);
    assert_eq!(expr(json!({})).path_hint(), PathHint::Any);
}

// ---------------------------------------------------------------------------------------
// Property tests: the matchers against naive models.

/// A small alphabet so that matches are frequent, with letters whose lower case is
/// another code point (Ä, Σ, ẞ) or longer (İ lower-cases to two code points).
fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop::sample::select(vec![
            'a', 'b', 'A', 'B', '/', 'ä', 'Ä', 'ß', 'ẞ', 'σ', 'Σ', 'İ', 'i',
        ]),
        0..6,
    )
    .prop_map(|chars| chars.into_iter().collect())
}

fn chars(s: &str) -> Vec<char> {
    s.chars().collect()
}

fn naive_starts(p: &[char], x: &[char]) -> bool {
    p.len() >= x.len() && (0..x.len()).all(|i| p[i] == x[i])
}

fn naive_ends(p: &[char], x: &[char]) -> bool {
    p.len() >= x.len() && (0..x.len()).all(|i| p[p.len() - x.len() + i] == x[i])
}

fn naive_contains(p: &[char], x: &[char]) -> bool {
    (0..=p.len()).any(|at| naive_starts(&p[at..], x))
}

fn model_path_op(op: &str, path: &str, operands: &[String], ci: bool) -> bool {
    let fold = |s: &str| if ci { s.to_lowercase() } else { s.to_owned() };
    let p = chars(&fold(path));
    let xs: Vec<Vec<char>> = operands.iter().map(|o| chars(&fold(o))).collect();
    let x = &xs[0];
    match op {
        "equals" => p == *x,
        "equalsNot" => p != *x,
        "startsWith" => naive_starts(&p, x),
        "startsNotWith" => !naive_starts(&p, x),
        "endsWith" => naive_ends(&p, x),
        "endsNotWith" => !naive_ends(&p, x),
        "contains" => naive_contains(&p, x),
        "containsNot" => !naive_contains(&p, x),
        "containsAllOf" => xs.iter().all(|x| naive_contains(&p, x)),
        "containsOneOf" => xs.iter().any(|x| naive_contains(&p, x)),
        "equalsOneOf" => xs.contains(&p),
        "equalsNotOneOf" => xs.iter().all(|x| p != *x),
        other => unreachable!("{other}"),
    }
}

const STRING_OPS: [&str; 8] = [
    "equals",
    "equalsNot",
    "startsWith",
    "startsNotWith",
    "endsWith",
    "endsNotWith",
    "contains",
    "containsNot",
];
const LIST_OPS: [&str; 4] = [
    "containsAllOf",
    "containsOneOf",
    "equalsOneOf",
    "equalsNotOneOf",
];

fn path_op() -> impl Strategy<Value = (&'static str, Vec<String>)> {
    prop_oneof![
        (prop::sample::select(STRING_OPS.to_vec()), text()).prop_map(|(op, x)| (op, vec![x])),
        (
            prop::sample::select(LIST_OPS.to_vec()),
            prop::collection::vec(text(), 1..4)
        )
            .prop_map(|(op, xs)| (op, xs)),
    ]
}

/// Naive JSON equality: numbers as f64, objects as sorted member lists.
fn model_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && (0..x.len()).all(|i| model_eq(&x[i], &y[i]))
        }
        (Value::Object(x), Value::Object(y)) => {
            let mut xs: Vec<_> = x.iter().collect();
            let mut ys: Vec<_> = y.iter().collect();
            xs.sort_by(|a, b| a.0.cmp(b.0));
            ys.sort_by(|a, b| a.0.cmp(b.0));
            xs.len() == ys.len()
                && xs
                    .iter()
                    .zip(&ys)
                    .all(|(a, b)| a.0 == b.0 && model_eq(a.1, b.1))
        }
        (Value::String(x), Value::String(y)) => x == y,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Null, Value::Null) => true,
        _ => false,
    }
}

/// Naive ordering: numbers as f64, strings as code point sequences; else unordered.
fn model_less(a: &Value, b: &Value) -> Option<bool> {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => Some(x.as_f64()? < y.as_f64()?),
        (Value::String(x), Value::String(y)) => Some(chars(x) < chars(y)),
        _ => None,
    }
}

fn model_value_op(op: &str, value: &Value, operand: &Value) -> bool {
    match op {
        "equals" => model_eq(value, operand),
        "equalsNot" => !model_eq(value, operand),
        "lessThan" => model_less(value, operand) == Some(true),
        "greaterThan" => model_less(operand, value) == Some(true),
        "hasOneOf" | "hasAllOf" => {
            let (Some(items), Some(wanted)) = (value.as_array(), operand.as_array()) else {
                return false;
            };
            let has = |w: &Value| items.iter().any(|i| model_eq(i, w));
            if op == "hasOneOf" {
                wanted.iter().any(has)
            } else {
                wanted.iter().all(has)
            }
        }
        other => unreachable!("{other}"),
    }
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-3i64..4).prop_map(Value::from),
        prop::sample::select(vec![-1.0f64, 0.0, 1.0, 1.5, 2.0]).prop_map(Value::from),
        prop::sample::select(vec!["", "a", "b", "ab", "ä", "\u{10000}", "\u{ffff}"])
            .prop_map(Value::from),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(2, 12, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(vec!["a", "b"]), inner), 0..3).prop_map(
                |members| Value::Object(
                    members
                        .into_iter()
                        .map(|(k, v)| (k.to_owned(), v))
                        .collect()
                )
            ),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn path_operators_match_the_naive_model(
        (op, operands) in path_op(),
        (op2, operands2) in path_op(),
        two in any::<bool>(),
        ci in any::<bool>(),
        path in text(),
    ) {
        let operand = |op: &str, xs: &[String]| {
            if STRING_OPS.contains(&op) { json!(xs[0]) } else { json!(xs) }
        };
        let mut rule = serde_json::Map::new();
        rule.insert(op.to_owned(), operand(op, &operands));
        let mut want = model_path_op(op, &path, &operands, ci);
        if two && op2 != op {
            rule.insert(op2.to_owned(), operand(op2, &operands2));
            want &= model_path_op(op2, &path, &operands2, ci);
        }
        rule.insert("caseInsensitive".to_owned(), json!(ci));
        let e = FetchExpr::parse(&json!({ "path": rule })).unwrap();
        prop_assert_eq!(e.matches_path(&path), want);
        // The hint never excludes a matching path.
        if want {
            match e.path_hint() {
                PathHint::Equals(xs) => prop_assert!(xs.contains(&path)),
                PathHint::Prefix(x) => prop_assert!(path.starts_with(&x)),
                PathHint::Any => {}
            }
        }
    }

    #[test]
    fn value_operators_match_the_naive_model(
        op in prop::sample::select(vec![
            "equals", "equalsNot", "lessThan", "greaterThan", "hasOneOf", "hasAllOf",
        ]),
        operand in json_value(),
        value in json_value(),
        field in any::<bool>(),
    ) {
        let params = if field {
            json!({"valueField": {"x[0]": { op: operand.clone() }}})
        } else {
            json!({"value": { op: operand.clone() }})
        };
        let parsed = FetchExpr::parse(&params);
        let operand_ok = match op {
            "lessThan" | "greaterThan" => operand.is_number() || operand.is_string(),
            "hasOneOf" | "hasAllOf" => operand.is_array(),
            _ => true,
        };
        prop_assert_eq!(parsed.is_ok(), operand_ok);
        if let Ok(e) = parsed {
            let wrapped = json!({"x": [value.clone()]});
            let subject = if field { &wrapped } else { &value };
            prop_assert_eq!(
                e.matches_value(Some(subject)),
                model_value_op(op, &value, &operand)
            );
        }
    }

    #[test]
    fn is_type_matches_the_naive_model(
        ty in prop::sample::select(vec!["number", "string", "boolean", "object", "array", "null"]),
        value in json_value(),
    ) {
        let e = expr(json!({"value": {"isType": ty}}));
        let want = match ty {
            "number" => value.is_number(),
            "string" => value.is_string(),
            "boolean" => value.is_boolean(),
            "object" => value.is_object() || value.is_array(),
            "array" => value.is_array(),
            _ => value.is_null(),
        };
        prop_assert_eq!(e.matches_value(Some(&value)), want);
    }
}

//! From command-line words to Jet data: JSON values (with bare words as strings) and fetch
//! expressions (rule flags, sort keys, windows).

use jet_runtime::fetch::builder::{Fetch, PathOp, ValueOp, ValueType};
use serde_json::value::RawValue;
use serde_json::Value;

use crate::args::{FetchArgs, RuleArgs};
use crate::error::CliError;

/// Parse a VALUE: JSON, or a bare word taken as a string (`hello` -> `"hello"`). Text that
/// starts like JSON (`{`, `[`, `"`, or a number: `01`, `1e`, `.5`, `+1`) but does not parse
/// is a mistake, not a string: taking `{"a":1` or `01` as a string would hide it. Numbers
/// keep their digits (serde_json's `arbitrary_precision`, enabled for this crate), but the
/// parser writes an exponent as `e+3`/`e-3`: where the exact text matters (`set`, `call`,
/// the initial value of `add`), send [`raw_value`] instead.
pub(crate) fn parse_value(text: &str) -> Result<Value, CliError> {
    match serde_json::from_str(text) {
        Ok(v) => Ok(v),
        Err(e) => {
            let t = text.trim_start();
            if t.starts_with(['{', '[', '"']) {
                Err(CliError::Usage(format!("`{text}` is not valid JSON: {e}")))
            } else if looks_like_a_number(t) {
                Err(CliError::Usage(format!(
                    "`{text}` is not a valid JSON number: {e} (to send it as a string, quote \
                     it: '\"{text}\"')"
                )))
            } else {
                Ok(Value::String(text.to_owned()))
            }
        }
    }
}

/// Whether a word starts like a number: an optional sign, an optional `.`, then a digit.
fn looks_like_a_number(word: &str) -> bool {
    let rest = word.strip_prefix(['-', '+']).unwrap_or(word);
    let rest = rest.strip_prefix('.').unwrap_or(rest);
    rest.starts_with(|c: char| c.is_ascii_digit())
}

/// A VALUE as [`parse_value`] reads it, as JSON text to send exactly as written (the
/// number `1e3` is sent as `1e3`, a bare word as a quoted string).
pub(crate) fn raw_value(text: &str) -> Result<Box<RawValue>, CliError> {
    Ok(raw_of(text, &parse_value(text)?))
}

/// The text to send for a word that parsed as `value`.
fn raw_of(text: &str, value: &Value) -> Box<RawValue> {
    // Valid JSON text is kept as it is (without surrounding blanks); a bare word became a
    // string, which is written out.
    RawValue::from_string(text.trim().to_owned()).unwrap_or_else(|_| {
        serde_json::value::to_raw_value(value).expect("a JSON value always encodes")
    })
}

/// The `args` of a `call`: one array or object as it is, nothing as `[]`, anything else as
/// positional arguments; as JSON text that keeps each argument as written.
pub(crate) fn raw_call_args(words: &[String]) -> Result<Box<RawValue>, CliError> {
    let values = words
        .iter()
        .map(|w| Ok((w, parse_value(w)?)))
        .collect::<Result<Vec<_>, CliError>>()?;
    if let [(word, v @ (Value::Array(_) | Value::Object(_)))] = values.as_slice() {
        return Ok(raw_of(word, v));
    }
    let items: Vec<String> = values
        .iter()
        .map(|(w, v)| raw_of(w, v).get().to_owned())
        .collect();
    Ok(RawValue::from_string(format!("[{}]", items.join(",")))
        .expect("an array of JSON texts is JSON"))
}

/// The fetch expression of the rule flags (without sorting).
pub(crate) fn expression(rule: &RuleArgs) -> Result<Fetch, CliError> {
    let mut f = Fetch::all();
    let text_rules = [
        (PathOp::Equals, &rule.equals),
        (PathOp::EqualsNot, &rule.equals_not),
        (PathOp::StartsWith, &rule.starts_with),
        (PathOp::StartsNotWith, &rule.starts_not_with),
        (PathOp::EndsWith, &rule.ends_with),
        (PathOp::EndsNotWith, &rule.ends_not_with),
        (PathOp::Contains, &rule.contains),
        (PathOp::ContainsNot, &rule.contains_not),
    ];
    if rule.contains.is_some() && rule.contains_positional.is_some() {
        return Err(CliError::Usage(
            "give either a positional RULE or --contains, not both".into(),
        ));
    }
    if let Some(text) = &rule.contains_positional {
        f = f.path_contains(text.clone());
    }
    for (op, operand) in text_rules {
        if let Some(text) = operand {
            f = f.path(op, Value::String(text.clone()));
        }
    }
    let list_rules = [
        (PathOp::ContainsAllOf, &rule.contains_all_of),
        (PathOp::ContainsOneOf, &rule.contains_one_of),
        (PathOp::EqualsOneOf, &rule.equals_one_of),
        (PathOp::EqualsNotOneOf, &rule.equals_not_one_of),
    ];
    for (op, list) in list_rules {
        if !list.is_empty() {
            f = f.path(op, list.iter().cloned().map(Value::String).collect());
        }
    }
    if rule.case_insensitive {
        f = f.case_insensitive();
    }
    let value_rules = [
        (ValueOp::Equals, &rule.value_equals),
        (ValueOp::EqualsNot, &rule.value_equals_not),
        (ValueOp::LessThan, &rule.value_less_than),
        (ValueOp::GreaterThan, &rule.value_greater_than),
    ];
    for (op, operand) in value_rules {
        if let Some(text) = operand {
            f = f.value(op, parse_value(text)?);
        }
    }
    if let Some(ty) = &rule.value_is_type {
        f = f.value_is_type(value_type(ty)?);
    }
    for spec in &rule.field {
        let (name, op, operand) = field_rule(spec)?;
        f = f.field(name, op, operand);
    }
    Ok(f)
}

/// The expression of `jet fetch`: the rule plus sorting and window, if asked for.
pub(crate) fn fetch_expression(args: &FetchArgs) -> Result<Fetch, CliError> {
    let mut f = expression(&args.rule)?;
    if let Some(key) = &args.sort {
        f = sort_key(f, key)?;
    }
    if args.from.is_some() || args.to.is_some() {
        let from = args.from.unwrap_or(1);
        let to = args.to.unwrap_or(from.saturating_add(9));
        if from == 0 || to < from {
            return Err(CliError::Usage(format!(
                "the window --from {from} --to {to} is empty; positions start at 1 and --to \
                 must not be less than --from"
            )));
        }
        f = f.range(from, to);
    }
    if args.descending {
        f = f.descending();
    }
    Ok(f)
}

/// `path`, `value[:TYPE]`, `field:NAME[:TYPE]`.
fn sort_key(f: Fetch, key: &str) -> Result<Fetch, CliError> {
    let (kind, rest) = key.split_once(':').unwrap_or((key, ""));
    match kind {
        "path" if rest.is_empty() => Ok(f.sort_by_path()),
        "value" => Ok(f.sort_by_value(if rest.is_empty() {
            ValueType::Number
        } else {
            value_type(rest)?
        })),
        "field" if !rest.is_empty() => {
            // A known type name after the last `:` is the type; otherwise all is the name.
            let (name, ty) = match rest.rsplit_once(':') {
                Some((name, ty)) if ValueType::parse(ty).is_some() => {
                    (name, ValueType::parse(ty).unwrap_or(ValueType::Number))
                }
                _ => (rest, ValueType::Number),
            };
            Ok(f.sort_by_field(name, ty))
        }
        _ => Err(CliError::Usage(format!(
            "unknown sort key `{key}`: expected `path`, `value[:TYPE]` or `field:NAME[:TYPE]`"
        ))),
    }
}

fn value_type(name: &str) -> Result<ValueType, CliError> {
    ValueType::parse(name).ok_or_else(|| {
        CliError::Usage(format!(
            "unknown type `{name}`: expected one of {}",
            ValueType::ALL.map(ValueType::as_str).join(", ")
        ))
    })
}

/// `NAME=OP:VALUE`, OP in camelCase (the wire name) or kebab-case.
fn field_rule(spec: &str) -> Result<(String, ValueOp, Value), CliError> {
    let bad = |why: &str| {
        CliError::Usage(format!(
            "--field `{spec}`: {why}; expected NAME=OP:VALUE, e.g. temperature=greaterThan:50"
        ))
    };
    let (name, rest) = spec.split_once('=').ok_or_else(|| bad("no `=`"))?;
    let (op, operand) = rest.split_once(':').ok_or_else(|| bad("no `:` after OP"))?;
    if name.is_empty() {
        return Err(bad("the field NAME is empty"));
    }
    let op = ValueOp::parse(&kebab_to_camel(op)).ok_or_else(|| {
        bad(&format!(
            "unknown operator `{op}` (one of {})",
            ValueOp::ALL.map(ValueOp::as_str).join(", ")
        ))
    })?;
    let operand = if op == ValueOp::IsType {
        Value::String(value_type(operand)?.as_str().into())
    } else {
        parse_value(operand)?
    };
    Ok((name.to_owned(), op, operand))
}

fn kebab_to_camel(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut upper = false;
    for c in s.chars() {
        if c == '-' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn values_are_json_or_bare_words() {
        assert_eq!(parse_value("72").unwrap(), json!(72));
        assert_eq!(parse_value("-1.5").unwrap(), json!(-1.5));
        assert_eq!(parse_value("true").unwrap(), json!(true));
        assert_eq!(parse_value("null").unwrap(), json!(null));
        assert_eq!(parse_value(r#"{"a":[1]}"#).unwrap(), json!({"a":[1]}));
        assert_eq!(parse_value(r#""quoted""#).unwrap(), json!("quoted"));
        assert_eq!(parse_value("hello").unwrap(), json!("hello"));
        assert_eq!(parse_value("two words").unwrap(), json!("two words"));
        assert_eq!(parse_value("").unwrap(), json!(""));
    }

    #[test]
    fn raw_values_are_sent_as_written() {
        let w = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(raw_value("1e3").unwrap().get(), "1e3");
        assert_eq!(raw_value(" 1.50 ").unwrap().get(), "1.50");
        assert_eq!(raw_value("hello").unwrap().get(), r#""hello""#);
        assert_eq!(raw_value(r#"say "hi""#).unwrap().get(), r#""say \"hi\"""#);
        assert_eq!(raw_value(r#"{"a": 1E2}"#).unwrap().get(), r#"{"a": 1E2}"#);
        assert!(raw_value("01").is_err());
        assert_eq!(raw_call_args(&[]).unwrap().get(), "[]");
        assert_eq!(
            raw_call_args(&w(&["1e3", "x", "2.50"])).unwrap().get(),
            r#"[1e3,"x",2.50]"#
        );
        assert_eq!(raw_call_args(&w(&["[1e3, 2]"])).unwrap().get(), "[1e3, 2]");
        assert_eq!(
            raw_call_args(&w(&[r#"{"n":1e3}"#])).unwrap().get(),
            r#"{"n":1e3}"#
        );
        assert_eq!(raw_call_args(&w(&["\"s\""])).unwrap().get(), r#"["s"]"#);
    }

    #[test]
    fn numbers_keep_their_text() {
        // serde_json's `arbitrary_precision` keeps the digits; it writes exponents as
        // `e+N`/`e-N` (so `raw_value` is what `set` and `call` send).
        for text in [
            "1e+3",
            "1e-7",
            "1.50",
            "-0",
            "19.0895346879861560",
            "123456789012345678901234",
        ] {
            assert_eq!(parse_value(text).unwrap().to_string(), text);
        }
    }

    #[test]
    fn broken_json_is_an_error_not_a_string() {
        for text in [
            r#"{"a":1"#,
            "[1,",
            r#""open"#,
            "01",
            "1e",
            ".5",
            "+1",
            "-01",
            "1st",
        ] {
            assert!(
                matches!(parse_value(text), Err(CliError::Usage(_))),
                "{text}"
            );
        }
    }

    #[test]
    fn call_arguments() {
        let w = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let call_args = |words: &[String]| {
            raw_call_args(words).map(|raw| serde_json::from_str::<Value>(raw.get()).unwrap())
        };
        assert_eq!(call_args(&[]).unwrap(), json!([]));
        assert_eq!(call_args(&w(&["[1,2]"])).unwrap(), json!([1, 2]));
        assert_eq!(call_args(&w(&[r#"{"x":1}"#])).unwrap(), json!({"x":1}));
        assert_eq!(call_args(&w(&["21"])).unwrap(), json!([21]));
        assert_eq!(
            call_args(&w(&["1", "b", "[3]"])).unwrap(),
            json!([1, "b", [3]])
        );
    }

    #[test]
    fn rule_flags_become_the_expression() {
        let rule = RuleArgs {
            contains_positional: Some("boiler".into()),
            starts_with: Some("plant/".into()),
            equals_one_of: vec!["a".into(), "b".into()],
            case_insensitive: true,
            value_greater_than: Some("50".into()),
            field: vec![
                "temp=less-than:90".into(),
                "kind=isType:string".into(),
                "name=equals:Bob".into(),
            ],
            ..RuleArgs::default()
        };
        assert_eq!(
            expression(&rule).unwrap().to_json(),
            json!({
                "path": {"contains":"boiler","startsWith":"plant/","equalsOneOf":["a","b"],"caseInsensitive":true},
                "value": {"greaterThan": 50},
                "valueField": {"temp":{"lessThan":90},"kind":{"isType":"string"},"name":{"equals":"Bob"}}
            })
        );
        assert_eq!(
            expression(&RuleArgs::default()).unwrap().to_json(),
            json!({})
        );
    }

    #[test]
    fn positional_and_contains_conflict() {
        let rule = RuleArgs {
            contains_positional: Some("a".into()),
            contains: Some("b".into()),
            ..RuleArgs::default()
        };
        assert!(matches!(expression(&rule), Err(CliError::Usage(_))));
    }

    #[test]
    fn bad_field_rules_say_what_is_expected() {
        for spec in [
            "noequals",
            "a=noColon",
            "=equals:1",
            "a=bogus:1",
            "a=isType:thing",
        ] {
            let rule = RuleArgs {
                field: vec![spec.into()],
                ..RuleArgs::default()
            };
            match expression(&rule) {
                Err(CliError::Usage(msg)) => assert!(msg.contains(spec.split('=').next().unwrap())),
                other => panic!("{spec}: unexpected {other:?}"),
            }
        }
    }

    fn fetch_args(sort: Option<&str>, from: Option<u32>, to: Option<u32>, desc: bool) -> FetchArgs {
        FetchArgs {
            rule: RuleArgs::default(),
            sort: sort.map(str::to_owned),
            from,
            to,
            descending: desc,
            nodes: false,
        }
    }

    #[test]
    fn sort_keys_and_windows() {
        let j = |a: FetchArgs| fetch_expression(&a).unwrap().to_json();
        assert_eq!(j(fetch_args(None, None, None, false)), json!({}));
        assert_eq!(
            j(fetch_args(Some("path"), None, None, false)),
            json!({"sort":{"byPath":true}})
        );
        assert_eq!(
            j(fetch_args(Some("value"), Some(2), Some(4), true)),
            json!({"sort":{"byValue":"number","descending":true,"from":2,"to":4}})
        );
        assert_eq!(
            j(fetch_args(Some("value:string"), None, Some(3), false)),
            json!({"sort":{"byValue":"string","from":1,"to":3}})
        );
        assert_eq!(
            j(fetch_args(Some("field:person.age"), None, None, false)),
            json!({"sort":{"byValueField":{"person.age":"number"}}})
        );
        assert_eq!(
            j(fetch_args(Some("field:name:string"), Some(5), None, false)),
            json!({"sort":{"byValueField":{"name":"string"},"from":5,"to":14}})
        );
        assert_eq!(
            j(fetch_args(None, None, None, true)),
            json!({"sort":{"byPath":true,"descending":true}})
        );
        for bad in [
            fetch_args(Some("size"), None, None, false),
            fetch_args(Some("field"), None, None, false),
            fetch_args(Some("value:float"), None, None, false),
            fetch_args(None, Some(0), Some(3), false),
            fetch_args(None, Some(5), Some(3), false),
        ] {
            assert!(matches!(fetch_expression(&bad), Err(CliError::Usage(_))));
        }
    }

    proptest! {
        /// Any JSON value written out compactly reads back as itself.
        #[test]
        fn json_text_round_trips(v in json_value()) {
            prop_assert_eq!(parse_value(&v.to_string()).unwrap(), v);
        }

        /// A word that is not JSON comes back as that string.
        #[test]
        fn bare_words_are_strings(word in "[a-zA-Z_/][a-zA-Z0-9_/ .-]{0,12}") {
            prop_assume!(serde_json::from_str::<Value>(&word).is_err());
            prop_assert_eq!(parse_value(&word).unwrap(), Value::String(word.clone()));
        }
    }

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            "[ -~]{0,8}".prop_map(Value::String),
        ];
        leaf.prop_recursive(3, 16, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                proptest::collection::btree_map("[a-z]{1,4}", inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }
}

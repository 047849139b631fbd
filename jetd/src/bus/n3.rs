//! What jetd reads of node-jet 3's dialect (PROTOCOL.md A.10, Part C): how a connection is
//! recognised as node-jet 3, and its fetch expressions in Part A's vocabulary. What jetd
//! writes to such a connection is `wire`'s business.

use serde_json::{Map, Value};

use super::message::Envelope;

/// Whether the first request of a connection is node-jet 3's: every node-jet 3 peer opens
/// with `{"id":"1","method":"info","params":{}}` (its `connect`).
/// No classic peer (node-jet 2, lua-jet, cjet, the Rust peer: numeric ids; none sends
/// `params` with `info`) looks like that, so a wrong guess cannot hit one; an explicit
/// listener choice wins anyway.
pub(in crate::bus) fn looks_like_n3(env: &Envelope<'_>, method: Option<&str>) -> bool {
    let string_id = env.id.is_some_and(|id| id.get().starts_with('"'));
    match method {
        Some("info") => string_id && env.params.is_some_and(|p| p.get().trim() == "{}"),
        _ => false,
    }
}

/// A node-jet 3 fetch expression in Part A's vocabulary: `value:{"":{operator,value}}`
/// becomes `value:{<operator>:<value>}`, `value:{"age":{operator,value}}` becomes
/// `valueField:{"age":{..}}`, `sort:{by:"path"|"value"|"value.<field>",..}` becomes
/// `byPath`/`byValue`/`byValueField` (node-jet 3 names no type to sort by: numbers, the
/// type its examples sort). Anything else is left for the parser to judge.
pub(in crate::bus) fn fetch_params(params: Value) -> Value {
    let Value::Object(mut m) = params else {
        return params;
    };
    if let Some(Value::Object(rules)) = m.get("value") {
        if rules.values().all(is_n3_rule) && !rules.is_empty() {
            let Some(Value::Object(rules)) = m.remove("value") else {
                unreachable!("matched above")
            };
            let mut fields = Map::new();
            for (field, rule) in rules {
                let Value::Object(mut rule) = rule else {
                    continue;
                };
                let op = rule
                    .remove("operator")
                    .and_then(|o| o.as_str().map(str::to_owned));
                let operand = rule.remove("value").unwrap_or(Value::Null);
                let mut classic = Map::new();
                classic.insert(op.unwrap_or_default(), operand);
                if field.is_empty() {
                    m.insert("value".into(), Value::Object(classic));
                } else {
                    fields.insert(field, Value::Object(classic));
                }
            }
            if !fields.is_empty() {
                m.insert("valueField".into(), Value::Object(fields));
            }
        }
    }
    if let Some(Value::Object(sort)) = m.get_mut("sort") {
        if let Some(by) = sort.remove("by") {
            sort.remove("asArray");
            match by.as_str() {
                Some("path") => {
                    sort.insert("byPath".into(), Value::Bool(true));
                }
                Some("value") => {
                    sort.insert("byValue".into(), Value::from("number"));
                }
                Some(field) if field.starts_with("value.") => {
                    let mut f = Map::new();
                    f.insert(field["value.".len()..].to_owned(), Value::from("number"));
                    sort.insert("byValueField".into(), Value::Object(f));
                }
                _ => {
                    sort.insert("by".into(), by);
                }
            }
        } else {
            sort.remove("asArray");
        }
    }
    Value::Object(m)
}

fn is_n3_rule(rule: &Value) -> bool {
    rule.as_object().is_some_and(|r| {
        r.contains_key("operator") && r.keys().all(|k| k == "operator" || k == "value")
    })
}

#[cfg(test)]
mod tests {
    use super::fetch_params;
    use jet_runtime::fetch::engine::FetchExpr;
    use serde_json::json;

    #[test]
    fn value_rules_and_sort_become_part_a() {
        let got = fetch_params(json!({
            "id": "f_1", "path": {"startsWith": "demo/"},
            "value": {"": {"operator": "lessThan", "value": 9}, "age": {"operator": "greaterThan", "value": 25}},
            "sort": {"by": "value.age", "descending": true, "from": 1, "to": 2, "asArray": false}
        }));
        assert_eq!(
            got,
            json!({
                "id": "f_1", "path": {"startsWith": "demo/"},
                "value": {"lessThan": 9},
                "valueField": {"age": {"greaterThan": 25}},
                "sort": {"byValueField": {"age": "number"}, "descending": true, "from": 1, "to": 2}
            })
        );
        assert!(FetchExpr::parse(&got).is_ok());
        let age = FetchExpr::parse(&fetch_params(json!({
            "id": "a", "value": {"age": {"operator": "greaterThan", "value": 25}}
        })))
        .unwrap();
        assert!(age.matches_value(Some(&json!({"age": 30}))));
        assert!(!age.matches_value(Some(&json!({"age": 20}))));
        assert_eq!(
            fetch_params(json!({"id": "x", "sort": {"by": "path"}})),
            json!({"id": "x", "sort": {"byPath": true}})
        );
        // Classic rules pass through untouched.
        let classic = json!({"id": "x", "value": {"equals": 1}});
        assert_eq!(fetch_params(classic.clone()), classic);
    }

    #[test]
    fn an_unknown_n3_operator_is_refused_by_the_parser() {
        let got =
            fetch_params(json!({"id": "x", "value": {"": {"operator": "bogus", "value": 1}}}));
        assert!(FetchExpr::parse(&got).is_err());
    }
}

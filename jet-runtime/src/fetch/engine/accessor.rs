//! Field accessors for `valueField` rules and `sort.byValueField` (PROTOCOL.md A.6, B §6.3).
//!
//! lua-jet and node-jet turn the accessor string into code and evaluate it. We never do:
//! the string is parsed once, at fetch time, into a list of plain steps (member names and
//! 0-based array indices), and applying it only walks the JSON tree.

use std::fmt;

use serde_json::Value;

/// One step of an accessor: an object member or an array index.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Step {
    /// `name` or `.name`: a member of an object.
    Member(String),
    /// `[n]`: element `n` (0-based, as in node-jet) of an array.
    Index(usize),
}

/// A parsed field accessor such as `person.age`, `friends[0].name` or `[2]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Accessor {
    steps: Vec<Step>,
    text: String,
}

impl Accessor {
    /// Parses an accessor. Grammar: a first step that is a name or `[digits]`, followed by
    /// any number of `.name` or `[digits]` steps. A name is a non-empty run of characters
    /// other than `.`, `[` and `]`. The error text says what is wrong and where.
    pub fn parse(text: &str) -> Result<Accessor, String> {
        if text.is_empty() {
            return Err("field accessor must not be empty".to_owned());
        }
        let bad = |why: &str| format!("malformed field accessor `{text}`: {why}");
        let mut steps = Vec::new();
        let mut rest = text;
        let mut first = true;
        while !rest.is_empty() {
            if let Some(after) = rest.strip_prefix('[') {
                let close = after
                    .find(']')
                    .ok_or_else(|| bad("`[` without a closing `]`"))?;
                let digits = &after[..close];
                if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(bad("an index must be `[` digits `]`"));
                }
                let index = digits
                    .parse::<usize>()
                    .map_err(|_| bad("index out of range"))?;
                steps.push(Step::Index(index));
                rest = &after[close + 1..];
            } else {
                let name_part = if first {
                    rest
                } else if let Some(after) = rest.strip_prefix('.') {
                    after
                } else {
                    return Err(bad("expected `.` or `[` after `]`"));
                };
                let end = name_part.find(['.', '[', ']']).unwrap_or(name_part.len());
                if end == 0 {
                    return Err(bad("empty member name"));
                }
                if name_part[end..].starts_with(']') {
                    return Err(bad("`]` without an opening `[`"));
                }
                steps.push(Step::Member(name_part[..end].to_owned()));
                rest = &name_part[end..];
            }
            first = false;
        }
        Ok(Accessor {
            steps,
            text: text.to_owned(),
        })
    }

    /// The field this accessor names inside `value`, or `None` when any step is missing
    /// (a member of a non-object, an index of a non-array, or out of bounds).
    pub fn get<'v>(&self, value: &'v Value) -> Option<&'v Value> {
        self.steps
            .iter()
            .try_fold(value, |current, step| match step {
                Step::Member(name) => current.as_object()?.get(name),
                Step::Index(index) => current.as_array()?.get(*index),
            })
    }

    /// The parsed steps, in order.
    pub fn steps(&self) -> &[Step] {
        &self.steps
    }

    /// The accessor as it was written.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl fmt::Display for Accessor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn steps(text: &str) -> Vec<Step> {
        Accessor::parse(text).unwrap().steps().to_vec()
    }

    #[test]
    fn parses_dotted_and_indexed_accessors() {
        assert_eq!(steps("age"), vec![Step::Member("age".into())]);
        assert_eq!(
            steps("person.age"),
            vec![Step::Member("person".into()), Step::Member("age".into())]
        );
        assert_eq!(
            steps("friends[0].name"),
            vec![
                Step::Member("friends".into()),
                Step::Index(0),
                Step::Member("name".into())
            ]
        );
        assert_eq!(steps("[2]"), vec![Step::Index(2)]);
        assert_eq!(
            steps("[1][10].x"),
            vec![Step::Index(1), Step::Index(10), Step::Member("x".into())]
        );
        assert_eq!(steps("ä b"), vec![Step::Member("ä b".into())]);
        assert_eq!(Accessor::parse("deep.age").unwrap().to_string(), "deep.age");
    }

    #[test]
    fn refuses_malformed_accessors() {
        for text in [
            "",
            "a..b",
            "a[x]",
            "a[",
            "a[]",
            "a]",
            ".a",
            "a.",
            "a[0]b",
            "[-1]",
            "a.[0]",
            "a[1.5]",
            "[0]]",
            "a[99999999999999999999999]",
        ] {
            let err = Accessor::parse(text).expect_err(text);
            assert!(
                err.contains("accessor"),
                "message for {text:?} should name the accessor: {err}"
            );
        }
    }

    #[test]
    fn gets_fields_and_misses_safely() {
        let v =
            json!({"person": {"age": 30}, "friends": [{"name": "x"}, {"name": "y"}], "n": null});
        let get = |a: &str| Accessor::parse(a).unwrap().get(&v).cloned();
        assert_eq!(get("person.age"), Some(json!(30)));
        assert_eq!(get("friends[1].name"), Some(json!("y")));
        assert_eq!(get("n"), Some(Value::Null));
        assert_eq!(get("friends[2].name"), None);
        assert_eq!(get("person[0]"), None);
        assert_eq!(get("friends.name"), None);
        assert_eq!(get("person.age.x"), None);
        let arr = json!([1, 2, 3]);
        assert_eq!(Accessor::parse("[2]").unwrap().get(&arr), Some(&json!(3)));
        assert_eq!(Accessor::parse("age").unwrap().get(&json!(5)), None);
    }
}

//! Path rules (PROTOCOL.md A.6, B §6.2): the twelve path operators and `caseInsensitive`.

use serde_json::Value;

/// One path operator with its operand (already lower-cased for case-insensitive rules).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PathOp {
    Equals(String),
    EqualsNot(String),
    StartsWith(String),
    StartsNotWith(String),
    EndsWith(String),
    EndsNotWith(String),
    Contains(String),
    ContainsNot(String),
    ContainsAllOf(Vec<String>),
    ContainsOneOf(Vec<String>),
    EqualsOneOf(Vec<String>),
    EqualsNotOneOf(Vec<String>),
}

impl PathOp {
    fn matches(&self, path: &str) -> bool {
        match self {
            PathOp::Equals(x) => path == x,
            PathOp::EqualsNot(x) => path != x,
            PathOp::StartsWith(x) => path.starts_with(x.as_str()),
            PathOp::StartsNotWith(x) => !path.starts_with(x.as_str()),
            // A true suffix test, not node-jet's `lastIndexOf` arithmetic (B §12).
            PathOp::EndsWith(x) => path.ends_with(x.as_str()),
            PathOp::EndsNotWith(x) => !path.ends_with(x.as_str()),
            PathOp::Contains(x) => path.contains(x.as_str()),
            PathOp::ContainsNot(x) => !path.contains(x.as_str()),
            PathOp::ContainsAllOf(xs) => xs.iter().all(|x| path.contains(x.as_str())),
            PathOp::ContainsOneOf(xs) => xs.iter().any(|x| path.contains(x.as_str())),
            PathOp::EqualsOneOf(xs) => xs.iter().any(|x| path == x),
            PathOp::EqualsNotOneOf(xs) => xs.iter().all(|x| path != x),
        }
    }
}

/// The `path` member of a fetch expression: all operators ANDed; none matches everything.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct PathRule {
    pub(crate) case_insensitive: bool,
    pub(crate) ops: Vec<PathOp>,
}

const OPERATORS: &str = "`equals`, `equalsNot`, `startsWith`, `startsNotWith`, `endsWith`, \
    `endsNotWith`, `contains`, `containsNot`, `containsAllOf`, `containsOneOf`, \
    `equalsOneOf`, `equalsNotOneOf`, `caseInsensitive`";

impl PathRule {
    pub(crate) fn parse(rule: &Value) -> Result<PathRule, String> {
        let members = rule
            .as_object()
            .ok_or("path must be an object of path operators")?;
        let case_insensitive = match members.get("caseInsensitive") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => return Err("path.caseInsensitive must be a boolean".to_owned()),
        };
        // Lower-case the operands once here, the path once per match.
        let fold = |s: &str| {
            if case_insensitive {
                s.to_lowercase()
            } else {
                s.to_owned()
            }
        };
        let mut ops = Vec::with_capacity(members.len());
        for (name, operand) in members {
            let string = || {
                operand
                    .as_str()
                    .map(fold)
                    .ok_or_else(|| format!("path.{name} must be a string"))
            };
            let strings = || {
                operand
                    .as_array()
                    .and_then(|items| {
                        items
                            .iter()
                            .map(|item| item.as_str().map(fold))
                            .collect::<Option<Vec<_>>>()
                    })
                    .ok_or_else(|| format!("path.{name} must be an array of strings"))
            };
            ops.push(match name.as_str() {
                "caseInsensitive" => continue,
                "equals" => PathOp::Equals(string()?),
                "equalsNot" => PathOp::EqualsNot(string()?),
                "startsWith" => PathOp::StartsWith(string()?),
                "startsNotWith" => PathOp::StartsNotWith(string()?),
                "endsWith" => PathOp::EndsWith(string()?),
                "endsNotWith" => PathOp::EndsNotWith(string()?),
                "contains" => PathOp::Contains(string()?),
                "containsNot" => PathOp::ContainsNot(string()?),
                "containsAllOf" => PathOp::ContainsAllOf(strings()?),
                "containsOneOf" => PathOp::ContainsOneOf(strings()?),
                "equalsOneOf" => PathOp::EqualsOneOf(strings()?),
                "equalsNotOneOf" => PathOp::EqualsNotOneOf(strings()?),
                other => {
                    return Err(format!(
                        "unknown path operator `{other}`, expected one of {OPERATORS}"
                    ))
                }
            });
        }
        Ok(PathRule {
            case_insensitive,
            ops,
        })
    }

    pub(crate) fn matches(&self, path: &str) -> bool {
        if self.ops.is_empty() {
            return true;
        }
        if self.case_insensitive {
            let lower = path.to_lowercase();
            self.ops.iter().all(|op| op.matches(&lower))
        } else {
            self.ops.iter().all(|op| op.matches(path))
        }
    }
}

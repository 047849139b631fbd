//! Path rules (PROTOCOL.md A.6, B §6.2): the twelve path operators and `caseInsensitive`.

use serde_json::Value;

use crate::fetch::builder::{wire_names, PathOp as Name};

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

/// The member that is not an operator but a flag of the whole rule.
const CASE_INSENSITIVE: &str = "caseInsensitive";

impl PathRule {
    pub(crate) fn parse(rule: &Value) -> Result<PathRule, String> {
        let members = rule
            .as_object()
            .ok_or("path must be an object of path operators")?;
        let case_insensitive = match members.get(CASE_INSENSITIVE) {
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
            if name == CASE_INSENSITIVE {
                continue;
            }
            // The names are the builder's (one definition); only the operands are parsed here.
            let Some(op) = Name::parse(name) else {
                return Err(format!(
                    "unknown path operator `{name}`, expected one of {}, `{CASE_INSENSITIVE}`",
                    wire_names(Name::ALL.map(Name::as_str))
                ));
            };
            ops.push(match op {
                Name::Equals => PathOp::Equals(string()?),
                Name::EqualsNot => PathOp::EqualsNot(string()?),
                Name::StartsWith => PathOp::StartsWith(string()?),
                Name::StartsNotWith => PathOp::StartsNotWith(string()?),
                Name::EndsWith => PathOp::EndsWith(string()?),
                Name::EndsNotWith => PathOp::EndsNotWith(string()?),
                Name::Contains => PathOp::Contains(string()?),
                Name::ContainsNot => PathOp::ContainsNot(string()?),
                Name::ContainsAllOf => PathOp::ContainsAllOf(strings()?),
                Name::ContainsOneOf => PathOp::ContainsOneOf(strings()?),
                Name::EqualsOneOf => PathOp::EqualsOneOf(strings()?),
                Name::EqualsNotOneOf => PathOp::EqualsNotOneOf(strings()?),
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

//! Parsing, validating and matching fetch expressions (PROTOCOL.md A.6, B §6.1-6.4).
//!
//! A fetch expression arrives as the params of `fetch` or `get`. It is parsed once into
//! plain rules: path operators (operands lower-cased up front when case-insensitive),
//! value operators, `valueField` rules keyed by a parsed [`Accessor`] and the sort spec.
//! Anything unknown or malformed is refused with an [`InvalidFetch`] that says what is
//! wrong, so a typo does not silently turn into "match everything".

use std::fmt;

use serde_json::Value;

use super::accessor::Accessor;
use super::path::{PathOp, PathRule};
use super::sorter::{SortKey, SortSpec};
use super::value::ValueRule;
use super::value::ValueType;
use crate::protocol::ErrorObject;

/// Why a fetch expression was refused; the text becomes the error data
/// `{"invalidFetch":"<text>"}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidFetch(pub String);

impl InvalidFetch {
    /// The JSON-RPC error object a daemon answers with (PROTOCOL.md A.3).
    pub fn to_error_object(&self) -> ErrorObject {
        ErrorObject::invalid_params_with("invalidFetch", Value::String(self.0.clone()))
    }
}

impl fmt::Display for InvalidFetch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid fetch expression: {}", self.0)
    }
}

impl std::error::Error for InvalidFetch {}

impl From<String> for InvalidFetch {
    fn from(text: String) -> Self {
        InvalidFetch(text)
    }
}

/// Which paths can possibly match, for a daemon's element indexes. Always a superset:
/// every path for which [`FetchExpr::matches_path`] is true is covered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathHint {
    /// Only these exact paths can match.
    Equals(Vec<String>),
    /// Only paths starting with this prefix can match.
    Prefix(String),
    /// Any path may match.
    Any,
}

/// A parsed and validated fetch expression.
#[derive(Debug, Clone, PartialEq)]
pub struct FetchExpr {
    path: PathRule,
    value: Option<ValueRule>,
    value_fields: Vec<(Accessor, ValueRule)>,
    sort: Option<SortSpec>,
}

/// `null` counts as absent for the optional parts (JavaScript peers may send it).
fn member<'a>(params: &'a serde_json::Map<String, Value>, key: &str) -> Option<&'a Value> {
    params.get(key).filter(|v| !v.is_null())
}

impl FetchExpr {
    /// Parse and validate the params object of `fetch` / `get` (the `id` member is ignored
    /// here, the daemon handles it). Unknown top-level members are tolerated, except the
    /// legacy `match` member, whose meaning we would otherwise silently drop.
    pub fn parse(params: &Value) -> Result<FetchExpr, InvalidFetch> {
        let params = params
            .as_object()
            .ok_or_else(|| InvalidFetch("fetch params must be an object".to_owned()))?;
        if params.contains_key("match") {
            return Err(InvalidFetch(
                "`match` is not supported, use `path`".to_owned(),
            ));
        }
        let path = match member(params, "path") {
            Some(rule) => PathRule::parse(rule)?,
            None => PathRule::default(),
        };
        let mut value = member(params, "value")
            .map(|rule| ValueRule::parse(rule, "value"))
            .transpose()?;
        let mut value_fields = Vec::new();
        if let Some(fields) = member(params, "valueField") {
            let fields = fields.as_object().ok_or_else(|| {
                InvalidFetch("valueField must be an object of field accessors".to_owned())
            })?;
            for (field, rule) in fields {
                let accessor = Accessor::parse(field)?;
                let rule = ValueRule::parse(rule, &format!("valueField[\"{field}\"]"))?;
                value_fields.push((accessor, rule));
            }
        }
        let sort = match member(params, "sort") {
            Some(sort) => {
                let (spec, implied) = parse_sort(sort)?;
                // B §6.4: sorting by value implies `isType`, overwriting a given one.
                if let Some(ty) = implied.value {
                    match &mut value {
                        Some(rule) => rule.set_is_type(ty),
                        None => value = Some(ValueRule::is_type(ty)),
                    }
                }
                if let Some((accessor, ty)) = implied.field {
                    match value_fields.iter_mut().find(|(a, _)| *a == accessor) {
                        Some((_, rule)) => rule.set_is_type(ty),
                        None => value_fields.push((accessor, ValueRule::is_type(ty))),
                    }
                }
                Some(spec)
            }
            None => None,
        };
        Ok(FetchExpr {
            path,
            value,
            value_fields,
            sort,
        })
    }

    /// Whether `path` satisfies the path rule (true when there is none).
    pub fn matches_path(&self, path: &str) -> bool {
        self.path.matches(path)
    }

    /// True when there is a value rule: `value`, `valueField`, or one implied by sort
    /// byValue/byValueField (B §6.4: it implies isType, overwriting a given value.isType).
    pub fn has_value_rule(&self) -> bool {
        self.value.is_some() || !self.value_fields.is_empty()
    }

    /// Value rules; `None` means a method (no value): a method never matches a value rule,
    /// and matches when there is no value rule. A `valueField` whose field is missing
    /// never matches, whatever its operators (even `equalsNot`).
    pub fn matches_value(&self, value: Option<&Value>) -> bool {
        let Some(value) = value else {
            return !self.has_value_rule();
        };
        self.value.as_ref().is_none_or(|rule| rule.matches(value))
            && self.value_fields.iter().all(|(accessor, rule)| {
                accessor.get(value).is_some_and(|field| rule.matches(field))
            })
    }

    /// Path and value rules together.
    pub fn matches(&self, path: &str, value: Option<&Value>) -> bool {
        self.matches_path(path) && self.matches_value(value)
    }

    /// The sort spec, when this is a sorted fetch.
    pub fn sort(&self) -> Option<&SortSpec> {
        self.sort.as_ref()
    }

    /// Candidate hint for the daemon's indexes (only for case-sensitive rules; a superset
    /// guarantee). `equals` beats `equalsOneOf` beats `startsWith` (the smaller set wins).
    pub fn path_hint(&self) -> PathHint {
        if self.path.case_insensitive {
            return PathHint::Any;
        }
        let ops = &self.path.ops;
        if let Some(x) = ops.iter().find_map(|op| match op {
            PathOp::Equals(x) => Some(x),
            _ => None,
        }) {
            return PathHint::Equals(vec![x.clone()]);
        }
        if let Some(xs) = ops.iter().find_map(|op| match op {
            PathOp::EqualsOneOf(xs) => Some(xs),
            _ => None,
        }) {
            return PathHint::Equals(xs.clone());
        }
        ops.iter()
            .filter_map(|op| match op {
                PathOp::StartsWith(x) => Some(x),
                _ => None,
            })
            // Several prefixes are ANDed, so the longest one is the tightest bound.
            .max_by_key(|x| x.len())
            .map_or(PathHint::Any, |x| PathHint::Prefix(x.clone()))
    }
}

/// The `isType` rules a sort spec implies.
struct ImpliedTypes {
    value: Option<ValueType>,
    field: Option<(Accessor, ValueType)>,
}

fn parse_sort(sort: &Value) -> Result<(SortSpec, ImpliedTypes), InvalidFetch> {
    let sort = sort
        .as_object()
        .ok_or_else(|| InvalidFetch("sort must be an object".to_owned()))?;
    let flag = |key: &str| -> Result<bool, InvalidFetch> {
        match member(sort, key) {
            None => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            Some(_) => Err(InvalidFetch(format!("sort.{key} must be a boolean"))),
        }
    };
    let index = |key: &str, default: usize| -> Result<usize, InvalidFetch> {
        match member(sort, key) {
            None => Ok(default),
            Some(v) => v
                .as_u64()
                .and_then(|n| usize::try_from(n).ok())
                .filter(|n| *n >= 1)
                .ok_or_else(|| InvalidFetch(format!("sort.{key} must be an integer >= 1"))),
        }
    };
    let by_path = flag("byPath")?;
    let descending = flag("descending")?;
    let from = index("from", 1)?;
    let to = index("to", 10)?;
    if to < from {
        return Err(InvalidFetch(format!(
            "sort.to ({to}{}) must be >= sort.from ({from})",
            if member(sort, "to").is_none() {
                ", the default"
            } else {
                ""
            }
        )));
    }
    let by_value = member(sort, "byValue")
        .map(|v| {
            let name = v
                .as_str()
                .ok_or_else(|| InvalidFetch("sort.byValue must be a type name string".into()))?;
            ValueType::parse_named(name, "sort.byValue").map_err(InvalidFetch)
        })
        .transpose()?;
    let by_field = member(sort, "byValueField")
        .map(|v| {
            let fields = v.as_object().filter(|m| m.len() == 1).ok_or_else(|| {
                InvalidFetch(
                    "sort.byValueField must be an object with exactly one \
                     {\"<field>\":\"<type>\"} member"
                        .into(),
                )
            })?;
            let (field, ty) = fields.iter().next().expect("checked: one member");
            let accessor = Accessor::parse(field)?;
            let name = ty.as_str().ok_or_else(|| {
                InvalidFetch(format!(
                    "sort.byValueField[\"{field}\"] must be a type name string"
                ))
            })?;
            let ty = ValueType::parse_named(name, &format!("sort.byValueField[\"{field}\"]"))?;
            Ok::<_, InvalidFetch>((accessor, ty))
        })
        .transpose()?;
    // node-jet's precedence: byPath, then byValue, then byValueField.
    let key = if by_path {
        SortKey::Path
    } else if let Some(ty) = by_value {
        SortKey::Value(ty)
    } else if let Some((accessor, ty)) = &by_field {
        SortKey::Field(accessor.clone(), *ty)
    } else {
        SortKey::Path
    };
    Ok((
        SortSpec {
            key,
            descending,
            from,
            to,
        },
        ImpliedTypes {
            value: by_value,
            field: by_field,
        },
    ))
}

#[cfg(test)]
mod tests;

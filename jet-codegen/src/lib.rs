//! Typed clients generated from the JSON Schemas a Jet bus serves: the library behind
//! `jet codegen`.
//!
//! The input is the schema list jetd's `schema` method answers (`[{"path","schema"}]`, or
//! the JSON lines `jet schema --json` prints); the output is source text. The schema format
//! and the naming rules are the contract in docs/SCHEMAS.md: `model` groups elements
//! into node types, `names` turns paths and titles into identifiers, and each language
//! module writes one file.
//!
//! Languages: TypeScript ([`typescript`]), a module over the node-jet 3 peer API. Rust
//! generation is planned (issue 16).

mod model;
mod names;
mod typescript;

use serde_json::Value;

pub use typescript::typescript;

/// One element's schema document, as the daemon answers it.
#[derive(Debug, Clone, PartialEq)]
pub struct Element {
    /// The element's full path.
    pub path: String,
    /// A state's value schema, or a method's `{"params","result",..}` document.
    pub schema: Value,
}

/// Why no code was generated.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum CodegenError {
    /// The schema list is not `[{"path","schema"}]` (or JSON lines of it), or contradicts
    /// itself.
    #[error("{0}")]
    Input(String),
}

/// The elements of a schema list: a JSON array of `{"path","schema"}` (the `schema`
/// method's answer) or one such object per line (`jet schema --json`).
pub fn parse_schema_list(text: &str) -> Result<Vec<Element>, CodegenError> {
    let trimmed = text.trim_start();
    let items: Vec<Value> = if trimmed.starts_with('[') {
        serde_json::from_str(trimmed)
            .map_err(|e| CodegenError::Input(format!("not a JSON array: {e}")))?
    } else {
        text.lines()
            .enumerate()
            .filter(|(_, line)| !line.trim().is_empty())
            .map(|(i, line)| {
                serde_json::from_str(line)
                    .map_err(|e| CodegenError::Input(format!("line {}: not JSON: {e}", i + 1)))
            })
            .collect::<Result<_, _>>()?
    };
    items.into_iter().map(element).collect()
}

/// One `{"path","schema"}` entry.
fn element(item: Value) -> Result<Element, CodegenError> {
    let Value::Object(mut map) = item else {
        return Err(CodegenError::Input(format!(
            "expected {{\"path\",\"schema\"}}, got {item}"
        )));
    };
    let path = match map.remove("path") {
        Some(Value::String(p)) if !p.is_empty() => p,
        other => {
            return Err(CodegenError::Input(format!(
                "expected a non-empty string `path`, got {}",
                other.unwrap_or(Value::Null)
            )))
        }
    };
    let schema = map.remove("schema").unwrap_or(Value::Bool(true));
    Ok(Element { path, schema })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn arrays_and_json_lines_are_read_alike() {
        let array = r#"[{"path":"a/x","schema":{"type":"number"}},{"path":"b"}]"#;
        let lines = "{\"path\":\"a/x\",\"schema\":{\"type\":\"number\"}}\n\n{\"path\":\"b\"}\n";
        let expected = vec![
            Element {
                path: "a/x".into(),
                schema: json!({"type":"number"}),
            },
            Element {
                path: "b".into(),
                schema: json!(true),
            },
        ];
        assert_eq!(parse_schema_list(array).unwrap(), expected);
        assert_eq!(parse_schema_list(lines).unwrap(), expected);
        assert_eq!(parse_schema_list("").unwrap(), vec![]);
    }

    #[test]
    fn malformed_lists_say_what_is_wrong() {
        let err = |t: &str| parse_schema_list(t).unwrap_err().to_string();
        assert!(err("[1]").contains("expected {\"path\",\"schema\"}"));
        assert!(err("{\"schema\":{}}").contains("non-empty string `path`"));
        assert!(err("{}\nnope").contains("line 2"));
        assert!(err("[{").contains("not a JSON array"));
    }
}

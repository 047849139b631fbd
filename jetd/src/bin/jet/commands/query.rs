//! One-shot questions: `info`, `get`, `schema` (`tree` and `ls` are in `nodes`).

use jet_runtime::peer::{DaemonInfo, PeerError};
use serde_json::{json, Value};

use super::Ctx;
use crate::args::RuleArgs;
use crate::error::CliError;
use crate::output::{by_path, columns, element_json, element_rows, say_nothing_matched, Paint};
use crate::rule;

pub(super) async fn info(ctx: &Ctx<'_>) -> Result<(), CliError> {
    let peer = ctx.connect().await?;
    let info = peer.info().await.map_err(|e| ctx.error(e));
    peer.close().await;
    let info = info?;
    if ctx.out.json {
        return ctx.out.json_line(&json!({
            "name": info.name,
            "version": info.version,
            "protocolVersion": info.protocol_version,
            "features": info.features,
        }));
    }
    let rows = info_rows(&info);
    ctx.out
        .lines(&columns(&rows, &ctx.out, &[Some(Paint::Bold)]))
}

/// `name`, `version`, `protocol`, then one row per feature.
fn info_rows(info: &DaemonInfo) -> Vec<Vec<String>> {
    let mut rows = vec![
        vec!["name".to_owned(), info.name.clone()],
        vec!["version".to_owned(), info.version.clone()],
        vec!["protocol".to_owned(), info.protocol_version.clone()],
    ];
    match &info.features {
        Value::Object(features) => {
            for (name, value) in features {
                rows.push(vec![format!("features.{name}"), value.to_string()]);
            }
        }
        Value::Null => {}
        other => rows.push(vec!["features".to_owned(), other.to_string()]),
    }
    rows
}

pub(super) async fn get(ctx: &Ctx<'_>, rule: &RuleArgs) -> Result<(), CliError> {
    let expr = rule::expression(rule)?;
    let peer = ctx.connect().await?;
    let elements = peer.get(&expr).await.map_err(|e| ctx.error(e));
    peer.close().await;
    let mut elements = elements?;
    // Sorted by path as `tree` shows them (daemons answer in the order elements were added).
    elements.sort_by(|a, b| by_path(&a.path, &b.path));
    if elements.is_empty() {
        say_nothing_matched(&ctx.out, "no element matches");
    }
    if ctx.out.json {
        for e in &elements {
            ctx.out.json_line(&element_json(e))?;
        }
        return Ok(());
    }
    let rows = element_rows(&elements);
    ctx.out.lines(&columns(
        &rows,
        &ctx.out,
        &[Some(Paint::Bold), None, Some(Paint::Dim)],
    ))
}

/// `schema`: the daemon answers `[{"path","schema"}]` for a path rule. Only jetd with
/// schema support does; others answer Method not found, which is said in so many words.
pub(super) async fn schema(ctx: &Ctx<'_>, rule: &RuleArgs) -> Result<(), CliError> {
    let entries = schemas(ctx, rule, || {
        format!(
            "the daemon at {} does not support schemas (it answered Method not found to \
             `schema`); a jetd that advertises features.schemas in `jet info` does",
            ctx.cli.daemon
        )
    })
    .await?;
    if entries.is_empty() {
        say_nothing_matched(&ctx.out, "no schemas: no matching element has one");
    }
    if ctx.out.json {
        for (path, schema) in &entries {
            ctx.out
                .json_line(&json!({"path": path, "schema": schema}))?;
        }
        return Ok(());
    }
    let mut lines = Vec::new();
    for (i, (path, schema)) in entries.iter().enumerate() {
        if i > 0 {
            lines.push(String::new());
        }
        lines.push(ctx.out.paint(path, Paint::Bold));
        let pretty = serde_json::to_string_pretty(schema).unwrap_or_else(|_| schema.to_string());
        lines.extend(pretty.lines().map(|l| format!("  {l}")));
    }
    ctx.out.lines(&lines)
}

/// The `(path, schema)` pairs the daemon answers `schema` with for `rule`; `unsupported`
/// says what a daemon without schemas means for the command.
pub(super) async fn schemas(
    ctx: &Ctx<'_>,
    rule: &RuleArgs,
    unsupported: impl FnOnce() -> String,
) -> Result<Vec<(String, Value)>, CliError> {
    let params = schema_params(rule)?;
    let peer = ctx.connect().await?;
    let result = peer.request("schema", params, None).await;
    peer.close().await;
    match result {
        Ok(r) => parse_schemas(r).map_err(|e| ctx.error(e)),
        Err(e @ PeerError::MethodNotFound(_)) => Err(CliError::Refused {
            words: unsupported(),
            raw: Box::new(e),
        }),
        Err(e) => Err(ctx.error(e)),
    }
}

/// The params of `schema`: only the path rule of the expression (value rules make no sense
/// for schemas and are refused rather than silently ignored).
pub(super) fn schema_params(rule: &RuleArgs) -> Result<Value, CliError> {
    let expr = rule::expression(rule)?.to_json();
    let Value::Object(mut m) = expr else {
        return Ok(json!({}));
    };
    let path = m.remove("path");
    if !m.is_empty() {
        return Err(CliError::Usage(
            "`jet schema` takes path rules only (no --value-*/--field rules)".into(),
        ));
    }
    Ok(path.map_or_else(|| json!({}), |path| json!({ "path": path })))
}

/// `[{"path":..,"schema":..}]` into pairs.
fn parse_schemas(result: Value) -> Result<Vec<(String, Value)>, PeerError> {
    let Value::Array(list) = result else {
        return Err(PeerError::Protocol(format!(
            "`schema` answered {result}, expected an array of {{\"path\",\"schema\"}}"
        )));
    };
    Ok(list
        .into_iter()
        .filter_map(|entry| {
            let path = entry.get("path")?.as_str()?.to_owned();
            let schema = entry.get("schema").cloned().unwrap_or(Value::Null);
            Some((path, schema))
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_params_are_the_path_rule() {
        let rule = RuleArgs {
            starts_with: Some("plant/".into()),
            ..RuleArgs::default()
        };
        assert_eq!(
            schema_params(&rule).unwrap(),
            json!({"path":{"startsWith":"plant/"}})
        );
        assert_eq!(schema_params(&RuleArgs::default()).unwrap(), json!({}));
        let rule = RuleArgs {
            value_equals: Some("1".into()),
            ..RuleArgs::default()
        };
        assert!(matches!(schema_params(&rule), Err(CliError::Usage(_))));
    }

    #[test]
    fn schema_results_become_pairs() {
        let r = json!([{"path":"a","schema":{"type":"number"}},{"path":"b"},{"nopath":1}]);
        assert_eq!(
            parse_schemas(r).unwrap(),
            [
                ("a".to_owned(), json!({"type":"number"})),
                ("b".to_owned(), Value::Null)
            ]
        );
        assert!(parse_schemas(json!({})).is_err());
    }

    #[test]
    fn info_rows_list_features() {
        let info = DaemonInfo {
            name: "jetd".into(),
            version: "0.1.0".into(),
            protocol_version: "1.1.0".into(),
            features: json!({"batches":true,"fetch":"full"}),
        };
        assert_eq!(
            info_rows(&info),
            [
                ["name", "jetd"],
                ["version", "0.1.0"],
                ["protocol", "1.1.0"],
                ["features.batches", "true"],
                ["features.fetch", "\"full\""],
            ]
        );
    }
}

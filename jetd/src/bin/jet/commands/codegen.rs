//! `codegen`: typed client code from the schemas of the live bus (the `schema` method) or
//! of a file saved with `jet schema --json`. The generating is `jet_codegen`'s; this is
//! only where the schemas come from and where the code goes.

use std::io::Write as _;
use std::path::Path;

use jet_codegen::Element;
use serde_json::json;

use super::query::{schema_params, schemas};
use super::Ctx;
use crate::args::{CodegenArgs, Lang};
use crate::error::CliError;

pub(super) async fn run(ctx: &Ctx<'_>, args: &CodegenArgs) -> Result<(), CliError> {
    let elements = match &args.from {
        Some(file) => {
            if schema_params(&args.rule)? != json!({}) {
                return Err(CliError::Usage(
                    "--from takes the file as it is: path rules only apply to the live bus \
                     (filter when saving, with `jet schema --json RULE > FILE`)"
                        .into(),
                ));
            }
            from_file(file)?
        }
        None => {
            let entries = schemas(ctx, &args.rule, || {
                format!(
                    "the daemon at {} does not answer `schema` (Method not found): jet codegen \
                     needs a daemon that answers `schema` (jetd) or --from FILE (schemas saved \
                     with `jet schema --json`)",
                    ctx.cli.daemon
                )
            })
            .await?;
            entries
                .into_iter()
                .map(|(path, schema)| Element { path, schema })
                .collect()
        }
    };
    if elements.is_empty() {
        return Err(CliError::Usage(
            "nothing to generate: no matching element has a schema (check the path rule; \
             typed services send schemas, for other elements write them and pass --from FILE)"
                .into(),
        ));
    }
    let code = match args.lang {
        Lang::Typescript => jet_codegen::typescript(&elements),
    }
    .map_err(|e| CliError::Usage(format!("cannot generate code: {e}")))?;
    match &args.out {
        Some(path) => std::fs::write(path, code)
            .map_err(|e| CliError::Usage(format!("cannot write {}: {e}", path.display()))),
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(code.as_bytes())?;
            out.flush()?;
            Ok(())
        }
    }
}

/// The elements of a saved schema list.
fn from_file(file: &Path) -> Result<Vec<Element>, CliError> {
    let text = std::fs::read_to_string(file)
        .map_err(|e| CliError::Usage(format!("--from {}: {e}", file.display())))?;
    jet_codegen::parse_schema_list(&text).map_err(|e| {
        CliError::Usage(format!(
            "--from {}: {e} (expected what `jet schema --json` prints)",
            file.display()
        ))
    })
}

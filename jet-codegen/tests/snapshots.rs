//! Snapshots of the generated TypeScript for the example boiler and plant
//! (`jet_examples`), as reviewed files in `tests/snapshots/`.
//!
//! After a deliberate change, regenerate with `UPDATE_SNAPSHOTS=1 cargo test -p
//! jet-codegen --test snapshots` and review the diff like code.

use std::path::PathBuf;

use jet_examples::boiler::Boiler;
use jet_examples::plant::Plant;
use jet_runtime::typed::{Node, Schemas};

/// The TypeScript for `schemas` served at `mount`, through the same JSON the daemon sends.
fn generate(schemas: &Schemas, mount: &str) -> String {
    let text = serde_json::to_string(&schemas.to_json(mount)).unwrap();
    let elements = jet_codegen::parse_schema_list(&text).unwrap();
    jet_codegen::typescript(&elements).unwrap()
}

fn assert_snapshot(file: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/snapshots")
        .join(file);
    if std::env::var_os("UPDATE_SNAPSHOTS").is_some_and(|v| v == "1") {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read {} ({e}); create it with UPDATE_SNAPSHOTS=1",
            path.display()
        )
    });
    assert!(
        expected == actual,
        "the generated {file} differs from {}; if the change is intended, regenerate with \
         UPDATE_SNAPSHOTS=1 and review the diff. Actual:\n{actual}",
        path.display()
    );
}

#[test]
fn boiler_typescript_matches_the_reviewed_snapshot() {
    assert_snapshot("boiler.ts", &generate(&Boiler::schemas(), "boiler"));
}

#[test]
fn plant_typescript_matches_the_reviewed_snapshot() {
    assert_snapshot("plant.ts", &generate(&Plant::schemas(), "plant"));
}

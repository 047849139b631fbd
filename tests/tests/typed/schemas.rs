//! Schema snapshots: the JSON Schemas of the example boiler (`jet_examples::boiler`) and
//! plant (`jet_examples::plant`, served at `plant`) as reviewed files in `tests/schemas/`,
//! and real values validated against them.
//!
//! After a deliberate change, regenerate with `JET_SCHEMAS=overwrite cargo test -p
//! jet-tests --test typed schemas::` and review the diff like code.

use std::path::PathBuf;

use jet_examples::boiler::{Boiler, Burner, Limits, Mode, Status};
use jet_examples::plant::Plant;
use jet_runtime::typed::{ElementKind, Node, Schemas};
use serde_json::{json, Value};

fn snapshot_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("schemas")
        .join(format!("{name}.json"))
}

/// Compare `schemas` served at `mount` (as `[{"path","schema"}]`) with the reviewed file.
fn assert_snapshot(name: &str, schemas: &Schemas, mount: &str) {
    let actual = serde_json::to_string_pretty(&schemas.to_json(mount)).unwrap() + "\n";
    let path = snapshot_path(name);
    if std::env::var_os("JET_SCHEMAS").is_some_and(|v| v == "overwrite") {
        std::fs::write(&path, &actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read {} ({e}); create it with JET_SCHEMAS=overwrite",
            path.display()
        )
    });
    assert!(
        expected == actual,
        "the schemas of {name} differ from {}; if the change is intended, regenerate with \
         JET_SCHEMAS=overwrite and review the diff. Actual:\n{actual}",
        path.display()
    );
}

#[test]
fn boiler_schemas_match_the_reviewed_snapshot() {
    assert_snapshot("boiler", &Boiler::schemas(), "");
}

#[test]
fn burner_schemas_match_the_reviewed_snapshot() {
    assert_snapshot("burner", &Burner::schemas(), "");
}

#[test]
fn plant_schemas_match_the_reviewed_snapshot() {
    assert_snapshot("plant", &Plant::schemas(), "plant");
}

/// What a code generator groups by: every element names its node's type and full path, so
/// both lines are one `Line`, and fetch-only states say `readOnly`.
#[test]
fn elements_name_their_node_type_and_path() {
    let all = Plant::schemas().to_json("plant");
    let node_of = |path: &str| {
        let entry = all
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["path"] == path)
            .unwrap_or_else(|| panic!("no element {path}"));
        entry["schema"]["x-jet-node"].clone()
    };
    assert_eq!(
        node_of("plant/name"),
        json!({"type":"Plant","path":"plant"})
    );
    assert_eq!(
        node_of("plant/summary"),
        json!({"type":"Plant","path":"plant"})
    );
    for line in ["line1", "line2"] {
        let path = format!("plant/{line}");
        assert_eq!(
            node_of(&format!("{path}/speed")),
            json!({"type":"Line","path":path})
        );
        assert_eq!(
            node_of(&format!("{path}/start")),
            json!({"type":"Line","path":path})
        );
        let burner = format!("{path}/boiler/burner");
        assert_eq!(
            node_of(&format!("{burner}/power")),
            json!({"type":"Burner","path":burner})
        );
    }
    let schemas = Plant::schemas();
    assert_eq!(schemas.get("name").unwrap()["readOnly"], true);
    assert_eq!(schemas.get("line1/speed").unwrap().get("readOnly"), None);
    assert_eq!(
        schemas.get("line1/boiler/temperature").unwrap()["readOnly"],
        true
    );
}

fn validator(schema: &Value) -> jsonschema::Validator {
    jsonschema::validator_for(schema)
        .unwrap_or_else(|e| panic!("not a valid JSON Schema ({e}): {schema}"))
}

fn state_schema(path: &str) -> Value {
    Boiler::schemas()
        .get(path)
        .unwrap_or_else(|| panic!("no schema for {path}"))
        .clone()
}

#[test]
fn every_state_value_of_the_example_validates_against_its_schema() {
    let schemas = Boiler::schemas();
    let boiler = Boiler::default();
    let values = [
        ("temperature", json!(boiler.temperature)),
        ("setpoint", json!(boiler.setpoint)),
        ("mode", serde_json::to_value(Mode::Comfort).unwrap()),
        ("limits", serde_json::to_value(boiler.limits).unwrap()),
        ("burner/power", json!(boiler.burner.power)),
        ("burner/flame", json!(true)),
        ("burner/operatingHours", json!(1.5)),
    ];
    let states: Vec<&str> = schemas
        .iter()
        .filter(|e| e.kind == ElementKind::State)
        .map(|e| e.path.as_str())
        .collect();
    assert_eq!(
        states,
        values.iter().map(|(p, _)| *p).collect::<Vec<_>>(),
        "every state is checked"
    );
    for (path, value) in values {
        let v = validator(&state_schema(path));
        assert!(v.is_valid(&value), "{path}: {value} should be valid");
    }
}

#[test]
fn wrong_values_do_not_validate() {
    let cases = [
        ("setpoint", json!("hot")),
        ("mode", json!("turbo")),
        ("limits", json!({"min": 1})),
        ("burner/power", json!(300)),
        ("burner/power", json!(-1)),
        ("burner/flame", json!(1)),
    ];
    for (path, value) in cases {
        let v = validator(&state_schema(path));
        assert!(!v.is_valid(&value), "{path}: {value} should be invalid");
    }
}

#[test]
fn method_params_accept_named_arguments_and_results_validate() {
    let schemas = Boiler::schemas();
    let heat = schemas.get("heat").expect("heat has a schema");
    assert_eq!(heat["params"]["x-positional"], json!(["minutes", "power"]));
    let params = validator(&heat["params"]);
    assert!(params.is_valid(&json!({"minutes": 10})));
    assert!(params.is_valid(&json!({"minutes": 10, "power": 50})));
    assert!(params.is_valid(&json!({"minutes": 10, "power": null})));
    assert!(!params.is_valid(&json!({})), "minutes is required");
    assert!(!params.is_valid(&json!({"minutes": "ten"})));
    assert!(!params.is_valid(&json!({"minutes": 1, "minuets": 2})));
    assert!(validator(&heat["result"]).is_valid(&json!(71.5)));

    let status = schemas.get("status").expect("status has a schema");
    let value = serde_json::to_value(Status {
        temperature: 20.0,
        setpoint: 60.0,
        mode: Mode::Eco,
        flame: false,
    })
    .unwrap();
    assert!(validator(&status["result"]).is_valid(&value));
    assert!(!validator(&status["result"]).is_valid(&json!({"temperature": 1})));
    assert!(validator(&status["params"]).is_valid(&json!({})));

    let reset = schemas.get("resetHours").expect("renamed method");
    assert!(validator(&reset["result"]).is_valid(&json!(0.0)));
    assert!(
        schemas.get("heat_calls").is_none(),
        "skipped methods have no schema"
    );
}

#[test]
fn doc_comments_become_descriptions() {
    let schemas = Boiler::schemas();
    assert_eq!(
        schemas.get("temperature").unwrap()["description"],
        "Water temperature in °C, measured."
    );
    assert_eq!(
        schemas.get("burner/power").unwrap()["description"],
        "Burner power in percent (0 to 100)."
    );
    assert!(schemas.get("heat").unwrap()["description"]
        .as_str()
        .unwrap()
        .starts_with("Heat for a number of minutes"));
    let _ = Limits { min: 0.0, max: 1.0 };
}

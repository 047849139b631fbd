//! TypeScript types from JSON Schemas: named types (`$defs` entries and titled roots) as
//! `interface`s or `type` aliases, everything else as inline type expressions.
//!
//! Named types from different documents are one declaration when their schemas are equal
//! apart from annotations (`title`, `description`, `readOnly`, `x-jet-*`, `$schema`,
//! `$defs`); same name and different schema gets the next free suffix (`Mode2`).

use std::collections::HashMap;

use serde_json::{Map, Value};

use crate::names::{pascal, Scope};

/// Top-level members that describe a schema rather than constrain it.
const ANNOTATIONS: &[&str] = &[
    "$schema",
    "$id",
    "$comment",
    "$defs",
    "definitions",
    "title",
    "description",
    "readOnly",
    "writeOnly",
    "default",
    "examples",
    "deprecated",
    "x-jet-node",
    "x-jet-event",
];

/// One named type to declare.
struct Decl {
    name: String,
    /// The type's `description` (from a `$defs` entry; a root's describes its element).
    doc: Option<String>,
    /// What each variant of a string enum means.
    variants: Option<String>,
    body: String,
}

/// The `$defs` of one schema document, by key, as module-level type names.
#[derive(Debug, Default)]
pub(super) struct Doc {
    defs: HashMap<String, String>,
    root: Option<String>,
}

/// The module's named types, in the order they were first met.
pub(super) struct Types {
    scope: Scope,
    /// `(wanted name, schema without annotations)` to the declared name.
    interned: HashMap<(String, String), String>,
    decls: Vec<Decl>,
}

/// `schema` without its top-level annotations, as text: what makes two named types one.
fn canonical(schema: &Value) -> String {
    match schema {
        Value::Object(m) => {
            let kept: Map<String, Value> = m
                .iter()
                .filter(|(k, _)| !ANNOTATIONS.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            Value::Object(kept).to_string()
        }
        other => other.to_string(),
    }
}

fn description(schema: &Value) -> Option<String> {
    schema
        .get("description")
        .and_then(Value::as_str)
        .filter(|d| !d.trim().is_empty())
        .map(str::to_owned)
}

/// A `/** .. */` comment at `indent` (empty text: nothing).
pub(super) fn doc_comment(text: &str, indent: &str) -> String {
    let text = text.trim().replace("*/", "*\\/");
    if text.is_empty() {
        return String::new();
    }
    if !text.contains('\n') {
        return format!("{indent}/** {text} */\n");
    }
    let mut out = format!("{indent}/**\n");
    for line in text.lines() {
        if line.trim().is_empty() {
            out.push_str(&format!("{indent} *\n"));
        } else {
            out.push_str(&format!("{indent} * {}\n", line.trim_end()));
        }
    }
    out.push_str(&format!("{indent} */\n"));
    out
}

/// A JSON value as a TypeScript literal type.
fn literal(v: &Value) -> String {
    v.to_string()
}

/// Whether `name` can be written bare as a property name.
pub(super) fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$')
}

fn property_key(name: &str) -> String {
    if is_identifier(name) {
        name.to_owned()
    } else {
        Value::String(name.to_owned()).to_string()
    }
}

/// `a | b`, without repeats; `unknown` absorbs everything, nothing is `never`.
fn union(parts: Vec<String>) -> String {
    let mut unique: Vec<String> = Vec::new();
    for p in parts {
        if !unique.contains(&p) {
            unique.push(p);
        }
    }
    if unique.iter().any(|p| p == "unknown") {
        return "unknown".into();
    }
    match unique.len() {
        0 => "never".into(),
        _ => unique.join(" | "),
    }
}

/// The documentation of a string enum's variants (`oneOf` of `const`s with descriptions).
fn variant_docs(schema: &Value) -> Option<String> {
    let alternatives = schema
        .get("oneOf")
        .or_else(|| schema.get("anyOf"))?
        .as_array()?;
    let lines: Vec<String> = alternatives
        .iter()
        .filter_map(|a| {
            Some(format!(
                "* `{}`: {}",
                literal(a.get("const")?),
                description(a)?
            ))
        })
        .collect();
    (!lines.is_empty()).then(|| lines.join("\n"))
}

fn ref_key(reference: &str) -> Option<String> {
    let key = reference
        .strip_prefix("#/$defs/")
        .or_else(|| reference.strip_prefix("#/definitions/"))?;
    Some(key.replace("~1", "/").replace("~0", "~"))
}

impl Types {
    /// Named types claim their names in `scope` (the module's).
    pub(super) fn new(scope: Scope) -> Self {
        Types {
            scope,
            interned: HashMap::new(),
            decls: Vec::new(),
        }
    }

    /// A module-level name that is not a value type (a client class, a factory).
    pub(super) fn claim(&mut self, wanted: &str) -> String {
        self.scope.claim(wanted)
    }

    /// The declared name for `schema` wanted as `wanted`, and whether it is new.
    fn intern(&mut self, wanted: &str, schema: &Value) -> (String, bool) {
        let key = (pascal(wanted), canonical(schema));
        if let Some(name) = self.interned.get(&key) {
            return (name.clone(), false);
        }
        let name = self.scope.claim(&key.0);
        self.interned.insert(key, name.clone());
        (name, true)
    }

    /// Register the named types of a schema document (`$defs`, and the root if titled)
    /// and declare the new ones; the returned context resolves its `$ref`s.
    pub(super) fn document(&mut self, schema: &Value) -> Doc {
        let mut doc = Doc::default();
        let mut new = Vec::new();
        for defs_key in ["$defs", "definitions"] {
            let Some(Value::Object(defs)) = schema.get(defs_key) else {
                continue;
            };
            for (key, def) in defs {
                let (name, is_new) = self.intern(key, def);
                doc.defs.insert(key.clone(), name.clone());
                if is_new {
                    new.push((name, def.clone(), description(def)));
                } else {
                    self.fill_doc(&name, description(def));
                }
            }
        }
        if let Some(title) = schema.get("title").and_then(Value::as_str) {
            if !title.trim().is_empty() {
                // The root's `description` describes the element, not the type.
                let (name, is_new) = self.intern(title, schema);
                if is_new {
                    new.push((name.clone(), schema.clone(), None));
                }
                doc.root = Some(name);
            }
        }
        for (name, schema, doc_text) in new {
            let body = self.declaration(&name, &schema, &doc);
            self.decls.push(Decl {
                name,
                doc: doc_text,
                variants: variant_docs(&schema),
                body,
            });
        }
        doc
    }

    /// A type met first without documentation takes the first that comes with it.
    fn fill_doc(&mut self, name: &str, text: Option<String>) {
        if let Some(decl) = self.decls.iter_mut().find(|d| d.name == name) {
            if decl.doc.is_none() {
                decl.doc = text;
            }
        }
    }

    /// The type of a document's root: its named type if titled, else the expression.
    pub(super) fn root_type(&self, schema: &Value, doc: &Doc) -> String {
        self.root_type_at(schema, doc, "")
    }

    /// [`Types::root_type`] for a type written at `indent` (inside another declaration).
    pub(super) fn root_type_at(&self, schema: &Value, doc: &Doc, indent: &str) -> String {
        match &doc.root {
            Some(name) => name.clone(),
            None => self.expr(schema, doc, indent),
        }
    }

    /// `export interface ..` for objects with properties, else `export type .. = ..;`.
    fn declaration(&self, name: &str, schema: &Value, doc: &Doc) -> String {
        // An interface needs named members and nothing an interface cannot say.
        let combined = ["oneOf", "anyOf", "allOf", "enum", "const", "$ref"]
            .iter()
            .any(|k| schema.get(k).is_some());
        let object_type = matches!(schema.get("type"), None | Some(Value::String(_)))
            && schema
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or("object")
                == "object";
        let typed_extras = schema
            .get("additionalProperties")
            .is_some_and(Value::is_object);
        let is_plain_object = schema.get("properties").is_some_and(Value::is_object)
            && object_type
            && !combined
            && !typed_extras;
        if is_plain_object {
            format!("export interface {name} {}\n", self.object(schema, doc, ""))
        } else {
            format!("export type {name} = {};\n", self.expr(schema, doc, ""))
        }
    }

    /// The TypeScript type of `schema`, written at `indent` (for multi-line objects).
    pub(super) fn expr(&self, schema: &Value, doc: &Doc, indent: &str) -> String {
        let Value::Object(m) = schema else {
            return match schema {
                Value::Bool(false) => "never".into(),
                _ => "unknown".into(),
            };
        };
        let mut out = if let Some(Value::String(r)) = m.get("$ref") {
            self.reference(r, doc)
        } else if let Some(c) = m.get("const") {
            literal(c)
        } else if let Some(Value::Array(values)) = m.get("enum") {
            union(values.iter().map(literal).collect())
        } else if let Some(Value::Array(alts)) = m.get("oneOf").or_else(|| m.get("anyOf")) {
            union(alts.iter().map(|a| self.expr(a, doc, indent)).collect())
        } else if let Some(Value::Array(all)) = m.get("allOf") {
            let parts: Vec<String> = all
                .iter()
                .map(|a| format!("({})", self.expr(a, doc, indent)))
                .collect();
            if parts.is_empty() {
                "unknown".into()
            } else {
                parts.join(" & ")
            }
        } else {
            let types: Vec<String> = match m.get("type") {
                Some(Value::String(t)) => vec![t.clone()],
                Some(Value::Array(ts)) => ts
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect(),
                _ if m.contains_key("properties") => vec!["object".into()],
                _ if m.contains_key("items") || m.contains_key("prefixItems") => {
                    vec!["array".into()]
                }
                _ => vec![],
            };
            if types.is_empty() {
                "unknown".into()
            } else {
                union(
                    types
                        .iter()
                        .map(|t| self.of_type(t, schema, doc, indent))
                        .collect(),
                )
            }
        };
        if m.get("nullable").and_then(Value::as_bool) == Some(true) {
            out = union(vec![out, "null".into()]);
        }
        out
    }

    fn reference(&self, reference: &str, doc: &Doc) -> String {
        if reference == "#" {
            if let Some(root) = &doc.root {
                return root.clone();
            }
        }
        ref_key(reference)
            .and_then(|k| doc.defs.get(&k).cloned())
            .unwrap_or_else(|| "unknown".into())
    }

    fn of_type(&self, ty: &str, schema: &Value, doc: &Doc, indent: &str) -> String {
        match ty {
            "null" => "null".into(),
            "boolean" => "boolean".into(),
            "integer" | "number" => "number".into(),
            "string" => "string".into(),
            "array" => {
                if let Some(Value::Array(prefix)) = schema.get("prefixItems") {
                    let items: Vec<String> =
                        prefix.iter().map(|p| self.expr(p, doc, indent)).collect();
                    format!("[{}]", items.join(", "))
                } else {
                    let item = schema
                        .get("items")
                        .map_or_else(|| "unknown".into(), |i| self.expr(i, doc, indent));
                    format!("Array<{item}>")
                }
            }
            "object" => self.object(schema, doc, indent),
            _ => "unknown".into(),
        }
    }

    /// An object type: `{ member; .. }` for properties (optional unless `required`), with
    /// an index signature or `Record<string, ..>` for `additionalProperties`.
    fn object(&self, schema: &Value, doc: &Doc, indent: &str) -> String {
        let additional = match schema.get("additionalProperties") {
            Some(Value::Bool(false)) => None,
            Some(a @ Value::Object(_)) => Some(self.expr(a, doc, indent)),
            _ => Some("unknown".to_owned()),
        };
        let properties = match schema.get("properties") {
            Some(Value::Object(p)) if !p.is_empty() => p,
            _ => {
                return format!(
                    "Record<string, {}>",
                    additional.unwrap_or_else(|| "never".into())
                )
            }
        };
        let required: Vec<&str> = schema
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let inner = format!("{indent}  ");
        let mut out = String::from("{\n");
        let mut member_types = Vec::new();
        for (name, prop) in properties {
            let ty = self.expr(prop, doc, &inner);
            if let Some(d) = description(prop) {
                out.push_str(&doc_comment(&d, &inner));
            }
            let optional = if required.contains(&name.as_str()) {
                ""
            } else {
                "?"
            };
            out.push_str(&format!("{inner}{}{optional}: {ty};\n", property_key(name)));
            member_types.push(ty);
        }
        // Explicit additional members: TypeScript wants every property to fit the index
        // signature, so it is the union of theirs and the additional type.
        if let Some(Value::Object(_)) = schema.get("additionalProperties") {
            member_types.push(additional.unwrap_or_default());
            out.push_str(&format!("{inner}[key: string]: {};\n", union(member_types)));
        }
        out.push_str(indent);
        out.push('}');
        out
    }

    /// Declare a type the generator composed itself (not from a schema), e.g. a method's
    /// error union; `name` was claimed with [`Types::claim`].
    pub(super) fn declare_extra(&mut self, name: &str, doc: &str, body: &str) {
        self.decls.push(Decl {
            name: name.to_owned(),
            doc: Some(doc.to_owned()),
            variants: None,
            body: body.to_owned(),
        });
    }

    /// The declarations, each with its doc comment.
    pub(super) fn declarations(&self) -> String {
        let mut out = String::new();
        for decl in &self.decls {
            out.push('\n');
            let doc = match (&decl.doc, &decl.variants) {
                (Some(d), Some(v)) => format!("{d}\n\n{v}"),
                (d, v) => d.clone().or_else(|| v.clone()).unwrap_or_default(),
            };
            out.push_str(&doc_comment(&doc, ""));
            out.push_str(&decl.body);
        }
        out
    }
}

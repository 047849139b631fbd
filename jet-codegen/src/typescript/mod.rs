//! `jet codegen --lang typescript`: one ES module with the value types and a client class
//! per node type over the node-jet 3 peer API (`import { Fetcher } from 'node-jet'`).
//!
//! The shape, per node type `Boiler` (docs/SCHEMAS.md has the naming rules):
//!
//! ```text
//! class BoilerClient {
//!   constructor(peer: Peer, path: string)
//!   getSetpoint(): Promise<number>
//!   setSetpoint(value: number): Promise<void>          (writable states only)
//!   watchSetpoint(onValue): Promise<Unwatch>           (current value, then each change)
//!   heat(minutes: number, power?: number | null): Promise<number>
//!   get burner(): BurnerClient                          (nested nodes)
//! }
//! function plant(peer): PlantClient                     (one per root node)
//! ```
//!
//! Watches take a callback and resolve, once the fetch is set up, to a function that ends
//! it: that is what node-jet's `Fetcher` offers, with nothing to buffer or drop.

mod types;

use serde_json::Value;

use crate::model::{Kind, Member, Model, NodeType};
use crate::names::{camel, pascal, prefixed, Scope};
use crate::{CodegenError, Element};
use types::{doc_comment, Doc, Types};

/// Words that cannot name a function or parameter.
const JS_RESERVED: &[&str] = &[
    "arguments",
    "await",
    "break",
    "case",
    "catch",
    "class",
    "const",
    "continue",
    "debugger",
    "default",
    "delete",
    "do",
    "else",
    "enum",
    "eval",
    "export",
    "extends",
    "false",
    "finally",
    "for",
    "function",
    "if",
    "implements",
    "import",
    "in",
    "instanceof",
    "interface",
    "let",
    "new",
    "null",
    "package",
    "private",
    "protected",
    "public",
    "return",
    "static",
    "super",
    "switch",
    "this",
    "throw",
    "true",
    "try",
    "typeof",
    "var",
    "void",
    "while",
    "with",
    "yield",
];

/// Names the module itself uses (imports, helpers) and global types a value type must not
/// shadow.
const MODULE_NAMES: &[&str] = &[
    "Fetcher",
    "Peer",
    "PublishMessage",
    "ValueType",
    "Unwatch",
    "jetJoin",
    "jetGet",
    "jetSet",
    "jetCall",
    "jetWatch",
    "jetEvents",
    "jetCallTyped",
    "jetServiceError",
    "JetServiceError",
    "Array",
    "Record",
    "Promise",
    "Object",
    "String",
    "Number",
    "Boolean",
    "Error",
    "Map",
    "Set",
    "Date",
    "Symbol",
    "Function",
    "JSON",
    "Math",
    "Partial",
    "Readonly",
    "Required",
    "Pick",
    "Omit",
];

/// The members every client class has.
const CLASS_MEMBERS: &[&str] = &["constructor", "peer", "path"];

/// The helpers over node-jet 3 a module may need; only those its clients use are written
/// (with `noUnusedLocals` a module with an unused helper would not compile).
#[derive(Debug, Default, Clone, Copy)]
struct Helpers {
    get: bool,
    set: bool,
    call: bool,
    watch: bool,
    events: bool,
    /// Some method declares `errors`: the `JetServiceError` class and its converter.
    errors: bool,
}

const JET_GET: &str = r#"
async function jetGet<T>(peer: Peer, path: string): Promise<T> {
  const found = await peer.get<ValueType>({ path: { equals: path } });
  const state = found.find((e) => e.path === path);
  if (state === undefined) {
    throw new Error(`${path}: no such state on the bus`);
  }
  return state.value as unknown as T;
}
"#;

const JET_SET: &str = r#"
async function jetSet(peer: Peer, path: string, value: ValueType): Promise<void> {
  await peer.set(path, value);
}
"#;

const JET_CALL: &str = r#"
async function jetCall<R>(peer: Peer, path: string, args: Record<string, unknown>): Promise<R> {
  // Left-out optional arguments are `undefined` here and absent on the wire.
  return (await peer.call(path, args as Record<string, ValueType>)) as unknown as R;
}
"#;

/// `jetCall` for methods that declare errors: a rejection that is one of them becomes a
/// `JetServiceError`.
const JET_CALL_TYPED: &str = r#"
async function jetCallTyped<R>(
  peer: Peer,
  path: string,
  args: Record<string, unknown>,
  errors: readonly { code: number; kind: string }[],
): Promise<R> {
  try {
    return await jetCall<R>(peer, path, args);
  } catch (err) {
    throw jetServiceError(err, errors);
  }
}
"#;

const JET_ERRORS: &str = r#"
/**
 * An error a method's owner answered with, one of those its schema declares: the JSON-RPC
 * `code`, the stable `kind` name and the error's `data` (whose `kind` member repeats it).
 * Each method that declares errors has a union of these as `<Node><Method>Error`.
 */
export class JetServiceError<K extends string = string, D = unknown> extends Error {
  constructor(
    readonly code: number,
    readonly kind: K,
    readonly data: D,
    message: string,
  ) {
    super(message);
    this.name = 'JetServiceError';
  }
}

// node-jet 3 rejects with the answer's `{code, message, data}`; a classic owner's `data`
// (where jet-runtime puts `kind`) arrives as `data.details` (PROTOCOL.md A.10). Anything
// that is not a declared error is passed on as it came.
function jetServiceError(err: unknown, errors: readonly { code: number; kind: string }[]): unknown {
  if (typeof err !== 'object' || err === null) {
    return err;
  }
  const { code, message, data } = err as { code?: unknown; message?: unknown; data?: unknown };
  const details =
    typeof data === 'object' && data !== null && 'details' in data
      ? (data as { details: unknown }).details
      : data;
  const kind =
    typeof details === 'object' && details !== null
      ? (details as { kind?: unknown }).kind
      : undefined;
  const declared = errors.find(
    (e) => e.code === code && (kind === undefined || e.kind === kind),
  );
  if (declared === undefined) {
    return err;
  }
  const text = typeof message === 'string' ? message : declared.kind;
  return new JetServiceError(declared.code, declared.kind, details, text);
}
"#;

const JET_WATCH: &str = r#"
async function jetWatch<T>(peer: Peer, path: string, onValue: (value: T) => void): Promise<Unwatch> {
  const fetcher = new Fetcher().path('equals', path);
  fetcher.on('data', (update: PublishMessage<ValueType>) => {
    if (update.event !== 'Remove') {
      onValue(update.value as unknown as T);
    }
  });
  await peer.fetch(fetcher);
  return async () => {
    await peer.unfetch(fetcher);
  };
}
"#;

const JET_EVENTS: &str = r#"
// An event stream's state is `{seq, event}` (`event` null before the first one): only the
// events emitted after the watch started, unwrapped, with their sequence number.
async function jetEvents<E extends { seq: number; event: unknown }>(
  peer: Peer,
  path: string,
  onEvent: (event: NonNullable<E['event']>, seq: number) => void,
): Promise<Unwatch> {
  const fetcher = new Fetcher().path('equals', path);
  fetcher.on('data', (update: PublishMessage<ValueType>) => {
    const value = update.value as unknown as E | undefined;
    if (update.event === 'Change' && value && value.event !== null && value.event !== undefined) {
      onEvent(value.event as NonNullable<E['event']>, value.seq);
    }
  });
  await peer.fetch(fetcher);
  return async () => {
    await peer.unfetch(fetcher);
  };
}
"#;

impl Helpers {
    /// The imports and the helpers this module uses, in a fixed order.
    fn prelude(&self) -> String {
        let watches = self.watch || self.events;
        let call = self.call || self.errors;
        let mut out = String::new();
        if watches {
            out.push_str("import { Fetcher } from 'node-jet';\n");
        }
        let mut types = vec!["Peer"];
        if watches {
            types.push("PublishMessage");
        }
        if self.get || self.set || call || watches {
            types.push("ValueType");
        }
        out.push_str(&format!(
            "import type {{ {} }} from 'node-jet';\n",
            types.join(", ")
        ));
        if watches {
            out.push_str(
                "\n/** Ends a watch: unfetches, and resolves once the daemon has confirmed. */\n\
                 export type Unwatch = () => Promise<void>;\n",
            );
        }
        out.push_str(
            "\nfunction jetJoin(node: string, rel: string): string {\n  return node === '' ? rel : `${node}/${rel}`;\n}\n",
        );
        let parts = [
            (self.get, JET_GET),
            (self.set, JET_SET),
            (call, JET_CALL),
            (self.errors, JET_ERRORS),
            (self.errors, JET_CALL_TYPED),
            (self.watch, JET_WATCH),
            (self.events, JET_EVENTS),
        ];
        for (used, text) in parts {
            if used {
                out.push_str(text);
            }
        }
        out
    }
}

/// The TypeScript module for `elements`.
pub fn typescript(elements: &[Element]) -> Result<String, CodegenError> {
    let model = Model::build(elements)?;
    let mut scope = Scope::with_reserved(MODULE_NAMES);
    for word in JS_RESERVED {
        scope.claim(word);
    }
    let clients: Vec<String> = model
        .types
        .iter()
        .map(|t| scope.claim(&format!("{}Client", pascal(&t.name))))
        .collect();
    let mut types = Types::new(scope);
    let mut helpers = Helpers::default();
    let classes: Vec<String> = model
        .types
        .iter()
        .enumerate()
        .map(|(i, t)| class(t, &clients[i], &clients, &mut types, &mut helpers))
        .collect();
    let mut factories = String::new();
    for root in &model.roots {
        let wanted = if root.path.is_empty() {
            "root".to_owned()
        } else {
            camel(&root.path)
        };
        let name = types.claim(&wanted);
        let client = &clients[root.type_index];
        factories.push_str(&format!(
            "\n/** The `{}` node (`{client}`) on `peer`'s bus. */\nexport function {name}(peer: Peer): {client} {{\n  return new {client}(peer, {});\n}}\n",
            display_path(&root.path),
            string(&root.path)
        ));
    }
    let mut out = String::from(
        "// Generated by `jet codegen --lang typescript` from the schemas of a Jet bus.\n\
         // Do not edit: regenerate instead.\n\n",
    );
    out.push_str(&helpers.prelude());
    out.push_str(&types.declarations());
    for c in &classes {
        out.push('\n');
        out.push_str(c);
    }
    out.push_str(&factories);
    Ok(out)
}

fn string(s: &str) -> String {
    Value::String(s.to_owned()).to_string()
}

fn display_path(path: &str) -> &str {
    if path.is_empty() {
        "(top level)"
    } else {
        path
    }
}

/// The client class of one node type.
fn class(
    ty: &NodeType,
    name: &str,
    clients: &[String],
    types: &mut Types,
    helpers: &mut Helpers,
) -> String {
    let mut scope = Scope::with_reserved(CLASS_MEMBERS);
    let mut body = String::new();
    for member in &ty.members {
        match member.kind {
            Kind::State { read_only, event } => {
                body.push_str(&state(member, read_only, event, &mut scope, types, helpers))
            }
            Kind::Method => {}
        }
    }
    for child in &ty.children {
        let accessor = scope.claim(&camel(&child.rel));
        let client = &clients[child.type_index];
        body.push_str(&format!(
            "\n  /** The nested node `{}`. */\n  get {accessor}(): {client} {{\n    return new {client}(this.peer, jetJoin(this.path, {}));\n  }}\n",
            child.rel,
            string(&child.rel)
        ));
    }
    for member in ty.members.iter().filter(|m| m.kind == Kind::Method) {
        body.push_str(&method(member, &ty.name, &mut scope, types, helpers));
    }
    let at: Vec<&str> = ty.paths.iter().map(|p| display_path(p)).collect();
    let doc = format!(
        "A client of `{}` nodes (on the bus at {}).",
        ty.name,
        at.iter()
            .map(|p| format!("`{p}`"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    format!(
        "{}export class {name} {{\n  /** `peer`: a connected node-jet 3 peer; `path`: where the node is. */\n  constructor(readonly peer: Peer, readonly path: string) {{}}\n{body}}}\n",
        doc_comment(&doc, "")
    )
}

fn description(schema: &Value) -> String {
    schema
        .get("description")
        .and_then(Value::as_str)
        .unwrap_or("")
        .trim()
        .to_owned()
}

/// `get`/`set`/`watch` of one state (`set` only if writable, only `watch` for events).
fn state(
    member: &Member,
    read_only: bool,
    event: bool,
    scope: &mut Scope,
    types: &mut Types,
    helpers: &mut Helpers,
) -> String {
    let doc_ctx = types.document(&member.schema);
    let ty = types.root_type(&member.schema, &doc_ctx);
    let base = camel(&member.rel);
    let what = description(&member.schema);
    let about = if what.is_empty() {
        format!("`{}`", member.rel)
    } else {
        format!("`{}`: {what}", member.rel)
    };
    let path = string(&member.rel);
    let mut out = String::new();
    if !event {
        helpers.get = true;
        let get = scope.claim(&prefixed("get", &base));
        out.push_str(&format!(
            "\n{}  {get}(): Promise<{ty}> {{\n    return jetGet<{ty}>(this.peer, jetJoin(this.path, {path}));\n  }}\n",
            doc_comment(&format!("The current value of {about}"), "  ")
        ));
    }
    if !read_only && !event {
        helpers.set = true;
        let set = scope.claim(&prefixed("set", &base));
        out.push_str(&format!(
            "\n{}  {set}(value: {ty}): Promise<void> {{\n    return jetSet(this.peer, jetJoin(this.path, {path}), value);\n  }}\n",
            doc_comment(
                &format!("Ask the owner to set {about}\n\nRejects with the owner's error if it refuses the value."),
                "  "
            )
        ));
    }
    let watch = scope.claim(&prefixed("watch", &base));
    // jet-runtime's event streams carry `{seq, event}`: unwrap them. An event stream of
    // another shape is watched change by change.
    let wrapped = ["seq", "event"]
        .iter()
        .all(|key| member.schema["properties"][key].is_object());
    if event && wrapped {
        helpers.events = true;
        out.push_str(&format!(
            "\n{}  {watch}(onEvent: (event: NonNullable<{ty}['event']>, seq: number) => void): Promise<Unwatch> {{\n    return jetEvents<{ty}>(this.peer, jetJoin(this.path, {path}), onEvent);\n  }}\n",
            doc_comment(
                &format!("Watch the events of {about}\n\n`onEvent` gets each event emitted after the watch started, with its sequence number; the promise resolves to the function that ends the watch."),
                "  "
            )
        ));
        return out;
    }
    helpers.watch = true;
    out.push_str(&format!(
        "\n{}  {watch}(onValue: (value: {ty}) => void): Promise<Unwatch> {{\n    return jetWatch<{ty}>(this.peer, jetJoin(this.path, {path}), onValue);\n  }}\n",
        doc_comment(
            &format!("Watch {about}\n\n`onValue` gets {}; the promise resolves to the function that ends the watch.", if event { "each event" } else { "the current value, then each change" }),
            "  "
        )
    ));
    out
}

/// One parameter of a method: wire name, identifier, type, whether it may be left out.
struct Param {
    wire: String,
    ident: String,
    ty: String,
    required: bool,
    doc: String,
}

fn params(schema: Option<&Value>, doc: &Doc, types: &Types) -> Vec<Param> {
    let Some(schema) = schema else {
        return Vec::new();
    };
    let Some(Value::Object(props)) = schema.get("properties") else {
        return Vec::new();
    };
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    // `x-positional` gives the order when it names exactly the properties.
    let positional: Option<Vec<&str>> = schema
        .get("x-positional")
        .and_then(Value::as_array)
        .map(|p| p.iter().filter_map(Value::as_str).collect());
    let order: Vec<&str> = match positional {
        Some(p) if p.len() == props.len() && p.iter().all(|n| props.contains_key(*n)) => p,
        _ => props.keys().map(String::as_str).collect(),
    };
    let mut scope = Scope::with_reserved(JS_RESERVED);
    for helper in MODULE_NAMES {
        scope.claim(helper);
    }
    order
        .into_iter()
        .map(|wire| Param {
            wire: wire.to_owned(),
            ident: scope.claim(&camel(wire)),
            ty: types.expr(&props[wire], doc, "  "),
            required: required.contains(&wire),
            doc: description(&props[wire]),
        })
        .collect()
}

/// One error a method declares (`errors`: `[{code, kind, message?, description?, data}]`).
struct DeclaredError {
    code: i64,
    kind: String,
    text: Option<String>,
    /// The TypeScript type of its `data`.
    data: String,
}

/// The errors a method declares; entries without an integer `code` or a `kind` are skipped
/// (nothing could recognise them).
fn declared_errors(schema: &Value, types: &mut Types) -> Vec<DeclaredError> {
    let Some(Value::Array(errors)) = schema.get("errors") else {
        return Vec::new();
    };
    errors
        .iter()
        .filter_map(|e| {
            let code = e.get("code")?.as_i64()?;
            let kind = e.get("kind")?.as_str()?.to_owned();
            let text = e
                .get("description")
                .or_else(|| e.get("message"))
                .and_then(Value::as_str)
                .map(str::to_owned);
            let data = match e.get("data") {
                Some(d) => {
                    let doc = types.document(d);
                    types.root_type_at(d, &doc, "  ")
                }
                None => "unknown".to_owned(),
            };
            Some(DeclaredError {
                code,
                kind,
                text,
                data,
            })
        })
        .collect()
}

/// One async fn per method: arguments in `x-positional` order, trailing optional ones
/// optional, sent by name.
fn method(
    member: &Member,
    node_type: &str,
    scope: &mut Scope,
    types: &mut Types,
    helpers: &mut Helpers,
) -> String {
    let params_schema = member.schema.get("params");
    let params_doc = params_schema.map(|p| types.document(p)).unwrap_or_default();
    let params = params(params_schema, &params_doc, types);
    let result = match member.schema.get("result") {
        Some(r) => {
            let doc = types.document(r);
            types.root_type(r, &doc)
        }
        None => "unknown".into(),
    };
    let result = if result == "null" {
        "void".to_owned()
    } else {
        result
    };
    let name = scope.claim(&camel(&member.rel));
    // Only trailing optional parameters may be left out in TypeScript.
    let optional_from = params.iter().rposition(|p| p.required).map_or(0, |i| i + 1);
    let signature: Vec<String> = params
        .iter()
        .enumerate()
        .map(|(i, p)| {
            if i >= optional_from {
                format!("{}?: {}", p.ident, p.ty)
            } else if p.required {
                format!("{}: {}", p.ident, p.ty)
            } else {
                format!("{}: {} | undefined", p.ident, p.ty)
            }
        })
        .collect();
    let args: Vec<String> = params
        .iter()
        .map(|p| format!("{}: {}", string(&p.wire), p.ident))
        .collect();
    let args = if args.is_empty() {
        "{}".to_owned()
    } else {
        format!("{{ {} }}", args.join(", "))
    };
    let mut doc = description(&member.schema);
    if doc.is_empty() {
        doc = format!("Call `{}`.", member.rel);
    }
    let mut tags: Vec<String> = params
        .iter()
        .filter(|p| !p.doc.is_empty())
        .map(|p| format!("@param {} {}", p.ident, p.doc))
        .collect();
    let errors = declared_errors(&member.schema, types);
    let call = if errors.is_empty() {
        helpers.call = true;
        format!(
            "jetCall<{result}>(this.peer, jetJoin(this.path, {}), {args})",
            string(&member.rel)
        )
    } else {
        helpers.errors = true;
        let error_type = types.claim(&format!(
            "{}{}Error",
            pascal(node_type),
            pascal(&member.rel)
        ));
        let variants: Vec<String> = errors
            .iter()
            .map(|e| format!("JetServiceError<{}, {}>", string(&e.kind), e.data))
            .collect();
        types.declare_extra(
            &error_type,
            &format!(
                "The errors `{}` of a `{node_type}` node may reject with, as `JetServiceError`s.",
                member.rel
            ),
            &format!(
                "export type {error_type} =\n  | {};\n",
                variants.join("\n  | ")
            ),
        );
        for e in &errors {
            let text = e
                .text
                .as_deref()
                .map(|t| format!(": {t}"))
                .unwrap_or_default();
            tags.push(format!(
                "@throws {{{error_type}}} code {} (`{}`){text}",
                e.code, e.kind
            ));
        }
        let list: Vec<String> = errors
            .iter()
            .map(|e| format!("{{ code: {}, kind: {} }}", e.code, string(&e.kind)))
            .collect();
        format!(
            "jetCallTyped<{result}>(this.peer, jetJoin(this.path, {}), {args}, [{}])",
            string(&member.rel),
            list.join(", ")
        )
    };
    if !tags.is_empty() {
        doc = format!("{doc}\n\n{}", tags.join("\n"));
    }
    format!(
        "\n{}  {name}({}): Promise<{result}> {{\n    return {call};\n  }}\n",
        doc_comment(&doc, "  "),
        signature.join(", "),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn generate(elements: &[(&str, Value)]) -> String {
        let elements: Vec<Element> = elements
            .iter()
            .map(|(path, schema)| Element {
                path: (*path).into(),
                schema: schema.clone(),
            })
            .collect();
        typescript(&elements).unwrap()
    }

    /// Whether `text` has `line` as one of its lines, ignoring indentation.
    fn has_line(text: &str, line: &str) -> bool {
        text.lines().any(|l| l.trim() == line)
    }

    fn assert_lines(text: &str, lines: &[&str]) {
        for line in lines {
            assert!(has_line(text, line), "missing line `{line}` in:\n{text}");
        }
    }

    /// A hand-written schema (no schemars): `$defs` with `$ref`s between them, a `oneOf`
    /// string enum, nullable and optional members, arrays and a map.
    #[test]
    fn hand_written_schemas_with_defs_refs_enums_and_nullables() {
        let device = json!({
            "$defs": {
                "Alarm": {
                    "description": "Something to look at.",
                    "type": "object",
                    "properties": {
                        "code": {"type": "integer", "description": "Vendor code."},
                        "level": {"$ref": "#/$defs/Level"},
                        "note": {"type": ["string", "null"]},
                        "acknowledgedBy": {"type": "string", "nullable": true}
                    },
                    "required": ["code", "level"]
                },
                "Level": {
                    "oneOf": [
                        {"const": "info", "description": "Informational."},
                        {"const": "fault"}
                    ]
                }
            },
            "type": "object",
            "properties": {
                "alarms": {"type": "array", "items": {"$ref": "#/$defs/Alarm"}},
                "counters": {"type": "object", "additionalProperties": {"type": "integer"}},
                "pair": {"type": "array", "prefixItems": [{"type": "string"}, {"type": "number"}]},
                "colour": {"enum": ["red", "green", null]},
                "any": true
            },
            "required": ["alarms"],
            "readOnly": true
        });
        let ts = generate(&[("dev/state", device)]);
        assert_lines(
            &ts,
            &[
                "export interface Alarm {",
                "/** Vendor code. */",
                "code: number;",
                "level: Level;",
                "note?: string | null;",
                "acknowledgedBy?: string | null;",
                "export type Level = \"info\" | \"fault\";",
                "/** Something to look at. */",
                "alarms: Array<Alarm>;",
                "counters?: Record<string, number>;",
                "pair?: [string, number];",
                "colour?: \"red\" | \"green\" | null;",
                "any?: unknown;",
                "getState(): Promise<{",
            ],
        );
        assert!(
            ts.contains("`\"info\"`: Informational."),
            "variants are documented"
        );
        assert!(!ts.contains("setState"), "read-only states have no setter");
        assert!(ts.contains("watchState(onValue: (value: {"));
    }

    #[test]
    fn equal_named_types_are_declared_once_different_ones_get_a_suffix() {
        let mode = json!({"title": "Mode", "enum": ["a", "b"]});
        let other_mode = json!({"$defs": {"Mode": {"enum": ["x"]}}, "$ref": "#/$defs/Mode"});
        let same_mode = json!({"$defs": {"Mode": {"description": "Two.", "enum": ["a", "b"]}},
                               "type": "array", "items": {"$ref": "#/$defs/Mode"}});
        let ts = generate(&[("n/a", mode), ("n/b", other_mode), ("n/c", same_mode)]);
        assert_lines(
            &ts,
            &[
                "export type Mode = \"a\" | \"b\";",
                "export type Mode2 = \"x\";",
                "getB(): Promise<Mode2> {",
                "getC(): Promise<Array<Mode>> {",
                "/** Two. */",
            ],
        );
        assert_eq!(ts.matches("export type Mode ").count(), 1);
    }

    #[test]
    fn methods_take_positional_parameters_with_trailing_optionals() {
        let heat = json!({
            "description": "Heat.",
            "params": {
                "type": "object",
                "properties": {
                    "power": {"type": ["integer", "null"], "description": "Percent."},
                    "minutes": {"type": "integer"},
                    "note": {"type": "string"},
                    "default": {"type": "boolean"}
                },
                "required": ["minutes"],
                "x-positional": ["minutes", "power", "note", "default"]
            },
            "result": {"type": "number"},
            "errors": [{"code": 1001, "kind": "off", "message": "the boiler is off", "data": {}}]
        });
        let skip = json!({
            "params": {"type": "object", "properties": {"a": {}, "b": {}}, "required": ["b"]},
            "result": {"type": "null"}
        });
        let ts = generate(&[("b/heat", heat), ("b/skip", skip)]);
        assert_lines(
            &ts,
            &[
                "heat(minutes: number, power?: number | null, note?: string, default2?: boolean): Promise<number> {",
                "return jetCallTyped<number>(this.peer, jetJoin(this.path, \"heat\"), { \"minutes\": minutes, \"power\": power, \"note\": note, \"default\": default2 }, [{ code: 1001, kind: \"off\" }]);",
                "* @param power Percent.",
                "* @throws {BHeatError} code 1001 (`off`): the boiler is off",
                "export type BHeatError =",
                "| JetServiceError<\"off\", unknown>;",
                "skip(a: unknown | undefined, b: unknown): Promise<void> {",
            ],
        );
    }

    #[test]
    fn only_the_helpers_the_clients_use_are_written() {
        let methods_only = generate(&[("m/go", json!({"params": {}, "result": {}}))]);
        assert!(methods_only.contains("import type { Peer, ValueType } from 'node-jet';"));
        for unused in [
            "Fetcher",
            "jetGet",
            "jetSet",
            "jetWatch",
            "jetEvents",
            "Unwatch",
            "JetServiceError",
        ] {
            assert!(
                !methods_only.contains(unused),
                "{unused} in:\n{methods_only}"
            );
        }
        let read_only = generate(&[("s/t", json!({"type": "number", "readOnly": true}))]);
        assert!(read_only.contains("import { Fetcher } from 'node-jet';"));
        assert!(read_only.contains("async function jetGet<T>"));
        assert!(read_only.contains("async function jetWatch<T>"));
        for unused in ["jetSet", "jetCall", "jetEvents"] {
            assert!(!read_only.contains(unused), "{unused} in:\n{read_only}");
        }
    }

    #[test]
    fn member_names_come_from_segments_and_collisions_get_suffixes() {
        let ts = generate(&[
            ("dev/operating_hours", json!({"type": "number"})),
            ("dev/getOperatingHours", json!({"params": {}, "result": {}})),
            ("dev/path", json!({"params": {}, "result": {}})),
            ("dev/2", json!({"type": "boolean", "x-jet-event": true})),
            ("dev/sub/x", json!({"type": "number"})),
            ("dev/sub-", json!({"params": {}})),
        ]);
        assert_lines(
            &ts,
            &[
                "getOperatingHours(): Promise<number> {",
                "setOperatingHours(value: number): Promise<void> {",
                "getOperatingHours2(): Promise<unknown> {",
                "path2(): Promise<unknown> {",
                "watch2(onValue: (value: boolean) => void): Promise<Unwatch> {",
                "get sub(): SubClient {",
                "sub2(): Promise<unknown> {",
                "export function dev(peer: Peer): DevClient {",
            ],
        );
        assert!(!ts.contains("get2("), "events are only watched");
    }

    #[test]
    fn node_types_and_roots_are_named_from_tags_or_paths() {
        let tag = |ty: &str, node: &str| json!({"type": "number", "x-jet-node": {"type": ty, "path": node}});
        let ts = generate(&[
            ("a/l1/speed", tag("Line", "a/l1")),
            ("b/l2/speed", tag("Line", "b/l2")),
            ("class/x", json!({"type": "number"})),
            ("top", json!({"type": "number"})),
        ]);
        assert_lines(
            &ts,
            &[
                "export class LineClient {",
                "export class ClassClient {",
                "export class RootClient {",
                "export function root(peer: Peer): RootClient {",
                "get aL1(): LineClient {",
                "get class(): ClassClient {",
            ],
        );
        assert_eq!(ts.matches("export class LineClient").count(), 1);
    }
}

//! The macros of jet-runtime's typed layer. Use them through `jet_runtime` (re-exported
//! there, with the traits they implement); this crate is an implementation detail.
//!
//! Layout: `attr` parses `#[jet(...)]` (closed key lists, spanned errors), `ir` is the
//! plain model, `parse` turns syn items into it and checks every rule, `expand` renders it.

mod attr;
mod expand;
mod ir;
mod parse;

use proc_macro::TokenStream;
use syn::{parse_macro_input, DeriveInput, ItemImpl};

/// Serve a struct's fields as Jet states: each named field is a state at
/// `<mount path>/<field name>` when the value is served with `peer.serve(path, value)`.
///
/// Also generates `<Name>Client` (same visibility as the struct): `new(&peer, path)`,
/// `set_<field>(value)` (not for `read_only` fields), `get_<field>()`,
/// `watch_<field>()` (a stream of `Watched<T>` items: `Value(v)`, or `Absent` while
/// nothing is served at the path; it goes on when the service comes back, restarted or
/// not), `<node field>()` (the nested node's client), `<event field>()` (a stream of the
/// events emitted from then on), and, from a `#[jet_runtime::methods]` block, one async fn
/// per method and `get_`/`watch_` per computed state.
///
/// A settable field's type needs `Serialize + Deserialize + JsonSchema`
/// (`typed::SettableValue`). A `read_only` field's needs only `Serialize + JsonSchema`
/// (`typed::StateValue`): serving never decodes it, and the client's `get_<field>` and
/// `watch_<field>` ask for `Deserialize` (`typed::DecodedValue`) only where they are
/// called (so does a method's client fn for its result). A type that falls short is one
/// error at the field naming what to derive (or `#[jet(skip)]`); an `event` field's event
/// type needs all three. The struct itself needs none of these, and no generic parameters.
///
/// Paths served twice are compile errors where the macros can see them: a method at a
/// field's path (field `temperature` and `pub fn temperature`), a field renamed onto a
/// nested node's state, a method fn named like a field's client fn (`get_setpoint` next to
/// field `setpoint`; rustc also reports the duplicate definition). The methods of nested
/// nodes (and computed states) are only known when serving: `serve` refuses those clashes
/// with `TypedError::DuplicatePath`.
///
/// # Field keys: `#[jet(...)]`
///
/// | key | effect |
/// |---|---|
/// | `rename = "name"` | the state's path segment (default: the field name); may contain `/` |
/// | `read_only` | added fetch-only: other peers cannot set it; change it with `Served::update` |
/// | `skip` | not on the bus at all |
/// | `node` | the field is a struct with `#[derive(Node)]`: its states go one level deeper (`<path>/<field>/<inner>`); `read_only`/`access` apply to all of them |
/// | `event` | the field is a `jet_runtime::Event<T>`: a fetch-only state carrying one event per `change` (below); not with `node` or `validate` |
/// | `validate = "path::to::fn"` | `fn(&FieldType) -> Result<(), E>` with `E: Display`, called before a remote set is stored; `Err` refuses the set (`-32602` with the message) |
/// | `access(fetch = ["group"], set = ["group"])` | element access groups (`fetchGroups`, `setGroups`) |
///
/// A field of struct type without `node` is one state whose value is the whole struct.
///
/// An `event` field (`#[jet(event)] alarms: jet_runtime::Event<Alarm>`, with
/// `Alarm: Serialize + Deserialize + JsonSchema`) is the fetch-only state `<path>/alarms`
/// whose value is `{"seq": n, "event": <Alarm>}` (`{"seq": n, "event": null}` before the
/// first), its schema marked `"x-jet-event": true` and `"readOnly": true`. Each
/// `alarms.emit(alarm).await` sends one `change` at once (`seq` counts, so equal events are
/// two changes); updates and methods never resend it. Clones of the field are the same
/// stream: keep one in a background task. The client's `alarms()` is a stream of the
/// events emitted after it subscribed.
///
/// A `node` field also brings its type's `#[jet_runtime::methods]` (and those of its own
/// nested nodes) to `<path>/<field>/<method>`, and the generated nested client offers
/// them. They run on the field but under the lock of the whole served value: a nested
/// `&mut self` method takes the outer value's write lock (excluding every other method,
/// set and update of that served value) and publishes changes anywhere in it. The
/// field's `access` applies to those methods too (its `set` groups as call groups) unless
/// a method has its own; `read_only` does not affect methods.
///
/// Every value is encoded to JSON with non-finite floats refused (JSON has no NaN or
/// infinity; `serde_json` would send `null`): serving, `update` and sets fail with
/// `TypedError::Encode` naming the state.
/// Doc comments become the `description` of the state's JSON Schema.
#[proc_macro_derive(Node, attributes(jet))]
pub fn derive_node(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    match parse::node(&input) {
        Ok(ir) => expand::node(&ir).into(),
        Err(e) => e.to_compile_error().into(),
    }
}

/// Make an enum a method error that reaches Rust callers as itself: each variant is one
/// kind of error with its own JSON-RPC code, its fields travel in the error object's
/// `data`, and the client generated by `#[jet_runtime::methods]` returns
/// `Result<T, ClientError<ThisEnum>>` for every method whose error type it is.
///
/// Implements `jet_runtime::typed::JetError` (encoder, decoder, schemas) and the hidden
/// trait the methods macro takes error types through, so the enum needs no
/// `IntoErrorObject` impl (and must not have one). Field types need
/// `Serialize + Deserialize + JsonSchema`. The enum may have no generic parameters.
///
/// # On the wire
///
/// `{"code": <code>, "message": <message>, "data": {"kind": "<Variant>", ..}}`, the rest of
/// `data` being
///
/// * a struct variant's fields by name (`Jammed { force: u32 }` → `{"kind": "Jammed",
///   "force": 3}`; an `Option` field may be absent),
/// * a tuple variant's field as `value` (`Busy(u32)` → `{"kind": "Busy", "value": 3}`),
///   several as an array (`Busy(u32, String)` → `"value": [3, "pump"]`),
/// * nothing for a unit variant (`{"kind": "Off"}`).
///
/// The message is the variant's `message` template, else the enum's `Display` if it has
/// one (e.g. from `thiserror`), else the variant's name. A client turns an error object
/// back into the variant whose code and kind it carries (`ClientError::Service`); any other
/// failure is `ClientError::Transport(TypedError)`.
///
/// # Keys: `#[jet(...)]`
///
/// | where | key | effect |
/// |---|---|---|
/// | enum | `code = 1000` | the code of every variant without its own |
/// | variant | `code = 1001` | the variant's code (every variant needs one, its own or the enum's) |
/// | variant | `message = "too hot: {temperature} °C"` | the message; `{field}` (`{0}` in a tuple variant) is the field's `Display`, format specs such as `{t:.1}` work, `{{` is a brace |
/// | variant | `rename = "tooHot"` | `data.kind` (default: the variant's name) |
///
/// Codes -32768 to -32000 are refused: JSON-RPC reserves them, and Jet's own errors
/// (`-32602 Invalid params`, `-32001 Response Timeout`, ...) are among them, so a caller
/// could not tell a service's error from the daemon's. Two variants may share a code;
/// their kinds must differ.
///
/// Every method returning the enum lists its variants in its schema's `errors`:
/// `[{"code", "kind", "message"? (the template), "description"? (the variant's doc
/// comment), "data" (JSON Schema of `data`)}]`.
#[proc_macro_derive(JetError, attributes(jet))]
pub fn derive_jet_error(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    match parse::jet_error(&input) {
        Ok(ir) => expand::jet_error(&ir).into(),
        Err(e) => e.to_compile_error().into(),
    }
}

/// Serve the `pub fn`s of an inherent impl block as Jet methods at
/// `<mount path>/<fn name>`, for a type that also has `#[derive(Node)]`.
///
/// * Receivers: `&self` methods take a read lock on the served value and may run
///   concurrently; `&mut self` methods take the write lock and run one at a time (also
///   excluding remote sets and `Served::update`). `async fn` holds its lock until it
///   returns.
/// * Arguments are decoded from a JSON array (positional) or object (named, by argument
///   name). `Option<T>` arguments may be left out. Argument types need
///   `Deserialize + JsonSchema` and must be owned (no references, no `impl Trait`).
/// * Return `T` (`Serialize + JsonSchema`), nothing (`null`), or `Result<T, E>` with
///   `E` a `#[derive(JetError)]` enum (one error object per variant, the client gets the
///   enum back) or `E: IntoErrorObject` (the error object the caller receives). A return
///   type named `Result` with other than two arguments is taken as an alias of one
///   (`anyhow::Result<T>`, `std::io::Result<T>`, your own `type Result<T>`); it must be a
///   `std::result::Result`. An alias with another name (`type Fallible<T> = Result<T, E>`)
///   needs `#[jet(result)]` on the fn: a macro sees names, not types. Without the key such
///   an alias is a compile error (found by the trait system: every plain return type is
///   checked not to be a `Result`), not a value sent as `{"Ok": ..}`.
///   `IntoErrorObject` is implemented for `ErrorObject`, `String`, `&str`, `PeerError`,
///   `TypedError`, `std::io::Error`, `Box<dyn Error + Send + Sync>` and, with the
///   `anyhow` feature of jet-runtime, `anyhow::Error` (`-32603`, message with its context
///   chain).
/// * The type must have `#[derive(Node)]` (else: "`Name` is not a Jet node", besides
///   rustc's "cannot find type `NameClient`"), and one `#[jet_runtime::methods]` block
///   holds all of its methods (a second block is refused: "conflicting implementations of
///   trait `Methods`" and "duplicate definitions with name
///   `only_one_jet_methods_block_per_type`").
/// * Context: a method may take `ctx: &jet_runtime::Context<Self>` anywhere among its
///   arguments (recognised by type: a shared reference to `Context<..>`). It is not a wire
///   argument (not in the schema, not in the client fn). `ctx.changed()` makes the call
///   publish every state whose JSON changed when the method returns, before the answer:
///   for `&self` methods changing the value through a `Mutex` or an atomic.
///   `ctx.handle()` is a `Handle` for a spawned task, `ctx.peer()` the serving peer,
///   `ctx.caller()` the caller's user where the daemon forwards it (none does: `None`). A
///   nested node's method gets the context of its node (its path, a handle to the field).
/// * Computed states: `#[jet(state)] pub fn fahrenheit(&self) -> f64` is not a method but
///   a read-only state at `<mount path>/fahrenheit` (renamed with `rename`, fetch groups
///   with `access(fetch = [..])`) whose value is what the fn returns: `&self`, no
///   arguments, not `async`, an owned `Serialize + Deserialize + JsonSchema` value (not a
///   `Result`). It is recomputed on every publish (an update, a `&mut self` method, a
///   remote set, `changed()`) and sent only when its JSON changed; the client has
///   `get_fahrenheit()` and `watch_fahrenheit()`, no `set_`.
/// * Fns without `pub` are left alone; a `pub fn` without `self` must be marked
///   `#[jet(skip)]`.
/// * A fn's `#[cfg(..)]` applies to everything generated for it; its `#[allow(..)]`s (and
///   `#[expect(..)]`s, as `allow`) also go on its client fn, which has the same arguments
///   (`#[allow(clippy::too_many_arguments)]`).
/// * Raw identifiers lose their `r#` on the wire: `pub fn r#match(&self, r#in: u32)` is
///   the method `match` with the named argument `in` (the same for field names).
/// * A `&mut self` method publishes `change` for every state of the served value whose
///   JSON changed before it answers. If that cannot be encoded (a non-finite float, ...)
///   the caller gets `-32603` saying the method ran but its changes were not published;
///   they are published by the next successful update.
/// * A method that panics is answered at once with `-32603`, message
///   ``method `<path>` panicked``, the panic's message in `data.message`; the service keeps
///   serving. What a `&mut self` method changed before the panic stays in the value (the
///   lock does not poison) and is published like any other change.
///
/// # Method keys: `#[jet(...)]`
///
/// | key | effect |
/// |---|---|
/// | `rename = "name"` | the method's path segment (default: the fn name) |
/// | `skip` | not a Jet method |
/// | `state` | a computed read-only state instead of a method (see above) |
/// | `result` | the return type is a `Result` alias whose name is not `Result` |
/// | `access(fetch = ["group"], call = ["group"])` | element access groups (`fetchGroups`, `callGroups`) |
///
/// The generated client gets `async fn <fn name>(&self, <same arguments>) ->
/// Result<T, Error>`: `Error` is `ClientError<E>` when the method's error type `E` derives
/// `JetError` (`Service(E)` for the method's own errors, `Transport(TypedError)` for the
/// rest), else `TypedError` (method errors arrive as `TypedError::Peer`).
#[proc_macro_attribute]
pub fn methods(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut item = parse_macro_input!(item as ItemImpl);
    let parsed = parse::methods(args.into(), &item);
    // `jet` is not an attribute the compiler knows outside a derive: take it off the fns.
    for impl_item in &mut item.items {
        if let syn::ImplItem::Fn(f) = impl_item {
            f.attrs.retain(|a| !a.path().is_ident("jet"));
        }
    }
    let generated = match parsed {
        Ok(ir) => expand::methods(&ir),
        Err(e) => e.to_compile_error(),
    };
    quote::quote!(#item #generated).into()
}

//! What a field's type must be to become a state, as one trait each, so that a type that
//! falls short gets one error at the field saying what to write instead of one error per
//! missing serde/schemars bound deep inside the generated code.
//!
//! Each trait has a blanket impl marked `#[diagnostic::do_not_recommend]`: rustc then
//! reports the unmet trait itself (with its `on_unimplemented` text) rather than each of
//! its supertraits. The generated client's fns do not repeat these bounds: they carry
//! `where` clauses of their own (see `jet-derive`'s expansion), so `Deserialize` is needed
//! only by the client fns that decode.

use schemars::JsonSchema;
use serde::de::DeserializeOwned;
use serde::Serialize;

/// A type a read-only state can have: it is sent (`Serialize`) and described
/// (`JsonSchema`). Implemented for every such type.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be served as a Jet state",
    label = "a `read_only` field's type needs `Serialize` and `JsonSchema`",
    note = "derive them (`#[derive(Serialize, JsonSchema)]`; `Deserialize` too if clients call `get_`/`watch_`), or leave the field off the bus with `#[jet(skip)]`"
)]
pub trait StateValue: Serialize + JsonSchema + 'static {}

#[diagnostic::do_not_recommend]
impl<T: Serialize + JsonSchema + 'static> StateValue for T {}

/// A type a state other peers may set can have: it is also decoded from their requests
/// (`Deserialize`). Implemented for every such type.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be served as a Jet state",
    label = "a settable field's type needs `Serialize`, `Deserialize` and `JsonSchema`",
    note = "derive them (`#[derive(Serialize, Deserialize, JsonSchema)]`), mark the field `#[jet(read_only)]` (then `Deserialize` is not needed to serve it), or leave it off the bus with `#[jet(skip)]`"
)]
pub trait SettableValue: StateValue + DeserializeOwned {}

#[diagnostic::do_not_recommend]
impl<T: StateValue + DeserializeOwned> SettableValue for T {}

/// A type the generated client decodes: a field's for `get_<field>`/`watch_<field>`, a
/// method's result for its client fn. Those fns require it in a `where` clause, so a
/// `read_only` field or a result without `Deserialize` fails only where they are called.
/// Implemented for every `DeserializeOwned` type.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be decoded by the generated client",
    label = "this client fn decodes a `{Self}` from the bus, so it needs `Deserialize`",
    note = "derive `Deserialize` for it; without it the service still serves a `read_only` field or a method's result, but its client cannot read them"
)]
pub trait DecodedValue: DeserializeOwned {}

#[diagnostic::do_not_recommend]
impl<T: DeserializeOwned> DecodedValue for T {}

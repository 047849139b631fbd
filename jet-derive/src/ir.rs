//! The plain model of what the macros generate: a node (struct and fields) and a method set
//! (impl block and fns). Parsing fills it and checks it; expansion only reads it.

use proc_macro2::Span;
use syn::{Attribute, Ident, Path, Type, Visibility};

use crate::attr::AccessLists;

/// A `#[derive(Node)]` struct.
pub(crate) struct NodeIr {
    pub(crate) ident: Ident,
    pub(crate) vis: Visibility,
    pub(crate) fields: Vec<FieldIr>,
}

/// A field that becomes states (skipped fields are not in the model).
pub(crate) struct FieldIr {
    pub(crate) ident: Ident,
    pub(crate) ty: Type,
    /// The path segment under the node (the field name, or `rename`).
    pub(crate) name: String,
    /// Where `name` was written (the `rename` string or the field name), for errors.
    pub(crate) name_span: Span,
    pub(crate) doc: String,
    pub(crate) role: FieldRole,
    pub(crate) access: Option<AccessLists>,
}

pub(crate) enum FieldRole {
    /// One state holding the field's value.
    State {
        read_only: bool,
        /// `validate = "path::to::fn"`, parsed with the string's span.
        validate: Option<Path>,
    },
    /// `#[jet(node)]`: the field's own states, one level deeper.
    Node { read_only: bool },
    /// `#[jet(event)]`: a `jet_runtime::Event<T>`, a fetch-only state per event stream.
    Event,
}

/// A `#[jet_runtime::methods]` impl block.
pub(crate) struct MethodsIr {
    pub(crate) self_ty: Type,
    /// `<Name>Client`, next to `<Name>`.
    pub(crate) client: Path,
    pub(crate) methods: Vec<MethodIr>,
    /// The `#[jet(state)]` getters: computed read-only states.
    pub(crate) getters: Vec<GetterIr>,
}

/// `#[jet(state)] pub fn name(&self) -> T`: a read-only state whose value is what the fn
/// returns.
pub(crate) struct GetterIr {
    pub(crate) ident: Ident,
    /// The path segment under the node (the fn name, or `rename`).
    pub(crate) name: String,
    pub(crate) doc: String,
    pub(crate) ty: Type,
    /// Only `fetch` groups: the state is fetch-only.
    pub(crate) access: Option<AccessLists>,
}

pub(crate) struct MethodIr {
    pub(crate) ident: Ident,
    /// The path segment under the node (the fn name, or `rename`).
    pub(crate) name: String,
    /// Where `name` was written (the `rename` string or the fn name), for errors.
    pub(crate) name_span: Span,
    pub(crate) doc: String,
    pub(crate) receiver: Receiver,
    pub(crate) is_async: bool,
    /// The wire arguments, in order (the context is not one of them).
    pub(crate) args: Vec<ArgIr>,
    /// `ctx: &jet_runtime::Context<Self>`: its position among all the fn's arguments
    /// after `self` (the wire arguments are passed around it).
    pub(crate) context: Option<usize>,
    pub(crate) output: Output,
    pub(crate) access: Option<AccessLists>,
    /// The fn's `#[cfg(..)]`s: everything generated for it exists only when the fn does.
    pub(crate) cfgs: Vec<Attribute>,
    /// The fn's `#[allow(..)]`s (and `#[expect(..)]`s as `allow`), for its client fn,
    /// which has the same arguments and so trips the same lints
    /// (`clippy::too_many_arguments`, ...).
    pub(crate) lints: Vec<Attribute>,
}

/// How the method borrows the served value, and so which lock it takes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Receiver {
    /// `&self`: a read lock; runs concurrently with other `&self` methods.
    Shared,
    /// `&mut self`: the write lock; one at a time.
    Exclusive,
}

pub(crate) struct ArgIr {
    pub(crate) ident: Ident,
    pub(crate) ty: Type,
}

pub(crate) enum Output {
    /// No return type: the result is `null`.
    Unit,
    Value(Box<Type>),
    /// `Result<T, E>`: `T` is the result, `E` becomes an error object.
    Result {
        ok: Box<Type>,
        err: Box<Type>,
    },
    /// A type named `Result` without the two arguments: an alias (`anyhow::Result<T>`,
    /// `io::Result<T>`, a user's `type Result<T>`), taken apart by the `ResultLike` trait.
    ResultAlias(Box<Type>),
}

/// A `#[derive(JetError)]` enum: one Jet error per variant.
pub(crate) struct ErrorEnumIr {
    pub(crate) ident: Ident,
    pub(crate) variants: Vec<ErrorVariantIr>,
}

pub(crate) struct ErrorVariantIr {
    pub(crate) ident: Ident,
    /// `data.kind` (the variant name, or `rename`).
    pub(crate) kind: String,
    /// The variant's `code`, or the enum's.
    pub(crate) code: i64,
    pub(crate) doc: String,
    pub(crate) message: Option<MessageIr>,
    pub(crate) fields: ErrorFieldsIr,
}

/// `#[jet(message = "..")]`: the template as written (for the schema) and as a format
/// string whose placeholders name bindings (`{temperature}` -> `{__jet_f_temperature}`,
/// `{0}` -> `{__jet_f_0}`), with the fields it uses.
pub(crate) struct MessageIr {
    pub(crate) template: String,
    pub(crate) format: String,
    pub(crate) used: Vec<FieldRef>,
}

/// A field of a variant, by name or position.
#[derive(Clone, PartialEq, Eq)]
pub(crate) enum FieldRef {
    Named(Ident),
    Index(usize),
}

pub(crate) enum ErrorFieldsIr {
    Unit,
    /// `{ a: A, .. }`: each field a member of `data`, named without `r#`.
    Named(Vec<(Ident, Type)>),
    /// `(A, ..)`: `data.value`, an array if there are several.
    Tuple(Vec<Type>),
}

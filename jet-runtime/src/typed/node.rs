//! What the macros implement: [`Node`] (states, from `#[derive(Node)]`) and [`Methods`]
//! (from `#[jet_runtime::methods]`), described as plain lists of [`StateInfo`] and
//! [`MethodInfo`] that [`serve`](crate::peer::Peer::serve) and the schema code read.
//!
//! The generated code stays thin: it names each field and method once and hands typed
//! accessors to the constructors here, which do the JSON work.

use std::marker::PhantomData;
use std::sync::Arc;

use futures_util::future::BoxFuture;
use schemars::JsonSchema;
use serde::Serialize;
use serde_json::Value;

use super::args::short_type_name;
use super::bounds::{SettableValue, StateValue};
use super::context::Context;
use super::error::SetError;
use super::event::{Event, Sink};
use super::finite::write_json;
use super::paths::PathTree;
use super::schema::{self, NodeTag, Schemas};
use super::NodeClient;
use crate::peer::CallResult;
use crate::protocol::ErrorObject;

/// A struct whose fields are Jet states. Implemented by `#[derive(Node)]`; see the derive's
/// documentation for the `#[jet(...)]` keys.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a Jet node",
    label = "this needs a struct with `#[derive(jet_runtime::Node)]`",
    note = "`#[jet(node)]` fields and `#[jet_runtime::methods]` blocks need a struct that derives `Node`: add `#[derive(Node)]` to it (or, for a field, remove `node` to serve the whole value as one state)"
)]
pub trait Node: Sized + Send + Sync + 'static {
    /// The generated `<Name>Client`.
    type Client: NodeClient;

    /// The paths of the states and the client's fns, for the macros' compile-time clash
    /// checks (see `paths.rs`).
    #[doc(hidden)]
    const PATHS: &'static PathTree = &PathTree::EMPTY;

    /// The states, with paths relative to where the value is served.
    #[doc(hidden)]
    fn states() -> Vec<StateInfo<Self>>;

    /// The methods of the `#[jet_runtime::methods]` block, if the type has one.
    #[doc(hidden)]
    fn methods() -> Vec<MethodInfo<Self>>;

    /// The JSON Schema of every state and method, offline: the same documents
    /// [`serve`](crate::peer::Peer::serve) sends in `add`.
    fn schemas() -> Schemas {
        Schemas::of::<Self>()
    }
}

/// The methods of an `impl` block marked `#[jet_runtime::methods]`, which implements it.
///
/// Only [`Node`] types are served, but that is not a supertrait: the macro checks it once
/// with its own message ("is not a Jet node"), which a supertrait would repeat.
pub trait Methods: Sized + 'static {
    /// The methods, with paths relative to where the value is served.
    #[doc(hidden)]
    fn describe_methods() -> Vec<MethodInfo<Self>>;

    /// The computed states of its `#[jet(state)]` getters.
    #[doc(hidden)]
    fn describe_states() -> Vec<StateInfo<Self>> {
        Vec::new()
    }
}

/// A field's validator with its error turned into text (see `validation`).
pub type Validator<F> = fn(&F) -> Result<(), String>;

/// Appends the state's value as JSON text to the buffer (see [`write_json`]).
type Getter<T> = Arc<dyn Fn(&T, &mut Vec<u8>) -> Result<(), serde_json::Error> + Send + Sync>;
type Setter<T> = Arc<dyn Fn(&mut T, Value) -> Result<Stored, SetError> + Send + Sync>;
/// Points an event field at where serving put its state; returns the initial value.
type Binder<T> = Arc<dyn Fn(&T, Sink) -> Value + Send + Sync>;

/// What a remote set stored: the value as JSON text, encoded as the getter encodes it (so
/// it compares with what publishing last sent), and the same as a `Value` (what the peer
/// answers and publishes).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Stored {
    pub(crate) text: String,
    pub(crate) value: Value,
}

/// One state of a node: its relative path, schema, and how to read and write it.
pub struct StateInfo<T> {
    pub(crate) path: String,
    pub(crate) doc: &'static str,
    pub(crate) access: Option<Value>,
    schema: fn() -> schemars::Schema,
    node: NodeTag,
    pub(crate) get: Getter<T>,
    /// `None`: read-only, added fetch-only.
    pub(crate) set: Option<Setter<T>>,
    /// `Some` for an `#[jet(event)]` field: sent by `Event::emit`, never diffed.
    pub(crate) event: Option<Binder<T>>,
    /// Computed by a `#[jet(state)]` getter: may change with any other state, so a
    /// remote set republishes it.
    pub(crate) computed: bool,
}

impl<T: 'static> StateInfo<T> {
    /// A state remote peers may only fetch.
    pub fn read_only<F: StateValue>(path: &str, get: fn(&T) -> &F) -> Self {
        StateInfo {
            path: path.to_owned(),
            doc: "",
            access: None,
            schema: schema::state_schema::<F>,
            node: NodeTag::of::<T>(),
            get: Arc::new(move |t, out| write_json(get(t), out)),
            set: None,
            event: None,
            computed: false,
        }
    }

    /// The read-only state of a `#[jet(state)] fn name(&self) -> F` getter: its value is
    /// what the fn returns, recomputed by every publish (and after every remote set).
    pub fn computed<F>(path: &str, compute: fn(&T) -> F) -> Self
    where
        F: Serialize + JsonSchema + 'static,
    {
        StateInfo {
            path: path.to_owned(),
            doc: "",
            access: None,
            schema: schema::state_schema::<F>,
            node: NodeTag::of::<T>(),
            get: Arc::new(move |t, out| write_json(&compute(t), out)),
            set: None,
            event: None,
            computed: true,
        }
    }

    /// The fetch-only state of an `#[jet(event)]` field: its value is the last event
    /// (see [`Event`]), sent by `emit`, not by publishing.
    pub fn event<E>(path: &str, get: fn(&T) -> &Event<E>) -> Self
    where
        E: Serialize + JsonSchema + 'static,
    {
        StateInfo {
            path: path.to_owned(),
            doc: "",
            access: None,
            schema: schema::event_schema::<E>,
            node: NodeTag::of::<T>(),
            // Not used: serving binds an event state (`event`) and `emit` sends it.
            get: Arc::new(move |t, out| {
                write_json(
                    &serde_json::json!({"seq": get(t).count(), "event": null}),
                    out,
                )
            }),
            set: None,
            event: Some(Arc::new(move |t: &T, sink| get(t).bind(sink))),
            computed: false,
        }
    }

    /// A state remote peers may set: the value is deserialised into `F`, checked by
    /// `validate`, stored, and its serialised form is what the requester and the fetchers
    /// see.
    pub fn writable<F>(
        path: &str,
        get: fn(&T) -> &F,
        get_mut: fn(&mut T) -> &mut F,
        validate: Option<Validator<F>>,
    ) -> Self
    where
        F: SettableValue,
    {
        let mut info = Self::read_only(path, get);
        info.set = Some(Arc::new(move |t: &mut T, requested: Value| {
            let new: F = serde_json::from_value(requested).map_err(|e| SetError::Type {
                expected: short_type_name::<F>(),
                message: e.to_string(),
            })?;
            if let Some(validate) = validate {
                validate(&new).map_err(SetError::Invalid)?;
            }
            let mut text = Vec::new();
            write_json(&new, &mut text).map_err(|e| SetError::Encode(e.to_string()))?;
            // The `Value` of the text, not `to_value(&new)`: the same number spellings
            // (an `f32` is `0.1`, not the `0.10000000149011612` of its `f64`).
            let value =
                serde_json::from_slice(&text).map_err(|e| SetError::Encode(e.to_string()))?;
            *get_mut(t) = new;
            Ok(Stored {
                text: String::from_utf8_lossy(&text).into_owned(),
                value,
            })
        }));
        info
    }

    /// The field's doc comment, the schema's `description`.
    pub fn doc(mut self, doc: &'static str) -> Self {
        self.doc = doc;
        self
    }

    /// Access groups (`{"fetchGroups":[..],"setGroups":[..]}`).
    pub fn access(mut self, access: Value) -> Self {
        self.access = Some(access);
        self
    }

    /// This state as part of an outer node: under `prefix/`, reached through the outer
    /// value's field. `read_only` and `access` of the `node` field apply to every state in
    /// it (an inner `access` wins over the outer one).
    pub fn nest<O: 'static>(
        self,
        prefix: &str,
        project: fn(&O) -> &T,
        project_mut: fn(&mut O) -> &mut T,
        read_only: bool,
        access: Option<Value>,
    ) -> StateInfo<O> {
        let get = self.get;
        let set = match (self.set, read_only) {
            (Some(set), false) => {
                Some(Arc::new(move |o: &mut O, v: Value| set(project_mut(o), v)) as Setter<O>)
            }
            _ => None,
        };
        let event = self
            .event
            .map(|bind| Arc::new(move |o: &O, sink: Sink| bind(project(o), sink)) as Binder<O>);
        StateInfo {
            path: format!("{prefix}/{}", self.path),
            doc: self.doc,
            access: self.access.or(access),
            schema: self.schema,
            node: self.node.nest(prefix),
            get: Arc::new(move |o: &O, out: &mut Vec<u8>| get(project(o), out)),
            set,
            event,
            computed: self.computed,
        }
    }

    /// The path relative to where the node is served.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The access groups sent in `add`, if any.
    pub fn access_groups(&self) -> Option<&Value> {
        self.access.as_ref()
    }

    /// Whether the state is added fetch-only.
    pub fn is_read_only(&self) -> bool {
        self.set.is_none()
    }

    /// Whether the state is an `#[jet(event)]` stream.
    pub fn is_event(&self) -> bool {
        self.event.is_some()
    }

    /// Whether the state is computed by a `#[jet(state)]` getter.
    pub fn is_computed(&self) -> bool {
        self.computed
    }

    /// The JSON Schema of the value, with the doc comment as `description`, `readOnly` if
    /// fetch-only, and `x-jet-node` with the node's path relative to where it is served.
    pub fn schema(&self) -> Value {
        self.schema_at("")
    }

    /// [`schema`](Self::schema) for the node served at `mount`.
    pub(crate) fn schema_at(&self, mount: &str) -> Value {
        let doc = schema::with_description((self.schema)(), self.doc);
        schema::tag(doc, &self.node, mount, self.is_read_only())
    }
}

/// A `&self` method with its arguments bound, run on the value and the call's context.
pub type SharedBody<T> =
    Box<dyn for<'a> FnOnce(&'a T, &'a Context<T>) -> BoxFuture<'a, CallResult> + Send>;
/// A `&mut self` method with its arguments bound, run on the value and the call's context.
pub type ExclusiveBody<T> =
    Box<dyn for<'a> FnOnce(&'a mut T, &'a Context<T>) -> BoxFuture<'a, CallResult> + Send>;

/// What a method does once its arguments are decoded: a closure over the decoded values
/// that runs the Rust fn on the served value, under the lock its receiver asks for. The
/// closure is handed the value (not the lock), so a nested node's methods can be reached
/// through the outer value (`Body::nest`) while the lock stays the outer one.
pub enum Body<T> {
    /// A `&self` method: run under a read lock.
    Shared(SharedBody<T>),
    /// A `&mut self` method: run under the write lock, then publish what changed.
    Exclusive(ExclusiveBody<T>),
}

impl<T: 'static> Body<T> {
    /// The body of a `&self` method.
    pub fn shared<F>(f: F) -> Self
    where
        F: for<'a> FnOnce(&'a T, &'a Context<T>) -> BoxFuture<'a, CallResult> + Send + 'static,
    {
        Body::Shared(Box::new(f))
    }

    /// The body of a `&mut self` method.
    pub fn exclusive<F>(f: F) -> Self
    where
        F: for<'a> FnOnce(&'a mut T, &'a Context<T>) -> BoxFuture<'a, CallResult> + Send + 'static,
    {
        Body::Exclusive(Box::new(f))
    }

    /// The same body run on the field of an outer value that `project` reaches (at
    /// `prefix`), with the context projected the same way.
    fn nest<O: Send + Sync + 'static>(
        self,
        prefix: Arc<str>,
        project: fn(&O) -> &T,
        project_mut: fn(&mut O) -> &mut T,
    ) -> Body<O>
    where
        T: Send + Sync,
    {
        match self {
            Body::Shared(f) => Body::Shared(Box::new(move |o: &O, ctx: &Context<O>| {
                let inner = ctx.project(&prefix, project, project_mut);
                Box::pin(async move { f(project(o), &inner).await })
            })),
            Body::Exclusive(f) => Body::Exclusive(Box::new(move |o: &mut O, ctx: &Context<O>| {
                let inner = ctx.project(&prefix, project, project_mut);
                Box::pin(async move { f(project_mut(o), &inner).await })
            })),
        }
    }
}

/// Decodes a call's arguments (the method's full path is for error messages) into the
/// [`Body`] to run, or refuses them.
type Decoder<T> = Arc<dyn Fn(&str, Value) -> Result<Body<T>, ErrorObject> + Send + Sync>;

/// One method: its relative path, schema, and the decoder that turns a call's arguments
/// into the [`Body`] that runs the Rust fn. Serving takes the lock and runs the body.
pub struct MethodInfo<T> {
    pub(crate) path: String,
    pub(crate) doc: &'static str,
    pub(crate) access: Option<Value>,
    schema: fn() -> schema::MethodSchema,
    node: NodeTag,
    pub(crate) decode: Decoder<T>,
}

impl<T: 'static> MethodInfo<T> {
    /// `decode` gets the method's full path (for error messages) and the arguments as the
    /// caller sent them.
    pub fn new<D>(path: &str, schema: fn() -> schema::MethodSchema, decode: D) -> Self
    where
        D: Fn(&str, Value) -> Result<Body<T>, ErrorObject> + Send + Sync + 'static,
    {
        MethodInfo {
            path: path.to_owned(),
            doc: "",
            access: None,
            schema,
            node: NodeTag::of::<T>(),
            decode: Arc::new(decode),
        }
    }

    /// This method as part of an outer node: under `prefix/`, run on the outer value's
    /// field, under the outer value's lock. The `node` field's `access` applies unless the
    /// method has its own, with its `setGroups` as `callGroups` (who may change the node
    /// may call it).
    pub fn nest<O: Send + Sync + 'static>(
        self,
        prefix: &str,
        project: fn(&O) -> &T,
        project_mut: fn(&mut O) -> &mut T,
        access: Option<Value>,
    ) -> MethodInfo<O>
    where
        T: Send + Sync,
    {
        let decode = self.decode;
        let outer_access = access.map(|mut a| {
            if let Some(obj) = a.as_object_mut() {
                if let Some(set) = obj.remove("setGroups") {
                    obj.insert("callGroups".into(), set);
                }
            }
            a
        });
        let prefix_arc: Arc<str> = prefix.into();
        MethodInfo {
            path: format!("{prefix}/{}", self.path),
            doc: self.doc,
            access: self.access.or(outer_access),
            schema: self.schema,
            node: self.node.nest(prefix),
            decode: Arc::new(move |path: &str, args: Value| {
                decode(path, args).map(|body| body.nest(prefix_arc.clone(), project, project_mut))
            }),
        }
    }

    /// The fn's doc comment, the schema's `description`.
    pub fn doc(mut self, doc: &'static str) -> Self {
        self.doc = doc;
        self
    }

    /// Access groups (`{"fetchGroups":[..],"callGroups":[..]}`).
    pub fn access(mut self, access: Value) -> Self {
        self.access = Some(access);
        self
    }

    /// The path relative to where the node is served.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The access groups sent in `add`, if any.
    pub fn access_groups(&self) -> Option<&Value> {
        self.access.as_ref()
    }

    /// `{"description", "params", "result", "x-jet-node"}`, the node's path relative to
    /// where it is served.
    pub fn schema(&self) -> Value {
        self.schema_at("")
    }

    /// [`schema`](Self::schema) for the node served at `mount`.
    pub(crate) fn schema_at(&self, mount: &str) -> Value {
        schema::tag((self.schema)().finish(self.doc), &self.node, mount, false)
    }
}

/// Lets `#[derive(Node)]` find the `#[methods]` block of a type if there is one, without
/// the user saying so: `(&&MethodsOf::<T>::new()).jet_methods()` picks [`ViaMethods`]
/// when `T: Methods` and falls back to [`NoMethods`] (autoref specialisation; it works
/// because the derive only ever names concrete types).
pub struct MethodsOf<T>(PhantomData<fn() -> T>);

impl<T> MethodsOf<T> {
    /// The probe for `T`.
    pub fn new() -> Self {
        MethodsOf(PhantomData)
    }
}

impl<T> Default for MethodsOf<T> {
    fn default() -> Self {
        MethodsOf::new()
    }
}

/// Picked when `T: Methods`: its methods and computed states.
pub trait ViaMethods<T> {
    /// The methods of `T`.
    fn jet_methods(&self) -> Vec<MethodInfo<T>>;
    /// The computed states of `T`.
    fn jet_computed(&self) -> Vec<StateInfo<T>>;
}

impl<T: Methods> ViaMethods<T> for &MethodsOf<T> {
    fn jet_methods(&self) -> Vec<MethodInfo<T>> {
        T::describe_methods()
    }

    fn jet_computed(&self) -> Vec<StateInfo<T>> {
        T::describe_states()
    }
}

/// The fallback: no methods, no computed states.
pub trait NoMethods<T> {
    /// An empty list.
    fn jet_methods(&self) -> Vec<MethodInfo<T>>;
    /// An empty list.
    fn jet_computed(&self) -> Vec<StateInfo<T>>;
}

impl<T> NoMethods<T> for MethodsOf<T> {
    fn jet_methods(&self) -> Vec<MethodInfo<T>> {
        Vec::new()
    }

    fn jet_computed(&self) -> Vec<StateInfo<T>> {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Default)]
    struct Inner {
        level: u8,
    }

    #[derive(Default)]
    struct Outer {
        inner: Inner,
    }

    fn below_100(v: &u8) -> Result<(), String> {
        if *v < 100 {
            Ok(())
        } else {
            Err(format!("{v} is not below 100"))
        }
    }

    /// What the state's getter writes.
    fn text<T: 'static>(info: &StateInfo<T>, value: &T) -> String {
        let mut out = Vec::new();
        (info.get)(value, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn level() -> StateInfo<Inner> {
        StateInfo::writable("level", |i| &i.level, |i| &mut i.level, Some(below_100))
    }

    #[test]
    fn writable_states_decode_validate_and_store() {
        let info = level();
        let mut v = Inner::default();
        let set = info.set.as_ref().unwrap();
        assert_eq!(
            set(&mut v, json!(7)),
            Ok(Stored {
                text: "7".into(),
                value: json!(7)
            })
        );
        assert_eq!(v.level, 7);
        assert!(
            matches!(set(&mut v, json!(300)), Err(SetError::Type { expected, .. }) if expected == "u8")
        );
        assert_eq!(
            set(&mut v, json!(100)),
            Err(SetError::Invalid("100 is not below 100".into()))
        );
        assert_eq!(v.level, 7, "refused values are not stored");
        assert_eq!(text(&info, &v), "7");
    }

    #[test]
    fn nested_states_reach_through_the_outer_value() {
        let nested: StateInfo<Outer> =
            level().nest("inner", |o| &o.inner, |o| &mut o.inner, false, None);
        assert_eq!(nested.path(), "inner/level");
        let mut o = Outer::default();
        (nested.set.as_ref().unwrap())(&mut o, json!(9)).unwrap();
        assert_eq!(o.inner.level, 9);
        assert_eq!(text(&nested, &o), "9");

        let ro: StateInfo<Outer> = level().nest(
            "inner",
            |o| &o.inner,
            |o| &mut o.inner,
            true,
            Some(json!({"fetchGroups":["a"]})),
        );
        assert!(ro.is_read_only());
        assert_eq!(ro.access, Some(json!({"fetchGroups":["a"]})));
    }
}

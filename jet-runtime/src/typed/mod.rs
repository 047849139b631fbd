//! The typed layer: serve Rust structs as Jet states and methods, with JSON Schemas, and
//! talk to them through generated typed clients.
//!
//! `#[derive(Node)]` (from [`crate::prelude`]) turns each named field of a struct into a
//! state at `<mount path>/<field name>`; `#[jet_runtime::methods]` on an inherent `impl`
//! block turns each `pub fn` into a method at `<mount path>/<fn name>`. Both also generate
//! a client type `<Name>Client`. The attribute reference is in the docs of the
//! [`Node`](macro@crate::Node) derive and the [`methods`](macro@crate::methods) attribute.
//!
//! ```no_run
//! use jet_runtime::prelude::*;
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Default, Node)]
//! pub struct Lamp {
//!     /// Brightness in percent.
//!     #[jet(validate = "Self::check")]
//!     level: u8,
//!     /// Hours of operation, measured.
//!     #[jet(read_only)]
//!     hours: f64,
//! }
//!
//! impl Lamp {
//!     fn check(level: &u8) -> Result<(), String> {
//!         if *level <= 100 { Ok(()) } else { Err(format!("{level} > 100")) }
//!     }
//! }
//!
//! #[jet_runtime::methods]
//! impl Lamp {
//!     /// Switch off; returns the level it had.
//!     pub fn off(&mut self) -> u8 {
//!         std::mem::take(&mut self.level)
//!     }
//! }
//!
//! # async fn demo() -> Result<(), TypedError> {
//! let peer = Peer::connect("127.0.0.1:11122").await?;
//! let lamp = peer.serve("hall/lamp", Lamp::default()).await?;
//! lamp.update(|l| l.hours += 0.5).await?; // publishes `change` for hall/lamp/hours only
//!
//! let client = LampClient::new(&peer, "hall/lamp");
//! client.set_level(40).await?;
//! assert_eq!(client.off().await?, 40);
//! # Ok(()) }
//! ```
//!
//! # Concurrency
//!
//! A served value lives behind a [`tokio::sync::RwLock`]. Methods taking `&self` hold a read
//! lock, so any number of them run at the same time; methods taking `&mut self`, remote
//! `set`s and [`Served::update`] hold the write lock, so they run one at a time and wait
//! for running `&self` calls to finish. Like `update`, a `&mut self` method publishes
//! `change` for the states it changed before it answers. An `async` method holds its lock until it returns:
//! a long `&mut self` method delays sets and updates for that long. Synchronous methods
//! run on a runtime worker; keep them short or make them `async`.
//!
//! There is one lock per served value: the methods of a nested `#[jet(node)]` field lock
//! the whole served value, so a nested `&mut self` method excludes every other method,
//! set and update of it, and publishes changes anywhere in it.
//!
//! A method that panics is answered at once with `-32603` (``method `<path>` panicked``)
//! and the service keeps running; the lock does not poison, so what a `&mut self` method
//! changed before it panicked stays and is published.
//!
//! # Publishing
//!
//! The served value is plain Rust data; what fetchers see is what was last *published*.
//! A publish serialises every state of the served value (computed ones included), compares
//! each with what was last published, and sends one `change` per state whose JSON differs,
//! all or nothing: every changed state is encoded first, and if one fails (non-finite
//! floats are refused: JSON has none) nothing is sent, the error names the state, and the
//! next successful publish sends everything since. Publishes run one at a time, so the
//! bus sees them in the order the value changed.
//!
//! When it happens:
//!
//! | what changed the value | publish |
//! |---|---|
//! | [`Served::update`], [`Handle::update`] | under the write lock, before `update` returns |
//! | a `&mut self` method | under the write lock, when it returns, before the caller gets the answer (a failed publish answers `-32603`) |
//! | a `&self` method that called [`Context::changed`] | under its read lock, when it returns, before the answer |
//! | a `&self` method without `changed()`, a background task through a `Mutex` or an atomic | none until [`Handle::changed`] (or the next publish of any kind) |
//! | a remote `set` | the set state is answered and published by the peer (no `change` if its value is the one already published); computed states are published just before, under the set's write lock |
//!
//! Computed states (`#[jet(state)] fn name(&self) -> T` in a `#[jet_runtime::methods]`
//! block) are read-only states recomputed by every publish above and sent only when their
//! JSON changed. They run inside the publish, under whatever lock the publisher holds:
//! keep them cheap, and do not panic in them.
//!
//! Events are not published this way: an [`Event`] field (`#[jet(event)]`) sends one
//! `change` of its fetch-only state per [`Event::emit`], at once and in emit order, and a
//! publish never resends one. An event emitted inside a method therefore reaches fetchers
//! before the state changes that method publishes when it returns.
//!
//! # Schemas
//!
//! Every state carries the JSON Schema (draft 2020-12, by schemars) of its value; every
//! method a document `{"description", "params", "result"}` where `params` is the schema of
//! the arguments as a named object (with the positional order in `"x-positional"`) and
//! `result` that of the return value; a method whose error type derives
//! [`JetError`](macro@crate::JetError) also lists its errors in `errors`
//! (`[{"code","kind","message"?,"description"?,"data"}]`). Doc comments become descriptions;
//! fetch-only states say `"readOnly": true`, and every element names its node's Rust type
//! and path in `"x-jet-node"` (docs/SCHEMAS.md is the format, for generators such as
//! `jet codegen`). They are sent in
//! `add` as the `schema` member; jetd keeps them and answers the `schema` daemon method
//! ([`Peer::schemas`](crate::peer::Peer::schemas)), other daemons ignore the member.
//! [`Node::schemas`] returns the same documents offline.
//!
//! # Errors
//!
//! A method's `Result<T, E>` error reaches the caller as a JSON-RPC error object. With
//! `#[derive(JetError)]` on `E`, every variant is one kind of error with its own code
//! (`data.kind` names it, the fields follow), and the generated client returns
//! [`ClientError<E>`]: `Service(E)` for those, `Transport(TypedError)` for everything
//! else. Other error types go through [`IntoErrorObject`] and the client returns
//! [`TypedError`].

mod args;
mod bounds;
mod client;
mod context;
mod error;
mod event;
mod finite;
mod handle;
mod jet_error;
mod node;
mod paths;
mod schema;
mod serve;
mod watch;

pub use bounds::{DecodedValue, SettableValue, StateValue};
pub use client::NodeClient;
pub use context::Context;
pub use error::{IntoErrorObject, TypedError};
pub use event::{Event, Events};
pub use handle::Handle;
pub use jet_error::{ClientError, JetError};
pub use node::{Methods, Node};
pub use schema::{ElementKind, ElementSchema, Schemas};
pub use serve::Served;
pub use watch::{Watch, Watched};

/// What only the generated code names, through `jet_runtime::__private` (hidden, not user
/// API): the descriptions of states and methods, the served value, the client core and
/// the helpers the expanded code calls.
pub(crate) mod support {
    pub use super::args::{short_type_name, ArgsIn, ArgsOut};
    pub use super::client::ClientCore;
    pub use super::error::{
        call_ok, call_result, validation, PlainValue, PlainValueCheck, ResultLike,
        ResultUnderAnotherName,
    };
    pub use super::event::EventField;
    pub use super::jet_error::{
        client_error, DisplayMessage, ErrorData, ErrorFields, ErrorSchema, KindMessage, MessageOf,
        MethodError,
    };
    pub use super::node::{
        Body, ExclusiveBody, MethodInfo, MethodsOf, NoMethods, SharedBody, StateInfo, Validator,
        ViaMethods,
    };
    pub use super::paths::{has_client_fn, states_at, PathTree};
    pub use super::schema::{access, MethodSchema};
}

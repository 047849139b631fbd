//! Typed clients: what the generated `<Name>Client` types are made of.
//!
//! A client is a peer plus the path a node is served at. Its `set_<field>`, `get_<field>`,
//! `watch_<field>` and method fns encode Rust values to JSON and decode the answers into
//! the field, argument and return types of the same definitions the service was built
//! from.

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::Value;

use super::args::{short_type_name, ArgsOut};
use super::event::Events;
use super::schema::join;
use super::watch::Watch;
use super::TypedError;
use crate::fetch::builder::Fetch;
use crate::peer::{Entry, Peer, PeerError};

/// Implemented by every generated `<Name>Client`.
pub trait NodeClient: Sized {
    /// A client for the node served at `core`'s path.
    #[doc(hidden)]
    fn from_core(core: ClientCore) -> Self;
    /// The peer and the path.
    #[doc(hidden)]
    fn core(&self) -> &ClientCore;

    /// A client for the node served at `path`.
    fn connect(peer: &Peer, path: impl Into<String>) -> Self {
        Self::from_core(ClientCore::new(peer, path))
    }
}

/// A peer and the path of a served node.
#[derive(Debug, Clone)]
pub struct ClientCore {
    peer: Peer,
    path: String,
}

impl ClientCore {
    /// The node served at `path` (trailing slashes dropped) on `peer`.
    pub fn new(peer: &Peer, path: impl Into<String>) -> Self {
        let mut path = path.into();
        while path.ends_with('/') {
            path.pop();
        }
        ClientCore {
            peer: peer.clone(),
            path,
        }
    }

    /// Where the node is served.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The peer requests go through.
    pub fn peer(&self) -> &Peer {
        &self.peer
    }

    /// The client core of a nested node.
    pub fn child(&self, name: &str) -> ClientCore {
        ClientCore {
            peer: self.peer.clone(),
            path: self.element(name),
        }
    }

    /// The full path of element `name`.
    pub fn element(&self, name: &str) -> String {
        join(&self.path, name)
    }

    /// What lies directly below the node on the bus (PROTOCOL.md A.11): its states and
    /// methods and its nested nodes, on any daemon (see [`Peer::children`]).
    pub async fn children(&self) -> Result<Vec<Entry>, TypedError> {
        Ok(self.peer.children(&self.path).await?)
    }

    /// Set state `name`; resolves when the service accepted (or refused) the value.
    pub async fn set<F: Serialize + ?Sized>(
        &self,
        name: &str,
        value: &F,
    ) -> Result<(), TypedError> {
        let path = self.element(name);
        let value = super::finite::to_json(value).map_err(|e| TypedError::Encode {
            path: path.clone(),
            message: e.to_string(),
        })?;
        self.peer.set(path, value).await.map_err(missing)?;
        Ok(())
    }

    /// The current value of state `name` (one `get` round trip).
    pub async fn get<F: DeserializeOwned>(&self, name: &str) -> Result<F, TypedError> {
        let path = self.element(name);
        let found = self
            .peer
            .get(&Fetch::all().path_equals(path.clone()))
            .await?;
        let value = found
            .into_iter()
            .find(|e| e.path == path)
            .and_then(|e| e.value)
            .ok_or_else(|| TypedError::NotFound(path.clone()))?;
        decode(&path, value)
    }

    /// The values of state `name` as [`Watched`] items: the current one first (or
    /// [`Watched::Absent`] if nothing is served there yet), then every change, `Absent`
    /// when the state goes and its value again when it comes back, served by this or any
    /// other peer. See [`Watch`].
    pub async fn watch<F: DeserializeOwned>(&self, name: &str) -> Result<Watch<F>, TypedError> {
        let path = self.element(name);
        let only = Fetch::all().path_equals(path.clone());
        // The fetch first, so nothing served from now on is missed; then one `get` to know
        // whether anything is there already. Requests on one connection are answered in
        // order, and a daemon sends a fetch's initial `add`s before it answers the next
        // request, so if the state exists its value is queued on the stream by then.
        let stream = self.peer.fetch(&only).await?;
        let there = self
            .peer
            .get(&only)
            .await?
            .iter()
            .any(|e| e.path == path && e.value.is_some());
        Ok(Watch::new(stream, path, there))
    }

    /// The events of the `#[jet(event)]` state `name` emitted from now on.
    pub async fn events<E: DeserializeOwned>(&self, name: &str) -> Result<Events<E>, TypedError> {
        let path = self.element(name);
        let stream = self
            .peer
            .fetch(&Fetch::all().path_equals(path.clone()))
            .await?;
        Ok(Events::new(stream, path))
    }

    /// The arguments for a call of method `name`.
    pub fn args(&self, name: &str) -> ArgsOut {
        ArgsOut::new(self.element(name))
    }

    /// Call the method the arguments were made for and decode its result.
    pub async fn call<R: DeserializeOwned>(&self, args: ArgsOut) -> Result<R, TypedError> {
        let (path, args) = args.into_parts()?;
        self.call_at(&path, args).await
    }

    /// [`call`](Self::call) for a method with an error type `E`: a failure becomes what
    /// the generated client returns for `E` (`convert` is `E`'s
    /// `MethodError::client_error`: the `TypedError` itself, or a `ClientError<E>` for a
    /// `#[derive(JetError)]` enum).
    pub async fn call_method<R: DeserializeOwned, C>(
        &self,
        args: ArgsOut,
        convert: fn(&str, TypedError) -> C,
    ) -> Result<R, C> {
        let (path, args) = args.into_parts().map_err(|e| convert(&self.path, e))?;
        self.call_at(&path, args)
            .await
            .map_err(|e| convert(&path, e))
    }

    /// The arguments go out as the text [`ArgsOut`] wrote.
    async fn call_at<R: DeserializeOwned>(
        &self,
        path: &str,
        args: Box<RawValue>,
    ) -> Result<R, TypedError> {
        let result = self.peer.call_raw(path, args).await.map_err(missing)?;
        decode(path, result)
    }
}

/// A missing element is [`TypedError::NotFound`] for set and call as it is for get.
fn missing(e: PeerError) -> TypedError {
    match e {
        PeerError::NotFound(path) => TypedError::NotFound(path),
        other => TypedError::Peer(other),
    }
}

pub(crate) fn decode<F: DeserializeOwned>(path: &str, value: Value) -> Result<F, TypedError> {
    serde_json::from_value(value).map_err(|e| TypedError::Decode {
        path: path.to_owned(),
        expected: short_type_name::<F>(),
        message: e.to_string(),
    })
}

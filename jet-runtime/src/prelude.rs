//! `use jet_runtime::prelude::*;` brings what a typed service and its clients need: the
//! [`Node`] derive and trait, the [`methods`] attribute, the
//! peer, the typed errors (and the [`JetError`] derive and trait), and the `Serialize`/`Deserialize`/`JsonSchema` traits and
//! derives (deriving those needs `serde` and `schemars` as dependencies of your crate, as
//! their derives name them by path).

pub use crate::methods;
pub use crate::peer::{Peer, PeerError};
pub use crate::protocol::ErrorObject;
pub use crate::typed::{
    ClientError, Context, Event, Events, IntoErrorObject, JetError, Node, NodeClient, Served,
    TypedError, Watch, Watched,
};
pub use jet_derive::{JetError, Node};
pub use schemars::JsonSchema;
pub use serde::{Deserialize, Serialize};

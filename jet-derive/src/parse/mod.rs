//! syn -> IR: read the user's item, check every rule, and report each violation at the
//! token that causes it, saying what to write instead.

mod context;
mod getter;
mod jet_error;
mod methods;
mod node;

pub(crate) use jet_error::jet_error;
pub(crate) use methods::methods;
pub(crate) use node::node;

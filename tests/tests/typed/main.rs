//! The typed layer (`#[derive(Node)]`, `#[jet_runtime::methods]`): the example boiler as a
//! service and through its generated client, the macros' features, and the JSON Schemas.

mod boiler;
mod features;
mod nodes;
mod regressions;
mod results;
mod schemas;

//! IR -> tokens. Everything generated names items by absolute path through
//! `::jet_runtime::__private`, so it needs no imports and works under
//! `#![no_implicit_prelude]`. Trait-bound checks are spanned at the user's types, so a
//! missing `Serialize` or `JsonSchema` is reported on the field or argument.

mod getter;
mod jet_error;
mod methods;
mod node;
mod paths;

pub(crate) use jet_error::jet_error;
pub(crate) use methods::methods;
pub(crate) use node::node;

use proc_macro2::TokenStream;
use quote::quote;

use crate::attr::AccessLists;

/// `Some(access value)` / `None` for `StateInfo::nest`, or `.access(..)` for a builder.
fn access_value(access: &AccessLists, write_key: &str) -> TokenStream {
    let fetch = &access.fetch;
    let write = &access.write;
    quote! {
        ::jet_runtime::__private::access(&[#(#fetch),*], &[#(#write),*], #write_key)
    }
}

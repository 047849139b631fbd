//! `#[jet(state)]` getters: their `StateInfo`s (the `Methods::describe_states` impl) and
//! their client fns (`get_`/`watch_`, no `set_`).

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use super::access_value;
use crate::ir::GetterIr;

/// `fn describe_states()` of the `Methods` impl, if there are getters.
pub(crate) fn describe(getters: &[GetterIr]) -> Option<TokenStream> {
    if getters.is_empty() {
        return None;
    }
    let p = quote!(::jet_runtime::__private);
    let infos = getters.iter().map(|g| {
        let (ident, ty, name) = (&g.ident, &g.ty, &g.name);
        // Spanned at the return type: a missing `Serialize` or `JsonSchema` is reported there.
        let ctor = quote_spanned! {ty.span()=>
            #p::StateInfo::computed::<#ty>(#name, |__jet_v: &Self| Self::#ident(__jet_v))
        };
        let doc = (!g.doc.is_empty()).then(|| {
            let doc = &g.doc;
            quote!(.doc(#doc))
        });
        let access = g.access.as_ref().map(|a| {
            let a = access_value(a, "setGroups");
            quote!(.access(#a))
        });
        quote!(#ctor #doc #access)
    });
    Some(quote! {
        fn describe_states() -> #p::Vec<#p::StateInfo<Self>> {
            let mut __jet_states = #p::Vec::new();
            #(__jet_states.push(#infos);)*
            __jet_states
        }
    })
}

/// The client's `get_<fn>` and `watch_<fn>` of one getter.
pub(crate) fn client_fns(g: &GetterIr) -> TokenStream {
    let p = quote!(::jet_runtime::__private);
    let (ident, ty, name) = (&g.ident, &g.ty, &g.name);
    let summary = g.doc.lines().next().unwrap_or("").trim();
    let about = if summary.is_empty() {
        format!("computed state `{name}`")
    } else {
        format!("computed state `{name}` ({summary})")
    };
    let get = format_ident!("get_{}", ident);
    let watch = format_ident!("watch_{}", ident);
    let get_doc = format!("The current value of {about}.");
    let watch_doc = format!("The values of {about}: the current one, then each change.");
    // Spanned at the return type: a missing `Deserialize` is reported there.
    let span = ty.span();
    let get_body =
        quote_spanned!(span=> ::jet_runtime::typed::NodeClient::core(self).get::<#ty>(#name).await);
    let watch_body = quote_spanned!(span=> ::jet_runtime::typed::NodeClient::core(self).watch::<#ty>(#name).await);
    quote! {
        #[doc = #get_doc]
        pub async fn #get(&self) -> #p::Result<#ty, #p::TypedError> {
            #get_body
        }

        #[doc = #watch_doc]
        pub async fn #watch(&self) -> #p::Result<#p::Watch<#ty>, #p::TypedError> {
            #watch_body
        }
    }
}

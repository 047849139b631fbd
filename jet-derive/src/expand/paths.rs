//! Compile-time path checks across the two macros (jet-runtime's `typed/paths.rs` has the
//! `const fn`s): the derive describes what a node serves in `Node::PATHS`; both macros
//! emit `const _: () = ...` items that panic, at the span of the offending name, when a
//! path or a client fn would exist twice.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::ext::IdentExt as _;
use syn::spanned::Spanned as _;

use crate::ir::{FieldIr, FieldRole, MethodsIr, NodeIr};

/// The `const PATHS` item of the `Node` impl.
pub(crate) fn tree(ir: &NodeIr) -> TokenStream {
    let p = quote!(::jet_runtime::__private);
    let states = ir
        .fields
        .iter()
        .filter(|f| matches!(f.role, FieldRole::State { .. } | FieldRole::Event))
        .map(|f| &f.name);
    let nodes = ir.fields.iter().filter_map(|f| {
        let FieldRole::Node { .. } = f.role else {
            return None;
        };
        let (name, ty) = (&f.name, &f.ty);
        Some(quote!((#name, <#ty as ::jet_runtime::typed::Node>::PATHS)))
    });
    let client_fns = ir.fields.iter().flat_map(client_fn_names);
    quote! {
        const PATHS: &'static #p::PathTree = &#p::PathTree {
            states: &[#(#states),*],
            nodes: &[#(#nodes),*],
            client_fns: &[#(#client_fns),*],
        };
    }
}

/// The names of the client fns generated for a field (as `expand::node` names them).
fn client_fn_names(f: &FieldIr) -> Vec<String> {
    let name = f.ident.unraw().to_string();
    match f.role {
        // A nested node's client, an event field's stream.
        FieldRole::Node { .. } | FieldRole::Event => vec![name],
        FieldRole::State { read_only, .. } => {
            let mut fns = vec![format!("get_{name}"), format!("watch_{name}")];
            if !read_only {
                fns.push(format!("set_{name}"));
            }
            fns
        }
    }
}

/// A field renamed onto a state of a nested node (`#[jet(rename = "burner/level")]` next
/// to `#[jet(node)] burner` whose type has `level`): within one struct the parser already
/// refuses equal names, so only paths with a `/` can meet a nested state.
pub(crate) fn node_checks(ir: &NodeIr) -> TokenStream {
    let ident = &ir.ident;
    let has_nodes = ir
        .fields
        .iter()
        .any(|f| matches!(f.role, FieldRole::Node { .. }));
    if !has_nodes {
        return TokenStream::new();
    }
    let checks = ir
        .fields
        .iter()
        .filter(|f| matches!(f.role, FieldRole::State { .. }) && f.name.contains('/'));
    let checks = checks.map(|f| {
        let name = &f.name;
        let message = format!(
            "the field `{}` would be served at `{name}`, where a nested node's state is served: \
             give one of them another name with #[jet(rename = \"...\")]",
            f.ident.unraw()
        );
        quote_spanned! {f.name_span=>
            const _: () = if ::jet_runtime::__private::states_at(
                <#ident as ::jet_runtime::typed::Node>::PATHS, #name) > 1 {
                ::core::panic!(#message)
            };
        }
    });
    quote!(#(#checks)*)
}

/// A method at the path of a state of the same node (field `temperature` and `pub fn
/// temperature`), or a method fn named like a client fn of a field (`get_setpoint` next to
/// field `setpoint`).
pub(crate) fn methods_checks(ir: &MethodsIr) -> TokenStream {
    let self_ty = &ir.self_ty;
    let paths = quote_spanned!(self_ty.span()=> <#self_ty as ::jet_runtime::typed::Node>::PATHS);
    let checks = ir.methods.iter().map(|m| {
        let (name, fn_name) = (&m.name, m.ident.unraw().to_string());
        let at_state = format!(
            "the method `{fn_name}` would be served at `{name}`, where a field of the same node \
             is served: give one of them another name with #[jet(rename = \"...\")]"
        );
        let client_fn = format!(
            "the generated client already has a fn `{fn_name}` for a field: rename the Rust fn \
             and keep the Jet name with #[jet(rename = \"{name}\")]"
        );
        let path_check = quote_spanned! {m.name_span=>
            const _: () = if ::jet_runtime::__private::states_at(#paths, #name) > 0 {
                ::core::panic!(#at_state)
            };
        };
        let fn_check = quote_spanned! {m.ident.span()=>
            const _: () = if ::jet_runtime::__private::has_client_fn(#paths, #fn_name) {
                ::core::panic!(#client_fn)
            };
        };
        let cfgs = &m.cfgs;
        quote!(#(#cfgs)* #path_check #(#cfgs)* #fn_check)
    });
    // Named once on its own, so `#[methods]` on a type without the derive is one error
    // ("is not a Jet node") even for a block without methods; the checks above name the
    // same constant at the same span, and rustc reports identical errors once.
    let is_node = quote_spanned! {self_ty.span()=>
        const _: &::jet_runtime::__private::PathTree = #paths;
    };
    quote!(#is_node #(#checks)*)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn boiler() -> NodeIr {
        crate::parse::node(&syn::parse_quote! {
            struct Boiler {
                #[jet(read_only)]
                t: f64,
                r#type: u8,
                #[jet(node)]
                burner: Burner,
                #[jet(rename = "burner/level")]
                shadow: u8,
            }
        })
        .unwrap()
    }

    /// The names must be those `expand::node` gives the client fns (raw identifiers
    /// without `r#`), or a clash goes unseen.
    #[test]
    fn client_fn_names_are_the_generated_ones() {
        let names: Vec<Vec<String>> = boiler().fields.iter().map(client_fn_names).collect();
        assert_eq!(
            names,
            [
                vec!["get_t", "watch_t"],
                vec!["get_type", "watch_type", "set_type"],
                vec!["burner"],
                vec!["get_shadow", "watch_shadow", "set_shadow"],
            ]
        );
    }

    #[test]
    fn only_paths_with_a_slash_next_to_nested_nodes_are_checked() {
        let checks = node_checks(&boiler()).to_string();
        assert_eq!(checks.matches("states_at").count(), 1, "{checks}");
        assert!(checks.contains("the field `shadow` would be served at `burner/level`"));
        let flat = crate::parse::node(&syn::parse_quote! {
            struct Flat { #[jet(rename = "a/b")] x: u8 }
        })
        .unwrap();
        assert!(node_checks(&flat).is_empty());
    }
}

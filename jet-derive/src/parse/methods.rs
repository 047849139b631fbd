//! `#[jet_runtime::methods]` input -> [`MethodsIr`].

use syn::ext::IdentExt as _;
use syn::spanned::Spanned as _;
use syn::{Attribute, FnArg, ImplItem, ItemImpl, Pat, ReturnType, Type, Visibility};

use super::{context, getter};
use crate::attr::{self, AttrValue, Errors};
use crate::ir::{ArgIr, GetterIr, MethodIr, MethodsIr, Output, Receiver};

const METHOD_KEYS: &[attr::KeySpec] = &[
    attr::string("rename"),
    attr::flag("skip"),
    attr::flag("state"),
    attr::flag("result"),
    attr::access("call"),
];

/// Names the generated client already uses for its own fns.
const CLIENT_FNS: &[&str] = &["new", "path", "children"];

pub(crate) fn methods(args: proc_macro2::TokenStream, item: &ItemImpl) -> syn::Result<MethodsIr> {
    let mut errors = Errors::default();
    if !args.is_empty() {
        errors.at(
            &args,
            "#[jet_runtime::methods] takes no arguments; configure methods with #[jet(...)] on \
             each fn",
        );
    }
    if let Some((_, trait_path, _)) = &item.trait_ {
        errors.at(
            trait_path,
            "#[jet_runtime::methods] goes on an inherent impl block (`impl Name { .. }`), not a \
             trait impl",
        );
    }
    if !item.generics.params.is_empty() || item.generics.where_clause.is_some() {
        errors.at(
            &item.generics,
            "#[jet_runtime::methods] does not support generic impl blocks: a served node is a \
             concrete type; write `impl Name { .. }`",
        );
    }
    let client = match &*item.self_ty {
        Type::Path(p) if p.qself.is_none() && !p.path.segments.is_empty() => {
            let mut client = p.path.clone();
            let last = client.segments.last_mut().expect("checked non-empty");
            if !last.arguments.is_empty() {
                errors.at(
                    &last.arguments,
                    "#[jet_runtime::methods] needs a concrete type without generic arguments",
                );
            }
            last.ident = quote::format_ident!("{}Client", last.ident);
            last.arguments = syn::PathArguments::None;
            Some(client)
        }
        other => {
            errors.at(
                other,
                "#[jet_runtime::methods] goes on `impl Name { .. }` where `Name` is a struct \
                 with #[derive(Node)]",
            );
            None
        }
    };

    let mut methods: Vec<MethodIr> = Vec::new();
    let mut getters: Vec<GetterIr> = Vec::new();
    for impl_item in &item.items {
        let ImplItem::Fn(f) = impl_item else { continue };
        let keys = attr::parse(&f.attrs, METHOD_KEYS, "a method", &mut errors);
        let is_pub = matches!(f.vis, Visibility::Public(_));
        if !is_pub {
            if let Some(k) = keys.first() {
                errors.at(
                    &k.name,
                    "only `pub` fns become methods: make the fn `pub` or remove #[jet(...)]",
                );
            }
            continue;
        }
        let mut name = f.sig.ident.unraw().to_string();
        let mut name_span = f.sig.ident.span();
        let mut renamed = false;
        let mut skip = false;
        let mut state = false;
        let mut access = None;
        let mut result_key = None;
        for key in keys {
            match (key.name.to_string().as_str(), key.value) {
                ("rename", AttrValue::Str(lit)) => {
                    name = attr::check_path(&lit, &mut errors);
                    name_span = lit.span();
                    renamed = true;
                }
                ("skip", _) => skip = true,
                ("state", _) => state = true,
                ("result", _) => result_key = Some(key.name),
                ("access", AttrValue::Access(lists)) => access = Some(lists),
                _ => {}
            }
        }
        if skip {
            continue;
        }
        if getters.iter().any(|g| g.name == name)
            || (state && methods.iter().any(|m| m.name == name))
        {
            errors.at_span(
                name_span,
                format!(
                    "a state getter and another method or state would be served at `{name}`: \
                     give one of them another name with #[jet(rename = \"...\")]"
                ),
            );
        }
        if state {
            getters.extend(getter::getter(f, name, access, &mut errors));
            continue;
        }
        let sig = &f.sig;
        if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
            errors.at(
                &sig.generics,
                "a Jet method cannot be generic: its arguments are decoded from JSON into one \
                 concrete type each; use concrete types, or mark the fn #[jet(skip)]",
            );
        }
        if let Some(u) = &sig.unsafety {
            errors.at(
                u,
                "a Jet method cannot be `unsafe`: mark the fn #[jet(skip)]",
            );
        }
        if sig.variadic.is_some() {
            errors.at(&sig.variadic, "a Jet method cannot be variadic");
        }
        let receiver = match sig.inputs.first() {
            Some(FnArg::Receiver(r)) => {
                if r.reference.is_none() || r.colon_token.is_some() {
                    errors.at(
                        r,
                        "a Jet method borrows the served value: write `&self` (may run \
                         concurrently) or `&mut self` (runs one at a time)",
                    );
                }
                if r.mutability.is_some() {
                    Receiver::Exclusive
                } else {
                    Receiver::Shared
                }
            }
            _ => {
                errors.at(
                    &sig.ident,
                    format!(
                        "`pub fn {}` has no `self`, so it cannot be a Jet method: take `&self` \
                         or `&mut self`, mark it #[jet(skip)], or move it to another impl block",
                        sig.ident
                    ),
                );
                Receiver::Shared
            }
        };
        let mut args = Vec::new();
        let mut context = None;
        for (position, input) in sig.inputs.iter().skip(1).enumerate() {
            let FnArg::Typed(pt) = input else { continue };
            match context::recognise(&pt.ty, &item.self_ty) {
                context::Arg::Context => {
                    if context.is_some() {
                        errors.at(
                            &pt.ty,
                            "a method takes at most one `Context`: remove this one",
                        );
                    }
                    context = Some(position);
                    continue;
                }
                context::Arg::Misused(message) => {
                    errors.at(&pt.ty, message);
                    continue;
                }
                context::Arg::Wire => {}
            }
            let ident = match &*pt.pat {
                Pat::Ident(pi) if pi.by_ref.is_none() && pi.subpat.is_none() => pi.ident.clone(),
                other => {
                    errors.at(
                        other,
                        "write a plain argument name: it is the argument's name for callers \
                         that pass named arguments",
                    );
                    continue;
                }
            };
            match &*pt.ty {
                Type::Reference(r) => errors.at(
                    r,
                    format!(
                        "arguments are decoded from JSON into owned values: take `{}` by value \
                         (e.g. `String` instead of `&str`)",
                        strip(&r.elem)
                    ),
                ),
                Type::ImplTrait(t) => errors.at(
                    t,
                    "a Jet method cannot take `impl Trait`: its arguments are decoded from JSON \
                     into one concrete type each",
                ),
                _ => {}
            }
            args.push(ArgIr {
                ident,
                ty: (*pt.ty).clone(),
            });
        }
        if !renamed && CLIENT_FNS.contains(&name.as_str()) {
            errors.at(
                &sig.ident,
                format!(
                    "a method named `{name}` would clash with the generated client's `{name}`: \
                     rename the fn and keep the Jet name with #[jet(rename = \"{name}\")]"
                ),
            );
        } else if renamed && CLIENT_FNS.contains(&sig.ident.to_string().as_str()) {
            errors.at(
                &sig.ident,
                format!(
                    "the generated client has its own `{}`: give the Rust fn another name",
                    sig.ident
                ),
            );
        }
        if methods.iter().any(|m| m.name == name) {
            errors.at_span(
                name_span,
                format!(
                    "two methods would be served at `{name}`: give one of them another name with \
                     #[jet(rename = \"...\")]"
                ),
            );
        }
        methods.push(MethodIr {
            ident: sig.ident.clone(),
            name,
            name_span,
            doc: attr::doc(&f.attrs),
            receiver,
            is_async: sig.asyncness.is_some(),
            args,
            context,
            output: match (output(&sig.output), result_key) {
                // A result alias under another name (`type Fallible<T> = Result<T, E>`).
                (Output::Value(t), Some(_)) => Output::ResultAlias(t),
                (Output::Unit, Some(key)) => {
                    errors.at(
                        &key,
                        "#[jet(result)] marks a return type as a `Result` alias, but this fn \
                         returns nothing",
                    );
                    Output::Unit
                }
                (output, _) => output,
            },
            access,
            cfgs: f
                .attrs
                .iter()
                .filter(|a| a.path().is_ident("cfg"))
                .cloned()
                .collect(),
            lints: f.attrs.iter().filter_map(allowance).collect(),
        });
    }
    errors.finish()?;
    Ok(MethodsIr {
        self_ty: (*item.self_ty).clone(),
        client: client.expect("no errors means the self type was a path"),
        methods,
        getters,
    })
}

/// `#[allow(..)]` as it is, `#[expect(..)]` as `#[allow(..)]` (the client fn may not trip
/// the lint, and an unmet expectation would warn there), anything else `None`.
fn allowance(attr: &Attribute) -> Option<Attribute> {
    if attr.path().is_ident("allow") {
        return Some(attr.clone());
    }
    if !attr.path().is_ident("expect") {
        return None;
    }
    let syn::Meta::List(list) = &attr.meta else {
        return None;
    };
    let lints = &list.tokens;
    Some(syn::parse_quote_spanned!(attr.span()=> #[allow(#lints)]))
}

/// `T`, `Result<T, E>`, an alias named `Result` (`anyhow::Result<T>`, `io::Result<T>`,
/// `type Result<T>`: its ok and error types come from the `ResultLike` trait, so it
/// must really be a `Result`) or nothing.
fn output(ret: &ReturnType) -> Output {
    let ty = match ret {
        ReturnType::Default => return Output::Unit,
        ReturnType::Type(_, ty) => ty,
    };
    if let Type::Path(p) = &**ty {
        if let Some(last) = p.path.segments.last() {
            if last.ident == "Result" {
                if let syn::PathArguments::AngleBracketed(a) = &last.arguments {
                    let types: Vec<&Type> = a
                        .args
                        .iter()
                        .filter_map(|g| match g {
                            syn::GenericArgument::Type(t) => Some(t),
                            _ => None,
                        })
                        .collect();
                    if let [ok, err] = types[..] {
                        return Output::Result {
                            ok: Box::new(ok.clone()),
                            err: Box::new(err.clone()),
                        };
                    }
                }
                return Output::ResultAlias(ty.clone());
            }
        }
    }
    if let Type::Tuple(t) = &**ty {
        if t.elems.is_empty() {
            return Output::Unit;
        }
    }
    Output::Value(ty.clone())
}

fn strip(ty: &Type) -> String {
    let s = quote::quote!(#ty).to_string().replace(' ', "");
    if s == "str" {
        "String".to_owned()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::parse_quote;

    #[test]
    fn receivers_arguments_and_outputs() {
        let item: ItemImpl = parse_quote! {
            impl crate::plant::Boiler {
                /// Heat.
                pub async fn heat(&mut self, minutes: u32, mut power: Option<u8>) -> Result<f64, HeatError> { todo!() }
                pub fn status(&self) -> Status { todo!() }
                #[jet(rename = "resetHours")]
                pub fn reset(&mut self) -> () {}
                #[jet(skip)]
                pub fn create() -> Self { todo!() }
                fn helper(&self) {}
            }
        };
        let ir = methods(proc_macro2::TokenStream::new(), &item).unwrap();
        let client = &ir.client;
        assert_eq!(
            quote::quote!(#client).to_string().replace(' ', ""),
            "crate::plant::BoilerClient"
        );
        let names: Vec<&str> = ir.methods.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["heat", "status", "resetHours"]);
        let heat = &ir.methods[0];
        assert!(heat.is_async && heat.receiver == Receiver::Exclusive);
        assert_eq!(heat.doc, "Heat.");
        let args: Vec<String> = heat.args.iter().map(|a| a.ident.to_string()).collect();
        assert_eq!(args, ["minutes", "power"]);
        assert!(matches!(heat.output, Output::Result { .. }));
        assert!(ir.methods[1].receiver == Receiver::Shared);
        assert!(matches!(ir.methods[1].output, Output::Value(_)));
        assert!(matches!(ir.methods[2].output, Output::Unit));
    }

    #[test]
    fn contexts_are_left_out_of_the_wire_arguments_and_getters_become_states() {
        let item: ItemImpl = parse_quote! {
            impl Tank {
                pub fn fill(&self, litres: f64, ctx: &jet_runtime::Context<Self>, note: String) {}
                /// Gallons.
                #[jet(state, rename = "gal")]
                pub fn gallons(&self) -> f64 { todo!() }
            }
        };
        let ir = methods(proc_macro2::TokenStream::new(), &item).unwrap();
        let fill = &ir.methods[0];
        let args: Vec<String> = fill.args.iter().map(|a| a.ident.to_string()).collect();
        assert_eq!(args, ["litres", "note"]);
        assert_eq!(fill.context, Some(1));
        assert_eq!(ir.methods.len(), 1, "a getter is no method");
        let gallons = &ir.getters[0];
        assert_eq!(
            (gallons.name.as_str(), gallons.doc.as_str()),
            ("gal", "Gallons.")
        );
        assert_eq!(gallons.ident, "gallons");
    }

    #[test]
    fn result_aliases_are_results() {
        for ret in [
            quote::quote!(-> anyhow::Result<u8>),
            quote::quote!(-> std::io::Result<u8>),
            quote::quote!(-> Result<u8>),
        ] {
            let ret: ReturnType = syn::parse2(ret).unwrap();
            assert!(matches!(output(&ret), Output::ResultAlias(_)));
        }
        let ret: ReturnType = parse_quote!(-> Result<u8, anyhow::Error>);
        assert!(matches!(output(&ret), Output::Result { .. }));
    }

    #[test]
    fn the_result_key_marks_an_alias_under_another_name() {
        let item: ItemImpl = parse_quote! {
            impl Lamp {
                #[jet(result)]
                pub fn dim(&self) -> Fallible<u8> { todo!() }
                pub fn level(&self) -> Fallible<u8> { todo!() }
            }
        };
        let ir = methods(proc_macro2::TokenStream::new(), &item).unwrap();
        assert!(matches!(ir.methods[0].output, Output::ResultAlias(_)));
        // Without the key it is a value; the expansion checks it is no `Result`.
        assert!(matches!(ir.methods[1].output, Output::Value(_)));
    }

    #[test]
    fn rule_violations_name_the_fix() {
        let item: ItemImpl = parse_quote! {
            impl Lamp {
                pub fn by_value(self) {}
                pub fn generic<T>(&self, t: T) {}
                pub fn borrowed(&self, name: &str) {}
                pub fn pair(&self, (a, b): (u8, u8)) {}
            }
        };
        let errors = methods(proc_macro2::TokenStream::new(), &item);
        let errors: Vec<String> = errors
            .err()
            .unwrap()
            .into_iter()
            .map(|e| e.to_string())
            .collect();
        assert!(errors[0].contains("write `&self`"), "{errors:#?}");
        assert!(errors[1].contains("cannot be generic"));
        assert!(errors[2].contains("take `String` by value"));
        assert!(errors[3].contains("write a plain argument name"));
        assert_eq!(errors.len(), 4);
    }
}

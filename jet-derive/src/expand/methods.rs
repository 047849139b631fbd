//! `#[jet_runtime::methods]`: the `Methods` impl (handlers and schemas) and the client's
//! method fns.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::ext::IdentExt as _;
use syn::spanned::Spanned;

use super::{access_value, getter};
use crate::ir::{MethodIr, MethodsIr, Output, Receiver};

pub(crate) fn methods(ir: &MethodsIr) -> TokenStream {
    let p = quote!(::jet_runtime::__private);
    let self_ty = &ir.self_ty;
    let client = &ir.client;
    let infos = ir.methods.iter().map(|m| {
        let (cfgs, info) = (&m.cfgs, info(m));
        quote!(#(#cfgs)* __jet_methods.push(#info);)
    });
    let client_fns = ir.methods.iter().map(client_fn);
    let checks = super::paths::methods_checks(ir);
    let states = getter::describe(&ir.getters);
    let getter_fns = ir.getters.iter().map(getter::client_fns);
    quote! {
        impl ::jet_runtime::typed::Methods for #self_ty {
            fn describe_methods() -> #p::Vec<#p::MethodInfo<Self>> {
                #[allow(unused_mut)] // every fn may be `cfg`'d out
                let mut __jet_methods = #p::Vec::new();
                #(#infos)*
                __jet_methods
            }

            #states
        }

        impl #client {
            /// A second `#[jet_runtime::methods]` block for the same type is refused by the
            /// compiler as a duplicate definition of this name (besides the conflicting
            /// `Methods` impls): all methods of a type go in one block.
            #[doc(hidden)]
            #[allow(non_upper_case_globals)]
            pub const only_one_jet_methods_block_per_type: () = ();

            #(#client_fns)*
            #(#getter_fns)*
        }

        #checks
    }
}

/// The `MethodInfo` of one method: schema, handler, doc, access.
fn info(m: &MethodIr) -> TokenStream {
    let p = quote!(::jet_runtime::__private);
    let (ident, name) = (&m.ident, &m.name);
    let names: Vec<String> = m.args.iter().map(|a| a.ident.unraw().to_string()).collect();
    let schema_args = m.args.iter().zip(&names).map(|(a, n)| {
        let ty = &a.ty;
        quote_spanned!(ty.span()=> .arg::<#ty>(#n))
    });
    let result_schema = match &m.output {
        Output::Unit => quote!(.result::<()>()),
        Output::Value(t) | Output::Result { ok: t, .. } => {
            quote_spanned!(t.span()=> .result::<#t>())
        }
        Output::ResultAlias(t) => {
            quote_spanned!(t.span()=> .result::<<#t as #p::ResultLike>::Ok>())
        }
    };
    let errors_schema = error_type(m).map(|err| {
        quote_spanned!(err.span()=>
            .errors(<#err as ::jet_runtime::__private::MethodError>::error_schemas))
    });
    // A plain value must not be a `Result` under another name (see `PlainValue`).
    let not_a_result = match &m.output {
        Output::Value(t) => Some(quote_spanned!(t.span()=> {
            #[allow(unused_imports)] // unused exactly when the check fails
            use ::jet_runtime::__private::PlainValueCheck as _;
            ::jet_runtime::__private::PlainValue::<#t>::new().check();
        })),
        _ => None,
    };
    let takes = m.args.iter().enumerate().map(|(i, a)| {
        let ty = &a.ty;
        quote_spanned!(ty.span()=> __jet_in.take::<#ty>(#i)?,)
    });
    // The decoded wire arguments in order, with the context at its place among them.
    let mut call_args: Vec<TokenStream> = (0..m.args.len())
        .map(|i| {
            let i = syn::Index::from(i);
            quote!(__jet_values.#i)
        })
        .collect();
    if let Some(position) = m.context {
        call_args.insert(position, quote!(__jet_ctx));
    }
    let (ctor, this_ty) = match m.receiver {
        Receiver::Shared => (quote!(shared), quote!(&Self)),
        Receiver::Exclusive => (quote!(exclusive), quote!(&mut Self)),
    };
    let await_ = m.is_async.then(|| quote!(.await));
    let call = quote!(Self::#ident(__jet_this, #(#call_args),*) #await_);
    // Spanned at the return or error type, so a missing `Serialize` or `IntoErrorObject`
    // is reported there.
    let answer = match &m.output {
        Output::Result { err, .. } => {
            quote_spanned!(err.span()=> #p::call_result(__jet_outcome))
        }
        Output::ResultAlias(t) => {
            quote_spanned!(t.span()=> #p::call_result(#p::ResultLike::into_result(__jet_outcome)))
        }
        Output::Value(t) => quote_spanned!(t.span()=> #p::call_ok(__jet_outcome)),
        Output::Unit => quote!(#p::call_ok(__jet_outcome)),
    };
    let doc = (!m.doc.is_empty()).then(|| {
        let doc = &m.doc;
        quote!(.doc(#doc))
    });
    let access = m.access.as_ref().map(|a| {
        let a = access_value(a, "callGroups");
        quote!(.access(#a))
    });
    // The decoder checks the arguments before any lock is taken; the body runs the fn
    // once serving holds the lock (`&self`: read, `&mut self`: write, then publish).
    quote! {
        #p::MethodInfo::new(
            #name,
            || {
                #not_a_result
                #p::MethodSchema::new() #(#schema_args)* #result_schema #errors_schema
            },
            |__jet_path: &str, __jet_args| {
                let mut __jet_in = #p::ArgsIn::new(__jet_path, __jet_args, &[#(#names),*])?;
                let __jet_values = (#(#takes)*);
                #p::Ok(#p::Body::#ctor(move |__jet_this: #this_ty, __jet_ctx: &#p::Context<Self>| {
                    #p::Box::pin(async move {
                        let __jet_outcome = #call;
                        #answer
                    })
                }))
            },
        ) #doc #access
    }
}

/// The client fn of one method: same name, arguments and result type.
fn client_fn(m: &MethodIr) -> TokenStream {
    let p = quote!(::jet_runtime::__private);
    let (ident, name) = (&m.ident, &m.name);
    let params = m.args.iter().map(|a| {
        let (ident, ty) = (&a.ident, &a.ty);
        quote!(#ident: #ty)
    });
    let pushes = m.args.iter().map(|a| {
        let (ident, ty) = (&a.ident, &a.ty);
        let n = ident.unraw().to_string();
        quote_spanned!(ty.span()=> __jet_args.push(#n, &#ident)?;)
    });
    let (ret, ret_span) = match &m.output {
        Output::Unit => (quote!(()), proc_macro2::Span::call_site()),
        Output::Value(t) | Output::Result { ok: t, .. } => (quote!(#t), t.span()),
        Output::ResultAlias(t) => (quote!(<#t as #p::ResultLike>::Ok), t.span()),
    };
    // A method with an error type returns what that type's `MethodError` impl says
    // (`TypedError`, or `ClientError<E>` for a `JetError` enum); argument encoding errors
    // convert into it with `?`.
    // Everything that needs `E: MethodError` is spanned at `E` (the paths written out, not
    // through `#p`, so no token keeps the attribute's span).
    let (call, returns) = match error_type(m) {
        Some(err) => {
            let convert = quote_spanned!(err.span()=>
                <#err as ::jet_runtime::__private::MethodError>::client_error);
            (
                quote_spanned!(ret_span=>
                    __jet_core.call_method::<#ret, _>(__jet_args, #convert).await),
                quote_spanned!(err.span()=> ::jet_runtime::__private::Result<
                    #ret,
                    <#err as ::jet_runtime::__private::MethodError>::Client,
                >),
            )
        }
        None => (
            quote_spanned!(ret_span=> __jet_core.call::<#ret>(__jet_args).await),
            quote!(#p::Result<#ret, #p::TypedError>),
        ),
    };
    // The client fn states what it needs (arguments `Serialize`, the result `Deserialize`),
    // so a type the server side already rejects gives no second error here, and a result
    // type without `Deserialize` fails only where the client fn is called. The binder
    // keeps rustc from checking the bounds on concrete types where the fn is defined
    // (each bound has its own: a `for<..>` binds one predicate; the lifetime is unused).
    let sends = m.args.iter().map(|a| {
        let ty = &a.ty;
        quote_spanned!(ty.span()=> for<'__jet> #ty: #p::serde::Serialize,)
    });
    let decodes = quote_spanned!(ret_span=> for<'__jet> #ret: ::jet_runtime::typed::DecodedValue,);

    let doc = if m.doc.is_empty() {
        format!("Call method `{name}`.")
    } else {
        m.doc.clone()
    };
    let (cfgs, lints) = (&m.cfgs, &m.lints);
    // At the fn's name, so a clash with a field's client fn is reported here.
    quote_spanned! {ident.span()=>
        #(#cfgs)*
        #(#lints)*
        #[doc = #doc]
        pub async fn #ident(&self, #(#params),*) -> #returns
        where
            #(#sends)*
            #decodes
        {
            let __jet_core = ::jet_runtime::typed::NodeClient::core(self);
            #[allow(unused_mut)]
            let mut __jet_args = __jet_core.args(#name);
            #(#pushes)*
            #call
        }
    }
}

/// The method's error type, as a type: `E` of `Result<T, E>`, the `Err` of a result alias.
fn error_type(m: &MethodIr) -> Option<TokenStream> {
    match &m.output {
        Output::Result { err, .. } => Some(quote!(#err)),
        Output::ResultAlias(t) => {
            Some(quote_spanned!(t.span()=> <#t as ::jet_runtime::__private::ResultLike>::Err))
        }
        Output::Unit | Output::Value(_) => None,
    }
}

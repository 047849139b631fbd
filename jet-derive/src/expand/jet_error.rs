//! `#[derive(JetError)]`: the `JetError` impl (code, kind, message, encoder, decoder,
//! schemas) and the hidden `MethodError` impl that makes generated clients return
//! `ClientError<Self>`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::ext::IdentExt as _;
use syn::spanned::Spanned;
use syn::Ident;

use crate::ir::{ErrorEnumIr, ErrorFieldsIr, ErrorVariantIr, FieldRef};

pub(crate) fn jet_error(ir: &ErrorEnumIr) -> TokenStream {
    let p = quote!(::jet_runtime::__private);
    let ident = &ir.ident;
    let codes = ir.variants.iter().map(|v| {
        let (var, code) = (&v.ident, v.code);
        quote!(Self::#var { .. } => #code,)
    });
    let kinds = ir.variants.iter().map(|v| {
        let (var, kind) = (&v.ident, &v.kind);
        quote!(Self::#var { .. } => #kind,)
    });
    let messages = ir.variants.iter().map(message);
    let encoders = ir.variants.iter().map(encode);
    let decoders = ir.variants.iter().map(decode);
    let schemas = ir.variants.iter().map(schema);
    // An enum without variants has no values; a reference to one is not known to be
    // uninhabited, so its empty matches look through it.
    let this = if ir.variants.is_empty() {
        quote!(*self)
    } else {
        quote!(self)
    };
    quote! {
        impl ::jet_runtime::typed::JetError for #ident {
            fn code(&self) -> i64 {
                match #this { #(#codes)* }
            }

            fn kind(&self) -> &'static str {
                match #this { #(#kinds)* }
            }

            fn message(&self) -> #p::String {
                match #this { #(#messages)* }
            }

            fn into_error_object(self) -> #p::ErrorObject {
                #[allow(unused_variables)]
                let __jet_data = #p::ErrorData::new(
                    ::jet_runtime::typed::JetError::code(&self),
                    ::jet_runtime::typed::JetError::message(&self),
                    ::jet_runtime::typed::JetError::kind(&self),
                );
                match self { #(#encoders)* }
            }

            #[allow(clippy::redundant_closure_call)]
            fn from_error_object(
                __jet_error: &#p::ErrorObject,
            ) -> #p::Option<#p::Result<Self, #p::serde_json::Error>> {
                let __jet_fields = #p::ErrorFields::of(__jet_error)?;
                match (__jet_fields.kind(), __jet_error.code) {
                    #(#decoders)*
                    _ => #p::None,
                }
            }

            fn error_schemas() -> #p::Vec<#p::serde_json::Value> {
                #[allow(unused_mut)]
                let mut __jet_schemas = #p::Vec::new();
                #(__jet_schemas.push(#schemas);)*
                __jet_schemas
            }
        }

        impl #p::MethodError for #ident {
            type Client = #p::ClientError<Self>;

            fn error_object(self) -> #p::ErrorObject {
                ::jet_runtime::typed::JetError::into_error_object(self)
            }

            fn client_error(__jet_path: &str, __jet_error: #p::TypedError) -> Self::Client {
                #p::client_error::<Self>(__jet_path, __jet_error)
            }

            fn error_schemas() -> #p::Vec<#p::serde_json::Value> {
                <Self as ::jet_runtime::typed::JetError>::error_schemas()
            }
        }
    }
}

/// The binding of a field in the generated matches: `__jet_f_<name>` / `__jet_f_<index>`.
fn binding(field: &FieldRef) -> Ident {
    match field {
        FieldRef::Named(i) => format_ident!("__jet_f_{}", i.unraw()),
        FieldRef::Index(i) => format_ident!("__jet_f_{}", i),
    }
}

/// A pattern binding exactly `used` (all fields if `None`), the rest ignored.
fn pattern(v: &ErrorVariantIr, used: Option<&[FieldRef]>) -> TokenStream {
    let var = &v.ident;
    let wanted = |f: &FieldRef| used.is_none_or(|u| u.contains(f));
    match &v.fields {
        ErrorFieldsIr::Unit => quote!(Self::#var),
        ErrorFieldsIr::Named(named) => {
            let binds = named
                .iter()
                .map(|(i, _)| FieldRef::Named(i.clone()))
                .filter(|f| wanted(f))
                .map(|f| {
                    let b = binding(&f);
                    let FieldRef::Named(i) = f else {
                        unreachable!()
                    };
                    quote!(#i: #b,)
                });
            quote!(Self::#var { #(#binds)* .. })
        }
        ErrorFieldsIr::Tuple(types) => {
            let binds = (0..types.len()).map(FieldRef::Index).map(|f| {
                if wanted(&f) {
                    let b = binding(&f);
                    quote!(#b)
                } else {
                    quote!(_)
                }
            });
            quote!(Self::#var(#(#binds),*))
        }
    }
}

/// `message()`: the template with the fields it names, else `Display` or the kind (chosen
/// by autoref on the concrete type, see `MessageOf` in the runtime).
fn message(v: &ErrorVariantIr) -> TokenStream {
    let p = quote!(::jet_runtime::__private);
    match &v.message {
        Some(m) => {
            let pat = pattern(v, Some(&m.used));
            let format = &m.format;
            let args = m.used.iter().map(|f| {
                let b = binding(f);
                quote!(#b = #b)
            });
            quote!(#pat => ::std::format!(#format, #(#args),*),)
        }
        None => {
            let var = &v.ident;
            let kind = &v.kind;
            quote! {
                Self::#var { .. } => {
                    use #p::{DisplayMessage as _, KindMessage as _};
                    (&#p::MessageOf(self)).jet_message(#kind)
                }
            }
        }
    }
}

/// `into_error_object()`: the variant's fields into `data`.
fn encode(v: &ErrorVariantIr) -> TokenStream {
    let pat = pattern(v, None);
    let fields = match &v.fields {
        ErrorFieldsIr::Unit => Vec::new(),
        ErrorFieldsIr::Named(named) => named
            .iter()
            .map(|(i, ty)| {
                let b = binding(&FieldRef::Named(i.clone()));
                let name = i.unraw().to_string();
                quote_spanned!(ty.span()=> .field(#name, &#b))
            })
            .collect(),
        ErrorFieldsIr::Tuple(types) => {
            let binds: Vec<Ident> = (0..types.len())
                .map(|i| binding(&FieldRef::Index(i)))
                .collect();
            match &binds[..] {
                [] => Vec::new(),
                [one] => vec![quote_spanned!(types[0].span()=> .field("value", &#one))],
                several => vec![quote!(.field("value", &(#(#several),*)))],
            }
        }
    };
    quote!(#pat => __jet_data #(#fields)* .finish(),)
}

/// `from_error_object()`: one arm per variant, matching kind and code.
fn decode(v: &ErrorVariantIr) -> TokenStream {
    let p = quote!(::jet_runtime::__private);
    let (var, kind, code) = (&v.ident, &v.kind, v.code);
    let value = match &v.fields {
        ErrorFieldsIr::Unit => quote!(#p::Ok(Self::#var)),
        ErrorFieldsIr::Named(named) => {
            let fields = named.iter().map(|(i, ty)| {
                let name = i.unraw().to_string();
                quote_spanned!(ty.span()=> #i: __jet_fields.field::<#ty>(#name)?,)
            });
            quote! {
                (|| #p::Ok(Self::#var { #(#fields)* }))()
            }
        }
        ErrorFieldsIr::Tuple(types) => match &types[..] {
            [] => quote!(#p::Ok(Self::#var())),
            [ty] => quote_spanned!(ty.span()=> __jet_fields.field::<#ty>("value").map(Self::#var)),
            several => {
                let binds: Vec<Ident> = (0..several.len())
                    .map(|i| binding(&FieldRef::Index(i)))
                    .collect();
                quote! {
                    __jet_fields
                        .field::<(#(#several),*)>("value")
                        .map(|(#(#binds),*)| Self::#var(#(#binds),*))
                }
            }
        },
    };
    quote!((#kind, #code) => #p::Some(#value),)
}

/// One entry of the methods' `errors` schema.
fn schema(v: &ErrorVariantIr) -> TokenStream {
    let p = quote!(::jet_runtime::__private);
    let (kind, code, doc) = (&v.kind, v.code, &v.doc);
    let message = match &v.message {
        Some(m) => {
            let t = &m.template;
            quote!(#p::Some(#t))
        }
        None => quote!(#p::None),
    };
    let fields: Vec<TokenStream> = match &v.fields {
        ErrorFieldsIr::Unit => Vec::new(),
        ErrorFieldsIr::Named(named) => named
            .iter()
            .map(|(i, ty)| {
                let name = i.unraw().to_string();
                quote_spanned!(ty.span()=> .field::<#ty>(#name))
            })
            .collect(),
        ErrorFieldsIr::Tuple(types) => match &types[..] {
            [] => Vec::new(),
            [ty] => vec![quote_spanned!(ty.span()=> .field::<#ty>("value"))],
            several => vec![quote!(.field::<(#(#several),*)>("value"))],
        },
    };
    quote!(#p::ErrorSchema::new(#code, #kind, #message, #doc) #(#fields)* .finish())
}

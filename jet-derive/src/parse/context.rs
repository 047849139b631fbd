//! Recognising a method's `ctx: &jet_runtime::Context<Self>` argument.
//!
//! By type, in any position after `self`: a shared reference to a type whose last path
//! segment is `Context` with one type argument. Such an argument would otherwise be
//! refused (wire arguments are owned), so the rule cannot take over a real argument; the
//! generated call then checks that it really is `jet_runtime::Context<Self>`.

use quote::ToTokens;
use syn::{GenericArgument, PathArguments, Type};

/// What one argument of a method is.
pub(crate) enum Arg {
    /// `&Context<..>`: passed by the runtime, not decoded.
    Context,
    /// A `Context<Self>` the runtime cannot pass as written: the message says how.
    Misused(&'static str),
    /// A wire argument.
    Wire,
}

pub(crate) fn recognise(ty: &Type, self_ty: &Type) -> Arg {
    match ty {
        Type::Reference(r) if context_arg(&r.elem).is_some() => {
            if r.mutability.is_some() {
                Arg::Misused(
                    "the context is shared by the call: take it as `ctx: &jet_runtime::Context<Self>` \
                     (its `changed()` needs no `&mut`)",
                )
            } else {
                Arg::Context
            }
        }
        Type::Paren(p) => recognise(&p.elem, self_ty),
        _ => match context_arg(ty) {
            Some(arg) if is_self(arg, self_ty) => Arg::Misused(
                "the context belongs to the call, not to the method: take it by reference, \
                 `ctx: &jet_runtime::Context<Self>`",
            ),
            _ => Arg::Wire,
        },
    }
}

/// `T` of a type path ending in `Context<T>`.
fn context_arg(ty: &Type) -> Option<&Type> {
    let Type::Path(p) = ty else { return None };
    if p.qself.is_some() {
        return None;
    }
    let last = p.path.segments.last()?;
    if last.ident != "Context" {
        return None;
    }
    let PathArguments::AngleBracketed(a) = &last.arguments else {
        return None;
    };
    match a.args.iter().collect::<Vec<_>>()[..] {
        [GenericArgument::Type(t)] => Some(t),
        _ => None,
    }
}

fn is_self(ty: &Type, self_ty: &Type) -> bool {
    let text = |t: &Type| t.to_token_stream().to_string();
    text(ty) == "Self" || text(ty) == text(self_ty)
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::parse_quote;

    fn kind(ty: Type) -> &'static str {
        match recognise(&ty, &parse_quote!(Lamp)) {
            Arg::Context => "context",
            Arg::Misused(_) => "misused",
            Arg::Wire => "wire",
        }
    }

    #[test]
    fn contexts_are_references_to_a_context_of_one_type() {
        assert_eq!(kind(parse_quote!(&jet_runtime::Context<Self>)), "context");
        assert_eq!(kind(parse_quote!(&Context<Lamp>)), "context");
        assert_eq!(kind(parse_quote!(&'a Context<Self>)), "context");
        assert_eq!(kind(parse_quote!(&mut Context<Self>)), "misused");
        assert_eq!(kind(parse_quote!(Context<Self>)), "misused");
        assert_eq!(kind(parse_quote!(jet_runtime::Context<Lamp>)), "misused");
        // A user's own owned `Context` type is a wire argument like any other.
        assert_eq!(kind(parse_quote!(Context<String>)), "wire");
        assert_eq!(kind(parse_quote!(Context)), "wire");
        // `std::task::Context<'_>` has no type argument: refused later as a reference.
        assert_eq!(kind(parse_quote!(&mut std::task::Context<'_>)), "wire");
    }
}

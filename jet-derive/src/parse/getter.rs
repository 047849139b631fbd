//! A `#[jet(state)]` fn of a `#[jet_runtime::methods]` block -> [`GetterIr`]: a computed,
//! read-only state. It must be `fn name(&self) -> T` (synchronous, no arguments, an
//! owned value that is not a `Result`), because it runs on every publish, under whatever
//! lock the publisher holds.

use syn::{FnArg, ImplItemFn, ReturnType, Type};

use crate::attr::{AccessLists, Errors};
use crate::ir::GetterIr;

/// `name` and `access` come from the fn's keys, already parsed.
pub(crate) fn getter(
    f: &ImplItemFn,
    name: String,
    access: Option<AccessLists>,
    errors: &mut Errors,
) -> Option<GetterIr> {
    let sig = &f.sig;
    let fix = "a `state` getter is `fn name(&self) -> T`";
    let mut ok = true;
    match sig.inputs.first() {
        Some(FnArg::Receiver(r)) if r.reference.is_some() && r.mutability.is_none() => {}
        Some(FnArg::Receiver(r)) => {
            errors.at(
                r,
                format!(
                    "{fix}: it only reads the value (it runs on every publish), so take `&self`"
                ),
            );
            ok = false;
        }
        _ => {
            errors.at(
                &sig.ident,
                format!("{fix}: it computes the state from the value, so it takes `&self`"),
            );
            ok = false;
        }
    }
    if let Some(extra) = sig.inputs.iter().nth(1) {
        errors.at(
            extra,
            format!("{fix}: a state has no arguments; make this a method (remove `state`)"),
        );
        ok = false;
    }
    if let Some(a) = &sig.asyncness {
        errors.at(
            a,
            format!("{fix}: it runs inside every publish, so it cannot be `async`"),
        );
        ok = false;
    }
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        errors.at(
            &sig.generics,
            format!("{fix}: a state has one concrete type, so it cannot be generic"),
        );
        ok = false;
    }
    if let Some(access) = &access {
        if !access.write.is_empty() {
            errors.at(
                &sig.ident,
                "a `state` getter is fetch-only: give only `access(fetch = [..])`",
            );
            ok = false;
        }
    }
    let ty = match &sig.output {
        ReturnType::Default => {
            errors.at(&sig.ident, format!("{fix}: return the state's value"));
            None
        }
        ReturnType::Type(_, ty) => match &**ty {
            Type::Reference(r) => {
                errors.at(
                    r,
                    format!("{fix}: return an owned value (e.g. `String` for `&str`)"),
                );
                None
            }
            Type::Tuple(t) if t.elems.is_empty() => {
                errors.at(t, format!("{fix}: return the state's value"));
                None
            }
            Type::Path(p) if p.path.segments.last().is_some_and(|s| s.ident == "Result") => {
                errors.at(
                    ty,
                    format!("{fix}: a state has a value, not an error; return `T`, not a `Result`"),
                );
                None
            }
            _ => Some((**ty).clone()),
        },
    };
    let ty = ty.filter(|_| ok)?;
    Some(GetterIr {
        ident: sig.ident.clone(),
        name,
        doc: crate::attr::doc(&f.attrs),
        ty,
        access,
    })
}

//! `#[derive(Node)]` input -> [`NodeIr`].

use syn::ext::IdentExt as _;
use syn::{Data, DeriveInput, Fields, Type};

use crate::attr::{self, AttrValue, Errors};
use crate::ir::{FieldIr, FieldRole, NodeIr};

const FIELD_KEYS: &[attr::KeySpec] = &[
    attr::string("rename"),
    attr::flag("read_only"),
    attr::flag("skip"),
    attr::flag("node"),
    attr::flag("event"),
    attr::string("validate"),
    attr::access("set"),
];

pub(crate) fn node(input: &DeriveInput) -> syn::Result<NodeIr> {
    let mut errors = Errors::default();
    attr::parse(
        &input.attrs,
        &[],
        "a struct (put keys on its fields)",
        &mut errors,
    );
    let named = match &input.data {
        Data::Struct(s) => match &s.fields {
            Fields::Named(named) => Some(named),
            Fields::Unnamed(f) => {
                errors.at(
                    f,
                    "#[derive(Node)] needs named fields (their names become the state paths): \
                     write `struct Name { field: Type }`",
                );
                None
            }
            Fields::Unit => {
                errors.at(
                    &input.ident,
                    "#[derive(Node)] needs named fields (their names become the state paths): \
                     write `struct Name { field: Type }`",
                );
                None
            }
        },
        Data::Enum(e) => {
            errors.at(
                e.enum_token,
                "#[derive(Node)] works on structs with named fields; to serve an enum as one \
                 state, make it a field of such a struct",
            );
            None
        }
        Data::Union(u) => {
            errors.at(
                u.union_token,
                "#[derive(Node)] works on structs with named fields, not unions",
            );
            None
        }
    };
    if !input.generics.params.is_empty() || input.generics.where_clause.is_some() {
        errors.at(
            &input.generics,
            "#[derive(Node)] does not support generic parameters: a served node must be a \
             concrete type; make the generic struct a field of a concrete one",
        );
    }

    let mut fields: Vec<FieldIr> = Vec::new();
    for field in named.into_iter().flat_map(|n| n.named.iter()) {
        let keys = attr::parse(&field.attrs, FIELD_KEYS, "a field", &mut errors);
        let ident = field.ident.clone().expect("named fields have names");
        let mut name = ident.unraw().to_string();
        let mut name_span = ident.span();
        let (mut read_only, mut skip, mut is_node, mut validate, mut access) =
            (None, None, None, None, None);
        let mut is_event = None;
        for key in keys {
            match (key.name.to_string().as_str(), key.value) {
                ("rename", AttrValue::Str(lit)) => {
                    name = attr::check_path(&lit, &mut errors);
                    name_span = lit.span();
                }
                ("read_only", _) => read_only = Some(key.name),
                ("skip", _) => skip = Some(key.name),
                ("node", _) => is_node = Some(key.name),
                ("event", _) => is_event = Some(key.name),
                ("validate", AttrValue::Str(lit)) => match lit.parse::<syn::Path>() {
                    Ok(path) => validate = Some((key.name, path)),
                    Err(_) => errors.at(
                        &lit,
                        "`validate` takes the path of a fn `fn(&T) -> Result<(), E>` with \
                         `E: Display`: write e.g. `validate = \"Self::check_setpoint\"`",
                    ),
                },
                ("access", AttrValue::Access(lists)) => access = Some(lists),
                _ => {}
            }
        }
        if let Some(skip) = &skip {
            if read_only.is_some()
                || is_node.is_some()
                || is_event.is_some()
                || validate.is_some()
                || access.is_some()
            {
                errors.at(
                    skip,
                    "`skip` leaves the field off the bus, so the other keys have no effect: \
                     remove them or remove `skip`",
                );
            }
            continue;
        }
        if let (Some(ro), Some((_, path))) = (&read_only, &validate) {
            errors.at(
                ro,
                format!(
                    "a `read_only` field cannot be set remotely, so `validate = \"{}\"` would \
                     never run: remove one of them",
                    quote::quote!(#path).to_string().replace(' ', "")
                ),
            );
        }
        let role = if let Some(event) = &is_event {
            if is_node.is_some() {
                errors.at(
                    event,
                    "a field is either a nested `node` or an `event` stream: remove one of them",
                );
            }
            if let Some((v, _)) = &validate {
                errors.at(
                    v,
                    "an `event` field cannot be set remotely, so `validate` would never run: \
                     remove it",
                );
            }
            if is_node.is_none() && !is_event_type(&field.ty) {
                let ty = &field.ty;
                errors.at(
                    ty,
                    format!(
                        "`event` needs a field of type `jet_runtime::Event<T>`, not `{}`: write \
                         e.g. `alarms: jet_runtime::Event<Alarm>`, or remove `event` to serve it \
                         as a state",
                        quote::quote!(#ty).to_string().replace(' ', "")
                    ),
                );
            }
            FieldRole::Event
        } else if is_node.is_some() {
            if let Some((v, _)) = &validate {
                errors.at(
                    v,
                    "`validate` checks one state's value; a `node` field has a state per inner \
                     field: put `validate` on those fields instead",
                );
            }
            if let Some(what) = plain_value(&field.ty) {
                errors.at(
                    &field.ty,
                    format!(
                        "`node` needs a struct that derives Node, but {what} is a plain value: \
                         remove `node` to serve it as one state"
                    ),
                );
            }
            FieldRole::Node {
                read_only: read_only.is_some(),
            }
        } else {
            FieldRole::State {
                read_only: read_only.is_some(),
                validate: validate.map(|(_, p)| p),
            }
        };
        if fields.iter().any(|f| f.name == name) {
            errors.at_span(
                name_span,
                format!(
                    "two fields would be served at `{name}`: give one of them another name with \
                     #[jet(rename = \"...\")]"
                ),
            );
        }
        fields.push(FieldIr {
            ident,
            ty: field.ty.clone(),
            name,
            name_span,
            doc: attr::doc(&field.attrs),
            role,
            access,
        });
    }
    errors.finish()?;
    Ok(NodeIr {
        ident: input.ident.clone(),
        vis: input.vis.clone(),
        fields,
    })
}

/// Whether `ty` is written `Event<T>` (by any path): an `event` field's type, named as
/// such so a wrong type gets one clear error here (the generated code checks, through the
/// `EventField` trait, that it is `jet_runtime::Event`).
fn is_event_type(ty: &Type) -> bool {
    match ty {
        Type::Path(p) if p.qself.is_none() => p.path.segments.last().is_some_and(|last| {
            last.ident == "Event"
                && matches!(&last.arguments, syn::PathArguments::AngleBracketed(a) if a.args.len() == 1)
        }),
        Type::Paren(p) => is_event_type(&p.elem),
        _ => false,
    }
}

/// If `ty` is obviously not a struct (a number, string, collection, tuple, reference...),
/// how to name it in a message.
fn plain_value(ty: &Type) -> Option<String> {
    const PLAIN: &[&str] = &[
        "bool", "char", "str", "String", "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16",
        "i32", "i64", "i128", "isize", "f32", "f64", "Vec", "Option", "HashMap", "BTreeMap",
        "HashSet", "BTreeSet", "VecDeque", "Value",
    ];
    let shown = || format!("`{}`", quote::quote!(#ty).to_string().replace(' ', ""));
    match ty {
        Type::Path(p) if p.qself.is_none() => {
            let last = p.path.segments.last()?;
            PLAIN.iter().any(|name| last.ident == name).then(shown)
        }
        Type::Array(_) | Type::Slice(_) | Type::Tuple(_) | Type::Reference(_) | Type::Ptr(_) => {
            Some(shown())
        }
        Type::Paren(p) => plain_value(&p.elem),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::parse_quote;

    #[test]
    fn fields_become_named_states_and_nodes() {
        let input: DeriveInput = parse_quote! {
            pub struct Boiler {
                /// Water temperature.
                ///   Measured.
                #[jet(read_only)]
                temperature: f64,
                #[jet(rename = "target", validate = "Self::check")]
                setpoint: f64,
                #[jet(skip)]
                cache: u8,
                #[jet(node, access(fetch = "viewer", set = ["a", "b"]))]
                burner: Burner,
            }
        };
        let ir = node(&input).unwrap();
        let names: Vec<&str> = ir.fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["temperature", "target", "burner"]);
        assert_eq!(ir.fields[0].doc, "Water temperature.\n  Measured.");
        assert!(matches!(
            ir.fields[0].role,
            FieldRole::State {
                read_only: true,
                validate: None
            }
        ));
        assert!(matches!(
            &ir.fields[1].role,
            FieldRole::State { read_only: false, validate: Some(p) } if p.segments.len() == 2
        ));
        assert!(matches!(
            ir.fields[2].role,
            FieldRole::Node { read_only: false }
        ));
        let access = ir.fields[2].access.as_ref().unwrap();
        assert_eq!(access.fetch, ["viewer"]);
        assert_eq!(access.write, ["a", "b"]);
    }

    #[test]
    fn all_errors_are_reported_together() {
        let input: DeriveInput = parse_quote! {
            struct Bad<T> {
                #[jet(magic, read_only = 1)]
                a: T,
                #[jet(rename = "a")]
                b: u8,
                #[jet(node)]
                c: Vec<u8>,
            }
        };
        let errors: Vec<String> = node(&input)
            .err()
            .unwrap()
            .into_iter()
            .map(|e| e.to_string())
            .collect();
        assert_eq!(errors.len(), 5, "{errors:#?}");
        assert!(errors[0].starts_with("#[derive(Node)] does not support generic"));
        assert!(errors[1].starts_with("unknown key `magic`"));
        assert!(errors[2].starts_with("`read_only` takes no value"));
        assert!(errors[3].starts_with("two fields would be served at `a`"));
        assert!(errors[4].starts_with("`node` needs a struct"));
    }
}

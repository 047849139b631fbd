//! `#[derive(JetError)]` input -> [`ErrorEnumIr`].

use syn::ext::IdentExt as _;
use syn::{Data, DeriveInput, Fields, LitStr};

use crate::attr::{self, AttrValue, Errors};
use crate::ir::{ErrorEnumIr, ErrorFieldsIr, ErrorVariantIr, FieldRef, MessageIr};

const ENUM_KEYS: &[attr::KeySpec] = &[attr::int("code")];

const VARIANT_KEYS: &[attr::KeySpec] = &[
    attr::int("code"),
    attr::string("message"),
    attr::string("rename"),
];

/// JSON-RPC 2.0 reserves -32768 to -32000 for "pre-defined errors"; Jet's own errors
/// (-32700 ... -32600, -32602, -32603, -32001 Response Timeout) are all in it, and a peer
/// maps them to its own meanings (PROTOCOL.md A.3). A service's error must not look like one.
const RESERVED: std::ops::RangeInclusive<i64> = -32768..=-32000;

pub(crate) fn jet_error(input: &DeriveInput) -> syn::Result<ErrorEnumIr> {
    let mut errors = Errors::default();
    let mut default_code = None;
    for key in attr::parse(&input.attrs, ENUM_KEYS, "an error enum", &mut errors) {
        if let AttrValue::Int(code, tokens) = key.value {
            default_code = Some(checked(code, &tokens, &mut errors));
        }
    }
    let data = match &input.data {
        Data::Enum(e) => Some(e),
        Data::Struct(s) => {
            errors.at(
                s.struct_token,
                "#[derive(JetError)] goes on an enum: each variant is one kind of error; \
                 for a single error write `enum Name { Variant { .. } }`",
            );
            None
        }
        Data::Union(u) => {
            errors.at(
                u.union_token,
                "#[derive(JetError)] goes on an enum: each variant is one kind of error",
            );
            None
        }
    };
    if !input.generics.params.is_empty() || input.generics.where_clause.is_some() {
        errors.at(
            &input.generics,
            "#[derive(JetError)] does not support generic parameters: the errors a method \
             declares in its schema are of one concrete type",
        );
    }

    let mut variants: Vec<ErrorVariantIr> = Vec::new();
    for v in data.into_iter().flat_map(|d| d.variants.iter()) {
        let mut kind = v.ident.unraw().to_string();
        let mut kind_span = v.ident.span();
        let (mut code, mut message) = (default_code, None);
        for key in attr::parse(&v.attrs, VARIANT_KEYS, "an error variant", &mut errors) {
            match (key.name.to_string().as_str(), key.value) {
                ("code", AttrValue::Int(c, tokens)) => {
                    code = Some(checked(c, &tokens, &mut errors))
                }
                ("message", AttrValue::Str(lit)) => message = Some(lit),
                ("rename", AttrValue::Str(lit)) => {
                    kind = lit.value();
                    kind_span = lit.span();
                    if kind.is_empty() {
                        errors.at(&lit, "the kind of an error cannot be empty");
                    }
                }
                _ => {}
            }
        }
        let fields = match &v.fields {
            Fields::Unit => ErrorFieldsIr::Unit,
            Fields::Named(named) => ErrorFieldsIr::Named(
                named
                    .named
                    .iter()
                    .map(|f| {
                        let ident = f.ident.clone().expect("named fields have names");
                        if ident.unraw() == "kind" {
                            errors.at(
                                &ident,
                                "a field named `kind` would clash with `data.kind` (the \
                                 variant's name on the wire): give the field another name",
                            );
                        }
                        (ident, f.ty.clone())
                    })
                    .collect(),
            ),
            Fields::Unnamed(unnamed) => {
                ErrorFieldsIr::Tuple(unnamed.unnamed.iter().map(|f| f.ty.clone()).collect())
            }
        };
        for f in v.fields.iter() {
            attr::parse(&f.attrs, &[], "a field of an error variant", &mut errors);
        }
        let Some(code) = code else {
            errors.at(
                &v.ident,
                format!(
                    "`{}` has no error code: add #[jet(code = 1001)] to the variant, or to the \
                     enum for all its variants",
                    v.ident
                ),
            );
            continue;
        };
        if variants.iter().any(|other| other.kind == kind) {
            errors.at_span(
                kind_span,
                format!(
                    "two variants would be sent as kind `{kind}`: give one of them another \
                     name with #[jet(rename = \"...\")]"
                ),
            );
        }
        let message = message.and_then(|lit| template(&lit, &fields, &mut errors));
        variants.push(ErrorVariantIr {
            ident: v.ident.clone(),
            kind,
            code,
            doc: attr::doc(&v.attrs),
            message,
            fields,
        });
    }
    errors.finish()?;
    Ok(ErrorEnumIr {
        ident: input.ident.clone(),
        variants,
    })
}

/// `code`, with an error at its tokens if JSON-RPC reserves it.
fn checked(code: i64, tokens: &proc_macro2::TokenStream, errors: &mut Errors) -> i64 {
    if RESERVED.contains(&code) {
        errors.at(
            tokens,
            format!(
                "error code {code} is reserved: JSON-RPC keeps -32768 to -32000 for its own and \
                 Jet's errors (-32602 Invalid params, -32001 Response Timeout, ...); pick a \
                 code outside that range"
            ),
        );
    }
    code
}

/// The message template with each `{field}` / `{0}` checked against the variant's fields
/// and renamed to its binding; `{{` and `}}` stay literal braces, format specs
/// (`{t:.1}`) are kept.
fn template(lit: &LitStr, fields: &ErrorFieldsIr, errors: &mut Errors) -> Option<MessageIr> {
    let text = lit.value();
    let mut format = String::with_capacity(text.len());
    let mut used: Vec<FieldRef> = Vec::new();
    let mut ok = true;
    let mut rest = text.as_str();
    while let Some(i) = rest.find(['{', '}']) {
        format.push_str(&rest[..i]);
        let brace = &rest[i..];
        if brace.starts_with("{{") || brace.starts_with("}}") {
            format.push_str(&brace[..2]);
            rest = &brace[2..];
            continue;
        }
        if brace.starts_with('}') {
            errors.at(
                lit,
                "unmatched `}` in the message: write `}}` for a literal brace",
            );
            return None;
        }
        let Some(end) = brace.find('}') else {
            errors.at(
                lit,
                "unmatched `{` in the message: write `{{` for a literal brace",
            );
            return None;
        };
        let inner = &brace[1..end];
        let (name, spec) = inner.split_at(inner.find(':').unwrap_or(inner.len()));
        let name = name.trim();
        match field_ref(name.strip_prefix("r#").unwrap_or(name), fields) {
            Ok(field) => {
                let binding = match &field {
                    FieldRef::Named(ident) => ident.unraw().to_string(),
                    FieldRef::Index(i) => i.to_string(),
                };
                format.push_str(&format!("{{__jet_f_{binding}{spec}}}"));
                if !used.contains(&field) {
                    used.push(field);
                }
            }
            Err(why) => {
                errors.at(lit, why);
                ok = false;
            }
        }
        rest = &brace[end + 1..];
    }
    format.push_str(rest);
    ok.then_some(MessageIr {
        template: text,
        format,
        used,
    })
}

fn field_ref(name: &str, fields: &ErrorFieldsIr) -> Result<FieldRef, String> {
    let listed = |fields: &ErrorFieldsIr| match fields {
        ErrorFieldsIr::Unit => "the variant has no fields".to_owned(),
        ErrorFieldsIr::Named(named) => format!(
            "it may name the variant's fields: {}",
            named
                .iter()
                .map(|(i, _)| format!("`{{{}}}`", i.unraw()))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        ErrorFieldsIr::Tuple(types) => format!(
            "it may name the variant's fields by position: {}",
            (0..types.len())
                .map(|i| format!("`{{{i}}}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    if name.is_empty() {
        return Err(format!(
            "a placeholder in the message must name a field (`{{}}` does not): {}",
            listed(fields)
        ));
    }
    let found = match fields {
        ErrorFieldsIr::Named(named) => named
            .iter()
            .find(|(i, _)| i.unraw() == name)
            .map(|(i, _)| FieldRef::Named(i.clone())),
        ErrorFieldsIr::Tuple(types) => name
            .parse::<usize>()
            .ok()
            .filter(|i| *i < types.len())
            .map(FieldRef::Index),
        ErrorFieldsIr::Unit => None,
    };
    found.ok_or_else(|| {
        format!(
            "the message names `{{{name}}}`, which is not a field of this variant: {}",
            listed(fields)
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::parse_quote;

    #[test]
    fn codes_kinds_and_fields() {
        let input: DeriveInput = parse_quote! {
            #[jet(code = 1000)]
            enum HeatError {
                /// Too hot.
                #[jet(code = -1, message = "at {t:.1} °C, {{max}} {limit}")]
                TooHot { t: f64, limit: f64 },
                #[jet(rename = "busy")]
                Busy(u32, String),
                Off,
            }
        };
        let ir = jet_error(&input).unwrap();
        let v: Vec<(&str, i64)> = ir
            .variants
            .iter()
            .map(|v| (v.kind.as_str(), v.code))
            .collect();
        assert_eq!(v, [("TooHot", -1), ("busy", 1000), ("Off", 1000)]);
        let m = ir.variants[0].message.as_ref().unwrap();
        assert_eq!(m.format, "at {__jet_f_t:.1} °C, {{max}} {__jet_f_limit}");
        assert_eq!(m.used.len(), 2);
        assert_eq!(ir.variants[0].doc, "Too hot.");
        assert!(matches!(&ir.variants[1].fields, ErrorFieldsIr::Tuple(t) if t.len() == 2));
        assert!(matches!(ir.variants[2].fields, ErrorFieldsIr::Unit));
    }

    #[test]
    fn rule_violations_name_the_fix() {
        let input: DeriveInput = parse_quote! {
            enum E {
                #[jet(code = -32602)]
                Reserved,
                NoCode,
                #[jet(code = 1, message = "{missing} {}")]
                Named { present: u8 },
                #[jet(code = 1, rename = "Reserved")]
                Twice,
            }
        };
        let errors: Vec<String> = jet_error(&input)
            .err()
            .unwrap()
            .into_iter()
            .map(|e| e.to_string())
            .collect();
        assert!(errors[0].contains("-32602 is reserved"), "{errors:#?}");
        assert!(errors[1].contains("`NoCode` has no error code"));
        assert!(errors[2].contains("names `{missing}`"));
        assert!(errors[2].contains("`{present}`"));
        assert!(errors[3].contains("must name a field"));
        assert!(errors[4].contains("kind `Reserved`"));
        assert_eq!(errors.len(), 5);
    }
}

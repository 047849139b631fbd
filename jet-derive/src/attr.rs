//! `#[jet(...)]` parsing: a closed list of keys per position, each error at its token, all
//! errors collected and reported together.

use proc_macro2::Span;
use syn::parse::ParseStream;
use syn::punctuated::Punctuated;
use syn::{Attribute, Ident, LitStr, Token};

/// Collects errors so one compile reports all of them.
#[derive(Default)]
pub(crate) struct Errors(Option<syn::Error>);

impl Errors {
    pub(crate) fn push(&mut self, e: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(e),
            None => self.0 = Some(e),
        }
    }

    pub(crate) fn at<T: quote::ToTokens>(&mut self, tokens: T, message: impl std::fmt::Display) {
        self.push(syn::Error::new_spanned(tokens, message));
    }

    pub(crate) fn at_span(&mut self, span: Span, message: impl std::fmt::Display) {
        self.push(syn::Error::new(span, message));
    }

    pub(crate) fn finish(self) -> syn::Result<()> {
        match self.0 {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }
}

/// What a key takes.
#[derive(Clone, Copy)]
pub(crate) enum KeyKind {
    /// `read_only`
    Flag,
    /// `rename = "name"`
    Str,
    /// `code = -1001`: an integer literal, maybe negative.
    Int,
    /// `access(fetch = [..], <write> = [..])`, `write` being `set` or `call`.
    Access { write: &'static str },
}

pub(crate) struct KeySpec {
    pub(crate) name: &'static str,
    pub(crate) kind: KeyKind,
}

pub(crate) const fn flag(name: &'static str) -> KeySpec {
    KeySpec {
        name,
        kind: KeyKind::Flag,
    }
}

pub(crate) const fn string(name: &'static str) -> KeySpec {
    KeySpec {
        name,
        kind: KeyKind::Str,
    }
}

pub(crate) const fn int(name: &'static str) -> KeySpec {
    KeySpec {
        name,
        kind: KeyKind::Int,
    }
}

pub(crate) const fn access(write: &'static str) -> KeySpec {
    KeySpec {
        name: "access",
        kind: KeyKind::Access { write },
    }
}

/// The groups of `access(...)`.
#[derive(Default)]
pub(crate) struct AccessLists {
    pub(crate) fetch: Vec<String>,
    pub(crate) write: Vec<String>,
}

pub(crate) enum AttrValue {
    Flag,
    Str(LitStr),
    /// The value and its tokens (sign and literal), for error spans.
    Int(i64, proc_macro2::TokenStream),
    Access(AccessLists),
}

/// One parsed key, with the identifier for error spans.
pub(crate) struct JetKey {
    pub(crate) name: Ident,
    pub(crate) value: AttrValue,
}

/// The keys of all `#[jet(...)]` attributes in `attrs`, checked against `specs`. `place`
/// names the position for messages ("a field", "a method").
pub(crate) fn parse(
    attrs: &[Attribute],
    specs: &[KeySpec],
    place: &str,
    errors: &mut Errors,
) -> Vec<JetKey> {
    let mut keys: Vec<JetKey> = Vec::new();
    for attr in attrs.iter().filter(|a| a.path().is_ident("jet")) {
        if let syn::Meta::Path(_) = attr.meta {
            errors.at(
                attr,
                format!(
                    "write the keys in parentheses: `#[jet({})]`",
                    expected(specs)
                ),
            );
            continue;
        }
        let result = attr.parse_nested_meta(|meta| {
            let Some(ident) = meta.path.get_ident().cloned() else {
                errors.at(&meta.path, unknown(&meta.path, specs, place));
                return skip_value(meta.input);
            };
            let Some(spec) = specs.iter().find(|s| ident == s.name) else {
                errors.at(&ident, unknown(&ident, specs, place));
                return skip_value(meta.input);
            };
            let value = match spec.kind {
                KeyKind::Flag => {
                    if !meta.input.is_empty() && !meta.input.peek(Token![,]) {
                        errors.at(
                            &ident,
                            format!("`{ident}` takes no value: write `#[jet({ident})]`"),
                        );
                        skip_value(meta.input)?;
                    }
                    AttrValue::Flag
                }
                KeyKind::Str => {
                    if !meta.input.peek(Token![=]) {
                        errors.at(
                            &ident,
                            format!("`{ident}` takes a string: write `{ident} = \"...\"`"),
                        );
                        skip_value(meta.input)?;
                        return Ok(());
                    }
                    AttrValue::Str(meta.value()?.parse()?)
                }
                KeyKind::Int => {
                    if !meta.input.peek(Token![=]) {
                        errors.at(
                            &ident,
                            format!("`{ident}` takes an integer: write `{ident} = 1001`"),
                        );
                        skip_value(meta.input)?;
                        return Ok(());
                    }
                    match int_value(meta.value()?)? {
                        Ok((value, tokens)) => AttrValue::Int(value, tokens),
                        Err(e) => {
                            errors.push(e);
                            return Ok(());
                        }
                    }
                }
                KeyKind::Access { write } => {
                    let mut lists = AccessLists::default();
                    meta.parse_nested_meta(|inner| {
                        let which = if inner.path.is_ident("fetch") {
                            &mut lists.fetch
                        } else if inner.path.is_ident(write) {
                            &mut lists.write
                        } else {
                            errors.at(
                                &inner.path,
                                format!(
                                    "unknown access list, expected `fetch` or `{write}`: \
                                     `access(fetch = [\"group\"], {write} = [\"group\"])`"
                                ),
                            );
                            return skip_value(inner.input);
                        };
                        which.extend(group_list(inner.value()?, errors)?);
                        Ok(())
                    })?;
                    AttrValue::Access(lists)
                }
            };
            if keys.iter().any(|k| k.name == ident) {
                errors.at(&ident, format!("`{ident}` is given twice: keep one"));
            } else {
                keys.push(JetKey { name: ident, value });
            }
            Ok(())
        });
        if let Err(e) = result {
            errors.push(e);
        }
    }
    keys
}

fn expected(specs: &[KeySpec]) -> String {
    specs
        .iter()
        .map(|s| format!("`{}`", s.name))
        .collect::<Vec<_>>()
        .join(", ")
}

fn unknown(key: &dyn quote::ToTokens, specs: &[KeySpec], place: &str) -> String {
    let key = key.to_token_stream().to_string().replace(' ', "");
    if specs.is_empty() {
        format!("unknown key `{key}`: #[jet(...)] on {place} takes no keys")
    } else {
        format!(
            "unknown key `{key}` on {place}, expected one of: {}",
            expected(specs)
        )
    }
}

/// Consume `= value` or `(...)` after an unknown key, so parsing continues with the next.
fn skip_value(input: ParseStream) -> syn::Result<()> {
    if input.peek(Token![=]) {
        input.parse::<Token![=]>()?;
        input.parse::<syn::Expr>()?;
    } else if input.peek(syn::token::Paren) {
        let content;
        syn::parenthesized!(content in input);
        content.parse::<proc_macro2::TokenStream>()?;
    }
    Ok(())
}

/// `1001` or `-1001` as an `i64`, with its tokens. The outer error is a syntax error
/// (parsing stops), the inner one a value that is no integer or does not fit (reported,
/// parsing goes on).
fn int_value(input: ParseStream) -> syn::Result<syn::Result<(i64, proc_macro2::TokenStream)>> {
    let minus: Option<Token![-]> = input.parse()?;
    let expr: syn::Expr = input.parse()?;
    let tokens = quote::quote!(#minus #expr);
    let syn::Expr::Lit(syn::ExprLit {
        lit: syn::Lit::Int(lit),
        ..
    }) = &expr
    else {
        return Ok(Err(syn::Error::new_spanned(
            tokens,
            "expected an integer, e.g. `code = 1001`",
        )));
    };
    let sign = if minus.is_some() { "-" } else { "" };
    Ok(
        match format!("{sign}{}", lit.base10_digits()).parse::<i64>() {
            Ok(v) => Ok((v, tokens)),
            Err(_) => Err(syn::Error::new_spanned(
                tokens,
                "the code does not fit in an i64",
            )),
        },
    )
}

/// `"group"` or `["a", "b"]`.
fn group_list(input: ParseStream, errors: &mut Errors) -> syn::Result<Vec<String>> {
    let lits: Vec<LitStr> = if input.peek(syn::token::Bracket) {
        let content;
        syn::bracketed!(content in input);
        Punctuated::<LitStr, Token![,]>::parse_terminated(&content)?
            .into_iter()
            .collect()
    } else {
        vec![input.parse()?]
    };
    Ok(lits
        .into_iter()
        .filter_map(|l| {
            let v = l.value();
            if v.is_empty() {
                errors.at(&l, "a group name cannot be empty");
                None
            } else {
                Some(v)
            }
        })
        .collect())
}

/// The doc comment (`///` lines) as one string: the common leading space removed, lines
/// joined with `\n`, trimmed.
pub(crate) fn doc(attrs: &[Attribute]) -> String {
    let lines: Vec<String> = attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .filter_map(|a| match &a.meta {
            syn::Meta::NameValue(nv) => match &nv.value {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) => Some(s.value()),
                _ => None,
            },
            _ => None,
        })
        .flat_map(|s| s.lines().map(str::to_owned).collect::<Vec<_>>())
        .collect();
    let lines: Vec<&str> = lines
        .iter()
        .map(|l| l.strip_prefix(' ').unwrap_or(l))
        .collect();
    lines.join("\n").trim().to_owned()
}

/// A path segment given by `rename`: non-empty, no leading, trailing or doubled `/`.
pub(crate) fn check_path(lit: &LitStr, errors: &mut Errors) -> String {
    let v = lit.value();
    if v.is_empty() || v.starts_with('/') || v.ends_with('/') || v.contains("//") {
        errors.at(
            lit,
            "a Jet path part must be non-empty, without leading, trailing or doubled `/`: \
             e.g. `rename = \"setpoint\"` or `rename = \"control/setpoint\"`",
        );
    }
    v
}

//! Identifiers from path segments and schema titles, and a scope that resolves collisions.
//!
//! The rules (docs/SCHEMAS.md, "Naming"): a name is made of the words of its source, split
//! at every character that is not a letter or digit and at lower-to-upper case changes
//! (`operatingHours`, `operating_hours` and `operating-hours` are the same two words).
//! A name that would start with a digit gets a leading `_` (members) or `N` (types).
//! Within one scope, names are handed out in document order; a name already taken gets the
//! smallest suffix `2`, `3`, ... that is free.

use std::collections::HashSet;

/// The words of `source`: runs of letters and digits, also split where a lower-case letter
/// or digit is followed by an upper-case one.
fn words(source: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut prev_lower = false;
    for c in source.chars() {
        if !c.is_alphanumeric() {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
            prev_lower = false;
            continue;
        }
        if c.is_uppercase() && prev_lower && !current.is_empty() {
            out.push(std::mem::take(&mut current));
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        current.push(c);
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// `UpperCamelCase`: type names. Empty or digit-first names get a leading `N`.
pub(crate) fn pascal(source: &str) -> String {
    let name: String = words(source).iter().map(|w| capitalised(w)).collect();
    match name.chars().next() {
        None => "N".to_owned(),
        Some(c) if c.is_ascii_digit() => format!("N{name}"),
        Some(_) => name,
    }
}

/// `lowerCamelCase`: members. Only the first character of the first word is lowered, the
/// rest keeps its case (`URL` becomes `uRL`): names stay recognisable from their paths.
pub(crate) fn camel(source: &str) -> String {
    let words = words(source);
    let mut name = String::new();
    for (i, w) in words.iter().enumerate() {
        if i == 0 {
            let mut chars = w.chars();
            if let Some(first) = chars.next() {
                name.extend(first.to_lowercase());
                name.push_str(chars.as_str());
            }
        } else {
            name.push_str(&capitalised(w));
        }
    }
    match name.chars().next() {
        None => "_".to_owned(),
        Some(c) if c.is_ascii_digit() => format!("_{name}"),
        Some(_) => name,
    }
}

/// A verb and a member name: `get` + `operatingHours` = `getOperatingHours`.
pub(crate) fn prefixed(verb: &str, member: &str) -> String {
    format!("{verb}{}", capitalised(member.trim_start_matches('_')))
}

/// Names handed out in one scope (a module's types, a class's members).
#[derive(Debug, Default)]
pub(crate) struct Scope {
    taken: HashSet<String>,
}

impl Scope {
    /// A scope in which `reserved` are already taken (keywords, fixed members).
    pub(crate) fn with_reserved(reserved: &[&str]) -> Self {
        Scope {
            taken: reserved.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    /// `wanted`, or `wanted2`, `wanted3`, ... whichever is free first; now taken.
    pub(crate) fn claim(&mut self, wanted: &str) -> String {
        let mut name = wanted.to_owned();
        let mut n = 2;
        while self.taken.contains(&name) {
            name = format!("{wanted}{n}");
            n += 1;
        }
        self.taken.insert(name.clone());
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_split_at_separators_and_case_changes() {
        assert_eq!(words("operatingHours"), ["operating", "Hours"]);
        assert_eq!(words("operating_hours"), ["operating", "hours"]);
        assert_eq!(words("reset-hours now"), ["reset", "hours", "now"]);
        assert_eq!(words("line1Speed"), ["line1", "Speed"]);
        assert_eq!(words("URL"), ["URL"]);
        assert!(words("--").is_empty());
    }

    #[test]
    fn camel_and_pascal_case() {
        assert_eq!(camel("operating_hours"), "operatingHours");
        assert_eq!(camel("emergencyStop"), "emergencyStop");
        assert_eq!(camel("Setpoint"), "setpoint");
        assert_eq!(camel("2"), "_2");
        assert_eq!(camel("ü-wert"), "üWert");
        assert_eq!(camel(""), "_");
        assert_eq!(pascal("line1"), "Line1");
        assert_eq!(pascal("array_of_alarm"), "ArrayOfAlarm");
        assert_eq!(pascal("42"), "N42");
        assert_eq!(pascal(""), "N");
        assert_eq!(prefixed("get", "operatingHours"), "getOperatingHours");
        assert_eq!(prefixed("watch", "_2"), "watch2");
    }

    #[test]
    fn collisions_get_the_first_free_numeric_suffix() {
        let mut scope = Scope::with_reserved(&["path"]);
        assert_eq!(scope.claim("path"), "path2");
        assert_eq!(scope.claim("speed"), "speed");
        assert_eq!(scope.claim("speed"), "speed2");
        assert_eq!(scope.claim("speed"), "speed3");
        assert_eq!(scope.claim("speed2"), "speed22");
    }
}

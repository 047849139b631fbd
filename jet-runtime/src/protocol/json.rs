use std::sync::Arc;

/// Append `s` to `out` as a JSON string literal (quotes and escapes included).
pub fn write_json_str(out: &mut Vec<u8>, s: &str) {
    // Paths almost never need escaping, and this runs once per delivered notification:
    // copy those directly instead of going through serde_json's chunked io::Write escaper.
    // The test below holds this to serde_json's output for any string.
    if !needs_escaping(s.as_bytes()) {
        out.reserve(s.len() + 2);
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
        return;
    }
    // serde_json's string escaper writes into any io::Write; Vec never fails.
    serde_json::to_writer(&mut *out, s).expect("writing to a Vec cannot fail");
}

/// Whether `s` holds a byte JSON requires escaped inside a string (RFC 8259 §7): quote,
/// backslash or a control character; serde_json escapes exactly these. A fold without an
/// early exit, so that the compiler checks many bytes per instruction (paths are short).
fn needs_escaping(s: &[u8]) -> bool {
    s.iter().fold(false, |found, &b| {
        found | (b == b'"') | (b == b'\\') | (b < 0x20)
    })
}

/// A piece of JSON text that is known to be valid, shared cheaply.
///
/// State values are kept in this form so that a change fanned out to many fetchers is
/// serialised once: every notification copies these bytes instead of re-encoding a value.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct JsonText(Arc<str>);

impl JsonText {
    /// Wrap text that the caller knows is one valid JSON value (for example the text of a
    /// `serde_json::value::RawValue`).
    pub fn from_valid(text: &str) -> Self {
        JsonText(Arc::from(text))
    }

    /// Serialise a value.
    pub fn from_value(value: &serde_json::Value) -> Self {
        JsonText(Arc::from(value.to_string()))
    }

    /// The JSON text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Parse into a `serde_json::Value` (for matching and sorting).
    ///
    /// `None` when the text nests deeper than serde_json's parser allows (128 levels): raw
    /// text is accepted at any depth, but a tree that deep is never built, so such a value
    /// simply never matches a value rule.
    pub fn to_value(&self) -> Option<serde_json::Value> {
        serde_json::from_str(&self.0).ok()
    }
}

impl std::fmt::Debug for JsonText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::fmt::Display for JsonText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn write_json_str_matches_serde_json(s in ".*", ctl in proptest::collection::vec(0u8..0x20, 0..3)) {
            let with_controls: String = s.chars().chain(ctl.iter().map(|&c| c as char)).collect();
            for text in [&s, &with_controls] {
                let mut ours = Vec::new();
                write_json_str(&mut ours, text);
                prop_assert_eq!(ours, serde_json::to_vec(text).unwrap());
            }
        }
    }

    #[test]
    fn write_json_str_escapes_what_json_requires() {
        for (text, json) in [
            ("a/b", r#""a/b""#),
            ("q\"", r#""q\"""#),
            ("b\\s", r#""b\\s""#),
            ("nl\n", r#""nl\n""#),
            ("ü😀", "\"ü😀\""),
            ("", r#""""#),
        ] {
            let mut out = Vec::new();
            write_json_str(&mut out, text);
            assert_eq!(String::from_utf8(out).unwrap(), json);
        }
    }

    #[test]
    fn too_deep_text_has_no_value_instead_of_panicking() {
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        assert_eq!(JsonText::from_valid(&deep).to_value(), None);
        assert_eq!(
            JsonText::from_valid("[1]").to_value(),
            Some(serde_json::json!([1]))
        );
    }
}

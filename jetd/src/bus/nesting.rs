//! The nesting limit of PROTOCOL.md A.1: a frame nested deeper than `--max-nesting-depth`
//! levels of arrays and objects is refused before it is parsed, so jetd never stores or
//! forwards what common parsers (serde_json stops at 128) cannot read. serde_json skips raw
//! values (which is how values, args and owners' answers are kept) without a depth limit,
//! hence this check.
//!
//! The whole frame counts, envelope and batch array included: `{"params":{"value":V}}`
//! puts `V` at level 3, as does the `{"params":{"value":V}}` of the notification that
//! forwards it, so what passes in is readable out under the same limit.

/// Whether `text` nests arrays and objects deeper than `max` levels. One pass over the
/// bytes; string contents (with escapes) are skipped. Invalid JSON is not its business
/// (the parser says what is wrong with it), it only must not be mistaken for deep.
pub(super) fn deeper_than(text: &[u8], max: usize) -> bool {
    let mut depth = 0usize;
    let mut bytes = text.iter();
    while let Some(&b) = bytes.next() {
        match b {
            b'"' => {
                // Skip to the closing quote.
                while let Some(&c) = bytes.next() {
                    match c {
                        b'\\' => {
                            bytes.next();
                        }
                        b'"' => break,
                        _ => {}
                    }
                }
            }
            b'[' | b'{' => {
                depth += 1;
                if depth > max {
                    return true;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    false
}

/// The parse error's reason (the `data` of `-32700`, or of `-32600` when the request's id
/// could be read).
pub(super) fn reason(max: usize) -> String {
    format!("nesting deeper than {max}")
}

/// The id of a request (an object with a `method` and a string or number `id`) that nests
/// too deep, as JSON text, so that the refusal can name it (`-32600` with that id, as
/// A.1 says "where the envelope could be read"). serde_json skips the members this does
/// not keep without a depth limit and without recursion, so the deep part costs one more
/// pass and no stack. A response, a notification, a batch or anything unreadable gives
/// `None`: those are refused with `-32700` and no id.
pub(super) fn request_id(text: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Envelope<'a> {
        #[serde(borrow)]
        id: Option<&'a serde_json::value::RawValue>,
        #[serde(borrow)]
        method: Option<&'a serde_json::value::RawValue>,
    }
    let envelope: Envelope<'_> = serde_json::from_slice(text).ok()?;
    let (id, method) = (envelope.id?.get(), envelope.method?.get());
    let is_id = id.starts_with('"') || id.starts_with(|c: char| c == '-' || c.is_ascii_digit());
    (is_id && method.starts_with('"')).then(|| id.to_owned())
}

#[cfg(test)]
mod tests {
    use super::deeper_than;

    fn arrays(depth: usize) -> String {
        format!("{}{}", "[".repeat(depth), "]".repeat(depth))
    }

    #[test]
    fn counts_arrays_and_objects_at_the_limit() {
        assert!(!deeper_than(arrays(128).as_bytes(), 128));
        assert!(deeper_than(arrays(129).as_bytes(), 128));
        let objects = format!("{}1{}", "{\"a\":".repeat(129), "}".repeat(129));
        assert!(deeper_than(objects.as_bytes(), 128));
        assert!(!deeper_than(objects.as_bytes(), 129));
        assert!(!deeper_than(b"[1,[2],{\"x\":[3]}]", 3));
        assert!(deeper_than(b"[1,[2],{\"x\":[[3]]}]", 3));
    }

    #[test]
    fn brackets_in_strings_do_not_count() {
        let s = format!(r#"{{"a":"{}\"{}\\"}}"#, "[".repeat(500), "{".repeat(500));
        assert!(serde_json::from_str::<serde_json::Value>(&s).is_ok());
        assert!(!deeper_than(s.as_bytes(), 1));
        // Siblings do not add up.
        let wide = format!("[{}]", vec!["[[1]]"; 1000].join(","));
        assert!(!deeper_than(wide.as_bytes(), 3));
    }

    #[test]
    fn the_id_of_a_deep_request_is_read_without_recursion() {
        use super::request_id;
        let deep = arrays(100_000);
        let with = |frame: &str| request_id(frame.replace('V', &deep).as_bytes());
        assert_eq!(
            with(r#"{"id":7,"method":"echo","params":V}"#),
            Some("7".into())
        );
        assert_eq!(
            with(r#"{"params":V,"method":"add","id":"a\"b"}"#),
            Some(r#""a\"b""#.into())
        );
        // Responses, notifications, batches, odd ids and broken text name no id.
        assert_eq!(with(r#"{"id":1,"result":V}"#), None);
        assert_eq!(with(r#"{"method":"change","params":V}"#), None);
        assert_eq!(with(r#"[{"id":1,"method":"echo","params":V}]"#), None);
        assert_eq!(with(r#"{"id":V,"method":"echo"}"#), None);
        assert_eq!(with(r#"{"id":null,"method":"echo","params":V}"#), None);
        assert_eq!(with(r#"{"id":1,"method":"echo","params":V"#), None);
    }

    #[test]
    fn counts_levels_as_serde_json_does() {
        // serde_json's recursion limit "128" lets 127 levels parse: one less than ours,
        // so a message at exactly 128 levels passes jetd but not serde_json.
        for depth in [126, 127, 128, 129] {
            let text = arrays(depth);
            let parses = serde_json::from_str::<serde_json::Value>(&text).is_ok();
            assert_eq!(!deeper_than(text.as_bytes(), 127), parses, "depth {depth}");
        }
    }
}

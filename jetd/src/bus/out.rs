//! Writing outgoing messages straight into a connection's outbox, as JSON text.
//!
//! Member order follows node-jet's traces (PROTOCOL.md B §13): responses `id` then
//! `result`/`error`; notifications `method`, `params`. Values are copied as the text the
//! owner sent, never re-encoded.

use jet_runtime::protocol::{write_json_str, ErrorObject, JsonText};

use crate::outbox::Outbox;

/// `{"id":<id>,"result":<result>}`
pub fn result(out: &Outbox, id: &str, result: &str) {
    out.push_with(|b| {
        b.extend_from_slice(b"{\"id\":");
        b.extend_from_slice(id.as_bytes());
        b.extend_from_slice(b",\"result\":");
        b.extend_from_slice(result.as_bytes());
        b.push(b'}');
    });
}

/// `{"id":<id>,"error":{...}}`, or `{"error":{...}}` when there is no id.
pub fn error(out: &Outbox, id: Option<&str>, err: &ErrorObject) {
    out.push_with(|b| {
        b.push(b'{');
        if let Some(id) = id {
            b.extend_from_slice(b"\"id\":");
            b.extend_from_slice(id.as_bytes());
            b.push(b',');
        }
        b.extend_from_slice(b"\"error\":");
        serde_json::to_writer(&mut *b, err).expect("writing to a Vec cannot fail");
        b.push(b'}');
    });
}

/// The event of an unsorted fetch notification.
#[derive(Debug, Clone, Copy)]
pub struct Notification<'a> {
    pub fetch_id: &'a str,
    pub fetch_only: bool,
    pub path: &'a str,
    pub event: &'a str,
    pub value: Option<&'a JsonText>,
}

/// `{"method":<fetch id>,"params":{"fetchOnly":true?,"path":..,"event":..,"value":..?}}`
pub fn write_notification(b: &mut Vec<u8>, n: &Notification<'_>) {
    b.extend_from_slice(b"{\"method\":");
    b.extend_from_slice(n.fetch_id.as_bytes());
    b.extend_from_slice(b",\"params\":");
    write_notification_params(b, n.fetch_only, n.path, n.event, n.value);
    b.push(b'}');
}

/// One entry of an unsorted `get` result: `{"fetchOnly":true?,"path","event":"add","value"?}`.
pub fn write_get_entry(b: &mut Vec<u8>, path: &str, value: Option<&JsonText>, fetch_only: bool) {
    write_notification_params(b, fetch_only, path, "add", value);
}

fn write_notification_params(
    b: &mut Vec<u8>,
    fetch_only: bool,
    path: &str,
    event: &str,
    value: Option<&JsonText>,
) {
    b.push(b'{');
    if fetch_only {
        b.extend_from_slice(b"\"fetchOnly\":true,");
    }
    b.extend_from_slice(b"\"path\":");
    write_json_str(b, path);
    b.extend_from_slice(b",\"event\":\"");
    b.extend_from_slice(event.as_bytes());
    b.push(b'"');
    if let Some(v) = value {
        b.extend_from_slice(b",\"value\":");
        b.extend_from_slice(v.as_str().as_bytes());
    }
    b.push(b'}');
}

/// One entry of a sorted notification or of a sorted `get`.
pub struct SortedEntry<'a> {
    pub path: &'a str,
    pub value: Option<&'a JsonText>,
    pub index: usize,
    pub fetch_only: bool,
}

/// Write `{"path","value"?,...,"index"}`; `flush_order` puts `fetchOnly` before `index`
/// as node-jet does in the first notification of a sorted fetch.
pub fn write_sorted_entry(b: &mut Vec<u8>, e: &SortedEntry<'_>, flush_order: bool) {
    b.extend_from_slice(b"{\"path\":");
    write_json_str(b, e.path);
    if let Some(v) = e.value {
        b.extend_from_slice(b",\"value\":");
        b.extend_from_slice(v.as_str().as_bytes());
    }
    if flush_order && e.fetch_only {
        b.extend_from_slice(b",\"fetchOnly\":true");
    }
    b.extend_from_slice(b",\"index\":");
    b.extend_from_slice(e.index.to_string().as_bytes());
    if !flush_order && e.fetch_only {
        b.extend_from_slice(b",\"fetchOnly\":true");
    }
    b.push(b'}');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notification_shape() {
        let v = JsonText::from_valid("{\"x\":1}");
        let mut b = Vec::new();
        write_notification(
            &mut b,
            &Notification {
                fetch_id: "\"f\"",
                fetch_only: true,
                path: "a/b",
                event: "add",
                value: Some(&v),
            },
        );
        assert_eq!(
            String::from_utf8(b).unwrap(),
            r#"{"method":"f","params":{"fetchOnly":true,"path":"a/b","event":"add","value":{"x":1}}}"#
        );
    }

    #[test]
    fn sorted_entry_orders() {
        let mut b = Vec::new();
        let e = SortedEntry {
            path: "p",
            value: None,
            index: 2,
            fetch_only: true,
        };
        write_sorted_entry(&mut b, &e, true);
        b.push(b' ');
        write_sorted_entry(&mut b, &e, false);
        assert_eq!(
            String::from_utf8(b).unwrap(),
            r#"{"path":"p","fetchOnly":true,"index":2} {"path":"p","index":2,"fetchOnly":true}"#
        );
    }
}

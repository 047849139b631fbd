//! Writing results: aligned columns and colours for people, one JSON object per line for
//! scripts.
//!
//! Every line goes through [`Output`], which writes to standard output and reports failures
//! (a closed pipe) instead of panicking the way `println!` does.

use std::io::Write;

use jet_runtime::peer::{Element, EventKind};
use serde_json::{Map, Value};

use crate::error::CliError;

/// A colour for a piece of text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Paint {
    Green,
    Yellow,
    Red,
    Cyan,
    Dim,
    Bold,
}

impl Paint {
    fn code(self) -> &'static str {
        match self {
            Paint::Green => "32",
            Paint::Yellow => "33",
            Paint::Red => "31",
            Paint::Cyan => "36",
            Paint::Dim => "2",
            Paint::Bold => "1",
        }
    }

    /// The colour of a fetch event.
    pub(crate) fn of_event(kind: EventKind) -> Paint {
        match kind {
            EventKind::Add => Paint::Green,
            EventKind::Change => Paint::Yellow,
            EventKind::Remove => Paint::Red,
        }
    }
}

/// Where and how results are written.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Output {
    /// One JSON object per line instead of text for people.
    pub json: bool,
    /// ANSI colours (only for people, on a terminal, without `NO_COLOR`).
    pub color: bool,
    /// Standard output is a terminal (sorted windows are redrawn in place).
    pub terminal: bool,
}

/// Colours are for a person looking at a terminal who has not asked for none
/// (<https://no-color.org>: `NO_COLOR` set disables them).
pub(crate) fn use_color(json: bool, stdout_is_terminal: bool, no_color_set: bool) -> bool {
    !json && stdout_is_terminal && !no_color_set
}

impl Output {
    /// Write one line.
    pub(crate) fn line(&self, text: &str) -> Result<(), CliError> {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{text}")?;
        out.flush()?;
        Ok(())
    }

    /// Write several lines at once (a table, a window).
    pub(crate) fn lines(&self, lines: &[String]) -> Result<(), CliError> {
        let mut out = std::io::stdout().lock();
        for l in lines {
            writeln!(out, "{l}")?;
        }
        out.flush()?;
        Ok(())
    }

    /// Write one JSON object as a line.
    pub(crate) fn json_line(&self, value: &Value) -> Result<(), CliError> {
        self.line(&value.to_string())
    }

    /// `text` in a colour, when colours are on.
    pub(crate) fn paint(&self, text: &str, paint: Paint) -> String {
        if self.color {
            format!("\x1b[{}m{text}\x1b[0m", paint.code())
        } else {
            text.to_owned()
        }
    }
}

/// Lay rows out in columns separated by two spaces; the last cell of a row is not padded.
/// `paints` colours whole columns after padding, so colour codes do not upset alignment.
pub(crate) fn columns(rows: &[Vec<String>], out: &Output, paints: &[Option<Paint>]) -> Vec<String> {
    let ncols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let mut widths = vec![0; ncols];
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            widths[i] = widths[i].max(cell.chars().count());
        }
    }
    rows.iter()
        .map(|row| {
            let mut line = String::new();
            for (i, cell) in row.iter().enumerate() {
                let last = i + 1 == row.len();
                let text = if last {
                    cell.clone()
                } else {
                    format!("{cell:<w$}", w = widths[i])
                };
                match paints.get(i).copied().flatten() {
                    Some(p) => line.push_str(&out.paint(&text, p)),
                    None => line.push_str(&text),
                }
                if !last {
                    line.push_str("  ");
                }
            }
            line
        })
        .collect()
}

/// How `get`, `fetch` and `tree` mark an element this peer may not set or call.
pub(crate) const READ_ONLY: &str = "read-only";

/// Paths in the order `tree` shows them: segment by segment (`a/b` before `a-b`).
pub(crate) fn by_path(a: &str, b: &str) -> std::cmp::Ordering {
    a.split('/').cmp(b.split('/'))
}

/// Said on stderr when a one-shot command finds nothing (stdout stays empty for scripts).
pub(crate) fn say_nothing_matched(out: &Output, what: &str) {
    if !out.json {
        eprintln!("jet: {what}");
    }
}

/// How a value shows in a column: compact JSON; methods have none.
pub(crate) fn value_cell(element_value: Option<&Value>) -> String {
    match element_value {
        Some(v) => v.to_string(),
        None => "(method)".to_owned(),
    }
}

/// An element as a JSON object: `path`, then `value` for states or `"method":true`, and
/// `fetchOnly`/`index` when they apply.
pub(crate) fn element_json(e: &Element) -> Value {
    let mut m = Map::new();
    if let Some(i) = e.index {
        m.insert("index".into(), Value::from(i));
    }
    m.insert("path".into(), Value::String(e.path.clone()));
    match &e.value {
        Some(v) => m.insert("value".into(), v.clone()),
        None => m.insert("method".into(), Value::Bool(true)),
    };
    if e.fetch_only {
        m.insert("fetchOnly".into(), Value::Bool(true));
    }
    Value::Object(m)
}

/// The rows of a `get` result for [`columns`]: path, value, and `read-only` when it is.
pub(crate) fn element_rows(elements: &[Element]) -> Vec<Vec<String>> {
    elements
        .iter()
        .map(|e| {
            let mut row = vec![e.path.clone(), value_cell(e.value.as_ref())];
            if e.fetch_only {
                row.push(READ_ONLY.into());
            }
            row
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const PLAIN: Output = Output {
        json: false,
        color: false,
        terminal: false,
    };

    fn el(path: &str, value: Option<Value>, fetch_only: bool) -> Element {
        Element {
            path: path.into(),
            value,
            fetch_only,
            index: None,
        }
    }

    #[test]
    fn colours_only_for_people_on_a_terminal_without_no_color() {
        assert!(use_color(false, true, false));
        assert!(!use_color(false, false, false));
        assert!(!use_color(false, true, true));
        assert!(!use_color(true, true, false));
    }

    #[test]
    fn columns_align_and_the_last_cell_is_not_padded() {
        let rows = element_rows(&[
            el("a/long/path", Some(json!(1)), false),
            el("b", Some(json!({"x": "y"})), true),
            el("m", None, false),
        ]);
        assert_eq!(
            columns(&rows, &PLAIN, &[]),
            [
                "a/long/path  1",
                r#"b            {"x":"y"}  read-only"#,
                "m            (method)",
            ]
        );
    }

    #[test]
    fn colour_codes_wrap_the_padded_cell() {
        let out = Output {
            color: true,
            ..PLAIN
        };
        let rows = vec![vec!["add".to_string(), "p".to_string()]];
        assert_eq!(
            columns(&rows, &out, &[Some(Paint::Green)]),
            ["\x1b[32madd\x1b[0m  p"]
        );
        assert_eq!(PLAIN.paint("x", Paint::Red), "x");
    }

    #[test]
    fn paths_sort_segment_by_segment() {
        let mut paths = vec!["a-b", "b", "a/b/c", "a", "a/b"];
        paths.sort_by(|a, b| by_path(a, b));
        assert_eq!(paths, ["a", "a/b", "a/b/c", "a-b", "b"]);
    }

    #[test]
    fn elements_as_json() {
        assert_eq!(
            element_json(&el("a", Some(json!(null)), true)).to_string(),
            r#"{"path":"a","value":null,"fetchOnly":true}"#
        );
        let mut m = el("m", None, false);
        m.index = Some(3);
        assert_eq!(
            element_json(&m).to_string(),
            r#"{"index":3,"path":"m","method":true}"#
        );
    }
}

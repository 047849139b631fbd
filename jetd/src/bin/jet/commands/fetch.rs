//! `jet fetch`: print the events of a fetch until interrupted; on Ctrl-C unfetch, then exit
//! with status 0.
//!
//! Unsorted fetches print one line per event (`add`, `change`, `remove`, coloured on a
//! terminal). Sorted fetches print the whole window after every change: redrawn in place on
//! a terminal, as blocks separated by a blank line otherwise.

use std::collections::HashSet;

use futures_util::StreamExt;
use jet_runtime::peer::{ElementEvent, EventKind, FetchEvent, Window};
use serde_json::{json, Value};

use super::{goodbye, Ctx, Interrupt};
use crate::args::FetchArgs;
use crate::error::CliError;
use crate::output::{columns, element_json, value_cell, Output, Paint, READ_ONLY};
use crate::rule;

pub(super) async fn run(ctx: &Ctx<'_>, args: &FetchArgs) -> Result<(), CliError> {
    let mut expr = rule::fetch_expression(args)?;
    if args.nodes {
        expr = expr.nodes();
    }
    let mut interrupt = Interrupt::listen()?;
    let peer = ctx.connect().await?;
    let mut stream = peer.fetch(&expr).await.map_err(|e| ctx.error(e))?;
    let mut view = View::new(ctx.out);
    let interrupted = loop {
        tokio::select! {
            _ = interrupt.recv() => break true,
            event = stream.next() => match event {
                Some(event) => view.show(&event)?,
                None => break false,
            },
        }
    };
    if !interrupted {
        // The stream ends only when the connection does.
        return Err(ctx.error(jet_runtime::peer::PeerError::ConnectionClosed));
    }
    goodbye("unfetch", stream.unfetch()).await;
    peer.close().await;
    Ok(())
}

/// Turns fetch events into output, remembering how wide paths have been so far so the
/// columns of an event stream line up.
struct View {
    out: Output,
    path_width: usize,
    windows_shown: usize,
    /// Paths added fetch-only: the daemon says so on the `add` only, but every line of the
    /// element is marked, as `get` and `tree` mark it.
    read_only: HashSet<String>,
}

impl View {
    fn new(out: Output) -> Self {
        View {
            out,
            path_width: 0,
            windows_shown: 0,
            read_only: HashSet::new(),
        }
    }

    fn show(&mut self, event: &FetchEvent) -> Result<(), CliError> {
        if self.out.json {
            return self.out.json_line(&event_json(event));
        }
        match event {
            FetchEvent::Element(e) => {
                let line = self.event_line(e);
                self.out.line(&line)
            }
            FetchEvent::Window(w) => {
                let lines = self.window_lines(w);
                self.windows_shown += 1;
                self.out.lines(&lines)
            }
            FetchEvent::Resumed => {
                eprintln!("jet: reconnected; the daemon reports every element afresh");
                Ok(())
            }
        }
    }

    fn event_line(&mut self, e: &ElementEvent) -> String {
        self.path_width = self.path_width.max(e.path.chars().count());
        let read_only = match e.kind {
            EventKind::Add => {
                if e.fetch_only {
                    self.read_only.insert(e.path.clone());
                } else {
                    self.read_only.remove(&e.path);
                }
                e.fetch_only
            }
            EventKind::Change => e.fetch_only || self.read_only.contains(&e.path),
            EventKind::Remove => self.read_only.remove(&e.path) || e.fetch_only,
        };
        let kind = format!("{:<6}", kind_name(e.kind));
        if e.subject == jet_runtime::peer::Subject::Node {
            // A node: its path and what it is (it has no value).
            return format!(
                "{}  {:<w$}  {}",
                self.out.paint(&kind, Paint::of_event(e.kind)),
                e.path,
                self.out.paint("(node)", Paint::Dim),
                w = self.path_width
            );
        }
        let mut line = format!(
            "{}  {:<w$}  {}",
            self.out.paint(&kind, Paint::of_event(e.kind)),
            e.path,
            value_cell(e.value.as_ref()),
            w = self.path_width
        );
        if read_only {
            line.push_str("  ");
            line.push_str(&self.out.paint(READ_ONLY, Paint::Dim));
        }
        line.trim_end().to_owned()
    }

    fn window_lines(&self, w: &Window) -> Vec<String> {
        let mut lines = Vec::new();
        if self.out.terminal {
            // Clear the screen and start at the top: the window replaces the last one.
            lines.push("\x1b[H\x1b[2J".to_owned());
        } else if self.windows_shown > 0 {
            lines.push(String::new());
        }
        if w.entries.is_empty() {
            lines.push(self.out.paint("(no elements in the window)", Paint::Dim));
            return lines;
        }
        let rows: Vec<Vec<String>> = w
            .entries
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let mut row = vec![
                    format!("#{}", w.from + i),
                    e.path.clone(),
                    value_cell(e.value.as_ref()),
                ];
                if e.fetch_only {
                    row.push(READ_ONLY.to_owned());
                }
                row
            })
            .collect();
        lines.extend(columns(
            &rows,
            &self.out,
            &[Some(Paint::Dim), Some(Paint::Bold), None, Some(Paint::Dim)],
        ));
        lines
    }
}

fn kind_name(kind: EventKind) -> &'static str {
    kind.as_str()
}

/// `{"event","path","value"|"method"}` for events, `{"from","window":[..]}` for windows.
fn event_json(event: &FetchEvent) -> Value {
    match event {
        FetchEvent::Element(e) => {
            let mut v = json!({"event": kind_name(e.kind), "path": e.path});
            match &e.value {
                Some(value) => v["value"] = value.clone(),
                None if e.subject == jet_runtime::peer::Subject::Node => {
                    v["node"] = Value::Bool(true)
                }
                None => v["method"] = Value::Bool(true),
            }
            if e.fetch_only {
                v["fetchOnly"] = Value::Bool(true);
            }
            v
        }
        FetchEvent::Window(w) => {
            let entries: Vec<Value> = w
                .entries
                .iter()
                .enumerate()
                .map(|(i, e)| {
                    let mut e = e.clone();
                    e.index = Some(w.from + i);
                    element_json(&e)
                })
                .collect();
            json!({"from": w.from, "window": entries})
        }
        FetchEvent::Resumed => json!({"event": "resumed"}),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jet_runtime::peer::Element;

    const PLAIN: Output = Output {
        json: false,
        color: false,
        terminal: false,
    };

    fn ev(kind: EventKind, path: &str, value: Option<Value>) -> FetchEvent {
        FetchEvent::Element(ElementEvent {
            kind,
            path: path.into(),
            subject: if value.is_some() {
                jet_runtime::peer::Subject::State
            } else {
                jet_runtime::peer::Subject::Method
            },
            value,
            fetch_only: false,
        })
    }

    fn window(from: usize, paths: &[(&str, i64)]) -> FetchEvent {
        FetchEvent::Window(Window {
            from,
            entries: paths
                .iter()
                .enumerate()
                .map(|(i, (p, v))| Element {
                    path: (*p).into(),
                    value: Some(json!(v)),
                    fetch_only: false,
                    index: Some(from + i),
                })
                .collect(),
            changes: Vec::new(),
        })
    }

    #[test]
    fn events_line_up_as_paths_grow() {
        let mut v = View::new(PLAIN);
        let FetchEvent::Element(a) = ev(EventKind::Add, "a/b", Some(json!(1))) else {
            unreachable!()
        };
        assert_eq!(v.event_line(&a), "add     a/b  1");
        let FetchEvent::Element(m) = ev(EventKind::Remove, "a/method", None) else {
            unreachable!()
        };
        assert_eq!(v.event_line(&m), "remove  a/method  (method)");
        assert_eq!(v.event_line(&a), "add     a/b       1");
    }

    #[test]
    fn windows_are_blocks_separated_by_blank_lines() {
        let mut v = View::new(PLAIN);
        let FetchEvent::Window(w) = window(2, &[("b", 5), ("long/c", 7)]) else {
            unreachable!()
        };
        assert_eq!(v.window_lines(&w), ["#2  b       5", "#3  long/c  7"]);
        v.windows_shown = 1;
        let FetchEvent::Window(empty) = window(1, &[]) else {
            unreachable!()
        };
        assert_eq!(v.window_lines(&empty), ["", "(no elements in the window)"]);
    }

    #[test]
    fn a_terminal_redraws_the_window() {
        let v = View::new(Output {
            terminal: true,
            color: true,
            json: false,
        });
        let FetchEvent::Window(w) = window(1, &[("a", 1)]) else {
            unreachable!()
        };
        let lines = v.window_lines(&w);
        assert_eq!(lines[0], "\x1b[H\x1b[2J");
        assert!(lines[1].contains("\x1b[2m#1\x1b[0m"));
    }

    #[test]
    fn events_and_windows_as_json() {
        assert_eq!(
            event_json(&ev(EventKind::Change, "a", Some(json!([1])))).to_string(),
            r#"{"event":"change","path":"a","value":[1]}"#
        );
        assert_eq!(
            event_json(&ev(EventKind::Add, "m", None)).to_string(),
            r#"{"event":"add","path":"m","method":true}"#
        );
        assert_eq!(
            event_json(&window(1, &[("x", 2)])).to_string(),
            r#"{"from":1,"window":[{"index":1,"path":"x","value":2}]}"#
        );
    }
}

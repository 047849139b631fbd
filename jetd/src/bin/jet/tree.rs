//! `jet tree`: paths split at `/` into a hierarchy, drawn with box-drawing characters for
//! people or nested as JSON for scripts.

use std::collections::BTreeMap;

use jet_runtime::peer::Element;
use serde_json::{Map, Value};

use crate::output::{Output, Paint, READ_ONLY};

/// One level of the hierarchy. A node may be an element and have children at the same time
/// (`a` and `a/b` both exist).
#[derive(Debug, Default)]
pub struct Node {
    element: Option<Element>,
    children: BTreeMap<String, Node>,
}

impl Node {
    /// The hierarchy of `elements`, children sorted by name.
    pub fn build(elements: Vec<Element>) -> Node {
        let mut root = Node::default();
        for e in elements {
            let mut node = &mut root;
            for segment in e.path.split('/') {
                node = node.children.entry(segment.to_owned()).or_default();
            }
            node.element = Some(e);
        }
        root
    }

    /// Lines for people: `name = value` for states, `name()` for methods.
    pub fn render(&self, out: &Output) -> Vec<String> {
        let mut lines = Vec::new();
        for (name, child) in &self.children {
            lines.push(child.label(name, out));
            child.render_children("", out, &mut lines);
        }
        lines
    }

    fn render_children(&self, prefix: &str, out: &Output, lines: &mut Vec<String>) {
        let count = self.children.len();
        for (i, (name, child)) in self.children.iter().enumerate() {
            let last = i + 1 == count;
            let (branch, indent) = if last {
                ("└── ", "    ")
            } else {
                ("├── ", "│   ")
            };
            lines.push(format!("{prefix}{branch}{}", child.label(name, out)));
            child.render_children(&format!("{prefix}{indent}"), out, lines);
        }
    }

    fn label(&self, name: &str, out: &Output) -> String {
        let label = match &self.element {
            Some(Element { value: Some(v), .. }) => {
                format!("{} = {}", out.paint(name, Paint::Bold), v)
            }
            Some(Element { value: None, .. }) => out.paint(&format!("{name}()"), Paint::Cyan),
            None => name.to_owned(),
        };
        // Marked as `get` and `fetch` mark it.
        match &self.element {
            Some(e) if e.fetch_only => format!("{label}  {}", out.paint(READ_ONLY, Paint::Dim)),
            _ => label,
        }
    }

    /// The top-level nodes as JSON objects: `{"name","path","value"|"method","children"}`.
    pub fn to_json(&self) -> Vec<Value> {
        self.children
            .iter()
            .map(|(name, child)| child.node_json(name, name))
            .collect()
    }

    fn node_json(&self, name: &str, path: &str) -> Value {
        let mut m = Map::new();
        m.insert("name".into(), Value::String(name.to_owned()));
        m.insert("path".into(), Value::String(path.to_owned()));
        if let Some(e) = &self.element {
            match &e.value {
                Some(v) => m.insert("value".into(), v.clone()),
                None => m.insert("method".into(), Value::Bool(true)),
            };
            if e.fetch_only {
                m.insert("fetchOnly".into(), Value::Bool(true));
            }
        }
        if !self.children.is_empty() {
            let children = self
                .children
                .iter()
                .map(|(n, c)| c.node_json(n, &format!("{path}/{n}")))
                .collect();
            m.insert("children".into(), Value::Array(children));
        }
        Value::Object(m)
    }
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

    fn el(path: &str, value: Option<Value>) -> Element {
        Element {
            path: path.into(),
            value,
            fetch_only: false,
            index: None,
        }
    }

    fn sample() -> Node {
        Node::build(vec![
            el("plant/boiler/setpoint", Some(json!(70))),
            el("plant/boiler/heat", None),
            el("plant/pump", Some(json!("on"))),
            el("plant/boiler/burner/flame", Some(json!(true))),
            el("status", Some(json!({"ok": true}))),
        ])
    }

    #[test]
    fn draws_the_hierarchy_sorted_by_name() {
        assert_eq!(
            sample().render(&PLAIN),
            [
                "plant",
                "├── boiler",
                "│   ├── burner",
                "│   │   └── flame = true",
                "│   ├── heat()",
                "│   └── setpoint = 70",
                "└── pump = \"on\"",
                "status = {\"ok\":true}",
            ]
        );
    }

    #[test]
    fn an_element_with_children_shows_both() {
        let t = Node::build(vec![el("a/b", Some(json!(2))), el("a", Some(json!(1)))]);
        assert_eq!(t.render(&PLAIN), ["a = 1", "└── b = 2"]);
    }

    #[test]
    fn nests_as_json() {
        let t = Node::build(vec![el("a/b", Some(json!(2))), el("a/m", None)]);
        assert_eq!(
            Value::Array(t.to_json()),
            json!([{"name":"a","path":"a","children":[
                {"name":"b","path":"a/b","value":2},
                {"name":"m","path":"a/m","method":true}
            ]}])
        );
    }
}

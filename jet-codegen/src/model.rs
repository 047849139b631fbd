//! From a flat schema list to nodes: which elements belong together, which nodes share a
//! type, which node is nested in which (docs/SCHEMAS.md, "How generators group elements").
//!
//! * An element belongs to the node its `x-jet-node` names (if that node's path is a prefix
//!   of the element's path), else to its parent path (`a/b/c` to `a/b`).
//! * Nodes with the same `x-jet-node` type are one type; their members are the union of
//!   what the instances have, the first instance's schema winning. An untagged node is a
//!   type of its own, named from its last path segment.
//! * A node is nested in the node with the longest path that is a proper prefix of its own;
//!   nodes without one are roots.

use serde_json::Value;

use crate::{CodegenError, Element};

/// What an element is, as its schema document says.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Kind {
    /// A state: its schema is the value's. `read_only` from `readOnly`, `event` from
    /// `x-jet-event` (events are only watched).
    State { read_only: bool, event: bool },
    /// A method: the document has `params` and/or `result`.
    Method,
}

/// One state or method of a node type.
#[derive(Debug, Clone)]
pub(crate) struct Member {
    /// The path below the node (one segment, or more if the node tag says so).
    pub rel: String,
    pub kind: Kind,
    pub schema: Value,
}

/// A nested node of a node type: the path below the node and the nested node's type.
#[derive(Debug, Clone)]
pub(crate) struct Child {
    pub rel: String,
    pub type_index: usize,
}

/// One node type: one generated client.
#[derive(Debug, Clone)]
pub(crate) struct NodeType {
    /// The `x-jet-node` type, or the last path segment of an untagged node.
    pub name: String,
    pub members: Vec<Member>,
    pub children: Vec<Child>,
    /// Where instances of it are, in document order.
    pub paths: Vec<String>,
}

/// A node that nothing contains: where a program starts.
#[derive(Debug, Clone)]
pub(crate) struct Root {
    pub path: String,
    pub type_index: usize,
}

/// The node types and roots of a schema list.
#[derive(Debug, Clone, Default)]
pub(crate) struct Model {
    pub types: Vec<NodeType>,
    pub roots: Vec<Root>,
}

/// Whether a schema document is a method's: no JSON Schema keyword is named `params` or
/// `result`, so their presence says it.
fn kind_of(schema: &Value) -> Kind {
    let has = |k: &str| schema.get(k).is_some();
    if schema.is_object() && (has("params") || has("result")) {
        Kind::Method
    } else {
        let flag = |k: &str| schema.get(k).and_then(Value::as_bool) == Some(true);
        Kind::State {
            read_only: flag("readOnly"),
            event: flag("x-jet-event"),
        }
    }
}

/// The node of an element: `(node path, tagged type, path below the node)`.
fn node_of(element: &Element) -> (String, Option<String>, String) {
    let tag = element.schema.get("x-jet-node");
    let tagged = tag.and_then(|t| {
        let ty = t.get("type")?.as_str()?;
        let path = t.get("path")?.as_str()?;
        let rel = if path.is_empty() {
            element.path.as_str()
        } else {
            element.path.strip_prefix(path)?.strip_prefix('/')?
        };
        (!rel.is_empty()).then(|| (path.to_owned(), Some(ty.to_owned()), rel.to_owned()))
    });
    tagged.unwrap_or_else(|| match element.path.rsplit_once('/') {
        Some((parent, last)) => (parent.to_owned(), None, last.to_owned()),
        None => (String::new(), None, element.path.clone()),
    })
}

/// The type name of an untagged node: its last segment (`Root` for the top level).
fn untagged_name(path: &str) -> String {
    match path.rsplit('/').next() {
        Some(last) if !last.is_empty() => last.to_owned(),
        _ => "Root".to_owned(),
    }
}

impl Model {
    /// Group `elements`; refuses two elements with one path and a node type whose
    /// instances use one path for a state in one and a method in another.
    pub(crate) fn build(elements: &[Element]) -> Result<Model, CodegenError> {
        let mut model = Model::default();
        // Per node path: its type. Types are keyed by tag, or by path when untagged.
        let mut nodes: Vec<(String, usize)> = Vec::new();
        let mut type_keys: Vec<String> = Vec::new();
        let mut seen_paths = std::collections::HashSet::new();
        for element in elements {
            if !seen_paths.insert(element.path.as_str()) {
                return Err(CodegenError::Input(format!(
                    "two schemas for `{}`",
                    element.path
                )));
            }
            let (node_path, tag, rel) = node_of(element);
            let key = match &tag {
                Some(ty) => format!("type:{ty}"),
                None => format!("path:{node_path}"),
            };
            let type_index = match type_keys.iter().position(|k| *k == key) {
                Some(i) => i,
                None => {
                    type_keys.push(key);
                    model.types.push(NodeType {
                        name: tag.unwrap_or_else(|| untagged_name(&node_path)),
                        members: Vec::new(),
                        children: Vec::new(),
                        paths: Vec::new(),
                    });
                    model.types.len() - 1
                }
            };
            if !nodes.iter().any(|(p, _)| *p == node_path) {
                nodes.push((node_path.clone(), type_index));
                model.types[type_index].paths.push(node_path.clone());
            }
            let ty = &mut model.types[type_index];
            let kind = kind_of(&element.schema);
            match ty.members.iter().find(|m| m.rel == rel) {
                Some(existing)
                    if std::mem::discriminant(&existing.kind) != std::mem::discriminant(&kind) =>
                {
                    return Err(CodegenError::Input(format!(
                        "`{}` is a state in one `{}` node and a method in another",
                        element.path, ty.name
                    )));
                }
                Some(_) => {}
                None => ty.members.push(Member {
                    rel,
                    kind,
                    schema: element.schema.clone(),
                }),
            }
        }
        for (path, type_index) in &nodes {
            let parent = nodes
                .iter()
                .filter(|(p, _)| is_below(path, p))
                .max_by_key(|(p, _)| p.len());
            match parent {
                Some((parent_path, parent_type)) => {
                    let rel = if parent_path.is_empty() {
                        path.clone()
                    } else {
                        path[parent_path.len() + 1..].to_owned()
                    };
                    let parent = &mut model.types[*parent_type];
                    if !parent.children.iter().any(|c| c.rel == rel) {
                        parent.children.push(Child {
                            rel,
                            type_index: *type_index,
                        });
                    }
                }
                None => model.roots.push(Root {
                    path: path.clone(),
                    type_index: *type_index,
                }),
            }
        }
        Ok(model)
    }
}

/// Whether node `path` lies below node `ancestor` (`""` is above every other node).
fn is_below(path: &str, ancestor: &str) -> bool {
    if path == ancestor {
        return false;
    }
    ancestor.is_empty()
        || path
            .strip_prefix(ancestor)
            .is_some_and(|rest| rest.starts_with('/'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn element(path: &str, schema: Value) -> Element {
        Element {
            path: path.into(),
            schema,
        }
    }

    fn tagged(ty: &str, node: &str, mut schema: Value) -> Value {
        schema["x-jet-node"] = json!({"type": ty, "path": node});
        schema
    }

    #[test]
    fn instances_of_one_tagged_type_are_one_type() {
        let elements = [
            element(
                "plant/name",
                tagged("Plant", "plant", json!({"type":"string","readOnly":true})),
            ),
            element(
                "plant/l1/speed",
                tagged("Line", "plant/l1", json!({"type":"number"})),
            ),
            element(
                "plant/l1/start",
                tagged("Line", "plant/l1", json!({"params":{}})),
            ),
            element(
                "plant/l2/speed",
                tagged("Line", "plant/l2", json!({"type":"number"})),
            ),
            element(
                "plant/l2/extra",
                tagged("Line", "plant/l2", json!({"type":"number"})),
            ),
        ];
        let model = Model::build(&elements).unwrap();
        assert_eq!(model.types.len(), 2);
        let line = &model.types[1];
        assert_eq!(line.name, "Line");
        assert_eq!(line.paths, ["plant/l1", "plant/l2"]);
        let members: Vec<&str> = line.members.iter().map(|m| m.rel.as_str()).collect();
        assert_eq!(
            members,
            ["speed", "start", "extra"],
            "the union, in first-seen order"
        );
        assert_eq!(line.members[1].kind, Kind::Method);
        assert_eq!(
            model.types[0].members[0].kind,
            Kind::State {
                read_only: true,
                event: false
            }
        );
        let children: Vec<(&str, usize)> = model.types[0]
            .children
            .iter()
            .map(|c| (c.rel.as_str(), c.type_index))
            .collect();
        assert_eq!(children, [("l1", 1), ("l2", 1)]);
        assert_eq!(model.roots.len(), 1);
        assert_eq!(model.roots[0].path, "plant");
    }

    #[test]
    fn untagged_elements_group_by_parent_path() {
        let elements = [
            element("dev/a/x", json!({"type":"number"})),
            element("dev/a/y", json!({"type":"number"})),
            element("dev/b/x", json!({"type":"number"})),
            element("top", json!({"type":"number"})),
        ];
        let model = Model::build(&elements).unwrap();
        let names: Vec<&str> = model.types.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(
            names,
            ["a", "b", "Root"],
            "untagged nodes are types of their own"
        );
        // `dev` has no elements, so `dev/a` and `dev/b` are nested in the top level.
        let root = &model.types[2];
        let rels: Vec<&str> = root.children.iter().map(|c| c.rel.as_str()).collect();
        assert_eq!(rels, ["dev/a", "dev/b"]);
        assert_eq!(model.roots.len(), 1);
    }

    #[test]
    fn a_tag_that_does_not_contain_the_element_is_ignored() {
        let e = element("a/b", tagged("T", "elsewhere", json!({})));
        assert_eq!(node_of(&e), ("a".into(), None, "b".into()));
        let e = element("x", tagged("T", "", json!({})));
        assert_eq!(node_of(&e), ("".into(), Some("T".into()), "x".into()));
    }

    #[test]
    fn conflicting_inputs_are_refused() {
        let twice = [element("a/b", json!({})), element("a/b", json!({}))];
        assert!(matches!(Model::build(&twice), Err(CodegenError::Input(_))));
        let mixed = [
            element("p/1/x", tagged("T", "p/1", json!({"type":"number"}))),
            element("p/2/x", tagged("T", "p/2", json!({"result":{}}))),
        ];
        assert!(matches!(Model::build(&mixed), Err(CodegenError::Input(_))));
    }
}

//! The commands built on nodes (PROTOCOL.md A.11): `jet tree` (the hierarchy below a
//! prefix, once or `--watch`ed), `jet ls` (the direct children of a node).
//!
//! They use the peer's node API, so they work on every daemon: jetd reports nodes itself,
//! on node-jet and cjet the peer derives them from the elements.

use futures_util::{FutureExt, StreamExt};
use jet_runtime::fetch::builder::Fetch;
use jet_runtime::peer::{
    parent_of, ElementEvent, Entry, EventKind, FetchEvent, PeerError, Subject, Tree, TreeEntry,
};
use serde_json::{json, Map, Value};

use super::{goodbye, Ctx, Interrupt};
use crate::args::{LsArgs, TreeArgs};
use crate::error::CliError;
use crate::output::{say_nothing_matched, Output, Paint, READ_ONLY};

/// Whether `path` is at or below `prefix` (`""`: everything).
fn within(path: &str, prefix: &str, sep: char) -> bool {
    prefix.is_empty()
        || path == prefix
        || path
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with(sep))
}

fn expression(prefix: &str) -> Fetch {
    let expr = Fetch::all();
    if prefix.is_empty() {
        expr
    } else {
        expr.path_starts_with(prefix)
    }
}

fn add_event(e: Entry) -> ElementEvent {
    ElementEvent {
        kind: EventKind::Add,
        path: e.path,
        value: e.value,
        fetch_only: e.fetch_only,
        subject: e.subject,
    }
}

pub(super) async fn tree(ctx: &Ctx<'_>, args: &TreeArgs) -> Result<(), CliError> {
    let prefix = args.prefix.clone().unwrap_or_default();
    if args.watch {
        return watch(ctx, args, &prefix).await;
    }
    let peer = ctx.connect().await?;
    let result = async {
        let sep = peer.node_separator().await?.unwrap_or('/');
        let entries = peer.get_nodes(&expression(&prefix)).await?;
        Ok::<_, PeerError>((sep, entries))
    }
    .await;
    peer.close().await;
    let (sep, entries) = result.map_err(|e| ctx.error(e))?;
    let mut tree = Tree::new(sep);
    for e in entries
        .into_iter()
        .filter(|e| within(&e.path, &prefix, sep))
    {
        tree.apply(&add_event(e));
    }
    let view = View {
        out: &ctx.out,
        tree: &tree,
        depth: args.depth,
    };
    if tree.is_empty() {
        say_nothing_matched(&ctx.out, "no element matches");
    }
    if ctx.out.json {
        for node in view.json(&prefix) {
            ctx.out.json_line(&node)?;
        }
        return Ok(());
    }
    ctx.out.lines(&view.lines(&prefix))
}

/// `jet tree --watch`: a nodes fetch kept as a [`Tree`], redrawn after every burst of
/// events (on a terminal in place, otherwise as blocks separated by a blank line) until
/// Ctrl-C, which unfetches and exits 0.
async fn watch(ctx: &Ctx<'_>, args: &TreeArgs, prefix: &str) -> Result<(), CliError> {
    let mut interrupt = Interrupt::listen()?;
    let peer = ctx.connect().await?;
    let sep = peer
        .node_separator()
        .await
        .map_err(|e| ctx.error(e))?
        .unwrap_or('/');
    let mut stream = peer
        .fetch(&expression(prefix).nodes())
        .await
        .map_err(|e| ctx.error(e))?;
    let mut tree = Tree::new(sep);
    let mut frames = 0usize;
    let apply = |tree: &mut Tree, event: FetchEvent| match event {
        FetchEvent::Element(e) if within(&e.path, prefix, sep) => tree.apply(&e),
        FetchEvent::Resumed => tree.clear(),
        _ => {}
    };
    // Draw (the first frame: the tree as it is, possibly empty), then wait for a change.
    let interrupted = loop {
        // Take whatever has arrived already, so a burst is drawn once.
        while let Some(Some(event)) = stream.next().now_or_never() {
            apply(&mut tree, event);
        }
        draw(ctx, &tree, args, prefix, frames)?;
        frames += 1;
        tokio::select! {
            _ = interrupt.recv() => break true,
            event = stream.next() => match event {
                Some(event) => apply(&mut tree, event),
                None => break false,
            },
        }
    };
    if !interrupted {
        return Err(ctx.error(PeerError::ConnectionClosed));
    }
    goodbye("unfetch", stream.unfetch()).await;
    peer.close().await;
    Ok(())
}

fn draw(
    ctx: &Ctx<'_>,
    tree: &Tree,
    args: &TreeArgs,
    prefix: &str,
    frames: usize,
) -> Result<(), CliError> {
    let view = View {
        out: &ctx.out,
        tree,
        depth: args.depth,
    };
    if ctx.out.json {
        return ctx.out.json_line(&json!({"tree": view.json(prefix)}));
    }
    let mut lines = Vec::new();
    if ctx.out.terminal {
        lines.push("\x1b[H\x1b[2J".to_owned());
    } else if frames > 0 {
        lines.push(String::new());
    }
    let body = view.lines(prefix);
    if body.is_empty() {
        lines.push(ctx.out.paint("(nothing here yet)", Paint::Dim));
    }
    lines.extend(body);
    ctx.out.lines(&lines)
}

/// Draws a [`Tree`] below a prefix.
struct View<'a> {
    out: &'a Output,
    tree: &'a Tree,
    depth: Option<usize>,
}

impl View<'_> {
    /// The entries the drawing starts with: the prefix itself when it is in the tree,
    /// else the top-level children (of the prefix's nearest level).
    fn roots<'a>(&'a self, prefix: &'a str) -> Vec<(&'a str, &'a TreeEntry)> {
        if let Some(e) = self.tree.get(prefix) {
            return vec![(prefix, e)];
        }
        // No prefix, or one that is no path in the tree (`plant/li`): what has no parent
        // in the tree.
        self.tree
            .iter()
            .filter(|(p, _)| {
                parent_of(p, self.tree.separator())
                    .is_none_or(|parent| self.tree.get(parent).is_none())
            })
            .collect()
    }

    /// The last segment of `path` (all of it at the top).
    fn name<'p>(&self, path: &'p str) -> &'p str {
        match parent_of(path, self.tree.separator()) {
            Some(parent) => &path[parent.len() + self.tree.separator().len_utf8()..],
            None => path,
        }
    }

    /// Elements at or below `path`.
    fn count(&self, path: &str) -> usize {
        let sep = self.tree.separator();
        self.tree
            .iter()
            .filter(|(p, e)| e.element.is_some() && within(p, path, sep) && *p != path)
            .count()
    }

    fn label(&self, path: &str, name: &str, e: &TreeEntry) -> String {
        let mut label = match &e.element {
            Some((Subject::Method, _, _)) => self.out.paint(&format!("{name}()"), Paint::Cyan),
            Some((_, Some(v), _)) => format!("{} = {v}", self.out.paint(name, Paint::Bold)),
            Some((_, None, _)) => self.out.paint(name, Paint::Bold),
            None => name.to_owned(),
        };
        if let Some((_, _, true)) = &e.element {
            label.push_str(&self.out.paint(&format!("  {READ_ONLY}"), Paint::Dim));
        }
        if e.node {
            let n = self.count(path);
            let what = if n == 1 { "element" } else { "elements" };
            label.push_str(&self.out.paint(&format!(" ({n} {what})"), Paint::Dim));
        }
        label
    }

    fn lines(&self, prefix: &str) -> Vec<String> {
        let mut lines = Vec::new();
        for (path, e) in self.roots(prefix) {
            let name = if path == prefix {
                path
            } else {
                self.name(path)
            };
            lines.push(self.label(path, name, e));
            self.children(path, "", 1, &mut lines);
        }
        lines
    }

    fn children(&self, path: &str, indent: &str, level: usize, lines: &mut Vec<String>) {
        if self.depth.is_some_and(|d| level >= d) {
            return;
        }
        let kids: Vec<_> = self.tree.children(path).collect();
        for (i, (child, e)) in kids.iter().enumerate() {
            let last = i + 1 == kids.len();
            let (branch, more) = if last {
                ("└── ", "    ")
            } else {
                ("├── ", "│   ")
            };
            lines.push(format!(
                "{indent}{branch}{}",
                self.label(child, self.name(child), e)
            ));
            self.children(child, &format!("{indent}{more}"), level + 1, lines);
        }
    }

    fn json(&self, prefix: &str) -> Vec<Value> {
        self.roots(prefix)
            .into_iter()
            .map(|(p, e)| self.node_json(p, e, 1))
            .collect()
    }

    fn node_json(&self, path: &str, e: &TreeEntry, level: usize) -> Value {
        let mut m = Map::new();
        m.insert("name".into(), json!(self.name(path)));
        m.insert("path".into(), json!(path));
        match &e.element {
            Some((Subject::Method, _, _)) => {
                m.insert("method".into(), Value::Bool(true));
            }
            Some((_, v, _)) => {
                m.insert("value".into(), v.clone().unwrap_or(Value::Null));
            }
            None => {}
        }
        if let Some((_, _, true)) = &e.element {
            m.insert("fetchOnly".into(), Value::Bool(true));
        }
        if e.node {
            m.insert("count".into(), json!(self.count(path)));
            if self.depth.is_none_or(|d| level < d) {
                let children: Vec<Value> = self
                    .tree
                    .children(path)
                    .map(|(c, ce)| self.node_json(c, ce, level + 1))
                    .collect();
                m.insert("children".into(), Value::Array(children));
            }
        }
        Value::Object(m)
    }
}

/// `jet ls PATH`: the direct children of a node: nodes with a trailing separator, states
/// with their values, methods with `()`.
pub(super) async fn ls(ctx: &Ctx<'_>, args: &LsArgs) -> Result<(), CliError> {
    let path = args.path.clone().unwrap_or_default();
    let peer = ctx.connect().await?;
    let result = async {
        let sep = peer.node_separator().await?.unwrap_or('/');
        Ok::<_, PeerError>((sep, peer.children(&path).await?))
    }
    .await;
    peer.close().await;
    let (sep, children) = result.map_err(|e| ctx.error(e))?;
    if ctx.out.json {
        for e in &children {
            let mut v = json!({"path": e.path, "type": e.subject.as_str()});
            if let Some(value) = &e.value {
                v["value"] = value.clone();
            }
            if e.fetch_only {
                v["fetchOnly"] = Value::Bool(true);
            }
            ctx.out.json_line(&v)?;
        }
        return Ok(());
    }
    let lines: Vec<String> = children
        .iter()
        .map(|e| match (e.subject, &e.value) {
            (Subject::Node, _) => ctx.out.paint(&format!("{}{sep}", e.path), Paint::Bold),
            (Subject::Method, _) => ctx.out.paint(&format!("{}()", e.path), Paint::Cyan),
            (Subject::State, v) => {
                let mut s = format!("{} = {}", e.path, v.clone().unwrap_or(Value::Null));
                if e.fetch_only {
                    s.push_str(&ctx.out.paint(&format!("  {READ_ONLY}"), Paint::Dim));
                }
                s
            }
        })
        .collect();
    ctx.out.lines(&lines)
}

//! The paths a node serves and the fns its client has, as constants, so that clashes
//! between what `#[derive(Node)]` and `#[jet_runtime::methods]` generate are found at
//! compile time.
//!
//! The two macros expand separately: neither sees the other's input. The derive writes a
//! [`PathTree`] into the `Node` impl (`Node::PATHS`, nested nodes by reference), and each
//! macro emits `const _: () = ...` items that look a path up in it with the `const fn`s
//! here and panic with a message naming the path. rustc evaluates such items in
//! `cargo check` too and shows the panic message at the span the macro gave it. The
//! runtime check in `serve` stays for what no constant sees (the methods of nested nodes).

/// What a node serves (relative paths) and which fns its generated client has.
#[derive(Debug)]
pub struct PathTree {
    /// The paths of its own states.
    pub states: &'static [&'static str],
    /// Its `#[jet(node)]` fields: the path segment and the nested node's tree.
    pub nodes: &'static [(&'static str, &'static PathTree)],
    /// The names of the client fns generated for the fields (`get_x`, `set_x`, ...).
    pub client_fns: &'static [&'static str],
}

impl PathTree {
    /// A node with nothing: what a `Node` impl not written by the derive reports.
    pub const EMPTY: PathTree = PathTree {
        states: &[],
        nodes: &[],
        client_fns: &[],
    };
}

/// How many states of `tree` (nested ones included) are at `path`.
pub const fn states_at(tree: &PathTree, path: &str) -> usize {
    let mut count = 0;
    let mut i = 0;
    while i < tree.states.len() {
        if str_eq(tree.states[i].as_bytes(), path.as_bytes()) {
            count += 1;
        }
        i += 1;
    }
    let mut i = 0;
    while i < tree.nodes.len() {
        let (prefix, nested) = tree.nodes[i];
        if let Some(rest) = strip_segment(path.as_bytes(), prefix.as_bytes()) {
            count += states_at_bytes(nested, rest);
        }
        i += 1;
    }
    count
}

/// [`states_at`] for a path that is a byte slice (the rest after a prefix).
const fn states_at_bytes(tree: &PathTree, path: &[u8]) -> usize {
    match std::str::from_utf8(path) {
        Ok(path) => states_at(tree, path),
        // A prefix of a `str` cut after `/` is valid UTF-8; nothing can be there otherwise.
        Err(_) => 0,
    }
}

/// Whether the client of `tree` already has a fn named `name`.
pub const fn has_client_fn(tree: &PathTree, name: &str) -> bool {
    let mut i = 0;
    while i < tree.client_fns.len() {
        if str_eq(tree.client_fns[i].as_bytes(), name.as_bytes()) {
            return true;
        }
        i += 1;
    }
    false
}

/// `path` without `prefix/`, if it starts with that.
const fn strip_segment<'a>(path: &'a [u8], prefix: &[u8]) -> Option<&'a [u8]> {
    if path.len() <= prefix.len() || path[prefix.len()] != b'/' {
        return None;
    }
    let (head, rest) = path.split_at(prefix.len());
    if !str_eq(head, prefix) {
        return None;
    }
    Some(rest.split_at(1).1)
}

const fn str_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    const BURNER: PathTree = PathTree {
        states: &["level", "flame/on"],
        nodes: &[],
        client_fns: &["get_level", "set_level", "watch_level"],
    };
    const BOILER: PathTree = PathTree {
        states: &["temperature", "burner/level"],
        nodes: &[("burner", &BURNER)],
        client_fns: &["get_temperature", "burner"],
    };

    #[test]
    fn states_are_counted_through_nested_nodes() {
        assert_eq!(states_at(&BOILER, "temperature"), 1);
        assert_eq!(states_at(&BOILER, "burner/level"), 2, "own and nested");
        assert_eq!(states_at(&BOILER, "burner/flame/on"), 1);
        assert_eq!(states_at(&BOILER, "burner"), 0, "a node is no state");
        assert_eq!(states_at(&BOILER, "burnerx/level"), 0);
        assert_eq!(states_at(&BOILER, "burner/"), 0);
        assert_eq!(states_at(&PathTree::EMPTY, "a"), 0);
    }

    #[test]
    fn client_fns_are_found_by_name() {
        assert!(has_client_fn(&BOILER, "burner"));
        assert!(has_client_fn(&BOILER, "get_temperature"));
        assert!(!has_client_fn(&BOILER, "get_temp"));
    }

    /// The point of `const fn`: the macros' checks run while compiling.
    #[test]
    fn the_lookups_run_in_constants() {
        const NESTED: usize = states_at(&BOILER, "burner/level");
        const FOUND: bool = has_client_fn(&BOILER, "burner");
        assert_eq!((NESTED, FOUND), (2, true));
    }
}

use jet_runtime::prelude::*;

#[derive(Node)]
struct Lamp<T> {
    level: T,
}

fn main() {}

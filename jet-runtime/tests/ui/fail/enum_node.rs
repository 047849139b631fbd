use jet_runtime::prelude::*;

#[derive(Node)]
enum Lamp {
    On,
    Off,
}

fn main() {}

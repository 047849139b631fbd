use jet_runtime::prelude::*;

#[derive(Node)]
struct Lamp {
    #[jet(node)]
    level: u8,
}

fn main() {}

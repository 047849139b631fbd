use jet_runtime::prelude::*;

#[derive(Node)]
struct Lamp {
    #[jet(magic)]
    level: u8,
}

fn main() {}

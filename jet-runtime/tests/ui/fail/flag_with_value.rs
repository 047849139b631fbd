use jet_runtime::prelude::*;

#[derive(Node)]
struct Lamp {
    #[jet(read_only = true)]
    level: u8,
}

fn main() {}

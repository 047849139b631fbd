use jet_runtime::prelude::*;

#[derive(Node)]
struct Lamp {
    #[jet(event)]
    level: u8,
}

fn main() {}

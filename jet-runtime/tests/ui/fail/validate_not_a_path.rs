use jet_runtime::prelude::*;

#[derive(Node)]
struct Lamp {
    #[jet(validate = "level < 100")]
    level: u8,
}

fn main() {}

use jet_runtime::prelude::*;

#[derive(Node)]
struct Lamp {
    level: u8,
    #[jet(rename = "level")]
    brightness: u8,
}

fn main() {}

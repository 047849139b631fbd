use jet_runtime::prelude::*;

#[derive(Node)]
struct Lamp {
    #[jet(rename = "/level")]
    level: u8,
}

fn main() {}

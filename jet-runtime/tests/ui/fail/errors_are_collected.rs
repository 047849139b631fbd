use jet_runtime::prelude::*;

#[derive(Node)]
struct Lamp {
    #[jet(readonly)]
    level: u8,
    #[jet(rename = "level")]
    other: u8,
    #[jet(skip, read_only)]
    cache: u8,
}

fn main() {}

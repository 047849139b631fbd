use jet_runtime::prelude::*;

#[derive(Node)]
struct Lamp(u8);

fn main() {}

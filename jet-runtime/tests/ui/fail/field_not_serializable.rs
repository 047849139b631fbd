use jet_runtime::prelude::*;

struct Opaque;

#[derive(Node)]
struct Lamp {
    #[jet(read_only)]
    handle: Opaque,
}

fn main() {}

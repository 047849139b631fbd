use jet_runtime::prelude::*;

#[derive(Node)]
struct Lamp {
    level: u8,
}

struct Opaque;

#[jet_runtime::methods]
impl Lamp {
    pub fn take(&mut self, _handle: Opaque) {}
}

fn main() {}

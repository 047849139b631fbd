use jet_runtime::prelude::*;

#[derive(Node)]
struct Lamp {
    level: u8,
}

struct Broken;

#[jet_runtime::methods]
impl Lamp {
    pub fn dim(&mut self) -> Result<u8, Broken> {
        Err(Broken)
    }
}

fn main() {}

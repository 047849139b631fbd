use jet_runtime::prelude::*;

#[derive(Node)]
struct Lamp {
    level: u8,
}

#[jet_runtime::methods]
impl Lamp {
    pub fn into_level(self) -> u8 {
        self.level
    }
}

fn main() {}

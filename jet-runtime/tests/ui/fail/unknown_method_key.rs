use jet_runtime::prelude::*;

#[derive(Node)]
struct Lamp {
    level: u8,
}

#[jet_runtime::methods]
impl Lamp {
    #[jet(read_only)]
    pub fn level(&self) -> u8 {
        self.level
    }
}

fn main() {}

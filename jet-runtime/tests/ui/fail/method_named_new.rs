use jet_runtime::prelude::*;

#[derive(Node)]
struct Lamp {
    level: u8,
}

#[jet_runtime::methods]
impl Lamp {
    pub fn new(&mut self) {
        self.level = 0;
    }
}

fn main() {}

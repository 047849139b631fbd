use jet_runtime::prelude::*;

#[derive(Node)]
struct Lamp {
    level: u8,
}

#[jet_runtime::methods(path = "lamp")]
impl Lamp {
    pub fn on(&mut self) {
        self.level = 100;
    }
}

fn main() {}

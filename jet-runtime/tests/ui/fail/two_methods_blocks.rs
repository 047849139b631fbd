use jet_runtime::prelude::*;

#[derive(Node)]
struct Lamp {
    level: u8,
}

#[jet_runtime::methods]
impl Lamp {
    pub fn on(&mut self) {
        self.level = 100;
    }
}

#[jet_runtime::methods]
impl Lamp {
    pub fn off(&mut self) {
        self.level = 0;
    }
}

fn main() {}

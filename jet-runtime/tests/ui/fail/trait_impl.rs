use jet_runtime::prelude::*;

#[derive(Node)]
struct Lamp {
    level: u8,
}

trait Dim {
    fn dim(&mut self);
}

#[jet_runtime::methods]
impl Dim for Lamp {
    fn dim(&mut self) {
        self.level /= 2;
    }
}

fn main() {}

use jet_runtime::prelude::*;

#[derive(Node)]
struct Lamp {
    level: u8,
}

#[jet_runtime::methods]
impl Lamp {
    pub fn dim<T: Into<u8>>(&mut self, by: T) {
        self.level -= by.into();
    }
}

fn main() {}

use jet_runtime::prelude::*;

#[derive(Node)]
struct Lamp {
    level: u8,
}

#[jet_runtime::methods]
impl Lamp {
    #[jet(result)]
    pub fn dim(&mut self) {
        self.level = 0;
    }
}

fn main() {}

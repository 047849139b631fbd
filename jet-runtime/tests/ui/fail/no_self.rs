use jet_runtime::prelude::*;

#[derive(Node)]
struct Lamp {
    level: u8,
}

#[jet_runtime::methods]
impl Lamp {
    pub fn dark() -> Lamp {
        Lamp { level: 0 }
    }
}

fn main() {}

use jet_runtime::prelude::*;

#[derive(Node)]
struct Lamp {
    level: u8,
}

type Fallible<T> = std::result::Result<T, String>;

#[jet_runtime::methods]
impl Lamp {
    pub fn dim(&mut self) -> Fallible<u8> {
        Ok(self.level)
    }
}

fn main() {}

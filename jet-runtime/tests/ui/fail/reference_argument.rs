use jet_runtime::prelude::*;

#[derive(Node)]
struct Lamp {
    name: String,
}

#[jet_runtime::methods]
impl Lamp {
    pub fn rename(&mut self, name: &str) {
        self.name = name.to_owned();
    }
}

fn main() {}

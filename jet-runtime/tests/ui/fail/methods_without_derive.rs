struct Lamp {
    level: u8,
}

#[jet_runtime::methods]
impl Lamp {
    pub fn on(&mut self) {
        self.level = 100;
    }
}

fn main() {}

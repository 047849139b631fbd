use jet_runtime::prelude::*;

#[derive(Node)]
struct Boiler {
    temperature: f64,
    #[jet(rename = "mode")]
    current_mode: u8,
}

#[jet_runtime::methods]
impl Boiler {
    /// Served at `temperature`, where the field is.
    pub fn temperature(&self) -> f64 {
        self.temperature
    }

    #[jet(rename = "mode")]
    pub fn switch(&mut self) {
        self.current_mode += 1;
    }
}

fn main() {}

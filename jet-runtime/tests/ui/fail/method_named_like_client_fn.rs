use jet_runtime::prelude::*;

#[derive(Node)]
struct Boiler {
    setpoint: f64,
}

#[jet_runtime::methods]
impl Boiler {
    /// The client has `get_setpoint` for the field already.
    pub fn get_setpoint(&self) -> f64 {
        self.setpoint
    }
}

fn main() {}

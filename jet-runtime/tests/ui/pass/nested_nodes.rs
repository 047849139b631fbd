//! `node` fields one and two levels deep, and a struct-typed field served as one state.
use jet_runtime::prelude::*;

#[derive(Node)]
pub struct Plant {
    #[jet(node)]
    line: Line,
    /// Served whole: one state whose value is the struct.
    config: Config,
}

#[derive(Node)]
pub struct Line {
    #[jet(node, rename = "pump1")]
    pump: Pump,
    speed: u32,
}

#[derive(Node)]
pub struct Pump {
    #[jet(read_only)]
    running: bool,
}

#[derive(Serialize, Deserialize, JsonSchema)]
pub struct Config {
    name: String,
    shifts: Vec<u8>,
}

fn main() {
    let paths: Vec<String> = Plant::states().iter().map(|s| s.path().to_owned()).collect();
    assert_eq!(paths, ["line/pump1/running", "line/speed", "config"]);
    // Nested clients, typed all the way down.
    fn pump(plant: &PlantClient) -> PumpClient {
        plant.line().pump()
    }
    let _ = pump;
    let _ = PlantClient::set_config;
}

use jet_runtime::prelude::*;

#[derive(Node)]
struct Burner {
    level: u8,
}

#[derive(Node)]
struct Boiler {
    #[jet(node)]
    burner: Burner,
    /// `burner/level` is the nested node's state already.
    #[jet(rename = "burner/level")]
    burner_level: u8,
}

fn main() {}

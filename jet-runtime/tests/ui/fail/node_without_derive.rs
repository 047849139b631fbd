use jet_runtime::prelude::*;

#[derive(Serialize, Deserialize, JsonSchema)]
struct Color {
    r: u8,
}

#[derive(Node)]
struct Lamp {
    #[jet(node)]
    color: Color,
}

fn main() {}

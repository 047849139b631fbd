use jet_runtime::prelude::*;

#[derive(Node)]
struct Lamp {
    #[jet(read_only, validate = "check")]
    level: u8,
}

fn check(_: &u8) -> Result<(), String> {
    Ok(())
}

fn main() {}

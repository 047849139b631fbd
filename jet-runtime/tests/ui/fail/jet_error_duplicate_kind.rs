use jet_runtime::prelude::*;

#[derive(JetError)]
#[jet(code = 1000)]
enum Twice {
    Busy,
    #[jet(rename = "Busy")]
    Occupied,
    Data { kind: String },
}

fn main() {}

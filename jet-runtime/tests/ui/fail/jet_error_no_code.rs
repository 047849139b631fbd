use jet_runtime::prelude::*;

#[derive(JetError)]
enum Codes {
    #[jet(code = 1)]
    Coded,
    Uncoded,
}

fn main() {}

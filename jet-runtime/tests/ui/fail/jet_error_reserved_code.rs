use jet_runtime::prelude::*;

#[derive(JetError)]
#[jet(code = -32001)]
enum Refused {
    Timeout,
    #[jet(code = -32602)]
    Invalid,
    #[jet(code = -31999)]
    Fine,
}

fn main() {}

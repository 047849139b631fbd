use jet_runtime::prelude::*;

struct Opaque;

#[derive(JetError)]
#[jet(code = 1)]
enum Failure {
    Held { thing: Opaque },
}

fn main() {}

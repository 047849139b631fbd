use jet_runtime::prelude::*;

#[derive(JetError)]
struct Failure {
    reason: String,
}

#[derive(JetError)]
union Mixed {
    a: u8,
}

#[derive(JetError)]
enum Generic<T> {
    #[jet(code = 1)]
    Held(T),
}

fn main() {}

use jet_runtime::prelude::*;

/// Sent and described, but not decoded: fine for a `read_only` field, not a settable one.
#[derive(Serialize, JsonSchema)]
struct Reading(u8);

#[derive(Node)]
struct Meter {
    reading: Reading,
}

fn main() {}

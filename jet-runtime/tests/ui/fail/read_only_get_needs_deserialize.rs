use jet_runtime::prelude::*;

/// Enough to serve a `read_only` field; the client's `get_`/`watch_` also decode it.
#[derive(Serialize, JsonSchema)]
struct Reading(u8);

#[derive(Node)]
struct Meter {
    #[jet(read_only)]
    reading: Reading,
}

async fn read(client: MeterClient) {
    let _ = client.get_reading().await;
}

fn main() {
    let _ = read;
}

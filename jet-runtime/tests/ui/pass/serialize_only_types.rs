//! Types that are only sent need `Serialize + JsonSchema`, not `Deserialize`: a
//! `read_only` field (serving never decodes it) and a method's result. The client fns
//! that would decode them (`get_`/`watch_`, the method's fn) ask for `Deserialize` only
//! where they are called.
use jet_runtime::prelude::*;

#[derive(Serialize, JsonSchema)]
struct Reading(u8);

#[derive(Node)]
struct Meter {
    #[jet(read_only)]
    reading: Reading,
    level: u8,
}

#[jet_runtime::methods]
impl Meter {
    pub fn sample(&self) -> Reading {
        Reading(self.level)
    }
}

async fn level(client: MeterClient) -> Result<u8, TypedError> {
    client.get_level().await
}

fn main() {
    let states = Meter::states();
    assert!(states[0].is_read_only());
    assert_eq!(states[0].path(), "reading");
    assert_eq!(Meter::methods()[0].path(), "sample");
    let _ = level;
}

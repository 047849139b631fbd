//! `#[jet(state)]` getters: computed read-only states, renamed, with fetch groups, next
//! to methods; the client gets `get_`/`watch_` for each.
use jet_runtime::prelude::*;

#[derive(Default, Node)]
pub struct Tank {
    litres: f64,
}

#[jet_runtime::methods]
impl Tank {
    /// Gallons (US).
    #[jet(state)]
    pub fn gallons(&self) -> f64 {
        self.litres / 3.785
    }

    #[jet(state, rename = "level/empty", access(fetch = ["viewer"]))]
    pub fn empty(&self) -> bool {
        self.litres == 0.0
    }

    pub fn drain(&mut self) {
        self.litres = 0.0;
    }
}

#[allow(dead_code)]
async fn client_fns(client: TankClient) -> Result<(), TypedError> {
    let _: f64 = client.get_gallons().await?;
    let _: Watch<bool> = client.watch_empty().await?;
    client.set_litres(1.0).await?;
    client.drain().await?;
    Ok(())
}

fn main() {
    let schemas = Tank::schemas();
    let paths: Vec<&str> = schemas.iter().map(|s| s.path.as_str()).collect();
    assert_eq!(paths, ["litres", "gallons", "level/empty", "drain"]);
    let states = Tank::states();
    assert!(states[1].is_read_only() && states[1].is_computed());
    assert_eq!(
        states[2].access_groups(),
        Some(&serde_json::json!({"fetchGroups": ["viewer"]}))
    );
}

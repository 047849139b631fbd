//! `#[jet(event)]` fields: any `Serialize + Deserialize + JsonSchema` payload, renamed,
//! nested, with access groups; the client gets a typed stream per event field.
use jet_runtime::prelude::*;
use jet_runtime::{Event, Events};

#[derive(Clone, Serialize, Deserialize, JsonSchema)]
pub enum Alarm {
    Overheat { celsius: f64 },
    Flameout,
}

#[derive(Default, Node)]
pub struct Boiler {
    /// Alarms as they happen.
    #[jet(event, access(fetch = ["viewer"]))]
    alarms: Event<Alarm>,
    #[jet(event, rename = "log/lines")]
    lines: Event<String>,
    #[jet(node)]
    burner: Burner,
}

#[derive(Default, Node)]
pub struct Burner {
    #[jet(event, read_only)]
    ignitions: Event<u64>,
}

#[jet_runtime::methods]
impl Boiler {
    pub async fn alarm(&self) -> Result<(), TypedError> {
        self.alarms.emit(Alarm::Flameout).await
    }
}

#[allow(dead_code)]
async fn client_fns(client: BoilerClient) -> Result<(), TypedError> {
    let _: Events<Alarm> = client.alarms().await?;
    let _: Events<String> = client.lines().await?;
    let _: Events<u64> = client.burner().ignitions().await?;
    Ok(())
}

fn main() {
    let schemas = Boiler::schemas();
    let paths: Vec<&str> = schemas.iter().map(|s| s.path.as_str()).collect();
    assert_eq!(paths, ["alarms", "log/lines", "burner/ignitions", "alarm"]);
    assert_eq!(schemas.get("log/lines").unwrap()["x-jet-event"], true);
    let states = Boiler::states();
    assert!(states.iter().all(|s| s.is_event() && s.is_read_only()));
    assert_eq!(
        states[0].access_groups(),
        Some(&serde_json::json!({"fetchGroups": ["viewer"]}))
    );
}

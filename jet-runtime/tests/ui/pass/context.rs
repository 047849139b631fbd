//! A method may take `ctx: &jet_runtime::Context<Self>` anywhere among its arguments, with
//! any receiver, sync or async; it is neither in the schema nor in the client fn.
use jet_runtime::prelude::*;
use jet_runtime::Context;

#[derive(Default, Node)]
pub struct Valve {
    open: bool,
    #[jet(node)]
    seal: Seal,
}

#[derive(Default, Node)]
pub struct Seal {
    worn: bool,
}

#[jet_runtime::methods]
impl Valve {
    pub fn first(&self, ctx: &Context<Self>, a: u8) -> u8 {
        ctx.changed();
        a
    }

    pub async fn last(&mut self, a: u8, b: String, ctx: &jet_runtime::Context<Valve>) -> usize {
        let _peer: &Peer = ctx.peer();
        let _handle: jet_runtime::typed::Handle<Valve> = ctx.handle();
        usize::from(a) + b.len()
    }

    pub fn only(&self, ctx: &Context<Self>) -> Option<String> {
        ctx.caller().map(str::to_owned)
    }
}

#[jet_runtime::methods]
impl Seal {
    pub fn wear(&self, ctx: &Context<Self>) -> String {
        ctx.path().to_owned()
    }
}

#[allow(dead_code)]
async fn client_fns(client: ValveClient) -> Result<(), TypedError> {
    let _: u8 = client.first(1).await?;
    let _: usize = client.last(1, "b".into()).await?;
    let _: Option<String> = client.only().await?;
    let _: String = client.seal().wear().await?;
    Ok(())
}

fn main() {
    let schemas = Valve::schemas();
    let positional = |path: &str| schemas.get(path).unwrap()["params"]["x-positional"].clone();
    assert_eq!(positional("first"), serde_json::json!(["a"]));
    assert_eq!(positional("last"), serde_json::json!(["a", "b"]));
    assert_eq!(positional("only"), serde_json::json!([]));
    assert_eq!(positional("seal/wear"), serde_json::json!([]));
}

use jet_runtime::prelude::*;
use jet_runtime::Context;

#[derive(Node)]
struct Lamp {
    level: u8,
}

#[jet_runtime::methods]
impl Lamp {
    pub fn by_value(&self, _ctx: Context<Self>) {}

    pub fn exclusive(&self, _ctx: &mut Context<Self>) {}

    pub fn twice(&self, _a: &Context<Self>, _b: &Context<Self>) {}
}

fn main() {}

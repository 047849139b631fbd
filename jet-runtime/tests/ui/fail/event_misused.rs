use jet_runtime::prelude::*;
use jet_runtime::Event;

#[derive(Default, Node)]
struct Inner {
    a: u8,
}

#[derive(Node)]
struct Lamp {
    #[jet(event, node)]
    both: Inner,
    #[jet(event, validate = "Self::check")]
    checked: Event<u8>,
}

impl Lamp {
    fn check(_: &Event<u8>) -> Result<(), String> {
        Ok(())
    }
}

fn main() {}

//! Every field key: rename, read_only, skip, validate, access; a node without methods.
use jet_runtime::prelude::*;

#[derive(Node)]
pub struct Valve {
    /// Opening in percent.
    #[jet(validate = "Valve::check", access(fetch = "viewer", set = ["ops"]))]
    opening: u8,
    /// Flow in l/min, measured.
    #[jet(read_only, rename = "flow/now")]
    flow: f64,
    #[jet(skip)]
    _started: std::time::Instant,
    label: String,
}

impl Valve {
    fn check(v: &u8) -> Result<(), &'static str> {
        if *v <= 100 { Ok(()) } else { Err("above 100") }
    }
}

fn main() {
    let states = Valve::states();
    let paths: Vec<&str> = states.iter().map(|s| s.path()).collect();
    assert_eq!(paths, ["opening", "flow/now", "label"]);
    assert!(!states[0].is_read_only());
    assert!(states[1].is_read_only());
    assert_eq!(states[0].schema()["description"], "Opening in percent.");
    assert!(Valve::methods().is_empty(), "no methods block, no methods");
    assert_eq!(Valve::schemas().len(), 3);
    // The client: setters only for writable fields, getters and watchers for all.
    let _ = ValveClient::set_opening;
    let _ = ValveClient::get_flow;
    let _ = ValveClient::watch_flow;
    let _ = ValveClient::set_label;
    let _ = ValveClient::path;
}

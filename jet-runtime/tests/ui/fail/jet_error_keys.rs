use jet_runtime::prelude::*;

#[derive(JetError)]
#[jet(code = 1, message = "on the enum")]
enum Keys {
    #[jet(kind = "x")]
    Unknown,
    #[jet(code = "7")]
    NotAnInteger,
    #[jet(code)]
    NoValue,
    Field {
        #[jet(rename = "y")]
        x: u8,
    },
}

fn main() {}

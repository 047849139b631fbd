use jet_runtime::prelude::*;

#[derive(JetError)]
#[jet(code = 1)]
enum Messages {
    #[jet(message = "at {temp} °C")]
    Hot { temperature: f64 },
    #[jet(message = "job {1}")]
    Busy(u32),
    #[jet(message = "{}")]
    Off,
    #[jet(message = "unclosed {brace")]
    Open { brace: u8 },
}

fn main() {}

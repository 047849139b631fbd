use jet_runtime::prelude::*;

#[derive(Node)]
struct Tank {
    litres: f64,
}

#[jet_runtime::methods]
impl Tank {
    #[jet(state)]
    pub fn with_argument(&self, unit: String) -> f64 {
        let _ = unit;
        self.litres
    }

    #[jet(state)]
    pub fn exclusive(&mut self) -> f64 {
        self.litres
    }

    #[jet(state)]
    pub async fn later(&self) -> f64 {
        self.litres
    }

    #[jet(state)]
    pub fn nothing(&self) {}

    #[jet(state)]
    pub fn borrowed(&self) -> &f64 {
        &self.litres
    }

    #[jet(state)]
    pub fn fallible(&self) -> Result<f64, String> {
        Ok(self.litres)
    }

    #[jet(state, access(call = ["admin"]))]
    pub fn guarded(&self) -> f64 {
        self.litres
    }

    #[jet(state)]
    pub fn twice(&self) -> f64 {
        self.litres
    }

    #[jet(rename = "twice")]
    pub fn clash(&self) {}
}

fn main() {}

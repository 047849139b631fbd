//! The boiler of the typed-layer example: a node with a nested burner node (with a method
//! of its own), read-only measurements, a validated setpoint, a whole-struct state and sync and async methods.
//! `boiler_service` serves it, `boiler_client` drives it; the end-to-end and schema tests
//! use the same types.

use jet_runtime::prelude::*;

/// The burner of a boiler.
#[derive(Debug, Clone, Default, Node)]
pub struct Burner {
    /// Burner power in percent (0 to 100).
    #[jet(validate = "Burner::check_power")]
    pub power: u8,
    /// Whether the flame burns, measured.
    #[jet(read_only)]
    pub flame: bool,
    /// Hours the burner has run, measured.
    #[jet(read_only, rename = "operatingHours")]
    pub operating_hours: f64,
}

impl Burner {
    fn check_power(power: &u8) -> Result<(), String> {
        if *power <= 100 {
            Ok(())
        } else {
            Err(format!("power is a percentage, {power} is above 100"))
        }
    }
}

#[jet_runtime::methods]
impl Burner {
    /// Whether the burner can fire: some power set and no flame burning yet.
    pub fn ready(&self) -> bool {
        self.power > 0 && !self.flame
    }
}

/// How the boiler runs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub enum Mode {
    /// Not heating.
    #[default]
    Off,
    /// Heating slowly, saving energy.
    Eco,
    /// Heating at full power.
    Comfort,
}

/// The range the setpoint may take, in °C.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Limits {
    pub min: f64,
    pub max: f64,
}

/// The boiler of line 1.
#[derive(Debug, Clone, Node)]
pub struct Boiler {
    /// Water temperature in °C, measured.
    #[jet(read_only)]
    pub temperature: f64,
    /// Target temperature in °C, within `limits`.
    #[jet(validate = "Self::check_setpoint")]
    pub setpoint: f64,
    /// Operating mode.
    pub mode: Mode,
    /// The allowed setpoint range.
    #[jet(read_only)]
    pub limits: Limits,
    #[jet(node)]
    pub burner: Burner,
    /// Not on the bus: the service's own bookkeeping.
    #[jet(skip)]
    pub heat_calls: u32,
}

/// The setpoint range every boiler has.
pub const LIMITS: Limits = Limits {
    min: 30.0,
    max: 90.0,
};

impl Default for Boiler {
    fn default() -> Self {
        Boiler {
            temperature: 20.0,
            setpoint: 60.0,
            mode: Mode::Off,
            limits: LIMITS,
            burner: Burner::default(),
            heat_calls: 0,
        }
    }
}

impl Boiler {
    fn check_setpoint(setpoint: &f64) -> Result<(), String> {
        if (LIMITS.min..=LIMITS.max).contains(setpoint) {
            Ok(())
        } else {
            Err(format!(
                "the setpoint must be within {} to {} °C, got {setpoint}",
                LIMITS.min, LIMITS.max
            ))
        }
    }
}

/// Why the boiler refuses to heat. `#[derive(JetError)]`: each variant is its own error
/// object (`data.kind` names it), and `BoilerClient::heat` returns it as
/// `ClientError::Service(HeatError::..)`.
#[derive(Debug, Clone, PartialEq, JetError)]
pub enum HeatError {
    /// The mode is `off`.
    #[jet(code = 1001, message = "the boiler is off: set a mode first")]
    Off,
    /// More minutes than one heating run may take.
    #[jet(code = 1002, message = "a heating run is at most {max} minutes")]
    TooLong { max: u32 },
}

/// The codes of [`HeatError`]'s variants, for callers that match on raw error objects
/// (any code outside JSON-RPC's reserved range).
pub const HEAT_OFF: i64 = 1001;
pub const HEAT_TOO_LONG: i64 = 1002;

/// A summary of the boiler's state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Status {
    pub temperature: f64,
    pub setpoint: f64,
    pub mode: Mode,
    pub flame: bool,
}

#[jet_runtime::methods]
impl Boiler {
    /// Heat for a number of minutes at the given burner power (default 80 %); returns the
    /// water temperature reached.
    pub async fn heat(&mut self, minutes: u32, power: Option<u8>) -> Result<f64, HeatError> {
        const MAX_MINUTES: u32 = 120;
        if self.mode == Mode::Off {
            return Err(HeatError::Off);
        }
        if minutes > MAX_MINUTES {
            return Err(HeatError::TooLong { max: MAX_MINUTES });
        }
        self.heat_calls += 1;
        let power = power.unwrap_or(80).min(100);
        self.burner.power = power;
        self.burner.flame = minutes > 0 && power > 0;
        // Stand-in for talking to hardware: yield like real I/O would.
        tokio::task::yield_now().await;
        let gain = f64::from(minutes) * f64::from(power) / 100.0;
        self.temperature = (self.temperature + gain).min(self.setpoint.max(self.temperature));
        self.burner.operating_hours += f64::from(minutes) / 60.0;
        self.burner.flame = false;
        Ok(self.temperature)
    }

    /// The current state in one answer.
    pub fn status(&self) -> Status {
        Status {
            temperature: self.temperature,
            setpoint: self.setpoint,
            mode: self.mode,
            flame: self.burner.flame,
        }
    }

    /// Reset the burner's operating hours; returns the hours before the reset.
    #[jet(rename = "resetHours")]
    pub fn reset_hours(&mut self) -> f64 {
        std::mem::take(&mut self.burner.operating_hours)
    }

    /// How many heating runs the service has done (not a Jet method).
    #[jet(skip)]
    pub fn heat_calls(&self) -> u32 {
        self.heat_calls
    }
}

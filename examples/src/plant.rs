//! A small plant for the typed layer's full example: the plant has two production lines,
//! each line a conveyor and a boiler (`crate::boiler`), each boiler a burner: four levels
//! of nested nodes, with methods at every level (plant, lines, boilers, burners). `plant_service`
//! serves it, `plant_client` drives it through the generated clients.
//!
//! ```text
//! plant/name                               read-only
//! plant/runningLines                       read-only, computed by a `#[jet(state)]` getter
//! plant/alarms                             an event stream (`#[jet(event)]`)
//! plant/emergencyStop()  plant/summary()
//! plant/line1/speed      plant/line1/running (read-only)   plant/line1/produced (read-only)
//! plant/line1/start()    plant/line1/stop()
//! plant/line1/boiler/... (see crate::boiler)
//! plant/line2/...
//! ```

use jet_runtime::prelude::*;
use jet_runtime::Event;

use crate::boiler::{Boiler, Mode};

/// The fastest a conveyor may run, in m/s.
pub const MAX_SPEED: f64 = 2.0;

/// A production line: a conveyor and the boiler that feeds it.
#[derive(Debug, Clone, Node)]
pub struct Line {
    /// Conveyor speed in m/s (0 to 2).
    #[jet(validate = "Line::check_speed")]
    pub speed: f64,
    /// Whether the line runs.
    #[jet(read_only)]
    pub running: bool,
    /// Parts produced since the service started.
    #[jet(read_only)]
    pub produced: u64,
    #[jet(node)]
    pub boiler: Boiler,
}

impl Default for Line {
    fn default() -> Self {
        Line {
            speed: 1.0,
            running: false,
            produced: 0,
            boiler: Boiler::default(),
        }
    }
}

impl Line {
    fn check_speed(speed: &f64) -> Result<(), String> {
        if (0.0..=MAX_SPEED).contains(speed) {
            Ok(())
        } else {
            Err(format!(
                "the conveyor runs at 0 to {MAX_SPEED} m/s, not {speed}"
            ))
        }
    }

    /// One tick of production: a running line makes parts in proportion to its speed.
    pub fn produce(&mut self) {
        if self.running {
            self.produced += (self.speed * 10.0).round() as u64;
        }
    }
}

/// Why a line does not start. `#[derive(JetError)]`: each variant is its own error object
/// (`data.kind` names it), and `LineClient::start` returns it as
/// `ClientError::Service(StartError::..)`.
#[derive(Debug, Clone, PartialEq, JetError)]
pub enum StartError {
    /// The line runs already.
    #[jet(code = 2001, message = "the line runs already")]
    AlreadyRunning,
    /// Its boiler is off: the line needs hot water.
    #[jet(code = 2002, message = "the boiler is off: set its mode first")]
    BoilerOff,
}

/// The codes of [`StartError`]'s variants, for callers that match on raw error objects.
pub const ALREADY_RUNNING: i64 = 2001;
pub const BOILER_OFF: i64 = 2002;

#[jet_runtime::methods]
impl Line {
    /// Start the conveyor; the boiler must be heating.
    pub fn start(&mut self) -> Result<(), StartError> {
        if self.running {
            return Err(StartError::AlreadyRunning);
        }
        if self.boiler.mode == Mode::Off {
            return Err(StartError::BoilerOff);
        }
        self.running = true;
        Ok(())
    }

    /// Stop the conveyor; returns whether it was running.
    pub fn stop(&mut self) -> bool {
        std::mem::replace(&mut self.running, false)
    }
}

/// What the plant raises on its `alarms` event stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub enum Alarm {
    /// `emergencyStop` was called.
    EmergencyStop {
        /// How many lines were running.
        lines_stopped: u32,
    },
}

/// The plant.
#[derive(Debug, Clone, Node)]
pub struct Plant {
    /// The plant's name.
    #[jet(read_only)]
    pub name: String,
    /// Alarms, as they are raised.
    #[jet(event)]
    pub alarms: Event<Alarm>,
    #[jet(node)]
    pub line1: Line,
    #[jet(node)]
    pub line2: Line,
}

impl Plant {
    /// A plant with two idle lines.
    pub fn new(name: &str) -> Self {
        Plant {
            name: name.into(),
            alarms: Event::new(),
            line1: Line::default(),
            line2: Line::default(),
        }
    }
}

/// What the plant reports in one answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Summary {
    /// Lines that run.
    pub running: u32,
    /// Parts produced by all lines.
    pub produced: u64,
}

#[jet_runtime::methods]
impl Plant {
    /// Stop every line and switch every boiler off, and raise an alarm; returns how many
    /// lines were running. Fails if the alarm could not be sent (the lines are stopped
    /// anyway).
    #[jet(rename = "emergencyStop")]
    pub async fn emergency_stop(&mut self) -> Result<u32, TypedError> {
        let mut stopped = 0;
        for line in [&mut self.line1, &mut self.line2] {
            stopped += u32::from(line.stop());
            line.boiler.mode = Mode::Off;
        }
        let alarm = Alarm::EmergencyStop {
            lines_stopped: stopped,
        };
        self.alarms.emit(alarm).await?;
        Ok(stopped)
    }

    /// How many lines run (recomputed and republished whenever the plant changes).
    #[jet(state, rename = "runningLines")]
    pub fn running_lines(&self) -> u32 {
        [&self.line1, &self.line2]
            .iter()
            .map(|l| u32::from(l.running))
            .sum()
    }

    /// The running lines and the parts made so far.
    pub fn summary(&self) -> Summary {
        let lines = [&self.line1, &self.line2];
        Summary {
            running: lines.iter().map(|l| u32::from(l.running)).sum(),
            produced: lines.iter().map(|l| l.produced).sum(),
        }
    }
}

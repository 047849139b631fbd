//! A typed service whose methods fail with a `#[derive(JetError)]` enum, for the typed
//! errors tests: Rust clients (`tests/typed/errors.rs`) and a node-jet peer
//! (`tests/interop/typed_errors.rs`) call it and check what they get.

use std::time::Duration;

use jet_runtime::prelude::*;
use serde::{Deserialize, Serialize};

/// Why the kettle refused. Every variant shape: unit, struct (with an `Option` field and
/// a nested type), one-field tuple, several-field tuple.
#[derive(Debug, Clone, PartialEq, JetError)]
#[jet(code = 1000)]
pub enum KettleError {
    /// There is no water in it.
    Empty,
    /// The water is already hotter than the limit.
    #[jet(code = 1001, message = "too hot: {temperature:.1} °C (limit {limit})")]
    TooHot {
        temperature: f64,
        limit: f64,
        note: Option<String>,
    },
    /// Another job is running.
    #[jet(rename = "busy", message = "busy with job {0}")]
    Busy(u32),
    /// Something blocks the lid.
    #[jet(code = 7)]
    Blocked(Lid, u8),
}

/// A nested field type: its schema goes into the error's `data` schema as a `$defs` entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Lid {
    pub open: bool,
}

/// An error type with a `Display` impl and no message templates: the messages are the
/// `Display` text.
#[derive(Debug, Clone, PartialEq, JetError)]
pub enum ScaleError {
    #[jet(code = 2001)]
    Overloaded { grams: u32 },
}

impl std::fmt::Display for ScaleError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ScaleError::Overloaded { grams } => write!(f, "{grams} g is too heavy"),
        }
    }
}

/// A result alias with another name than `Result`: `#[jet(result)]` says what it is.
pub type Fallible<T> = std::result::Result<T, KettleError>;

#[derive(Debug, Default, Node)]
pub struct Kettle {
    /// Water in the kettle, in millilitres.
    pub water: u32,
}

#[jet_runtime::methods]
impl Kettle {
    /// Boil the water, or fail the way `how` names (`empty`, `hot`, `hot-noted`, `busy`,
    /// `blocked`); returns the water boiled.
    pub fn boil(&mut self, how: String) -> Result<u32, KettleError> {
        match how.as_str() {
            "empty" => Err(KettleError::Empty),
            "hot" => Err(KettleError::TooHot {
                temperature: 99.46,
                limit: 90.0,
                note: None,
            }),
            "hot-noted" => Err(KettleError::TooHot {
                temperature: 95.0,
                limit: 90.0,
                note: Some("descale soon".into()),
            }),
            "busy" => Err(KettleError::Busy(42)),
            "blocked" => Err(KettleError::Blocked(Lid { open: true }, 3)),
            _ => Ok(std::mem::take(&mut self.water)),
        }
    }

    /// Pour water in; fails through a differently named result alias.
    #[jet(result)]
    pub fn fill(&mut self, millilitres: u32) -> Fallible<u32> {
        if millilitres == 0 {
            return Err(KettleError::Empty);
        }
        self.water += millilitres;
        Ok(self.water)
    }

    /// Weigh something; fails with a `Display`-message error.
    pub fn weigh(&self, grams: u32) -> Result<u32, ScaleError> {
        if grams > 5000 {
            Err(ScaleError::Overloaded { grams })
        } else {
            Ok(grams)
        }
    }

    /// Never answers in time: for the daemon's routed timeout.
    pub async fn wait(&self, millis: u64) -> Result<(), KettleError> {
        tokio::time::sleep(Duration::from_millis(millis)).await;
        Ok(())
    }
}

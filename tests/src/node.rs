//! Placeholder: node-jet runner.

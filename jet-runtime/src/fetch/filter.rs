//! Placeholder: filled in by the fetch work.

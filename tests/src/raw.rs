//! Placeholder: the raw client.

//! Users and password hashes. Placeholder: filled in by the auth work.

/// The users a daemon knows, loaded from the users file.
#[derive(Debug, Clone, Default)]
pub struct Users {}

//! The async Jet peer. Placeholder: filled in by the peer work (issue 3).

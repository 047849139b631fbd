//! The WebSocket framing `ws` reads and writes with: [`crate::wsframe`]. It lives at the
//! crate root rather than here so that the fuzz targets reach it through `jetd::fuzzing`
//! (this module is private to `server`).

pub(super) use crate::wsframe::*;

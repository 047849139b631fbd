//! The daemon side of fetching: what a daemon runs per fetcher (PROTOCOL.md A.6, B §6).
//!
//! Not user API: it is hidden from the docs, and jetd is what runs it. Peers only build
//! expressions ([`crate::fetch::builder`]); the engine lives in the same crate so that a
//! peer can apply rules a daemon ignores itself, with the very same semantics.
//!
//! * [`FetchExpr`]: parse and validate an expression received on the wire, and match paths
//!   and values against it (safe `valueField` accessors, never evaluated as code);
//!   [`PathHint`] says which elements can match at all, for the daemon's index.
//! * [`EventFilter`]: the per-fetcher add/change/remove conversion for value rules (B §6.5).
//! * [`Sorter`]: the differential sorted-window algorithm of Part B §6.8.
//!
//! How a daemon runs one fetcher: the path rule decides whether an element concerns the
//! fetch at all; with a value rule, [`EventFilter`] turns the element's event into what this
//! fetcher reports; a sorted fetch feeds that into its [`Sorter`].
//!
//! It must never do I/O, take locks or know about connections: it is plain data in, plain
//! data out, so the daemon can run it under its core lock and fuzzers can drive it alone.
//!
//! ```
//! use std::sync::Arc;
//! use jet_runtime::fetch::engine::{Event, EventFilter, FetchExpr, Sorter};
//! use serde_json::json;
//!
//! let expr = FetchExpr::parse(&json!({
//!     "id": "top", "path": {"startsWith": "temp/"},
//!     "sort": {"byValue": "number", "descending": true, "to": 2}
//! }))?;
//! let mut filter = EventFilter::new();
//! let mut sorter = Sorter::new(expr.sort().unwrap().clone());
//! // Initial scan, then the first notification.
//! for (path, value) in [("temp/a", json!(20)), ("temp/b", json!(25)), ("temp/c", json!("n/a"))] {
//!     let path: Arc<str> = Arc::from(path);
//!     if expr.matches(&path, Some(&value)) && filter.apply(Event::Add, &path, true).is_some() {
//!         sorter.initial(path, Some(&value), Some(value.clone()), false);
//!     }
//! }
//! let first = sorter.flush();
//! assert_eq!(first.n, 2);
//! assert_eq!(&*first.changes[0].path, "temp/b");
//! // A later change: temp/c now holds a number, so it enters the fetch at the top.
//! let (path, value): (Arc<str>, _) = (Arc::from("temp/c"), json!(30));
//! let event = filter.apply(Event::Change, &path, expr.matches_value(Some(&value)));
//! assert_eq!(event, Some(Event::Add));
//! let update = sorter.update(event.unwrap(), &path, Some(&value), Some(value.clone()), false);
//! let update = update.expect("the window changed");
//! let shown: Vec<_> = update.changes.iter().map(|c| (&*c.path, c.index)).collect();
//! assert_eq!(shown, [("temp/c", 1), ("temp/b", 2)]);
//! # Ok::<(), jet_runtime::fetch::engine::InvalidFetch>(())
//! ```

mod accessor;
mod expr;
mod filter;
mod path;
mod sorter;
mod value;

pub use accessor::{Accessor, Step};
pub use expr::{FetchExpr, InvalidFetch, PathHint};
pub use filter::{Event, EventFilter};
pub use sorter::{SortKey, SortSpec, SortedChange, SortedUpdate, Sorter};

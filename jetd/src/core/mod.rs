//! The core: elements, fetchers, routes, access control. Placeholder.

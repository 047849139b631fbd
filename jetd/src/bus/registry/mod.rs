//! The data the bus keeps: elements, fetchers and their index, the links between them,
//! pending routes, access rules, and the containers they are built from.

pub(super) mod access;
pub(super) mod elements;
pub(super) mod fetchers;
pub(super) mod idhash;
pub(super) mod ids;
pub(super) mod keylist;
pub(super) mod links;
pub(super) mod nodes;
pub(super) mod routes;
pub(super) mod slab;

//! The cases, shared by `node.rs` and `browser.rs`: each test binary's
//! root defines the global allocator `A` these cases inspect.

#[macro_use]
pub mod util;

mod align;
mod big;
mod collections;
mod foreign;
mod instances;
mod leak;

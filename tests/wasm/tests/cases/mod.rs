//! The cases, shared by `node.rs` and `browser.rs`. The global allocator
//! `A` they inspect and their helpers are this crate's library.

pub use wasm_tlsf_wasm_tests::util;

mod align;
mod big;
mod collections;
mod foreign;
mod instances;
mod leak;

//! What the test suites share, so that every suite draws the same
//! sequences and checks blocks the same way:
//!
//! - [`rng`]: the seeded PRNG (SplitMix64);
//! - [`pattern`]: the fill patterns' bytes (a xorshift64 stream, and a
//!   per-offset hash for blocks too large to fill from a buffer); with
//!   `std`, the tagged buffer the host tests fill and check blocks from;
//! - [`model`] and [`sim`] (feature `model`): the randomized model harness
//!   over the core `Tlsf` and a simulated wasm linear memory, for the host
//!   tests, Miri and the fuzz targets;
//! - [`stress`] (feature `stress`): the threads workload, for the node
//!   workers, the WASI threads command and the wasm-bindgen threads app;
//! - [`exports`] (feature `exports`): a minimal module's three exports
//!   (allocate / deallocate / reallocate), for the no-panic wasm app.
//!
//! Without features the crate is `no_std` (with `alloc`).
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

#[cfg(feature = "exports")]
pub mod exports;
#[cfg(feature = "model")]
pub mod model;
pub mod pattern;
pub mod rng;
#[cfg(feature = "model")]
pub mod sim;
#[cfg(feature = "stress")]
pub mod stress;

//! What the wasm-bindgen-test suites share: the global allocator under
//! test, `A` (`SmallGlobalTlsf`), and the helpers every case uses
//! ([`util`]). The test binaries of this crate (`tests/node.rs`,
//! `tests/browser.rs`) and of `tests/wasm-exhaust` link this library, so
//! `A` is their global allocator.
#![cfg(target_arch = "wasm32")]

/// The allocator under test: every test binary's global allocator.
#[global_allocator]
pub static A: wasm_tlsf::SmallGlobalTlsf = wasm_tlsf::SmallGlobalTlsf::new();

#[macro_use]
pub mod util;

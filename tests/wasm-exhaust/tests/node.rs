//! The capped-memory cases in node: `wasm-pack test --node tests/wasm-exhaust`.
#![cfg(target_arch = "wasm32")]

#[macro_use]
extern crate wasm_tlsf_wasm_tests;

/// The global allocator (tests/wasm's library).
use wasm_tlsf_wasm_tests::A;

mod cases;

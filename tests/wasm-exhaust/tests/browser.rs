//! The capped-memory cases in a browser:
//! `wasm-pack test --headless --chrome tests/wasm-exhaust`.
#![cfg(target_arch = "wasm32")]

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

#[macro_use]
extern crate wasm_tlsf_wasm_tests;

/// The global allocator (tests/wasm's library).
use wasm_tlsf_wasm_tests::A;

mod cases;

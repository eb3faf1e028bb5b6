//! The root crate's wasm tests in node: `wasm-pack test --node` at the
//! root. (The runner skips this binary under `--chrome`, and
//! `wasm_browser.rs` under `--node`.)
#![cfg(target_arch = "wasm32")]

#[global_allocator]
static A: wasm_tlsf::SmallGlobalTlsf = wasm_tlsf::SmallGlobalTlsf::new();

mod wasm_cases;

//! The cases in a browser: `wasm-pack test --headless --chrome tests/wasm`.
//! (The runner skips this binary under `--node`, and `node.rs` under
//! `--chrome`.)
#![cfg(target_arch = "wasm32")]

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

#[global_allocator]
static A: wasm_tlsf::SmallGlobalTlsf = wasm_tlsf::SmallGlobalTlsf::new();

mod cases;

//! The capped-memory cases in node: `wasm-pack test --node tests/wasm-exhaust`.
#![cfg(target_arch = "wasm32")]

#[global_allocator]
static A: wasm_tlsf::SmallGlobalTlsf = wasm_tlsf::SmallGlobalTlsf::new();

mod cases;

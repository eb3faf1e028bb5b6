//! What both WASI commands (`wasi-suite`, src/main.rs; `wasi-exhaust`,
//! src/bin/wasi-exhaust.rs) link: their global allocator `A`
//! (`SmallGlobalTlsf`) and the helpers in [`common`].

/// The allocator under test: both commands' global allocator.
#[global_allocator]
pub static A: wasm_tlsf::SmallGlobalTlsf = wasm_tlsf::SmallGlobalTlsf::new();

#[macro_use]
pub mod common;

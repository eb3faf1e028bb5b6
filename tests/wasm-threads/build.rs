//! Link arguments for the two threaded builds.
//!
//! - `wasm32-wasip1-threads`: emnapi's wasi-threads spawns a thread with
//!   wasi-libc's `malloc` and `free` (for the spawn's result word), so the
//!   WASI program exports them.
//! - `wasm32-unknown-unknown` with `+atomics`: rustc links a module that
//!   owns a memory of its own; the workers need one memory they all
//!   import, shared, and the symbols to give each worker its own stack and
//!   TLS block (what wasm-bindgen arranges for its users).
fn main() {
    let target = std::env::var("TARGET").unwrap_or_default();
    let features = std::env::var("CARGO_CFG_TARGET_FEATURE").unwrap_or_default();
    if target == "wasm32-wasip1-threads" {
        println!("cargo:rustc-link-arg-bins=--export=malloc");
        println!("cargo:rustc-link-arg-bins=--export=free");
    } else if target == "wasm32-unknown-unknown" && features.split(',').any(|f| f == "atomics") {
        for arg in [
            "--shared-memory",
            "--import-memory",
            "--max-memory=1073741824",
            "--export=__stack_pointer",
            "--export=__wasm_init_tls",
            "--export=__tls_size",
            "--export=__tls_align",
        ] {
            println!("cargo:rustc-cdylib-link-arg={arg}");
        }
    }
}

//! Link arguments for wasm-bindgen's threads transform: one shared memory
//! that the page and every worker import, and the symbols the transform
//! uses to give each worker its own stack and TLS block. `__heap_base` is
//! what wasm-bindgen before 0.2.127 needs (it reserves its own page there);
//! later versions ignore it. rustc stopped exporting it by itself in 2026.
fn main() {
    let features = std::env::var("CARGO_CFG_TARGET_FEATURE").unwrap_or_default();
    if features.split(',').any(|f| f == "atomics") {
        for arg in [
            "--shared-memory",
            "--import-memory",
            "--max-memory=1073741824",
            "--export=__heap_base",
            "--export=__wasm_init_tls",
            "--export=__tls_size",
            "--export=__tls_align",
            "--export=__tls_base",
        ] {
            println!("cargo:rustc-cdylib-link-arg={arg}");
        }
    }
}

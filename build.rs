//! Chooses two inlining decisions from the profile's opt-level (cargo
//! gives build scripts `OPT_LEVEL`).
//!
//! Built for size (`opt-level = "s"` or `"z"`), `map_floor` stays out of
//! line on wasm32 and LLVM keeps `unlink_free_block` out of line: each has
//! several callers, and a call is smaller than a copy of the body. Built for
//! speed (any other opt-level), both are inlined: the opt-level 3 benchmark
//! module's code grows from 3,059 to 3,100 bytes, and allocate / free /
//! realloc (median) take 183 / 109 / 148 instructions instead of
//! 190 / 114 / 154 (`cargo xtask bench`, random actions). The size build
//! is byte-identical either way.

fn main() {
    println!("cargo:rustc-check-cfg=cfg(wasm_tlsf_small)");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=OPT_LEVEL");
    let opt = std::env::var("OPT_LEVEL").unwrap_or_default();
    if opt == "s" || opt == "z" {
        println!("cargo:rustc-cfg=wasm_tlsf_small");
    }
}

//! Chooses between code paths by the profile's opt-level (cargo gives
//! build scripts `OPT_LEVEL`), setting `cfg(wasm_tlsf_small)` for size.
//!
//! Built for size (`opt-level = "s"` or `"z"`, as the code-size table is):
//! `map_floor` stays out of line on wasm32 and LLVM keeps
//! `unlink_free_block` out of line (each has several callers, and a call is
//! smaller than a copy of the body), and an allocation that splits a block
//! goes through the general `use_block`.
//!
//! Built for speed (any other opt-level): both are inlined, and a split
//! whose rest stays in the block's class keeps it at the head of the
//! block's list instead of unlinking one block and pushing the other
//! (`Tlsf::split_off_head`). The lists end up the same either way, so both
//! builds place every block identically (the benchmark's pages and
//! failures agree, measured). Measured with `cargo xtask bench` on the
//! opt-level 3 benchmark module: the inlining makes its code 3,100 bytes
//! instead of 3,059 and allocate / free / realloc (median) on random
//! actions 183 / 109 / 148 instructions instead of 190 / 114 / 154; the
//! split makes it 3,573 bytes and allocate 180 on random actions, 208
//! instead of 268 on the serde_json trace. The size build is the same size
//! either way.

fn main() {
    println!("cargo:rustc-check-cfg=cfg(wasm_tlsf_small)");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=OPT_LEVEL");
    let opt = std::env::var("OPT_LEVEL").unwrap_or_default();
    if opt == "s" || opt == "z" {
        println!("cargo:rustc-cfg=wasm_tlsf_small");
    }
}

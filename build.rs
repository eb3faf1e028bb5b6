//! Chooses between code paths by the profile's opt-level (cargo gives
//! build scripts `OPT_LEVEL`), setting `cfg(wasm_tlsf_small)` for size.
//!
//! Built for size (`opt-level = "s"` or `"z"`, as the code-size table is),
//! every operation goes through a few shared helpers, which stay out of
//! line (`map_floor` on wasm32 by attribute, `unlink_free_block` by LLVM's
//! choice): a call is smaller than a copy of the body.
//!
//! Built for speed (any other opt-level), the hot paths are spelled out:
//! - `map_floor` and `unlink_free_block` are inlined;
//! - requests aligned to at most the granularity take
//!   `Tlsf::allocate_granular`, which skips the alignment arithmetic and
//!   the flag re-reads of the general path, and splits in place when the
//!   rest stays in the block's class (`Tlsf::split_off_head`);
//! - `free_block` reads the next header once and skips writes whose value
//!   is already there.
//!
//! Both builds choose the same blocks and leave the same lists behind, so
//! they place every block identically (the benchmark's pages and its
//! failures under the cap agree between an opt-level "z" and an opt-level
//! 3 module). The speed build takes fewer instructions per operation in
//! more code; `cargo xtask bench` and `cargo xtask size` measure both.

fn main() {
    println!("cargo:rustc-check-cfg=cfg(wasm_tlsf_small)");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=OPT_LEVEL");
    let opt = std::env::var("OPT_LEVEL").unwrap_or_default();
    if opt == "s" || opt == "z" {
        println!("cargo:rustc-cfg=wasm_tlsf_small");
    }
}

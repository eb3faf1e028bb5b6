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
//! 3 module, measured). On random actions (`cargo xtask bench`) the
//! opt-level 3 benchmark module takes 149 / 98 / 139 instructions per
//! allocate / free / realloc (median) in 3,804 bytes of code; at the same
//! opt-level with the size build's paths (`--cfg wasm_tlsf_small`), 187 /
//! 110 / 145 in 2,911 bytes. Built for size (opt-level "z") it takes 199
//! / 122 / 165, in 1,505 bytes.
//!
//! It also decides, in this one place, whether the allocator can be called
//! by more than one thread at once, setting `cfg(wasm_tlsf_threads)` (which
//! puts the lock of `src/lock.rs` around the heap): on every non-wasm
//! target, and on wasm when memory can be shared. Stable rustc does not
//! expose the unstable `target_feature = "atomics"` to `cfg` (on
//! `wasm32-wasip1-threads` its `cfg`s are those of `wasm32-wasip1`), so
//! the build script looks for it: a target whose name ends in `-threads`,
//! `atomics` among cargo's target features (nightly reports it), or
//! `+atomics` in the encoded rustflags.

use std::env::var;

fn main() {
    println!("cargo:rustc-check-cfg=cfg(wasm_tlsf_small)");
    println!("cargo:rustc-check-cfg=cfg(wasm_tlsf_threads)");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=OPT_LEVEL");
    let opt = var("OPT_LEVEL").unwrap_or_default();
    if opt == "s" || opt == "z" {
        println!("cargo:rustc-cfg=wasm_tlsf_small");
    }
    if threads() {
        println!("cargo:rustc-cfg=wasm_tlsf_threads");
    }
}

/// Whether the target can run the allocator on several threads at once.
fn threads() -> bool {
    let arch = var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    if !arch.starts_with("wasm") {
        return true;
    }
    let features = var("CARGO_CFG_TARGET_FEATURE").unwrap_or_default();
    let flags = var("CARGO_ENCODED_RUSTFLAGS").unwrap_or_default();
    var("TARGET").unwrap_or_default().ends_with("-threads")
        || features.split(',').any(|f| f == "atomics")
        || atomics_in_rustflags(&flags)
}

/// Whether `-C target-feature=...` in the rustflags (cargo's encoding:
/// separated by 0x1f) turns `atomics` on, the last mention winning.
fn atomics_in_rustflags(encoded: &str) -> bool {
    let mut on = false;
    let mut flags = encoded.split('\x1f');
    while let Some(flag) = flags.next() {
        let value = match flag {
            "-C" | "--codegen" => flags.next().unwrap_or_default(),
            f => f.strip_prefix("-C").unwrap_or(f),
        };
        if let Some(list) = value.strip_prefix("target-feature=") {
            for feature in list.split(',') {
                match feature {
                    "+atomics" => on = true,
                    "-atomics" => on = false,
                    _ => {}
                }
            }
        }
    }
    on
}

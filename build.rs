//! The build script. Options are chosen by type, never by profile; the one
//! thing it decides is whether the allocator can be called by more than
//! one thread at once, setting `cfg(wasm_tlsf_threads)` (which puts the
//! lock of `src/lock.rs` around the heap): on every non-wasm target, and
//! on wasm when memory can be shared. Stable rustc does not expose the
//! unstable `target_feature = "atomics"` to `cfg` (on
//! `wasm32-wasip1-threads` its `cfg`s are those of `wasm32-wasip1`), so
//! this script looks for it: a target whose name ends in `-threads`,
//! `atomics` among cargo's target features (nightly reports it), or
//! `+atomics` (or `target-cpu=bleeding-edge`) in the encoded rustflags.

use std::env::var;

fn main() {
    println!("cargo:rustc-check-cfg=cfg(wasm_tlsf_threads)");
    println!("cargo:rerun-if-changed=build.rs");
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

/// Whether `-C target-feature=...` (or `-C target-cpu=bleeding-edge`) in
/// the rustflags (cargo's encoding: separated by 0x1f) turns `atomics` on,
/// the last mention winning.
fn atomics_in_rustflags(encoded: &str) -> bool {
    let mut on = false;
    let mut flags = encoded.split('\x1f');
    while let Some(flag) = flags.next() {
        let value = match flag {
            "-C" | "--codegen" => flags.next().unwrap_or_default(),
            f => f.strip_prefix("-C").unwrap_or(f),
        };
        // LLVM's `bleeding-edge` wasm CPU includes `atomics`.
        if value == "target-cpu=bleeding-edge" {
            on = true;
        }
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

//! The build script. Options are chosen by type, never by profile; the one
//! thing it decides is whether the allocator can be called by more than
//! one thread at once, setting `cfg(wasm_tlsf_threads)` (which puts the
//! lock of `src/lock.rs` around the heap): on every non-wasm target, and
//! on wasm when memory can be shared. Stable rustc does not expose the
//! unstable `target_feature = "atomics"` to `cfg` (on
//! `wasm32-wasip1-threads` its `cfg`s are those of `wasm32-wasip1`), so
//! this script looks for it: a target whose name ends in `-threads`,
//! `atomics` among cargo's target features (nightly reports it), or the
//! rustflags turning it on, however rustc allows them to be spelled
//! (`-C target-feature=+atomics`, `-Ctarget_feature=+atomics`,
//! `--codegen=target-cpu=bleeding-edge`, ...; see `atomics_in_rustflags`,
//! tested by `tests/build_flags.rs`).

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
        || atomics_in_rustflags(flags.split('\x1f'))
}

/// Whether the codegen options among rustc's command-line words `flags`
/// (in order) leave the `atomics` target feature on, read the way rustc
/// reads them:
/// - a codegen option is `-C OPT`, `-COPT`, `--codegen OPT` or
///   `--codegen=OPT`, and `-` and `_` are the same in its name
///   (`target-feature`, `target_feature`);
/// - `target-feature` lists add up, in order: the last `+atomics` or
///   `-atomics` wins (a name without a sign is ignored, as rustc does);
/// - `target-cpu` takes its last value; LLVM's `bleeding-edge` wasm CPU
///   includes `atomics`; the feature lists apply on top of the CPU,
///   whichever comes first.
///
/// (A word that is the value of another option, as in `-L -Cx`, is read
/// as an option here: no one spells a path that way.)
pub(crate) fn atomics_in_rustflags<'a>(flags: impl IntoIterator<Item = &'a str>) -> bool {
    let mut cpu_has_atomics = false;
    let mut feature = None;
    let mut words = flags.into_iter();
    while let Some(word) = words.next() {
        let option = match word {
            "-C" | "--codegen" => match words.next() {
                Some(option) => option,
                None => break,
            },
            w => match w.strip_prefix("--codegen=").or(w.strip_prefix("-C")) {
                Some(option) => option,
                None => continue,
            },
        };
        let Some((name, value)) = option.split_once('=') else {
            continue;
        };
        match name.replace('-', "_").as_str() {
            "target_cpu" => cpu_has_atomics = value == "bleeding-edge",
            "target_feature" => {
                for f in value.split(',') {
                    match f {
                        "+atomics" => feature = Some(true),
                        "-atomics" => feature = Some(false),
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    feature.unwrap_or(cpu_has_atomics)
}

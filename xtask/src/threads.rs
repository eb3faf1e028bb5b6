//! The threads stress test (`tests/wasm-threads/`): `SmallGlobalTlsf` as
//! the global allocator of four threads on one shared memory, 100,000
//! mixed operations each, heap checker at the end.
//!
//! - `wasm32-wasip1-threads` on stable, run by node with `@tybys/wasm-util`'s
//!   WASI and `@emnapi/wasi-threads`, at opt-level 3 and "z" (LLVM inlines
//!   the lock differently);
//! - `wasm32-unknown-unknown` `+atomics` on nightly with `-Zbuild-std` (as
//!   wasm-bindgen-rayon builds): node `worker_threads`, then headless
//!   Chromium's Web Workers in a cross-origin isolated page; then
//!   `stale-view.wat`: the V8 behaviour `lock::reach` guards against, and
//!   that its cure works. The rebuilt std stays in its own target directory,
//!   so only a cold one pays for it;
//! - `tests/wasm-bindgen-threads`: wasm-bindgen's threads transform and a
//!   `wasm-bindgen-rayon` pool of four Web Workers in headless Chromium,
//!   with the pinned wasm-bindgen and with 0.2.126 (the last that keeps its
//!   page at `__heap_base`; `bindgen-0.2.126/` has its own lockfile and
//!   builds in release).
//!
//! Each run has a time limit: a lost lock hangs rather than failing.

use anyhow::Result;
use std::process::Command;

use crate::setup::{need, Tool};
use crate::util::{cargo_in, cargo_nightly, manifest, root, run, timeout};

const DIR: &str = "tests/wasm-threads";
/// The wasm workspace's profile for the threads tests (tests/Cargo.toml).
const PROFILE: &str = "threads";
/// Where the `+atomics` builds go: the rebuilt std is shared by all.
const ATOMICS: &str = "target/wasm-threads-atomics";
const ATOMICS_FLAGS: &str = "-C target-feature=+atomics,+bulk-memory,+mutable-globals";

/// `node SCRIPT FILE` in `dir`, under a time limit (about 2 s when it passes).
fn node(dir: &str, script: &str, file: impl AsRef<std::ffi::OsStr>) -> Result<()> {
    run(timeout(180, "node")
        .arg(script)
        .arg(file)
        .current_dir(root().join(dir)))
}

pub fn wasi() -> Result<()> {
    need(&[Tool::OtherTargets, Tool::ThreadsNpm, Tool::Debian])?;
    for opt in ["3", "z"] {
        let dir = format!("target/wasm-threads-wasi-o{opt}");
        run(cargo_in(
            DIR,
            "build --profile threads --bin stress --target wasm32-wasip1-threads",
        )
        .args(["--target-dir", &dir])
        .env("CARGO_PROFILE_THREADS_OPT_LEVEL", opt))?;
        let wasm = format!("{dir}/wasm32-wasip1-threads/{PROFILE}/stress.wasm");
        node(DIR, "run-wasi.mjs", root().join(wasm))?;
    }
    Ok(())
}

/// `crate_dir`'s library for `wasm32-unknown-unknown` with `+atomics` and a
/// rebuilt std, on nightly; returns the module.
fn build_atomics(crate_dir: &str, profile: &str, lib: &str) -> Result<std::path::PathBuf> {
    let build = format!(
        "build --profile {profile} --lib -Zbuild-std=std,panic_abort --target-dir {ATOMICS}"
    );
    run(cargo_nightly()
        .args(build.split(' '))
        .args(["--target", "wasm32-unknown-unknown"])
        .args(manifest(crate_dir))
        .env("RUSTFLAGS", ATOMICS_FLAGS))?;
    Ok(root()
        .join(ATOMICS)
        .join(format!("wasm32-unknown-unknown/{profile}/{lib}.wasm")))
}

pub fn atomics() -> Result<()> {
    need(&[
        Tool::Nightly,
        Tool::ThreadsNpm,
        Tool::Debian,
        Tool::Playwright,
    ])?;
    let module = build_atomics(DIR, PROFILE, "wasm_tlsf_threads")?;
    node(DIR, "run-workers.mjs", &module)?;
    node(DIR, "run-browser.mjs", &module)?;
    let stale = root().join(ATOMICS).join("stale-view.wasm");
    run(Command::new("wasm-as")
        .args(["--enable-threads", "--enable-bulk-memory"])
        .arg(root().join(DIR).join("stale-view.wat"))
        .arg("-o")
        .arg(&stale))?;
    node(DIR, "stale-view.mjs", &stale)
}

/// Built with `+atomics`, passed through `wasm-bindgen --target web` (the
/// transform that gives each worker its stack and TLS from the global
/// allocator), run in headless Chromium.
pub fn bindgen() -> Result<()> {
    need(&[
        Tool::Nightly,
        Tool::WasmBindgen,
        Tool::OldBindgen,
        Tool::Debian,
        Tool::Playwright,
    ])?;
    const APP: &str = "tests/wasm-bindgen-threads";
    let old = crate::setup::old_bindgen().join("bin/wasm-bindgen");
    let old_dir = format!("{APP}/bindgen-{}", crate::setup::OLD_BINDGEN);
    for (dir, profile, lib, cli) in [
        (
            APP,
            PROFILE,
            "wasm_tlsf_bindgen_threads",
            "wasm-bindgen".into(),
        ),
        (&old_dir, "release", "wasm_tlsf_bindgen_threads_old", old),
    ] {
        let module = build_atomics(dir, profile, lib)?;
        let pkg = root().join(ATOMICS).join(format!("{lib}-pkg"));
        run(Command::new(cli)
            .args(["--target", "web", "--out-dir"])
            .arg(&pkg)
            .arg(module))?;
        node(APP, "run.mjs", &pkg)?;
    }
    Ok(())
}

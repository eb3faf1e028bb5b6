//! The threads stress test (`tests/wasm-threads/`): `SmallGlobalTlsf` as
//! the global allocator of four threads on one shared memory, 100,000
//! mixed operations each, heap checker at the end.
//!
//! - `wasm32-wasip1-threads` on stable: `std::thread`s, run by node with
//!   `@tybys/wasm-util`'s WASI and `@emnapi/wasi-threads` (npm, from the
//!   lockfile), at opt-level 3 and "z" (LLVM inlines the lock differently);
//! - `wasm32-unknown-unknown` with `+atomics,+bulk-memory,+mutable-globals`
//!   on nightly with `-Zbuild-std=std,panic_abort` (as wasm-bindgen-rayon
//!   builds): node `worker_threads` over one shared `WebAssembly.Memory`,
//!   then the same module in headless Chromium (Debian's, through
//!   playwright-core): Web Workers in a cross-origin isolated page.
//!   The rebuilt std stays in `target/wasm-threads-atomics`, so only a
//!   cold target directory pays for it. Then `stale-view.wat`: the V8
//!   behaviour that `lock::reach` guards against, and that its cure works.
//!
//! - `tests/wasm-bindgen-threads`: the same workload the way browser apps
//!   run threads: wasm-bindgen's threads transform (`--target web`; the
//!   pinned wasm-bindgen-cli, then 0.2.126, which keeps its page at
//!   `__heap_base`), four Web Workers started by `wasm-bindgen-rayon`, in
//!   headless Chromium (`bindgen`).
//!
//! Each run has a time limit: a lost lock hangs rather than failing.
//!
//! The crates are members of the wasm workspace (`tests/Cargo.toml`) and
//! build with its profile `threads` (opt-level 3, no LTO), except
//! `bindgen-0.2.126/`, which has its own lockfile and builds in release.

use anyhow::Result;
use std::process::Command;

use crate::setup::Tool;
use crate::util::{cargo, cargo_nightly, root, run};

const DIR: &str = "tests/wasm-threads";
/// Seconds a run may take (about 2 s when it passes).
const LIMIT: &str = "180";

/// `node SCRIPT WASM` in the test's directory, under `timeout`.
fn node(script: &str, wasm: &str) -> Command {
    let mut c = Command::new("timeout");
    c.args(["--kill-after=10", LIMIT, "node", script])
        .arg(root().join(wasm))
        .current_dir(root().join(DIR));
    c
}

pub fn wasi() -> Result<()> {
    crate::setup::need(&[Tool::OtherTargets, Tool::ThreadsNpm, Tool::Debian])?;
    for opt in ["3", "z"] {
        let target_dir = format!("target/wasm-threads-wasi-o{opt}");
        run(cargo()
            .args(["build", "--profile", PROFILE, "--bin", "stress"])
            .args([
                "--target",
                "wasm32-wasip1-threads",
                "--target-dir",
                &target_dir,
            ])
            .arg("--manifest-path")
            .arg(root().join(DIR).join("Cargo.toml"))
            .env("CARGO_PROFILE_THREADS_OPT_LEVEL", opt))?;
        run(&mut node(
            "run-wasi.mjs",
            &format!("{target_dir}/wasm32-wasip1-threads/{PROFILE}/stress.wasm"),
        ))?;
    }
    Ok(())
}

/// The wasm workspace's profile for the threads tests (tests/Cargo.toml).
const PROFILE: &str = "threads";

/// Where the `+atomics` builds go: the rebuilt std is shared by both.
const ATOMICS_TARGET_DIR: &str = "target/wasm-threads-atomics";

/// `cargo +nightly build --profile PROFILE` of `crate_dir`'s library for
/// `wasm32-unknown-unknown` with `+atomics` and a rebuilt std.
fn build_atomics(crate_dir: &str, profile: &str) -> Result<()> {
    run(cargo_nightly()
        .args(["build", "--profile", profile, "--lib"])
        .arg("-Zbuild-std=std,panic_abort")
        .args([
            "--target",
            "wasm32-unknown-unknown",
            "--target-dir",
            ATOMICS_TARGET_DIR,
        ])
        .arg("--manifest-path")
        .arg(root().join(crate_dir).join("Cargo.toml"))
        .env(
            "RUSTFLAGS",
            "-C target-feature=+atomics,+bulk-memory,+mutable-globals",
        ))
}

pub fn atomics() -> Result<()> {
    crate::setup::need(&[
        Tool::Nightly,
        Tool::ThreadsNpm,
        Tool::Debian,
        Tool::Playwright,
    ])?;
    let target_dir = ATOMICS_TARGET_DIR;
    build_atomics(DIR, PROFILE)?;
    let module = format!("{target_dir}/wasm32-unknown-unknown/{PROFILE}/wasm_tlsf_threads.wasm");
    run(&mut node("run-workers.mjs", &module))?;
    // The same module in headless Chromium: Web Workers in a cross-origin
    // isolated page.
    run(&mut node("run-browser.mjs", &module))?;
    // The engine hazard `reach` (src/lock.rs) guards against, and its cure.
    let stale = format!("{target_dir}/stale-view.wasm");
    run(Command::new("wasm-as")
        .args(["--enable-threads", "--enable-bulk-memory"])
        .arg(root().join(DIR).join("stale-view.wat"))
        .arg("-o")
        .arg(root().join(&stale)))?;
    run(&mut node("stale-view.mjs", &stale))
}

/// The wasm-bindgen threads app: built with `+atomics`, passed through
/// `wasm-bindgen --target web` (the transform that gives each worker its
/// stack and TLS from the global allocator), run in headless Chromium with
/// a `wasm-bindgen-rayon` pool of four Web Workers; with the pinned
/// wasm-bindgen, then with the last one that keeps its own page at
/// `__heap_base` (`bindgen-0.2.126/`, the same source).
pub fn bindgen() -> Result<()> {
    crate::setup::need(&[
        Tool::Nightly,
        Tool::WasmBindgen,
        Tool::OldBindgen,
        Tool::Debian,
        Tool::Playwright,
    ])?;
    const APP: &str = "tests/wasm-bindgen-threads";
    let old = crate::setup::old_bindgen().join("bin/wasm-bindgen");
    for (dir, profile, lib, cli) in [
        (
            APP.to_string(),
            PROFILE,
            "wasm_tlsf_bindgen_threads",
            "wasm-bindgen".into(),
        ),
        (
            format!("{APP}/bindgen-{}", crate::setup::OLD_BINDGEN),
            "release",
            "wasm_tlsf_bindgen_threads_old",
            old,
        ),
    ] {
        build_atomics(&dir, profile)?;
        let module = root()
            .join(ATOMICS_TARGET_DIR)
            .join(format!("wasm32-unknown-unknown/{profile}/{lib}.wasm"));
        let pkg = root().join(ATOMICS_TARGET_DIR).join(format!("{lib}-pkg"));
        run(Command::new(cli)
            .args(["--target", "web", "--out-dir"])
            .arg(&pkg)
            .arg(module))?;
        let mut c = Command::new("timeout");
        c.args(["--kill-after=10", LIMIT, "node", "run.mjs"])
            .arg(&pkg)
            .current_dir(root().join(APP));
        run(&mut c)?;
    }
    Ok(())
}

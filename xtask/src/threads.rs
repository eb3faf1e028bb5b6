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
//! Each run has a time limit: a lost lock hangs rather than failing.

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
            .args(["build", "--release", "--bin", "stress"])
            .args([
                "--target",
                "wasm32-wasip1-threads",
                "--target-dir",
                &target_dir,
            ])
            .arg("--manifest-path")
            .arg(root().join(DIR).join("Cargo.toml"))
            .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", opt))?;
        run(&mut node(
            "run-wasi.mjs",
            &format!("{target_dir}/wasm32-wasip1-threads/release/stress.wasm"),
        ))?;
    }
    Ok(())
}

pub fn atomics() -> Result<()> {
    crate::setup::need(&[
        Tool::Nightly,
        Tool::ThreadsNpm,
        Tool::Debian,
        Tool::Playwright,
    ])?;
    let target_dir = "target/wasm-threads-atomics";
    run(cargo_nightly()
        .args(["build", "--release", "--lib", "-Zbuild-std=std,panic_abort"])
        .args([
            "--target",
            "wasm32-unknown-unknown",
            "--target-dir",
            target_dir,
        ])
        .arg("--manifest-path")
        .arg(root().join(DIR).join("Cargo.toml"))
        .env(
            "RUSTFLAGS",
            "-C target-feature=+atomics,+bulk-memory,+mutable-globals",
        ))?;
    let module = format!("{target_dir}/wasm32-unknown-unknown/release/wasm_tlsf_threads.wasm");
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

//! The WASI suite: `tests/wasi`'s two commands (`SmallGlobalTlsf` next to
//! wasi-libc's own malloc; one linked with a 16 MiB memory cap) on
//! `wasm32-wasip1`, run by `tests/wasi/run.mjs` under `node:wasi`, and on
//! `wasm32-wasip2` (components), run by `tests/wasi/p2-runner` in
//! wasmtime's WASI preview 2 host (node has none), the same cases the
//! same way.

use std::process::Command;

use anyhow::Result;

use crate::util::{cargo_in, root, run};

/// The commands built for `target`, in order.
fn commands(target: &str) -> [std::path::PathBuf; 2] {
    let dir = root().join("target").join(target).join("debug");
    ["wasi-suite.wasm", "wasi-exhaust.wasm"].map(|c| dir.join(c))
}

/// Builds `tests/wasi/p2-runner` (wasmtime, from the crates registry: a
/// few minutes the first time); returns the binary.
pub fn runner() -> Result<std::path::PathBuf> {
    eprintln!("building the wasmtime runner (tests/wasi/p2-runner)");
    run(&mut cargo_in(
        "tests/wasi/p2-runner",
        "build --locked --release --target-dir target",
    ))?;
    Ok(root().join("target/release/wasi-p2-runner"))
}

pub fn wasi_suite() -> Result<()> {
    crate::setup::need(&[crate::setup::Tool::OtherTargets, crate::setup::Tool::Debian])?;
    for target in ["wasm32-wasip1", "wasm32-wasip2"] {
        run(
            cargo_in("tests/wasi", "build --locked --target-dir target").args(["--target", target])
        )?;
    }
    let node = root().join("tests/wasi/run.mjs");
    run(Command::new("node")
        .arg(node)
        .args(commands("wasm32-wasip1")))?;
    run(Command::new(runner()?).args(commands("wasm32-wasip2")))
}

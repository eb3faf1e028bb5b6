//! The WASI suite: `tests/wasi`'s two commands (their global allocator is
//! `SmallGlobalTlsf`, next to wasi-libc's own malloc; one linked with a
//! 16 MiB memory cap), on both WASI targets:
//!
//! - `wasm32-wasip1`, run by `tests/wasi/run.mjs` under node's built-in
//!   `node:wasi` (node is Debian's `nodejs`, from `cargo xtask setup`);
//! - `wasm32-wasip2` (components), run by `tests/wasi/p2-runner` in
//!   wasmtime's WASI preview 2 host (node has none), the same cases the
//!   same way. The runner is built once into `target/` (wasmtime from the
//!   crates registry; a few minutes the first time).

use std::process::Command;

use anyhow::Result;

use crate::setup::Tool;
use crate::util::{cargo, root, run};

pub fn wasi_suite() -> Result<()> {
    crate::setup::need(&[Tool::OtherTargets, Tool::Debian])?;
    for target in ["wasm32-wasip1", "wasm32-wasip2"] {
        run(cargo()
            .args(["build", "--locked", "--target", target])
            .args(["--target-dir", "target", "--manifest-path"])
            .arg(root().join("tests/wasi/Cargo.toml")))?;
    }
    let dir = root().join("target/wasm32-wasip1/debug");
    run(Command::new("node")
        .arg(root().join("tests/wasi/run.mjs"))
        .arg(dir.join("wasi-suite.wasm"))
        .arg(dir.join("wasi-exhaust.wasm")))?;
    eprintln!("wasi: building the wasip2 runner (tests/wasi/p2-runner, wasmtime)");
    run(cargo()
        .args(["build", "--locked", "--release", "--target-dir", "target"])
        .arg("--manifest-path")
        .arg(root().join("tests/wasi/p2-runner/Cargo.toml")))?;
    let dir = root().join("target/wasm32-wasip2/debug");
    run(Command::new(root().join("target/release/wasi-p2-runner"))
        .arg(dir.join("wasi-suite.wasm"))
        .arg(dir.join("wasi-exhaust.wasm")))
}

//! The WASI suite: `tests/wasi` built for `wasm32-wasip1` (two commands
//! whose global allocator is `SmallGlobalTlsf`, next to wasi-libc's own
//! malloc; one linked with a 16 MiB memory cap) and run by
//! `tests/wasi/run.mjs` under node's built-in `node:wasi`. The runtime
//! needs no install of its own: node is Debian's `nodejs` and the target
//! is a rustup target, both from `cargo xtask setup`.

use std::process::Command;

use anyhow::Result;

use crate::util::{cargo, root, run};

pub fn wasi_suite() -> Result<()> {
    run(cargo()
        .args([
            "build",
            "--locked",
            "--target",
            "wasm32-wasip1",
            "--target-dir",
            "target",
            "--manifest-path",
        ])
        .arg(root().join("tests/wasi/Cargo.toml")))?;
    let dir = root().join("target/wasm32-wasip1/debug");
    run(Command::new("node")
        .arg(root().join("tests/wasi/run.mjs"))
        .arg(dir.join("wasi-suite.wasm"))
        .arg(dir.join("wasi-exhaust.wasm")))
}

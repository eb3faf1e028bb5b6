//! The Emscripten step: `tests/wasi`'s two commands built for
//! `wasm32-unknown-emscripten` (Debian's `emscripten` links them; memory
//! growth on, `wasi-exhaust` capped at 16 MiB; `tests/wasi/build.rs`) and
//! run in node, with `SmallGlobalTlsf` as their global allocator next to
//! Emscripten's own `malloc`. `tests/wasi/emscripten-pre.js` gives them
//! the environment and arguments run.mjs gives the WASI builds, so every
//! case runs: each in a fresh instance, then all in one.

use std::path::Path;
use std::process::Command;

use anyhow::Result;

use crate::util::{cargo, output, root, run};

/// Where Debian's `node-acorn` puts the module emcc's JS optimizer needs.
pub const NODE_PATH: &str = "/usr/share/nodejs";

/// `node` on an Emscripten command's JS, under a time limit. Emscripten
/// 3.1.6's loader prefers `fetch` whenever it exists, which node 20's does
/// (and for a file path it fails): off.
fn node(js: &Path) -> Command {
    let mut c = Command::new("timeout");
    c.args(["--kill-after=10", "300", "node", "--no-experimental-fetch"])
        .arg(js);
    c
}

pub fn emscripten() -> Result<()> {
    crate::setup::need(&[
        crate::setup::Tool::OtherTargets,
        crate::setup::Tool::Emscripten,
    ])?;
    let target_dir = "target/emscripten";
    run(cargo()
        .args(["build", "--locked", "--target", "wasm32-unknown-emscripten"])
        .args(["--target-dir", target_dir, "--manifest-path"])
        .arg(root().join("tests/wasi/Cargo.toml"))
        .env("NODE_PATH", NODE_PATH))?;
    let dir = root()
        .join(target_dir)
        .join("wasm32-unknown-emscripten/debug");
    for command in ["wasi-suite", "wasi-exhaust"] {
        let js = dir.join(format!("{command}.js"));
        let list = output(node(&js).arg("--list"))?;
        let cases: Vec<&str> = list.lines().filter(|l| !l.is_empty()).collect();
        anyhow::ensure!(!cases.is_empty(), "{command}: no cases listed");
        for case in &cases {
            run(node(&js).arg(case))?;
        }
        run(node(&js).args(&cases))?;
    }
    Ok(())
}

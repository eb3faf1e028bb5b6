//! The Emscripten step: `tests/wasi`'s two commands built for
//! `wasm32-unknown-emscripten` (Debian's `emscripten` links them; memory
//! growth on, `wasi-exhaust` capped at 16 MiB; `tests/wasi/build.rs`) and
//! run in node, with `SmallGlobalTlsf` next to Emscripten's own `malloc`.
//! `tests/wasi/emscripten-pre.js` gives them the environment and arguments
//! run.mjs gives the WASI builds, so every case runs: each in a fresh
//! instance, then all in one.

use anyhow::Result;

use crate::setup::Tool;
use crate::util::{cargo_in, output, root, run, timeout};

/// Where Debian's `node-acorn` puts the module emcc's JS optimizer needs.
const NODE_PATH: &str = "/usr/share/nodejs";

pub fn emscripten() -> Result<()> {
    crate::setup::need(&[Tool::OtherTargets, Tool::Emscripten])?;
    let target = "wasm32-unknown-emscripten";
    run(cargo_in(
        "tests/wasi",
        "build --locked --target-dir target/emscripten",
    )
    .args(["--target", target])
    .env("NODE_PATH", NODE_PATH))?;
    for command in ["wasi-suite", "wasi-exhaust"] {
        let js = root().join(format!("target/emscripten/{target}/debug/{command}.js"));
        // Emscripten 3.1.6's loader prefers `fetch` whenever it exists,
        // which node 20's does (and for a file path it fails): off.
        let node = || {
            let mut c = timeout(300, "node");
            c.arg("--no-experimental-fetch").arg(&js);
            c
        };
        let list = output(node().arg("--list"))?;
        let cases: Vec<&str> = list.lines().filter(|l| !l.is_empty()).collect();
        anyhow::ensure!(!cases.is_empty(), "{command}: no cases listed");
        for case in &cases {
            run(node().arg(case))?;
        }
        run(node().args(&cases))?;
    }
    Ok(())
}

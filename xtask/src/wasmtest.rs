//! The wasm-bindgen-test suites: `tests/wasm` (SmallGlobalTlsf as the
//! test module's global allocator) in headless Chrome and in node,
//! `tests/wasm-exhaust` (memory capped at 32 MiB), and, in node only,
//! `tests/wasm-top` (memory grown to 4 GiB: a pool ending at 2^32; V8 in
//! node commits pages lazily, so this takes little RAM).
//!
//! wasm-pack runs with `--mode no-install`: it must find wasm-bindgen-cli
//! (at tests/Cargo.lock's version) and chromedriver installed (by `cargo
//! xtask setup`) and never download a tool. All runs share one target
//! directory.

use std::process::Command;

use anyhow::Result;

use crate::setup::{need, Tool};
use crate::util::{root, run};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROME: &[&str] = &["--headless", "--chrome", "--chromedriver", CHROMEDRIVER];
const NODE: &[&str] = &["--node"];
const NEEDS: &[Tool] = &[
    Tool::WasmTarget,
    Tool::WasmPack,
    Tool::WasmBindgen,
    Tool::Debian,
];

/// `wasm-pack test --mode no-install ENGINE ARGS`.
fn wasm_pack(engine: &[&str], args: &[&str]) -> Result<()> {
    run(Command::new("wasm-pack")
        .current_dir(root())
        .env("CHROMEDRIVER", CHROMEDRIVER)
        .env("CARGO_TARGET_DIR", root().join("target/wasm-tests"))
        .args(["test", "--mode", "no-install"])
        .args(engine)
        .args(args))
}

/// The root's own wasm tests, tests/wasm_browser.rs and tests/wasm_node.rs.
/// Each run names its test target: the plain command also runs the host
/// tests, which compile to empty binaries there, and the doc tests, which
/// the runner runs as modules with no wasm test in them (about 20 s each
/// time, for nothing: the host runs them for real).
pub fn root_suite() -> Result<()> {
    need(NEEDS)?;
    wasm_pack(CHROME, &[".", "--test", "wasm_browser"])?;
    wasm_pack(NODE, &[".", "--test", "wasm_node"])
}

pub fn wasm_suites() -> Result<()> {
    need(NEEDS)?;
    for krate in ["tests/wasm", "tests/wasm-exhaust"] {
        wasm_pack(CHROME, &[krate])?;
        wasm_pack(NODE, &[krate])?;
    }
    wasm_pack(NODE, &["tests/wasm-top"])
}

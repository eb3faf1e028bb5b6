//! The wasm-bindgen-test suites: `tests/wasm` (SmallGlobalTlsf as the
//! test module's global allocator: alignments, collections, large memory,
//! foreign growth, a million cycles, a second instance) in headless Chrome
//! and in node, `tests/wasm-exhaust` (the same allocator in a memory capped
//! at 32 MiB), and, in node only, `tests/wasm-top` (memory grown to 4 GiB:
//! a pool ending at 2^32, free blocks of 2^31 bytes or more; V8 in node
//! commits pages lazily, so this takes little RAM).
//!
//! wasm-pack runs with `--mode no-install`: it must find wasm-bindgen-cli
//! (at tests/Cargo.lock's version) and chromedriver installed (by `cargo xtask
//! setup`) and never download a tool. All runs share one target directory.

use std::process::Command;

use anyhow::Result;

use crate::setup::Tool;
use crate::util::{root, run};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

fn wasm_pack(args: &[&str]) -> Command {
    let mut c = Command::new("wasm-pack");
    c.current_dir(root())
        .env("CHROMEDRIVER", CHROMEDRIVER)
        .env("CARGO_TARGET_DIR", root().join("target/wasm-tests"))
        .args(["test", "--mode", "no-install"])
        .args(args);
    c
}

/// What the wasm-pack suites need: the target, wasm-pack and its
/// wasm-bindgen runner, and chromium with its driver.
const NEEDS: &[Tool] = &[
    Tool::WasmTarget,
    Tool::WasmPack,
    Tool::WasmBindgen,
    Tool::Debian,
];

const CHROME: [&str; 4] = ["--headless", "--chrome", "--chromedriver", CHROMEDRIVER];

/// `wasm-pack test --headless --chrome` and `--node` at the crate's root:
/// the root's own wasm tests, tests/wasm_browser.rs and tests/wasm_node.rs.
/// Each run names its test target: the plain command also runs the host
/// tests, which compile to empty binaries there, and the doc tests, which
/// the runner runs as modules with no wasm test in them (about 20 s each
/// time, for nothing: the host runs them for real).
pub fn root_suite() -> Result<()> {
    crate::setup::need(NEEDS)?;
    run(wasm_pack(&CHROME).args([".", "--test", "wasm_browser"]))?;
    run(wasm_pack(&["--node"]).args([".", "--test", "wasm_node"]))
}

pub fn wasm_suites() -> Result<()> {
    crate::setup::need(NEEDS)?;
    let chrome = CHROME;
    for krate in ["tests/wasm", "tests/wasm-exhaust"] {
        run(wasm_pack(&chrome).arg(krate))?;
        run(wasm_pack(&["--node"]).arg(krate))?;
    }
    run(wasm_pack(&["--node"]).arg("tests/wasm-top"))
}

//! The Emscripten step: `tests/wasi`'s `wasi-suite` command built for
//! `wasm32-unknown-emscripten` (Debian's `emscripten` links it; memory
//! growth on) and run in node, with `SmallGlobalTlsf` as its global
//! allocator next to Emscripten's own `malloc`. The cases that do not
//! depend on `node:wasi`'s environment, arguments or preopened directory
//! run: Rust and libc allocations interleaved (direct `malloc`/`calloc`/
//! `realloc`/`free`, seeded steps), growth to about 70 MiB, and std's file
//! calls (on Emscripten's in-memory file system), with the heap checker
//! after every case.

use std::process::Command;

use anyhow::Result;

use crate::util::{cargo, root, run};

/// The cases run (the others read what run.mjs gives `node:wasi`).
const CASES: [&str; 5] = [
    "issue-repro-malloc",
    "libc-direct",
    "interleaved-random",
    "growth",
    "fs-preopen",
];

/// Where Debian's `node-acorn` puts the module emcc's JS optimizer needs.
pub const NODE_PATH: &str = "/usr/share/nodejs";

pub fn emscripten() -> Result<()> {
    let target_dir = "target/emscripten";
    run(cargo()
        .args(["build", "--locked", "--target", "wasm32-unknown-emscripten"])
        .args(["--bin", "wasi-suite", "--target-dir", target_dir])
        .arg("--manifest-path")
        .arg(root().join("tests/wasi/Cargo.toml"))
        .env("RUSTFLAGS", "-Clink-arg=-sALLOW_MEMORY_GROWTH=1")
        .env("NODE_PATH", NODE_PATH))?;
    // Emscripten 3.1.6's loader prefers `fetch` whenever it exists, which
    // node 20's does (for a file path it fails): off.
    run(Command::new("timeout")
        .args(["--kill-after=10", "300", "node", "--no-experimental-fetch"])
        .arg(
            root()
                .join(target_dir)
                .join("wasm32-unknown-emscripten/debug/wasi-suite.js"),
        )
        .args(CASES))
}

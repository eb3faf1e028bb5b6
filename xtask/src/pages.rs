//! The custom page sizes suite: `tests/pages` (a core module with
//! `SmallGlobalTlsf` as its global allocator) linked three ways and run in
//! wasmtime with the custom-page-sizes proposal enabled, by
//! `tests/wasi/p2-runner`'s `--pages` mode (the WASI suite's runner: one
//! wasmtime build for both), memory capped by the runner's resource
//! limiter:
//!
//! - `-C link-arg=--page-size=1`: memory grows a byte at a time; 32 KiB of
//!   initial memory, capped at 96 KiB;
//! - the default 64 KiB pages: one initial page, capped at four;
//! - `--page-size=1` with the tiny configuration (`GlobalTlsf<WasmMemory,
//!   12, 8>`, feature `tiny`), capped at 64 KiB.
//!
//! Each case (allocate, free, realloc, grow, exhaust) runs in a fresh
//! instance, then the heap checker. Each link keeps the stack at 8 KiB.
//! The module builds with the wasm workspace's profile `pages`
//! (tests/Cargo.toml: opt-level 1 with debug assertions).

use std::process::Command;

use anyhow::Result;

use crate::util::{cargo, root, run};

/// `(label, page size, cap in bytes, link flags, features)`.
const BUILDS: [(&str, u64, u64, &str, &str); 3] = [
    (
        "page-1",
        1,
        96 << 10,
        "-C link-arg=--page-size=1 -C link-arg=--initial-memory=32768",
        "",
    ),
    (
        "page-64k",
        65536,
        256 << 10,
        "-C link-arg=--initial-memory=65536",
        "",
    ),
    (
        "page-1-tiny",
        1,
        64 << 10,
        "-C link-arg=--page-size=1 -C link-arg=--initial-memory=32768",
        "tiny",
    ),
];

pub fn pages() -> Result<()> {
    eprintln!("pages: building the runner (tests/wasi/p2-runner, wasmtime)");
    run(cargo()
        .args(["build", "--locked", "--release", "--target-dir", "target"])
        .arg("--manifest-path")
        .arg(root().join("tests/wasi/p2-runner/Cargo.toml")))?;
    for (label, page, cap, flags, features) in BUILDS {
        let dir = format!("target/pages/{label}");
        run(cargo()
            .args(["build", "--locked", "--target", "wasm32-unknown-unknown"])
            .args(["--profile", "pages"])
            .args(["--target-dir", &dir, "--features", features])
            .arg("--manifest-path")
            .arg(root().join("tests/pages/Cargo.toml"))
            .env_remove("CARGO_ENCODED_RUSTFLAGS")
            .env(
                "RUSTFLAGS",
                format!("{flags} -C link-arg=-zstack-size=8192"),
            ))?;
        run(Command::new(root().join("target/release/wasi-p2-runner"))
            .args(["--pages", &page.to_string(), &cap.to_string()])
            .arg(
                root()
                    .join(dir)
                    .join("wasm32-unknown-unknown/pages/wasm_tlsf_pages.wasm"),
            ))?;
    }
    Ok(())
}

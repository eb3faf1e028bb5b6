//! The custom page sizes suite: `tests/pages` (a core module with
//! `SmallGlobalTlsf` as its global allocator) linked three ways and run in
//! wasmtime with the custom-page-sizes proposal enabled, by the WASI
//! suite's runner (`--pages` mode), memory capped by its resource limiter.
//! Each case (allocate, free, realloc, grow, exhaust) runs in a fresh
//! instance, then the heap checker. Each link keeps the stack at 8 KiB.

use std::process::Command;

use anyhow::Result;

use crate::util::{cargo_in, root, run};

/// `(label, page size, cap in bytes, link flags, features)`: memory grown
/// a byte at a time from 32 KiB; the default 64 KiB pages from one; bytes
/// again with the tiny configuration (`GlobalTlsf<WasmMemory, 12, 8>`).
const BYTE_PAGES: &str = "-C link-arg=--page-size=1 -C link-arg=--initial-memory=32768";
const BUILDS: [(&str, u64, u64, &str, &str); 3] = [
    ("page-1", 1, 96 << 10, BYTE_PAGES, ""),
    (
        "page-64k",
        65536,
        256 << 10,
        "-C link-arg=--initial-memory=65536",
        "",
    ),
    ("page-1-tiny", 1, 64 << 10, BYTE_PAGES, "tiny"),
];

pub fn pages() -> Result<()> {
    let runner = crate::wasi::runner()?;
    for (label, page, cap, flags, features) in BUILDS {
        let dir = format!("target/pages/{label}");
        run(cargo_in(
            "tests/pages",
            "build --locked --target wasm32-unknown-unknown --profile pages",
        )
        .args(["--target-dir", &dir, "--features", features])
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env(
            "RUSTFLAGS",
            format!("{flags} -C link-arg=-zstack-size=8192"),
        ))?;
        let module = root()
            .join(dir)
            .join("wasm32-unknown-unknown/pages/wasm_tlsf_pages.wasm");
        run(Command::new(&runner)
            .args(["--pages", &page.to_string(), &cap.to_string()])
            .arg(module))?;
    }
    Ok(())
}

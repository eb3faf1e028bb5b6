//! Caps this crate's test modules at 32 MiB of linear memory, so that
//! `memory.grow` fails there. A link argument for the test binaries only:
//! unlike RUSTFLAGS (or a `.cargo/config.toml`), it does not change how the
//! dependencies are built (they stay shared with tests/wasm in one target
//! directory), and a RUSTFLAGS set in the environment cannot drop it.

fn main() {
    // 512 pages of 64 KiB. `tests/cases` checks that the cap is in effect.
    println!("cargo:rustc-link-arg-tests=--max-memory=33554432");
    println!("cargo:rerun-if-changed=build.rs");
}

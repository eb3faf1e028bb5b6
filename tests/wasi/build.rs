//! Caps `wasi-exhaust`'s linear memory at 16 MiB, so that `memory.grow`
//! fails there (for our allocator and for wasi-libc's alike). A link
//! argument for that binary only: `wasi-suite` keeps the default maximum.

fn main() {
    // 256 pages of 64 KiB; the exhaustion cases check that the cap holds.
    println!("cargo:rustc-link-arg-bin=wasi-exhaust=--max-memory=16777216");
    println!("cargo:rerun-if-changed=build.rs");
}

//! Caps `wasi-exhaust`'s linear memory at 16 MiB, so that `memory.grow`
//! fails there (for our allocator and for the libc's alike). A link
//! argument for that binary only: `wasi-suite` keeps the default maximum.
//! On Emscripten (whose `emcc` links) the same cap is its setting
//! `MAXIMUM_MEMORY`, with memory growth on for both commands, and
//! `emscripten-pre.js` gives them run.mjs's environment and arguments.

fn main() {
    // 256 pages of 64 KiB; the exhaustion cases check that the cap holds.
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("emscripten") {
        println!("cargo:rustc-link-arg=-sALLOW_MEMORY_GROWTH=1");
        // The environment and arguments run.mjs gives the WASI builds.
        let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
        println!("cargo:rustc-link-arg=--pre-js={dir}/emscripten-pre.js");
        println!("cargo:rerun-if-changed=emscripten-pre.js");
        // A start below the cap, so that the cap is what growth meets.
        println!("cargo:rustc-link-arg-bin=wasi-exhaust=-sINITIAL_MEMORY=8388608");
        println!("cargo:rustc-link-arg-bin=wasi-exhaust=-sMAXIMUM_MEMORY=16777216");
    } else {
        println!("cargo:rustc-link-arg-bin=wasi-exhaust=--max-memory=16777216");
    }
    println!("cargo:rerun-if-changed=build.rs");
}

//! emnapi's wasi-threads spawns a thread with wasi-libc's `malloc` and
//! `free` (for the spawn's result word): the WASI program exports them.
fn main() {
    if std::env::var("TARGET").unwrap_or_default() == "wasm32-wasip1-threads" {
        println!("cargo:rustc-link-arg-bins=--export=malloc");
        println!("cargo:rustc-link-arg-bins=--export=free");
    }
}

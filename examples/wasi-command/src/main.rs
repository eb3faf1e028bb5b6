//! A WASI command with `SmallGlobalTlsf` as its global allocator: counts
//! the words of its arguments (or of a built-in text), with the
//! allocator's figures at the end.
//!
//! ```sh
//! cargo build --release --target wasm32-wasip1 -p wasm-tlsf-example-wasi
//! node run.mjs target/wasm32-wasip1/release/wasm-tlsf-example-wasi.wasm one two two
//! ```
//!
//! (Any WASI runtime runs it; `cargo xtask test` uses node's built-in
//! `node:wasi`.) On WASI, libc's own `malloc` keeps the memory the module
//! starts with; `SmallGlobalTlsf` takes its memory from `memory.grow`.

use std::collections::HashMap;

#[cfg(target_arch = "wasm32")]
#[global_allocator]
static A: wasm_tlsf::SmallGlobalTlsf = wasm_tlsf::SmallGlobalTlsf::new();

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let text = if args.is_empty() {
        "the quick brown fox jumps over the lazy dog ".repeat(10_000)
    } else {
        args.join(" ")
    };
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for word in text.split_whitespace() {
        *counts.entry(word).or_default() += 1;
    }
    let mut words: Vec<(&str, usize)> = counts.into_iter().collect();
    words.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    for (word, n) in &words {
        println!("{n} {word}");
    }
    #[cfg(target_arch = "wasm32")]
    {
        let stats = A.stats();
        println!(
            "allocations: {}, pages grown: {}, peak in use: {} bytes",
            stats.allocations, stats.pages_grown, stats.peak_in_use
        );
    }
}

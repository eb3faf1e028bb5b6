//! A wasm-bindgen app with `SmallGlobalTlsf` as its global allocator: the
//! README's one-line set-up, and a panic hook so that a `debug-checks`
//! fault (a double free, a foreign pointer, a corrupted header) shows its
//! message in the console before the module aborts.
//!
//! `cargo xtask test` builds it, runs `wasm-bindgen --target nodejs` on it
//! and drives it from node (`run.cjs`): the exports work, and with
//! `debug-checks` a double free is reported by name.

use wasm_bindgen::prelude::*;

#[cfg(target_arch = "wasm32")]
#[global_allocator]
static A: wasm_tlsf::SmallGlobalTlsf = wasm_tlsf::SmallGlobalTlsf::new();

/// Runs when the module is instantiated: panics (and so `debug-checks`
/// faults) go to `console.error`.
#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
}

/// The lengths of the words of `text`, most frequent first: strings,
/// vectors and a map, all on the allocator.
#[wasm_bindgen]
pub fn word_lengths(text: &str) -> Vec<u32> {
    let mut counts = std::collections::BTreeMap::<u32, u32>::new();
    for word in text.split_whitespace() {
        *counts.entry(word.chars().count() as u32).or_default() += 1;
    }
    let mut lengths: Vec<(u32, u32)> = counts.into_iter().collect();
    lengths.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    lengths.into_iter().map(|(len, _)| len).collect()
}

/// Frees a block twice. With `debug-checks` the allocator panics before
/// touching the heap, naming the fault and the address; the hook prints
/// it, then the module aborts (a `RuntimeError` in JavaScript).
#[cfg(feature = "debug-checks")]
#[wasm_bindgen]
pub fn double_free() {
    use std::alloc::{alloc, dealloc, Layout};
    let layout = Layout::new::<[u8; 40]>();
    // SAFETY: none: the second `dealloc` is the misuse being shown, which
    // `debug-checks` stops before it reaches the heap.
    // (`black_box`: the compiler may not drop the unused allocation.)
    unsafe {
        let p = std::hint::black_box(alloc(layout));
        dealloc(p, layout);
        dealloc(std::hint::black_box(p), layout);
    }
}

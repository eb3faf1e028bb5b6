//! The wasm32 memory source: the only code in this crate that calls
//! `memory.grow`.
//!
//! Where the heap starts, by target:
//! - `wasm32-unknown-unknown`, `wasm32v1-none` (no libc): the linker's
//!   `__heap_base..__heap_end` (the free part of the initial memory) is
//!   used first, then grown pages. Where memory can be shared, its first
//!   page is not used: older wasm-bindgen keeps its threads' bookkeeping
//!   there.
//! - WASI (`target_os = "wasi"`): the libc's own `malloc`
//!   (dlmalloc in wasi-libc) owns `__heap_base..__heap_end` and grows
//!   memory for itself, and std calls it for the environment, arguments
//!   and files. The allocator uses grown pages only, so the two heaps never
//!   overlap: each `memory.grow` hands its pages to its caller alone.
//!   (Emscripten's libc keeps a program break of its own instead: its
//!   source is `emscripten.rs`.)
//!
//! The page size is the linker's: `__wasm_first_page_end`, the end of the
//! first page, is the page size (64 KiB, or 1 with `--page-size=1`). It is
//! a link-time constant, one `i32.const` in the code, so nothing computes
//! or stores it at run time. A linker that predates the symbol (rust-lld of
//! rustc 1.84, LLVM 19) resolves it to 0, as rustc's `--allow-undefined`
//! resolves any undefined data symbol; such a linker has no `--page-size`
//! either, so 0 means 64 KiB.

use core::arch::wasm32;
use core::ptr::{self, NonNull};
#[cfg(not(target_os = "wasi"))]
use core::sync::atomic::{AtomicBool, Ordering};

use super::{MemorySource, PAGE_SIZE};

extern "C" {
    /// Set by the linker to the end of memory's first page: the page size.
    /// Only its address is used, never its contents.
    static __wasm_first_page_end: u8;
}

/// The module's page size, from the linker (see the module docs): a power
/// of two from 1 to 64 KiB.
///
/// An older linker's 0 becomes 64 KiB by arithmetic, not by comparing the
/// address with 0: the compiler takes a static's address to be non-null
/// and would fold such a comparison away. `(end - 1) % 64 Ki + 1` is `end`
/// for every page size the proposal allows, and 64 Ki for 0.
#[inline(always)]
pub(crate) fn page_size() -> usize {
    let end = (&raw const __wasm_first_page_end).addr();
    (end.wrapping_sub(1) & (PAGE_SIZE - 1)) + 1
}

#[cfg(not(target_os = "wasi"))]
extern "C" {
    /// Set by the linker to the first byte after the stack and static data.
    static __heap_base: u8;
    /// Set by the linker to the end of the initial memory. Not
    /// `memory.size`: other code may have grown memory before our first
    /// allocation, and those pages are theirs.
    static __heap_end: u8;
}

/// Whether some `WasmMemory` has handed out the initial memory: it has one
/// owner however many allocators a program declares.
#[cfg(not(target_os = "wasi"))]
static INITIAL_TAKEN: AtomicBool = AtomicBool::new(false);

/// WebAssembly memory 0, grown with `memory.grow`.
///
/// The first source to ask gets the initial memory's free part (on targets
/// without a libc); any other gets grown pages only. On WASI and Emscripten
/// every source gets grown pages only (see the module docs).
///
/// # Example
///
/// ```
/// # #[cfg(target_arch = "wasm32")] {
/// static A: wasm_tlsf::GlobalTlsf<wasm_tlsf::WasmMemory, 25, 32> =
///     wasm_tlsf::GlobalTlsf::with_source(wasm_tlsf::WasmMemory);
/// # }
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct WasmMemory;

// SAFETY: `__heap_base..__heap_end` is, by the linker's convention, memory
// no one else uses on targets without a libc allocator (WASI's own
// `malloc` owns it there, so it is not used), except the
// page from `__heap_base` that wasm-bindgen's threads transform (before
// 0.2.127) takes in shared-memory builds, which skip it; and
// `INITIAL_TAKEN` hands it to one source only. `memory.grow` returns pages
// no one has seen yet, to this caller alone (it is one atomic instruction,
// even with shared memory); they start where memory ended, which is where
// our previous growth ended unless someone else grew memory in between.
unsafe impl MemorySource for WasmMemory {
    // Every address is in the linear memory, returned with exposed
    // provenance (see `initial` and `grow`).
    const EXPOSED: bool = true;

    #[inline]
    fn initial(&mut self) -> Option<(NonNull<u8>, usize)> {
        #[cfg(target_os = "wasi")]
        {
            None
        }
        #[cfg(not(target_os = "wasi"))]
        {
            if INITIAL_TAKEN.swap(true, Ordering::Relaxed) {
                return None;
            }
            // Only the addresses of these linker symbols are used, never
            // their contents.
            let base = (&raw const __heap_base).addr();
            let end = (&raw const __heap_end).addr();
            // Where memory can be shared, the page from `__heap_base` on is
            // left alone: wasm-bindgen's threads transform before 0.2.127
            // keeps its thread counter, a lock and a scratch stack there
            // (see "Threads" in the README).
            #[cfg(wasm_tlsf_threads)]
            let base = base.checked_add(PAGE_SIZE).filter(|&b| b < end)?;
            let start = NonNull::new(ptr::with_exposed_provenance_mut(base))?;
            // The linker puts `__heap_end` at or after `__heap_base`.
            Some((start, end.wrapping_sub(base)))
        }
    }

    #[inline]
    fn grow(&mut self, pages: usize) -> Option<NonNull<u8>> {
        let old = wasm32::memory_grow(0, pages);
        if old == usize::MAX {
            return None;
        }
        // Memory is one flat address space on wasm32; exposed provenance is
        // how Rust spells "this integer address is real memory". The new
        // memory starts where memory ended, `old` pages in: at most 2^32,
        // which wraps to 0 only when memory already reached the top of the
        // address space (then `pages` was 0 and there is no new memory:
        // `None`). Below the top, it is above address 0: memory already
        // held this allocator's own static. (The page size is a power of
        // two: a shift by the ones below it multiplies by it.)
        NonNull::new(ptr::with_exposed_provenance_mut(
            old.wrapping_shl((page_size() - 1).count_ones()),
        ))
    }

    #[inline(always)]
    fn page_size(&self) -> usize {
        page_size()
    }
}

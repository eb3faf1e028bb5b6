//! The wasm32 memory source: the only code in this crate that calls
//! `memory.grow`.

use core::arch::wasm32;
use core::ptr::{self, NonNull};

use super::{MemorySource, PAGE_SIZE};

extern "C" {
    /// Set by the linker to the first byte after the stack and static data.
    static __heap_base: u8;
    /// Set by the linker to the end of the initial memory. Not
    /// `memory.size`: other code may have grown memory before our first
    /// allocation, and those pages are theirs.
    static __heap_end: u8;
}

/// WebAssembly memory 0, grown with `memory.grow`.
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
// no one else uses, and `memory.grow` returns pages no one has seen yet;
// new pages start where memory ended, which is where our previous growth
// ended unless someone else grew memory in between.
unsafe impl MemorySource for WasmMemory {
    #[inline]
    fn initial(&mut self) -> Option<(NonNull<u8>, usize)> {
        // Only the addresses of these linker symbols are used, never their
        // contents.
        let base = (&raw const __heap_base).addr();
        let end = (&raw const __heap_end).addr();
        let start = NonNull::new(ptr::with_exposed_provenance_mut(base))?;
        // The linker puts `__heap_end` at or after `__heap_base`.
        Some((start, end.wrapping_sub(base)))
    }

    #[inline]
    fn grow(&mut self, pages: usize) -> Option<NonNull<u8>> {
        let old = wasm32::memory_grow(0, pages);
        if old == usize::MAX {
            return None;
        }
        // Memory is one flat address space on wasm32; exposed provenance is
        // how Rust spells "this integer address is real memory".
        // SAFETY: memory already held this allocator's own static, so it
        // had at least one page: the new pages start above address 0.
        Some(unsafe { NonNull::new_unchecked(ptr::with_exposed_provenance_mut(old * PAGE_SIZE)) })
    }
}

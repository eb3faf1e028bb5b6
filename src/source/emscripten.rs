//! The Emscripten memory source: memory from Emscripten's `sbrk`.
//!
//! Emscripten's libc keeps a program break of its own (`sbrk`, in its
//! `system/lib/sbrk.c`): it starts at `__heap_base`, moves up by each
//! `sbrk`, and grows memory (through the JS runtime's
//! `emscripten_resize_heap`, which also renews the runtime's views of
//! memory) only when the break passes the end of memory. Pages grown with
//! a bare `memory.grow` would lie above the break, and a later `malloc`
//! would be handed them as well; the runtime's views would also miss them.
//! So on Emscripten the allocator takes its memory from `sbrk`, like
//! Emscripten's own `malloc`: the two never share a byte, and the runtime
//! sees every growth. The initial memory up to the break is libc's.

use core::ptr::{self, NonNull};

use super::{MemorySource, PAGE_SIZE};

extern "C" {
    /// Emscripten's libc: moves the break up by `increment` bytes
    /// (rounded up to 4) and returns the old break, or `-1` (all bits
    /// set) when memory cannot grow that much.
    fn sbrk(increment: isize) -> *mut u8;
}

/// WebAssembly memory 0, taken from Emscripten's program break (`sbrk`),
/// shared with the libc's `malloc` (see the module docs).
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

// SAFETY: `sbrk` hands the bytes between the old and the new break to its
// caller alone (Emscripten's `malloc` gets its memory from `sbrk` too, and
// nothing else moves the break); they start at the previous break, which
// is where our previous growth ended unless someone else called `sbrk` in
// between. Addresses are in the linear memory, with exposed provenance.
unsafe impl MemorySource for WasmMemory {
    const EXPOSED: bool = true;

    #[inline]
    fn initial(&mut self) -> Option<(NonNull<u8>, usize)> {
        // Memory up to the break is the libc's.
        None
    }

    #[inline]
    fn grow(&mut self, pages: usize) -> Option<NonNull<u8>> {
        let bytes = isize::try_from(pages.checked_mul(PAGE_SIZE)?).ok()?;
        // SAFETY: `sbrk` has no precondition; it calls nothing of ours.
        let old = unsafe { sbrk(bytes) }.addr();
        if old == usize::MAX {
            return None;
        }
        // The break starts at `__heap_base`, after the static data: never 0.
        NonNull::new(ptr::with_exposed_provenance_mut(old))
    }
}

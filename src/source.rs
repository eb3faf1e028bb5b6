//! Where a [`GlobalTlsf`](crate::GlobalTlsf) gets its memory.
//!
//! WebAssembly memory only grows, a page at a time (64 KiB, or the size
//! the module was linked with, `--page-size`), and new pages are appended
//! after the old ones, so a source is two calls: the memory the program
//! already has and nobody uses, and more pages. On wasm32, [`WasmMemory`]
//! is the one piece of this crate that calls `memory.grow`. Host tests
//! implement the same trait over a simulated linear memory.

use core::ptr::NonNull;

#[cfg(target_os = "emscripten")]
mod emscripten;
#[cfg(all(target_arch = "wasm32", not(target_os = "emscripten")))]
mod wasm32;
#[cfg(target_os = "emscripten")]
pub use emscripten::WasmMemory;
#[cfg(all(
    target_arch = "wasm32",
    not(target_os = "emscripten"),
    wasm_tlsf_threads
))]
pub(crate) use wasm32::page_size;
#[cfg(all(target_arch = "wasm32", not(target_os = "emscripten")))]
pub use wasm32::WasmMemory;

/// The size of a WebAssembly page unless the module says otherwise: 64 KiB,
/// the unit memory grows by. A module linked with `--page-size=1` (the
/// custom-page-sizes proposal) grows by bytes instead;
/// [`MemorySource::page_size`] is the size a source grows by.
///
/// # Example
///
/// ```
/// // A 1 MiB payload fills 16 pages exactly; with its block header and a
/// // pool's bookkeeping, a heap that has no free memory grows by 17.
/// let payload = 1usize << 20;
/// assert_eq!(payload.div_ceil(wasm_tlsf::PAGE_SIZE), 16);
/// assert_eq!((payload + 16).div_ceil(wasm_tlsf::PAGE_SIZE), 17);
/// ```
pub const PAGE_SIZE: usize = 65536;

/// A supply of linear memory for [`GlobalTlsf`](crate::GlobalTlsf).
///
/// # Safety
///
/// Memory returned by either method is valid for reads and writes, is not
/// used by anything else for as long as the allocator lives, and does not
/// overlap memory returned before; `grow(n)` returns `n * page_size()`
/// bytes, `page_size` answering the same power of two at every call.
/// `grow` returns memory that starts where the previous growth ended when
/// no one else grew memory in between (that is what lets the allocator
/// merge across grows), and otherwise anywhere.
///
/// Every pointer either method returns carries provenance for all the
/// memory the source ever returns: the allocator reaches each block
/// through the first pointer it got, at the block's address (the pointer
/// a caller hands back to `dealloc` may be valid for its payload only,
/// and the block's header lies before it). Pointers into one allocation
/// that holds all the memory (a static buffer, one reservation) qualify;
/// separate allocations, one per growth, do not. With
/// [`EXPOSED`](Self::EXPOSED) set, every address the source returns has
/// exposed provenance instead, and the allocator rebuilds pointers from
/// addresses.
///
/// None of the methods calls back into the allocator that uses this source
/// (directly, or through code that allocates with it, as anything may
/// when it is the `#[global_allocator]`): they run while that allocator
/// holds its heap exclusively, so a call back would alias it.
///
/// # Example
///
/// A source backed by a static array (for a host, or a fixed-memory
/// embedding), which never grows:
///
/// ```
/// use core::ptr::NonNull;
/// use wasm_tlsf::{MemorySource, PAGE_SIZE};
///
/// struct StaticBuffer(*mut u8, usize);
/// // SAFETY: the buffer is handed out once, whole, and never reused.
/// unsafe impl MemorySource for StaticBuffer {
///     fn initial(&mut self) -> Option<(NonNull<u8>, usize)> {
///         let mem = NonNull::new(self.0)?;
///         self.0 = core::ptr::null_mut();
///         Some((mem, self.1))
///     }
///     fn grow(&mut self, _pages: usize) -> Option<NonNull<u8>> {
///         None
///     }
/// }
/// # let _ = PAGE_SIZE;
/// ```
pub unsafe trait MemorySource {
    /// How much the allocator grows memory by when it must: the pages a
    /// request needs ([`Growth::Exact`], the default), or more
    /// ([`Growth::Amortized`], which [`Amortized`] selects). A constant of
    /// the type, so the choice costs nothing at run time.
    const GROWTH: Growth = Growth::Exact;

    /// Whether the provenance of all memory the source returns is exposed
    /// (as with WebAssembly's linear memory, reached by address): then the
    /// allocator rebuilds a pointer from its address alone
    /// (`with_exposed_provenance`), which costs no instruction, instead of
    /// keeping the first pointer the source returned. Off by default.
    const EXPOSED: bool = false;

    /// The memory the program already has that nobody uses (on wasm32,
    /// from the linker's `__heap_base` to its `__heap_end`, the end of the
    /// initial memory).
    /// Called once, before the first `grow`.
    fn initial(&mut self) -> Option<(NonNull<u8>, usize)>;

    /// Adds `pages` pages of [`page_size`](Self::page_size) bytes and
    /// returns the start of the new memory, or `None` if memory cannot grow
    /// that much (nothing changes then). The new memory ends at or below
    /// the top of the address space, so it starts below it: growing by 0
    /// pages when memory already reaches the top answers `None`.
    fn grow(&mut self, pages: usize) -> Option<NonNull<u8>>;

    /// The bytes one page adds: a power of two, the same at every call.
    /// [`PAGE_SIZE`] unless the source says otherwise; `WasmMemory` reads
    /// it from the linker, so a module linked with `--page-size=1` grows a
    /// byte at a time.
    #[inline(always)]
    fn page_size(&self) -> usize {
        PAGE_SIZE
    }
}

/// How much a [`GlobalTlsf`](crate::GlobalTlsf) grows memory by when no
/// free block holds a request: its source's [`MemorySource::GROWTH`].
///
/// # Example
///
/// ```
/// use wasm_tlsf::{Amortized, Growth, MemorySource};
/// # use core::ptr::NonNull;
/// # struct Src;
/// # // SAFETY: hands out nothing.
/// # unsafe impl MemorySource for Src {
/// #     fn initial(&mut self) -> Option<(NonNull<u8>, usize)> { None }
/// #     fn grow(&mut self, _: usize) -> Option<NonNull<u8>> { None }
/// # }
/// assert_eq!(Src::GROWTH, Growth::Exact);
/// assert_eq!(Amortized::<Src>::GROWTH, Growth::Amortized);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Growth {
    /// The pages the request needs beyond the heap's free tail, no more:
    /// the least memory, one `memory.grow` per growing request.
    Exact,
    /// At least [`Growth::AMORTIZED_FRACTION`] of the pages grown so far,
    /// that floor capped at [`Growth::AMORTIZED_CAP`] pages, and never less
    /// than the request needs; exactly what it needs when memory cannot
    /// grow that much. Memory ends at most about that fraction above where
    /// exact growth would, in far fewer `memory.grow` calls, for engines
    /// where each call is slow (in node and Chromium, cold starts measure
    /// within a few per cent of exact growth: BENCHMARKS.md).
    Amortized,
}

impl Growth {
    /// [`Growth::Amortized`] grows by at least `1 / AMORTIZED_FRACTION` of
    /// the pages grown so far: the most memory it may hold beyond exact
    /// growth, as a fraction.
    ///
    /// # Example
    ///
    /// ```
    /// assert_eq!(wasm_tlsf::Growth::AMORTIZED_FRACTION, 8);
    /// ```
    pub const AMORTIZED_FRACTION: usize = 8;
    /// The cap, in pages, on [`Growth::Amortized`]'s floor (a request that
    /// needs more still gets what it needs): 64 MiB of 64 KiB pages; with
    /// 1-byte pages (`--page-size=1`), 1 KiB.
    ///
    /// # Example
    ///
    /// ```
    /// assert_eq!(wasm_tlsf::Growth::AMORTIZED_CAP * wasm_tlsf::PAGE_SIZE, 64 << 20);
    /// ```
    pub const AMORTIZED_CAP: usize = 1024;
}

/// A [`MemorySource`] that grows like `S`, by [`Growth::Amortized`] steps.
///
/// # Example
///
/// ```
/// # #[cfg(target_arch = "wasm32")] {
/// #[global_allocator]
/// static A: wasm_tlsf::GlobalTlsf<wasm_tlsf::Amortized<wasm_tlsf::WasmMemory>, 25, 32> =
///     wasm_tlsf::GlobalTlsf::with_source(wasm_tlsf::Amortized(wasm_tlsf::WasmMemory));
/// # }
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct Amortized<S>(pub S);

// SAFETY: forwards to `S`, which upholds the contract.
unsafe impl<S: MemorySource> MemorySource for Amortized<S> {
    const GROWTH: Growth = Growth::Amortized;
    const EXPOSED: bool = S::EXPOSED;

    #[inline]
    fn initial(&mut self) -> Option<(NonNull<u8>, usize)> {
        self.0.initial()
    }

    #[inline]
    fn grow(&mut self, pages: usize) -> Option<NonNull<u8>> {
        self.0.grow(pages)
    }

    #[inline(always)]
    fn page_size(&self) -> usize {
        self.0.page_size()
    }
}

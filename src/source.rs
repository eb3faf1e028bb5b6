//! Where a [`GlobalTlsf`](crate::GlobalTlsf) gets its memory.
//!
//! WebAssembly memory only grows, a 64 KiB page at a time, and new pages
//! are appended after the old ones, so a source is two calls: the memory
//! the program already has and nobody uses, and more pages. On wasm32,
//! [`WasmMemory`] is the one piece of this crate that calls `memory.grow`.
//! Host tests implement the same trait over a simulated linear memory.

use core::ptr::NonNull;

#[cfg(target_arch = "wasm32")]
mod wasm32;
#[cfg(target_arch = "wasm32")]
pub use wasm32::WasmMemory;

/// The size of a WebAssembly page: the unit memory grows by.
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
/// overlap memory returned before. `grow` returns memory that starts where
/// the previous growth ended when no one else grew memory in between (that
/// is what lets the allocator merge across grows), and otherwise anywhere.
///
/// Neither method calls back into the allocator that uses this source
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
/// struct Arena(*mut u8, usize);
/// // SAFETY: the arena is handed out once, whole, and never reused.
/// unsafe impl MemorySource for Arena {
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
    /// The memory the program already has that nobody uses (on wasm32,
    /// from the linker's `__heap_base` to its `__heap_end`, the end of the
    /// initial memory).
    /// Called once, before the first `grow`.
    fn initial(&mut self) -> Option<(NonNull<u8>, usize)>;

    /// Adds `pages` pages of [`PAGE_SIZE`] bytes and returns the start of
    /// the new memory, or `None` if memory cannot grow that much (nothing
    /// changes then).
    fn grow(&mut self, pages: usize) -> Option<NonNull<u8>>;
}

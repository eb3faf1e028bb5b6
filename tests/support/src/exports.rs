//! allocate / deallocate / reallocate through `#[global_allocator]`: the
//! whole interface of a minimal module on an allocator (the size report's
//! module, the speed benchmarks', the no-panic wasm app). A cdylib calls
//! [`exports!`](crate::exports!) once.
//!
//! A macro, so that the exports compile in the module's own crate: the
//! same functions compiled in this crate and linked come out a few bytes
//! larger on some allocators (wasmalloc's `reallocate`: +40 B at opt-level
//! z), and the size report measures them.

pub use alloc::alloc::{alloc, dealloc, realloc, Layout};

/// Defines the three `#[no_mangle]` exports in the calling crate.
#[macro_export]
macro_rules! exports {
    () => {
        /// Allocates `size` bytes aligned to `align` (null on failure).
        ///
        /// # Safety
        /// `align` is a power of two; `size` rounded up to it fits in `isize`.
        #[no_mangle]
        pub unsafe extern "C" fn allocate(size: usize, align: usize) -> *mut u8 {
            use $crate::exports::{alloc, Layout};
            // SAFETY: the caller's contract is `Layout`'s.
            unsafe { alloc(Layout::from_size_align_unchecked(size, align)) }
        }

        /// Frees a block from `allocate` / `reallocate`.
        ///
        /// # Safety
        /// `ptr` is live with this size and alignment.
        #[no_mangle]
        pub unsafe extern "C" fn deallocate(ptr: *mut u8, size: usize, align: usize) {
            use $crate::exports::{dealloc, Layout};
            // SAFETY: a live block with this layout (the caller's contract).
            unsafe { dealloc(ptr, Layout::from_size_align_unchecked(size, align)) }
        }

        /// Resizes a block (null on failure, the old block kept).
        ///
        /// # Safety
        /// As `deallocate`; `new_size` rounded up to `align` fits in `isize`.
        #[no_mangle]
        pub unsafe extern "C" fn reallocate(
            ptr: *mut u8,
            size: usize,
            align: usize,
            new_size: usize,
        ) -> *mut u8 {
            use $crate::exports::{realloc, Layout};
            // SAFETY: a live block with this layout; the new size is valid
            // (the caller's contract).
            unsafe {
                realloc(
                    ptr,
                    Layout::from_size_align_unchecked(size, align),
                    new_size,
                )
            }
        }
    };
}

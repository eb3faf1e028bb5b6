//! allocate / deallocate / reallocate through `#[global_allocator]`: the
//! whole interface of a minimal module on an allocator. A cdylib that links
//! this crate with feature `exports` (`use test_support as _;`) exports
//! the three functions.

use alloc::alloc::{alloc, dealloc, realloc, Layout};

/// Allocates `size` bytes aligned to `align` (null on failure).
///
/// # Safety
/// `align` is a power of two; `size` rounded up to it fits in `isize`.
#[no_mangle]
pub unsafe extern "C" fn allocate(size: usize, align: usize) -> *mut u8 {
    // SAFETY: the caller's contract is `Layout`'s.
    unsafe { alloc(Layout::from_size_align_unchecked(size, align)) }
}

/// Frees a block from `allocate` / `reallocate`.
///
/// # Safety
/// `ptr` is live with this size and alignment.
#[no_mangle]
pub unsafe extern "C" fn deallocate(ptr: *mut u8, size: usize, align: usize) {
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
    // SAFETY: a live block with this layout; the new size is valid (the
    // caller's contract).
    unsafe {
        realloc(
            ptr,
            Layout::from_size_align_unchecked(size, align),
            new_size,
        )
    }
}

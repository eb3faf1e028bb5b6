//! allocate / deallocate / reallocate through `#[global_allocator]`: the
//! whole interface of the size and speed modules, and of the wasm app the
//! tests build (which includes this file by path).

use alloc::alloc::{alloc, dealloc, realloc, Layout};

/// Allocates `size` bytes aligned to `align` (null on failure).
///
/// # Safety
/// `align` is a power of two; `size` rounded up to it fits in `isize`.
#[no_mangle]
pub unsafe extern "C" fn allocate(size: usize, align: usize) -> *mut u8 {
    unsafe { alloc(Layout::from_size_align_unchecked(size, align)) }
}

/// Frees a block from `allocate` / `reallocate`.
///
/// # Safety
/// `ptr` is live with this size and alignment.
#[no_mangle]
pub unsafe extern "C" fn deallocate(ptr: *mut u8, size: usize, align: usize) {
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
    unsafe {
        realloc(
            ptr,
            Layout::from_size_align_unchecked(size, align),
            new_size,
        )
    }
}

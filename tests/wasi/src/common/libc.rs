//! wasi-libc's allocator (its dlmalloc), called directly, and blocks from
//! it filled with a pattern.

use super::{fill, verify, Outcome};

extern "C" {
    pub fn malloc(n: usize) -> *mut u8;
    pub fn calloc(count: usize, size: usize) -> *mut u8;
    pub fn realloc(p: *mut u8, n: usize) -> *mut u8;
    pub fn free(p: *mut u8);
    pub fn getenv(name: *const u8) -> *const u8;
    pub fn strlen(s: *const u8) -> usize;
}

/// A live block from libc's `malloc`, filled with the pattern for `tag`.
pub struct LibcBlock {
    pub ptr: *mut u8,
    pub len: usize,
    pub tag: u8,
}

impl LibcBlock {
    /// `malloc(len)`, filled; `None` on null.
    pub fn malloc(len: usize, tag: u8) -> Option<Self> {
        // SAFETY: malloc accepts any size.
        let ptr = unsafe { malloc(len) };
        if ptr.is_null() {
            return None;
        }
        // SAFETY: a fresh block of `len` bytes.
        unsafe { fill(ptr, 0, len, tag) };
        Some(Self { ptr, len, tag })
    }

    /// `calloc(1, len)`: `Err` unless zeroed; then filled. `Ok(None)` on
    /// null.
    pub fn calloc(len: usize, tag: u8) -> Result<Option<Self>, String> {
        // SAFETY: calloc accepts any size.
        let ptr = unsafe { calloc(1, len) };
        if ptr.is_null() {
            return Ok(None);
        }
        // SAFETY: a fresh block of `len` bytes.
        let bytes = unsafe { core::slice::from_raw_parts(ptr, len) };
        if let Some(i) = bytes.iter().position(|&b| b != 0) {
            return Err(failure!(
                "calloc({len}) at {:#x}: byte {i} is {:#04x}, not zero",
                ptr as usize,
                bytes[i]
            ));
        }
        // SAFETY: as above.
        unsafe { fill(ptr, 0, len, tag) };
        Ok(Some(Self { ptr, len, tag }))
    }

    /// The span to check against our heap: the block and dlmalloc's size
    /// word before it.
    pub fn span(&self) -> (usize, usize) {
        (self.ptr as usize - 4, self.ptr as usize + self.len)
    }

    pub fn verify(&self, what: &str) -> Outcome {
        // SAFETY: a live block of `len` bytes.
        unsafe { verify(what, self.ptr, self.len, self.tag) }
    }

    /// `realloc` to `new_len`: the kept prefix verified, the tail filled.
    /// On null the block is unchanged and still live (`Ok(false)`).
    pub fn realloc(&mut self, what: &str, new_len: usize) -> Result<bool, String> {
        // SAFETY: a live block from malloc.
        let p = unsafe { realloc(self.ptr, new_len) };
        if p.is_null() {
            return Ok(false);
        }
        let kept = self.len.min(new_len);
        // SAFETY: the new block holds `new_len` bytes.
        unsafe {
            verify(what, p, kept, self.tag)?;
            fill(p, kept, new_len, self.tag);
        }
        self.ptr = p;
        self.len = new_len;
        Ok(true)
    }

    /// Verifies, then frees.
    pub fn free(self, what: &str) -> Outcome {
        self.verify(what)?;
        // SAFETY: a live block from malloc, freed once.
        unsafe { free(self.ptr) };
        Ok(())
    }
}

/// libc's `getenv(name)` as a range of libc's memory (its environment
/// strings are malloc'd by wasi-libc on first use) and the value.
pub fn getenv_raw(name: &str) -> Option<((usize, usize), Vec<u8>)> {
    let mut c = Vec::with_capacity(name.len() + 1);
    c.extend_from_slice(name.as_bytes());
    c.push(0);
    // SAFETY: a NUL-terminated name; getenv returns null or a NUL-terminated
    // string that stays valid while the environment is not modified.
    unsafe {
        let p = getenv(c.as_ptr());
        if p.is_null() {
            return None;
        }
        let n = strlen(p);
        let value = core::slice::from_raw_parts(p, n).to_vec();
        Some(((p as usize, p as usize + n + 1), value))
    }
}

//! Counting `memory.grow` calls exactly: wasmtime asks the store's
//! [`ResourceLimiter`] before every growth of a memory (`memory_growing`),
//! so a limiter that counts those questions counts the module's calls.
//!
//! What it counts: every `memory.grow` with a non-zero delta, refused or
//! not (wasmtime answers `memory.grow 0` itself, without asking; no
//! allocator here asks for 0 pages: they read the size with `memory.size`).
//! The memory's creation at instantiation also asks once: the caller
//! zeroes the counts after instantiating.

use wasmtime::ResourceLimiter;

#[derive(Default)]
pub struct Counting {
    /// The memory cap in bytes, if any: a growth past it fails.
    pub cap: Option<usize>,
    /// `memory.grow` calls.
    pub calls: u64,
    /// Pages they asked for in all.
    pub pages: u64,
}

impl ResourceLimiter for Counting {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        max: Option<usize>,
    ) -> wasmtime::Result<bool> {
        self.calls += 1;
        self.pages += (desired.saturating_sub(current) / 65536) as u64;
        Ok([self.cap, max].iter().flatten().all(|&m| desired <= m))
    }

    fn table_growing(
        &mut self,
        _: usize,
        desired: usize,
        max: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(max.is_none_or(|m| desired <= m))
    }
}

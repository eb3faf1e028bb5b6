//! Counting `memory.grow` calls exactly: wasmtime asks the store's
//! [`ResourceLimiter`] before every growth of a memory (`memory_growing`),
//! so a limiter that counts those questions and forwards them to
//! [`StoreLimits`] counts the module's calls.
//!
//! What it counts: every `memory.grow` with a non-zero delta, refused or
//! not (wasmtime answers `memory.grow 0` itself, without asking; no
//! allocator here asks for 0 pages: they read the size with `memory.size`).
//! The memory's creation at instantiation also asks once: the caller
//! [`reset`](Counting::reset)s after instantiating.

use wasmtime::{ResourceLimiter, StoreLimits};

pub struct Counting {
    pub limits: StoreLimits,
    /// `memory.grow` calls since the last reset.
    pub calls: u64,
    /// Pages they asked for in all.
    pub pages: u64,
}

impl Counting {
    pub fn new(limits: StoreLimits) -> Self {
        Counting {
            limits,
            calls: 0,
            pages: 0,
        }
    }

    pub fn reset(&mut self) {
        self.calls = 0;
        self.pages = 0;
    }
}

impl ResourceLimiter for Counting {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        self.calls += 1;
        self.pages += (desired.saturating_sub(current) / 65536) as u64;
        self.limits.memory_growing(current, desired, maximum)
    }

    fn memory_grow_failed(&mut self, error: wasmtime::Error) -> wasmtime::Result<()> {
        self.limits.memory_grow_failed(error)
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        self.limits.table_growing(current, desired, maximum)
    }

    fn table_grow_failed(&mut self, error: wasmtime::Error) -> wasmtime::Result<()> {
        self.limits.table_grow_failed(error)
    }

    fn instances(&self) -> usize {
        self.limits.instances()
    }

    fn tables(&self) -> usize {
        self.limits.tables()
    }

    fn memories(&self) -> usize {
        self.limits.memories()
    }
}

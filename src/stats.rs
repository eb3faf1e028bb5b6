//! Allocation statistics, behind the `stats` feature.
//!
//! Without the feature none of this is compiled, so it costs no byte. With
//! it, the core keeps a few counters up to date on each operation (the
//! bytes in use by allocate, free and an in-place resize, never by the list
//! helpers, which run several times per operation); the derived figures
//! (the free bytes, the largest free block) are computed when
//! [`crate::Tlsf::stats`] or [`crate::GlobalTlsf::stats`] is called.

/// A snapshot of the allocator's figures.
///
/// Byte counts are of whole blocks (header and rounding included), so that
/// `in_use + free + overhead == managed` always holds.
///
/// # Example
///
/// ```
/// # use core::{alloc::Layout, ptr::NonNull};
/// let mut tlsf: wasm_tlsf::Tlsf<16, 8> = wasm_tlsf::Tlsf::new();
/// let mut pool = vec![0u8; 4096];
/// // SAFETY: `pool` is ours alone and outlives `tlsf`.
/// unsafe { tlsf.add_pool(NonNull::new(pool.as_mut_ptr()).unwrap(), 4096) };
/// tlsf.allocate(Layout::new::<[u8; 100]>()).unwrap();
/// let s = tlsf.stats();
/// assert_eq!(s.allocations, 1);
/// assert!(s.in_use >= 100);
/// assert_eq!(s.in_use + s.free + s.overhead, s.managed);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// Bytes in used blocks.
    pub in_use: usize,
    /// Bytes in free blocks.
    pub free: usize,
    /// The highest `in_use` seen after an allocation or reallocation.
    pub peak_in_use: usize,
    /// Bytes of pool bookkeeping: each pool's link word and sentinel.
    pub overhead: usize,
    /// All bytes the allocator manages: the sum of its pools.
    pub managed: usize,
    /// The largest free block's payload: the largest request (alignment up
    /// to the granularity) that succeeds without new memory.
    pub largest_free: usize,
    /// Pages obtained with `memory.grow` (0 for a bare `Tlsf`), of the
    /// source's page size: 64 KiB, or 1 byte in a module linked with
    /// `--page-size=1`.
    pub pages_grown: usize,
    /// Successful allocations (including those done by a moving realloc).
    pub allocations: u64,
    /// Deallocations (including those done by a moving realloc).
    pub deallocations: u64,
    /// In-place reallocation attempts.
    pub reallocations: u64,
    /// Allocation requests answered with null / `None`.
    pub failed: u64,
}

/// The counters the core maintains; the rest of [`Stats`] is derived.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Counters {
    /// Bytes in used blocks, headers included: counted by the operations
    /// (allocate, free, an in-place resize), not by the list helpers, so
    /// the free bytes are what the pools hold besides these and overhead.
    pub(crate) in_use: usize,
    pub(crate) peak_in_use: usize,
    pub(crate) overhead: usize,
    pub(crate) managed: usize,
    pub(crate) pages_grown: usize,
    pub(crate) allocations: u64,
    pub(crate) deallocations: u64,
    pub(crate) reallocations: u64,
    pub(crate) failed: u64,
}

impl Counters {
    pub(crate) const fn new() -> Self {
        Self {
            in_use: 0,
            peak_in_use: 0,
            overhead: 0,
            managed: 0,
            pages_grown: 0,
            allocations: 0,
            deallocations: 0,
            reallocations: 0,
            failed: 0,
        }
    }

    /// Bytes in free blocks.
    #[inline(always)]
    pub(crate) fn free(&self) -> usize {
        self.managed - self.overhead - self.in_use
    }

    #[inline(always)]
    fn note_peak(&mut self) {
        let in_use = self.in_use;
        if in_use > self.peak_in_use {
            self.peak_in_use = in_use;
        }
    }

    #[inline(always)]
    pub(crate) fn note_allocation(&mut self) {
        self.allocations += 1;
        self.note_peak();
    }

    #[inline(always)]
    pub(crate) fn note_reallocation(&mut self) {
        self.reallocations += 1;
        self.note_peak();
    }

    pub(crate) fn snapshot(&self, largest_free: usize) -> Stats {
        Stats {
            in_use: self.in_use,
            free: self.free(),
            peak_in_use: self.peak_in_use,
            overhead: self.overhead,
            managed: self.managed,
            largest_free,
            pages_grown: self.pages_grown,
            allocations: self.allocations,
            deallocations: self.deallocations,
            reallocations: self.reallocations,
            failed: self.failed,
        }
    }
}

impl<const FLLEN: usize, const SLLEN: usize> crate::Tlsf<FLLEN, SLLEN> {
    /// The current figures (feature `stats`). Finding the largest free
    /// block scans one free list.
    ///
    /// # Example
    ///
    /// ```
    /// let tlsf: wasm_tlsf::Tlsf<16, 8> = wasm_tlsf::Tlsf::new();
    /// assert_eq!(tlsf.stats(), wasm_tlsf::Stats::default());
    /// ```
    pub fn stats(&self) -> Stats {
        self.counters.snapshot(self.largest_free())
    }
}

//! A read-only walk over every block of every pool.
//!
//! Used by the heap checker and by tools that draw the heap. It follows the
//! pool chain (newest pool first) and, in each pool, the blocks in address
//! order up to the sentinel. It borrows the allocator, so the heap cannot
//! change while it runs.

use core::marker::PhantomData;
use core::ptr;

use super::{BlockHdr, Tlsf, W};

/// One block, as seen by [`Tlsf::blocks`].
///
/// # Example
///
/// ```
/// # use core::ptr::NonNull;
/// let mut tlsf: wasm_tlsf::Tlsf<16, 8> = wasm_tlsf::Tlsf::new();
/// let mut pool = vec![0u8; 1024];
/// // SAFETY: `pool` is ours alone and outlives `tlsf`.
/// unsafe { tlsf.add_pool(NonNull::new(pool.as_mut_ptr()).unwrap(), 1024) };
/// let block: wasm_tlsf::BlockInfo = tlsf.blocks().next().unwrap();
/// assert!(block.free && block.first_in_pool);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct BlockInfo {
    /// Address of the block's header; the payload starts one word later.
    pub addr: usize,
    /// The whole block's size in bytes, header included.
    pub size: usize,
    /// Whether the block is free.
    pub free: bool,
    /// Whether this is the first block of its pool (pools are walked newest
    /// first; blocks within a pool in address order).
    pub first_in_pool: bool,
}

/// The iterator returned by [`Tlsf::blocks`].
///
/// # Example
///
/// ```
/// let tlsf: wasm_tlsf::Tlsf<16, 8> = wasm_tlsf::Tlsf::new();
/// let blocks: wasm_tlsf::Blocks<'_> = tlsf.blocks();
/// assert_eq!(blocks.count(), 0);
/// ```
pub struct Blocks<'a> {
    /// The link word of the pool being walked, or of the next pool to walk.
    pub(super) pool: *mut *mut u8,
    /// The next block to yield in the current pool, or null between pools.
    pub(super) block: *const BlockHdr,
    _tlsf: PhantomData<&'a ()>,
}

impl Iterator for Blocks<'_> {
    type Item = BlockInfo;

    fn next(&mut self) -> Option<BlockInfo> {
        let mut first = false;
        if self.block.is_null() {
            if self.pool.is_null() {
                return None;
            }
            // A non-null pool link names a live pool whose first block
            // follows the link word (invariant 7).
            self.block = self.pool.wrapping_byte_add(W).cast();
            first = true;
        }
        // SAFETY: `block` is a block header of a live pool; the allocator is
        // borrowed, so it cannot change under us.
        let flags = unsafe { (*self.block).flags() };
        if flags.size() == 0 {
            // The sentinel: on to the previous pool.
            // SAFETY: the link word of a live pool.
            self.pool = unsafe { self.pool.read().cast() };
            self.block = ptr::null();
            return self.next();
        }
        let info = BlockInfo {
            addr: self.block.addr(),
            size: flags.size(),
            free: flags.is_free(),
            first_in_pool: first,
        };
        // The next header is `size` bytes on, within the pool.
        self.block = self.block.wrapping_byte_add(flags.size());
        Some(info)
    }
}

impl<const FLLEN: usize, const SLLEN: usize> Tlsf<FLLEN, SLLEN> {
    /// Every block of every pool, for drawing or auditing the heap.
    ///
    /// # Example
    ///
    /// ```
    /// # use core::{alloc::Layout, ptr::NonNull};
    /// let mut tlsf: wasm_tlsf::Tlsf<16, 8> = wasm_tlsf::Tlsf::new();
    /// let mut pool = vec![0u8; 1024];
    /// // SAFETY: `pool` is ours alone and outlives `tlsf`.
    /// unsafe { tlsf.add_pool(NonNull::new(pool.as_mut_ptr()).unwrap(), 1024) };
    /// tlsf.allocate(Layout::new::<[u8; 100]>()).unwrap();
    /// let used: usize = tlsf.blocks().filter(|b| !b.free).map(|b| b.size).sum();
    /// assert!(used >= 100);
    /// ```
    pub fn blocks(&self) -> Blocks<'_> {
        Blocks {
            pool: self.pools,
            block: ptr::null(),
            _tlsf: PhantomData,
        }
    }
}

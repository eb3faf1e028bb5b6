//! The heap checker (feature `check`): walks every block of every pool and
//! every free list and verifies the invariants stated in [`super`].
//!
//! It allocates nothing and never panics: it returns the first violation it
//! finds, with the address involved. Tests and fuzzers call it after each
//! step. A check costs O(blocks + size classes): each block is visited
//! once in its pool and, if free, once in its list. Membership is checked
//! per list: the free blocks the pools hold in each class, counted and
//! summed (a hash of their addresses), must be exactly the blocks the
//! class's list holds, which its consistent double links prove distinct.

use super::{tagged_index, BlockHdr, Tlsf, GRANULARITY, MIN_BLOCK, POOL_OVERHEAD, W};

/// What is wrong, as found by [`Tlsf::check`].
///
/// # Example
///
/// ```
/// use wasm_tlsf::{HeapError, Violation};
/// fn describe(e: HeapError) -> &'static str {
///     match e.violation {
///         Violation::AdjacentFree => "a missed merge",
///         Violation::NotInList => "a lost free block",
///         _ => "another broken invariant",
///     }
/// }
/// assert_eq!(describe(HeapError { violation: Violation::AdjacentFree, addr: 8 }), "a missed merge");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Violation {
    /// A block or pool address is not aligned as the layout requires.
    Misaligned,
    /// A block size is not a multiple of the granularity or below the minimum.
    BadSize,
    /// A free block's `PREV_FREE` flag, or a used block's, disagrees with
    /// the block before it.
    PrevFreeFlag,
    /// Two free blocks are adjacent (a missed merge).
    AdjacentFree,
    /// A free block's footer does not point back at it.
    BadFooter,
    /// A free block is not in the list its size maps to (the address is
    /// that list's index).
    NotInList,
    /// A list holds a block that is not free, or is in the wrong class.
    BadListMember,
    /// A list's `prev_free` links disagree with its `next_free` links.
    BrokenLinks,
    /// The lists hold more blocks than the pools have free blocks.
    ExtraListMember,
    /// A bitmap bit disagrees with its list or its second-level map.
    Bitmap,
    /// The top block is not the free block that ends at the newest
    /// memory's sentinel, or that block is not the top block.
    TopBlock,
    /// The statistics disagree with the blocks (feature `stats`).
    Stats,
}

/// The checker's error: what, and where.
///
/// # Example
///
/// ```
/// let e = wasm_tlsf::HeapError { violation: wasm_tlsf::Violation::BadSize, addr: 0x1004 };
/// assert_eq!(e.violation, wasm_tlsf::Violation::BadSize);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HeapError {
    /// The broken invariant.
    pub violation: Violation,
    /// The address of the block (or list head) concerned.
    pub addr: usize,
}

/// What a successful check counted.
///
/// # Example
///
/// ```
/// let tlsf: wasm_tlsf::Tlsf<16, 8> = wasm_tlsf::Tlsf::new();
/// let summary: wasm_tlsf::HeapSummary = tlsf.check().unwrap();
/// assert_eq!(summary.pools, 0);
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct HeapSummary {
    /// Pools walked.
    pub pools: usize,
    /// Used blocks, and their bytes.
    pub used_blocks: usize,
    /// Bytes in used blocks.
    pub used_bytes: usize,
    /// Free blocks.
    pub free_blocks: usize,
    /// Bytes in free blocks.
    pub free_bytes: usize,
    /// Pool bookkeeping bytes (link words and sentinels).
    pub overhead_bytes: usize,
}

impl Violation {
    /// What the violation means, in a few words.
    fn describe(self) -> &'static str {
        match self {
            Self::Misaligned => "misaligned block or pool",
            Self::BadSize => "invalid block size",
            Self::PrevFreeFlag => "PREV_FREE flag disagrees with the block before",
            Self::AdjacentFree => "two adjacent free blocks (a missed merge)",
            Self::BadFooter => "free block's footer does not point back at it",
            Self::NotInList => "free block missing from its free list",
            Self::BadListMember => "free list holds a used block or one of another class",
            Self::BrokenLinks => "free list's back links disagree with its forward links",
            Self::ExtraListMember => "free lists hold more blocks than the pools",
            Self::Bitmap => "bitmap bit disagrees with its list",
            Self::TopBlock => "top block is not the free block at the newest memory's end",
            Self::Stats => "statistics disagree with the blocks",
        }
    }
}

/// The violation and the address: `heap corruption at 0x1004: invalid
/// block size`.
///
/// # Example
///
/// ```
/// let e = wasm_tlsf::HeapError { violation: wasm_tlsf::Violation::BadSize, addr: 0x1004 };
/// assert_eq!(e.to_string(), "heap corruption at 0x1004: invalid block size");
/// let _: &dyn core::error::Error = &e;
/// ```
impl core::fmt::Display for HeapError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "heap corruption at {:#x}: {}",
            self.addr,
            self.violation.describe()
        )
    }
}

/// A `HeapError` is an error like any other (`?` into `Box<dyn Error>`).
///
/// # Example
///
/// ```
/// fn audit(tlsf: &wasm_tlsf::Tlsf<16, 8>) -> Result<usize, Box<dyn std::error::Error>> {
///     Ok(tlsf.check()?.used_blocks)
/// }
/// assert_eq!(audit(&wasm_tlsf::Tlsf::new()).unwrap(), 0);
/// ```
impl core::error::Error for HeapError {}

fn err<T>(violation: Violation, addr: usize) -> Result<T, HeapError> {
    Err(HeapError { violation, addr })
}

impl<const FLLEN: usize, const SLLEN: usize> Tlsf<FLLEN, SLLEN> {
    /// Verifies every invariant of the heap (feature `check`).
    ///
    /// # Example
    ///
    /// ```
    /// # use core::{alloc::Layout, ptr::NonNull};
    /// let mut tlsf: wasm_tlsf::Tlsf<16, 8> = wasm_tlsf::Tlsf::new();
    /// let mut pool = vec![0u8; 4096];
    /// // SAFETY: `pool` is ours alone and outlives `tlsf`.
    /// unsafe { tlsf.add_pool(NonNull::new(pool.as_mut_ptr()).unwrap(), 4096) };
    /// let p = tlsf.allocate(Layout::new::<[u8; 100]>()).unwrap();
    /// let summary = tlsf.check().unwrap();
    /// assert_eq!((summary.used_blocks, summary.free_blocks), (1, 1));
    /// ```
    pub fn check(&self) -> Result<HeapSummary, HeapError> {
        let mut sum = HeapSummary::default();
        // Per class: the free blocks the pools hold, and their address hash.
        let mut count = [[0usize; SLLEN]; FLLEN];
        let mut hash = [[0usize; SLLEN]; FLLEN];
        let mut top_found = false;
        // Physical walk: pool by pool, block by block.
        let mut pool = self.pools;
        while !pool.is_null() {
            sum.pools += 1;
            sum.overhead_bytes += POOL_OVERHEAD;
            if pool.addr() % GRANULARITY != 0 {
                return err(Violation::Misaligned, pool.addr());
            }
            // A pool's first block follows its link word.
            let mut b: *const BlockHdr = pool.wrapping_byte_add(W).cast();
            let mut prev_free = false;
            loop {
                // SAFETY: `b` is a header inside a live pool (we only step
                // by sizes checked below).
                let flags = unsafe { (*b).flags() };
                let addr = b.addr();
                if flags.prev_free() != prev_free {
                    return err(Violation::PrevFreeFlag, addr);
                }
                let size = flags.size();
                if size == 0 {
                    if flags.is_free() {
                        return err(Violation::BadSize, addr);
                    }
                    break; // the sentinel
                }
                if size < MIN_BLOCK || (addr + W) % GRANULARITY != 0 {
                    return err(Violation::BadSize, addr);
                }
                if flags.is_free() {
                    if prev_free {
                        return err(Violation::AdjacentFree, addr);
                    }
                    // SAFETY: a free block's footer is its last word.
                    let footer = unsafe {
                        b.wrapping_byte_add(size - W)
                            .cast::<*const BlockHdr>()
                            .read()
                    };
                    if footer != b {
                        return err(Violation::BadFooter, addr);
                    }
                    // The top block is the free block that ends at `top`,
                    // in no list; every other one is counted in its class,
                    // to be met in that class's list (invariants 5, 8).
                    let ends_at_top = core::ptr::eq(b.wrapping_byte_add(size), self.top);
                    if ends_at_top != core::ptr::eq(b, self.wild) {
                        return err(Violation::TopBlock, addr);
                    }
                    if ends_at_top {
                        top_found = true;
                    } else {
                        let index = Self::map_floor(size);
                        let (fl, sl) = (index / SLLEN, index % SLLEN);
                        count[fl][sl] += 1;
                        hash[fl][sl] = hash[fl][sl].wrapping_add(mix(addr));
                    }
                    sum.free_blocks += 1;
                    sum.free_bytes += size;
                } else {
                    sum.used_blocks += 1;
                    sum.used_bytes += size;
                }
                prev_free = flags.is_free();
                // The next header is `size` bytes on, in the pool.
                b = b.wrapping_byte_add(size);
            }
            // SAFETY: the link word of a live pool.
            pool = unsafe { pool.read().cast() };
        }

        if !self.wild.is_null() && !top_found {
            return err(Violation::TopBlock, self.wild.addr());
        }
        // Logical walk: every list, every bitmap bit.
        for fl in 0..FLLEN {
            let sl_map = self.sl_bitmap[fl];
            if (self.fl_bitmap >> fl & 1 != 0) != (sl_map != 0) {
                return err(Violation::Bitmap, fl);
            }
            for sl in 0..SLLEN {
                let index = fl * SLLEN + sl;
                let mut n = self.first_block(index);
                if (sl_map >> sl & 1 != 0) == n.is_null() {
                    return err(Violation::Bitmap, index);
                }
                // The first block's `prev_free` is the list's head tag.
                let mut expected_prev = None;
                // The class's free blocks not met in its list yet, and the
                // hash of those met.
                let mut left = count[fl][sl];
                let mut met = 0usize;
                while !n.is_null() {
                    if left == 0 {
                        return err(Violation::ExtraListMember, n.addr());
                    }
                    left -= 1;
                    met = met.wrapping_add(mix(n.addr()));
                    // SAFETY: list members are free-block headers until
                    // proven otherwise (a wrong one is reported below, or
                    // by the count and hash); the walk is bounded by the
                    // free blocks of this class found in the pools, so a
                    // corrupted cycle cannot hang it.
                    let (flags, back, next) =
                        unsafe { ((*n).common.flags(), (*n).prev_free, (*n).next_free) };
                    if !flags.is_free() || Self::map_floor(flags.size()) != index {
                        return err(Violation::BadListMember, n.addr());
                    }
                    let linked = match expected_prev {
                        None => tagged_index(back) == Some(index),
                        Some(p) => core::ptr::eq(back, p),
                    };
                    if !linked {
                        return err(Violation::BrokenLinks, n.addr());
                    }
                    expected_prev = Some(n);
                    n = next;
                }
                // Consistent double links from a head tag visit no block
                // twice, so the list holds as many distinct blocks as the
                // pools have free in this class: with the same hash, the
                // same ones.
                if left != 0 || met != hash[fl][sl] {
                    return err(Violation::NotInList, index);
                }
            }
        }
        if FLLEN < 32 && self.fl_bitmap >> FLLEN != 0 {
            return err(Violation::Bitmap, FLLEN);
        }
        #[cfg(feature = "stats")]
        {
            let c = &self.counters;
            if c.free() != sum.free_bytes
                || c.overhead != sum.overhead_bytes
                || c.in_use != sum.used_bytes
                || c.managed != sum.used_bytes + sum.free_bytes + sum.overhead_bytes
                || c.peak_in_use < sum.used_bytes
            {
                return err(Violation::Stats, 0);
            }
        }
        Ok(sum)
    }
}

/// A block address, mixed so that different sets of addresses of one size
/// class (multiples of the granularity) are unlikely to sum alike.
fn mix(addr: usize) -> usize {
    let x = addr ^ addr >> 15;
    x.wrapping_mul(0x9e37_79b9_7f4a_7c15_u64 as usize) ^ x >> 7
}

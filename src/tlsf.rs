//! The TLSF core: constant-time allocation from pools the caller hands in.
//!
//! This module knows nothing of WebAssembly; it is tested on the host and
//! under Miri. [`crate::GlobalTlsf`] feeds it `memory.grow` pages.
//!
//! # Block layout
//!
//! Let `W = size_of::<usize>()` (4 on wasm32) and `G = 2 * W` (the
//! granularity, [`GRANULARITY`]). Memory in a pool is a sequence of
//! physically adjacent blocks, ended by a sentinel:
//!
//! ```text
//!  pool:  [link][block][block]...[block][sentinel]
//!  used:  [size|flags ][payload .....................]
//!  free:  [size|flags ][next_free][prev_free|head tag] ... [footer = &block]
//!          ^ block address b, b % G == W, so the payload b + W is G-aligned
//! ```
//!
//! Invariants (the heap checker, [`Tlsf::check`], asserts every one):
//!
//! 1. **Header.** Every block starts with one word: its size (a multiple of
//!    `G`, at least [`MIN_BLOCK`]) ORed with two flags, [`Flags::FREE`]
//!    (this block is free) and [`Flags::PREV_FREE`] (the block physically
//!    before it is free). A block's address `b` satisfies `b % G == W`.
//! 2. **Used overhead is one word.** A used block is header + payload. The
//!    payload of a block of size `s` is `s - W` bytes.
//! 3. **Footer only while free.** A free block stores its own address in its
//!    last word. A block with `PREV_FREE` finds its predecessor there (TLSF
//!    2.0's "previous physical block" link, kept only while it is needed).
//! 4. **Coalesced.** No two free blocks are adjacent; so a free block never
//!    has `PREV_FREE` set, and freeing merges with at most one block on each
//!    side.
//! 5. **Free-list membership.** Every free block but the top block (8) is
//!    in exactly one list: the doubly linked list `heads[map_floor(size)]`,
//!    and nothing else is in any list. The first block's `prev_free` is the
//!    list's head tag, `(index * W) | 1` (odd, so never a block address);
//!    the last block's `next_free` is null; `heads[i]` is the first block
//!    or null.
//! 6. **Bitmaps.** Bit `sl` of `sl_bitmap[fl]` is set iff list `(fl, sl)` is
//!    non-empty; bit `fl` of `fl_bitmap` is set iff `sl_bitmap[fl] != 0`.
//! 7. **Pools.** Each pool starts with a link word (the previous pool, or
//!    null) and ends with a sentinel: a header of size 0, not free. The
//!    first block of a pool never has `PREV_FREE`. A pool ends at most at
//!    `usize::MAX + 1 - GRANULARITY`, so its end is an address (memory that
//!    reaches the top of the address space gives up its last granule).
//! 8. **Top block.** `top` is the sentinel of the memory added last (null
//!    before any). The free block that ends at `top`, if there is one, is
//!    the top block, `Tlsf::wild`: it is in no list, and allocation takes
//!    it only when no list holds a block large enough. Otherwise `wild` is
//!    null. (Its `next_free` and `prev_free` words hold nothing.)
//!
//! Block sizes are `usize` and may exceed `isize::MAX` (on wasm32 a free
//! block can span most of a 4 GiB memory). Pointer arithmetic by a block
//! size therefore uses the `wrapping_*` methods, which carry no in-bounds
//! or `isize` requirement; it never actually wraps, as every block lies
//! inside a pool. (Payloads given to callers are at most `isize::MAX`
//! bytes, as `Layout` requires, so copies of them are in bounds.)
//!
//! # Size classes
//!
//! A block of `n = size / G` granules is in class `index = (shift << SL) +
//! (n >> shift)` with `shift = log2(max(n, SLLEN)) - SL` and `SL =
//! log2(SLLEN)`: classes below `SLLEN` granules are exact, above that each
//! power of two is cut into `SLLEN` equal parts (first level `fl = index /
//! SLLEN`, second level `sl = index % SLLEN`). This is the paper's two-level
//! mapping with the small-size range folded in without a branch.

use core::alloc::Layout;
use core::mem::size_of;
use core::ptr::{self, NonNull};

use crate::bitmap;

#[cfg(feature = "check")]
mod check;
#[cfg(feature = "debug-checks")]
pub(crate) mod debug;
mod fmt;
mod walk;

#[cfg(feature = "check")]
pub use check::{HeapError, HeapSummary, Violation};
pub use walk::{BlockInfo, Blocks};

/// Bytes in a machine word: the used-block overhead.
const W: usize = size_of::<usize>();

/// Block sizes and payload addresses are multiples of this (8 on wasm32).
///
/// # Example
///
/// ```
/// assert_eq!(wasm_tlsf::GRANULARITY, 2 * core::mem::size_of::<usize>());
/// ```
pub const GRANULARITY: usize = 2 * W;
const G_LOG2: u32 = GRANULARITY.trailing_zeros();

/// The smallest block: a header, two free-list links and a footer
/// (16 bytes on wasm32, so the smallest allocation holds 12 bytes).
///
/// # Example
///
/// ```
/// assert_eq!(wasm_tlsf::MIN_BLOCK, 4 * core::mem::size_of::<usize>());
/// ```
pub const MIN_BLOCK: usize = 4 * W;

/// The pool overhead: the link word at its start and the sentinel at its end.
pub(crate) const POOL_OVERHEAD: usize = 2 * W;

/// The flag bits kept in the low bits of a block's size word.
#[derive(Clone, Copy, PartialEq, Eq)]
#[repr(transparent)]
pub(crate) struct Flags(usize);

impl Flags {
    /// This block is free (and so is in a free list).
    pub(crate) const FREE: usize = 1;
    /// The block physically before this one is free; its footer, the word
    /// just before this header, points at it.
    pub(crate) const PREV_FREE: usize = 2;
    const MASK: usize = GRANULARITY - 1;

    #[inline(always)]
    pub(crate) const fn size(self) -> usize {
        self.0 & !Self::MASK
    }
    #[inline(always)]
    pub(crate) const fn is_free(self) -> bool {
        self.0 & Self::FREE != 0
    }
    #[inline(always)]
    pub(crate) const fn prev_free(self) -> bool {
        self.0 & Self::PREV_FREE != 0
    }
}

/// The header every block starts with (invariant 1).
#[repr(C)]
pub(crate) struct BlockHdr {
    /// Size in bytes (multiple of `GRANULARITY`), ORed with [`Flags`].
    word: usize,
}

impl BlockHdr {
    #[inline(always)]
    pub(crate) fn flags(&self) -> Flags {
        Flags(self.word)
    }
}

/// A free block's header: the common header plus the free-list links
/// (invariant 5). Its footer is in the block's last word (invariant 3).
///
/// `next_free` is the next block of the list, or null at its end.
/// `prev_free` is the previous block, or, for the list's first block, a
/// *head tag*: the list's index as `index * W | 1`, which no block address
/// can be (block addresses are even, invariant 1). So unlinking finds the
/// list it must update, and its class, without a size-class computation,
/// and no block ever points into the `Tlsf` itself, which may move. (The
/// tag less one is the head's byte offset in `heads`: unlinking a list's
/// first block addresses the head straight from the tag.)
#[repr(C)]
pub(crate) struct FreeBlockHdr {
    common: BlockHdr,
    next_free: *mut FreeBlockHdr,
    prev_free: *mut FreeBlockHdr,
}

/// The head tag of list `index` (see [`FreeBlockHdr`]).
#[inline(always)]
fn head_tag(index: usize) -> *mut FreeBlockHdr {
    ptr::without_provenance_mut((index * W) | 1)
}

/// The list index a head tag names, if `prev` is one.
#[inline(always)]
pub(crate) fn tagged_index(prev: *const FreeBlockHdr) -> Option<usize> {
    if prev.addr() & 1 != 0 {
        Some(prev.addr() / W)
    } else {
        None
    }
}

/// The block size (header included, rounded to the granularity, at least
/// `MIN_BLOCK`) that holds `size` payload bytes; `size <= isize::MAX`, so
/// this cannot overflow.
#[inline(always)]
pub(crate) const fn block_size_for(size: usize) -> usize {
    let s = (size + W + GRANULARITY - 1) & !(GRANULARITY - 1);
    if s < MIN_BLOCK {
        MIN_BLOCK
    } else {
        s
    }
}

/// The size to search for so that a block of at least that size can hold
/// `layout` at its alignment: for alignments above the granularity, room
/// for the worst-case leading gap, which must itself be a valid free block.
/// `Layout` guarantees `size + align - 1 <= isize::MAX`, so the total stays
/// below `isize::MAX + 5 * W` and nothing overflows.
#[inline(always)]
const fn search_size_for(layout: Layout) -> usize {
    let bs = block_size_for(layout.size());
    if layout.align() > GRANULARITY {
        bs + layout.align() - GRANULARITY + MIN_BLOCK
    } else {
        bs
    }
}

/// A bound on the bytes a fresh pool needs so that allocating `layout`
/// from it succeeds: the search size plus the pool overhead. Used by
/// [`crate::GlobalTlsf`] to size a `memory.grow`.
#[inline(always)]
pub(crate) const fn pool_bytes_for(layout: Layout) -> usize {
    // `size + align <= isize::MAX + 1`, so adding `7 * W` cannot overflow.
    layout.size() + layout.align() + 5 * W + POOL_OVERHEAD
}

/// Why [`Tlsf::reallocate_in_place`] could not resize an allocation. In
/// both cases the allocation and the free memory are as they were.
///
/// # Example
///
/// ```
/// let e = wasm_tlsf::InPlaceError::PoolEnd { shortfall: 64 };
/// assert_ne!(e, wasm_tlsf::InPlaceError::Blocked);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum InPlaceError {
    /// The allocation is the last block of its pool (with the free block
    /// after it, if any): extending the pool by `shortfall` bytes right
    /// after its end ([`Tlsf::extend_pool`]) lets the same resize succeed,
    /// except where the extension reaches the top of the address space: a
    /// pool ends at most at `usize::MAX + 1 - GRANULARITY` (its end must be
    /// an address), so there it gains one granule less, and the resize
    /// fails again (with a `shortfall` that no memory can provide).
    PoolEnd {
        /// Bytes the pool lacks: a multiple of [`GRANULARITY`], at least
        /// [`MIN_BLOCK`] (the least `extend_pool` takes).
        shortfall: usize,
    },
    /// A used block follows the allocation (after the free block between
    /// them, if any): it can only move.
    Blocked,
}

/// Where the region `[addr, addr + len)` puts its first block: the
/// block's header address and size, or `None` if it cannot hold one.
///
/// A new pool starts with its link word at the first granule, then the
/// first header at `link + W`, so that `b % G == W` (invariant 1); an
/// extension (`extend`) starts at the old sentinel, `addr - W`. The block
/// ends one word (the sentinel) before the region's end rounded down to the
/// granularity; a region that reaches the top of the address space
/// (`addr + len == usize::MAX + 1`, the end of a full 4 GiB wasm32 memory)
/// ends one granule lower, so that its end is an address (invariant 7).
/// Regions are memory, so none reaches past the top; given that, no
/// arithmetic here overflows.
#[inline]
const fn region_block(addr: usize, len: usize, extend: bool) -> Option<(usize, usize)> {
    // The caller's region is memory, so `addr + len <= usize::MAX + 1`:
    // a carry means it ends exactly at the top.
    let (end, top) = addr.overflowing_add(len);
    let end = (end & !(GRANULARITY - 1)).wrapping_sub(top as usize * GRANULARITY);
    if len < MIN_BLOCK {
        return None;
    }
    // With `len >= MIN_BLOCK > G`, rounding `addr` up cannot overflow.
    let b = if extend {
        addr - W
    } else {
        ((addr + GRANULARITY - 1) & !(GRANULARITY - 1)) + W
    };
    match end.checked_sub(b + W) {
        Some(size) if size >= MIN_BLOCK => Some((b, size)),
        _ => None,
    }
}

/// The TLSF allocator core.
///
/// It manages the pools given to [`add_pool`](Self::add_pool) and
/// [`extend_pool`](Self::extend_pool); it never asks for memory itself.
/// Allocation and deallocation take a constant number of steps whatever the
/// number of blocks (see [`allocate`](Self::allocate) for the one bounded
/// exception that keeps the largest free block allocatable).
///
/// - `FLLEN`: first-level classes, 1 to 32. The last class starts at
///   `(2 * SLLEN - 1) << (FLLEN - 2)` granules; larger free blocks all share
///   its list, which is scanned for requests beyond it.
/// - `SLLEN`: second-level classes per first-level class, a power of two
///   from 4 to 32. Larger means less rounding waste and a larger control
///   block (`FLLEN * SLLEN` list heads).
///
/// Invalid parameters are rejected at compile time.
///
/// # Example
///
/// ```
/// use core::alloc::Layout;
/// use core::ptr::NonNull;
/// use wasm_tlsf::Tlsf;
///
/// let mut pool = vec![0u8; 4096];
/// let mut tlsf: Tlsf<20, 16> = Tlsf::new();
/// // SAFETY: `pool` outlives every use of `tlsf` below and is used by nothing else.
/// unsafe { tlsf.add_pool(NonNull::new(pool.as_mut_ptr()).unwrap(), pool.len()) };
///
/// let layout = Layout::from_size_align(100, 8).unwrap();
/// let p = tlsf.allocate(layout).expect("the pool has room");
/// // SAFETY: `p` came from this `tlsf` and is freed once.
/// unsafe { tlsf.deallocate(p) };
/// ```
pub struct Tlsf<const FLLEN: usize, const SLLEN: usize> {
    /// Bit `fl` set iff `sl_bitmap[fl] != 0` (invariant 6).
    fl_bitmap: u32,
    /// Bit `sl` of `sl_bitmap[fl]` set iff list `(fl, sl)` is non-empty.
    sl_bitmap: [u32; FLLEN],
    /// The first block of each list by class, or null (invariant 5).
    heads: [[*mut FreeBlockHdr; SLLEN]; FLLEN],
    /// The newest pool's link word; each link word holds the previous
    /// pool's (invariant 7). Lets the checker and [`Tlsf::blocks`] walk
    /// every block.
    pools: *mut *mut u8,
    /// The sentinel of the memory added last (null before any): the free
    /// block that ends there is the heap's growing end, the top block
    /// (invariant 8). Only compared, never dereferenced.
    top: *mut BlockHdr,
    /// The top block (the free block that ends at `top`, kept out of the
    /// lists and taken last), or null (invariant 8).
    wild: *mut BlockHdr,
    #[cfg(feature = "stats")]
    pub(crate) counters: crate::stats::Counters,
    /// The address range the pools span (feature `debug-checks`).
    #[cfg(feature = "debug-checks")]
    bounds: debug::Bounds,
}

// SAFETY: a `Tlsf` owns its pools exclusively (the contract of `add_pool`)
// and has no thread affinity; moving it to another thread moves that
// ownership with it.
unsafe impl<const FLLEN: usize, const SLLEN: usize> Send for Tlsf<FLLEN, SLLEN> {}

impl<const FLLEN: usize, const SLLEN: usize> Default for Tlsf<FLLEN, SLLEN> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const FLLEN: usize, const SLLEN: usize> Tlsf<FLLEN, SLLEN> {
    /// Evaluated by [`Tlsf::new`]: invalid parameters fail the build.
    const VALID: () = {
        assert!(FLLEN >= 1 && FLLEN <= 32, "FLLEN must be in 1..=32");
        assert!(
            SLLEN.is_power_of_two() && SLLEN >= 4 && SLLEN <= 32,
            "SLLEN must be a power of two in 4..=32"
        );
    };
    const SL_LOG2: u32 = SLLEN.trailing_zeros();
    /// The number of lists; list indices are `0..NUM_LISTS`.
    const NUM_LISTS: usize = FLLEN * SLLEN;

    /// An empty allocator with no pools.
    ///
    /// # Example
    ///
    /// ```
    /// static mut TLSF: wasm_tlsf::Tlsf<12, 8> = wasm_tlsf::Tlsf::new();
    /// ```
    pub const fn new() -> Self {
        #[allow(clippy::let_unit_value)]
        let () = Self::VALID;
        Self {
            fl_bitmap: 0,
            sl_bitmap: [0; FLLEN],
            heads: [[ptr::null_mut(); SLLEN]; FLLEN],
            pools: ptr::null_mut(),
            top: ptr::null_mut(),
            wild: ptr::null_mut(),
            #[cfg(feature = "stats")]
            counters: crate::stats::Counters::new(),
            #[cfg(feature = "debug-checks")]
            bounds: debug::Bounds::EMPTY,
        }
    }

    // ---- size-class mapping -------------------------------------------------

    /// The class of a block of `size` bytes: the list a free block of that
    /// size lives in. Sizes past the last class map to the last list, so
    /// every free block has a list. (Like the other small helpers below,
    /// inlined or not as the compiler weighs it at the user's opt-level;
    /// the operations that use them are out of line, so each appears once.)
    fn map_floor(size: usize) -> usize {
        // With `n = size / G` and `shift = log2(max(n, SLLEN)) - SL` (see
        // "Size classes"), `t = shift + log2(G)`, computed from `size`
        // directly: one shift fewer.
        let t = bitmap::log2(size | (SLLEN << G_LOG2)) - Self::SL_LOG2;
        let index =
            ((t as usize) << Self::SL_LOG2) + (size >> t) - ((G_LOG2 as usize) << Self::SL_LOG2);
        if Self::COVERS_ADDRESS_SPACE || index < Self::NUM_LISTS {
            index
        } else {
            Self::NUM_LISTS - 1
        }
    }

    /// Whether every `usize` size maps inside the lists, so that
    /// `map_floor` needs no clamp (true for `SmallGlobalTlsf`'s 25 x 32 on
    /// wasm32: the largest shift is `32 - 1 - 3 - 5 = 23`, first level 24).
    const COVERS_ADDRESS_SPACE: bool =
        (usize::BITS - 1 - G_LOG2 - Self::SL_LOG2) as usize + 1 < FLLEN;

    /// The list head for class `index`.
    ///
    /// # Safety
    /// `index < NUM_LISTS`.
    #[inline(always)]
    unsafe fn head(&mut self, index: usize) -> *mut *mut FreeBlockHdr {
        // SAFETY: `heads` is `FLLEN` contiguous arrays of `SLLEN` heads, so
        // flat index `index < FLLEN * SLLEN` is in bounds.
        unsafe {
            self.heads
                .as_mut_ptr()
                .cast::<*mut FreeBlockHdr>()
                .add(index)
        }
    }

    /// The first block of list `index < NUM_LISTS`, for the checkers.
    #[cfg(any(feature = "check", feature = "debug-checks"))]
    fn first_block(&self, index: usize) -> *mut FreeBlockHdr {
        self.heads[index / SLLEN][index % SLLEN]
    }

    // ---- free lists ---------------------------------------------------------

    /// Makes `[b, b + size)` a free block: writes its header and footer,
    /// flags the next block `PREV_FREE` and pushes it on its list, or, if
    /// it ends at `top`, makes it the top block (invariant 8).
    ///
    /// Split in two halves, as [`unlink_free_block`](Self::unlink_free_block)
    /// is, so that the compiler can inline one without the other where it
    /// optimizes for size: this half (a few stores and the top-block test)
    /// carries an inline hint, which "s" follows and "z" ignores; the list
    /// half, [`list_free_block`](Self::list_free_block), has none and two
    /// callers, so "s" calls it while opt-level 3 inlines it too. At "s",
    /// carving from the top block, and freeing a block next to it, then
    /// call no helper: in V8 a path with no call left runs faster than one
    /// with a call fewer (BENCHMARKS.md, appendix D).
    ///
    /// # Safety
    /// `[b, b + size)` is memory of a pool, laid out as a block (`b % G ==
    /// W`, `size` a multiple of `G`, at least `MIN_BLOCK`), followed by a
    /// block header; the block before it is not free, nor is the one after.
    #[inline]
    unsafe fn link_free_block(&mut self, b: *mut BlockHdr, size: usize) {
        // SAFETY: the caller guarantees the block and the next header are
        // pool memory laid out as described.
        unsafe {
            let next = b.wrapping_byte_add(size);
            (*next).word |= Flags::PREV_FREE;
            next.wrapping_byte_sub(W).cast::<*mut BlockHdr>().write(b);
            (*b).word = size | Flags::FREE;
            if next == self.top {
                self.wild = b;
            } else {
                self.list_free_block(b.cast(), size);
            }
        }
    }

    /// Pushes free block `n` of `size` bytes, its header and footer
    /// written, on its class's list, setting the list's bitmap bits if it
    /// was empty: the list half of [`link_free_block`](Self::link_free_block),
    /// also called for the old top block when new memory is added.
    ///
    /// # Safety
    /// `n` is a free block of `size` bytes in no list, not the top block.
    unsafe fn list_free_block(&mut self, n: *mut FreeBlockHdr, size: usize) {
        let index = Self::map_floor(size);
        // SAFETY: `map_floor` is always in range; a non-empty list's head
        // and members are free blocks (invariant 5).
        unsafe {
            let head = self.head(index);
            let first = *head;
            *head = n;
            (*n).next_free = first;
            (*n).prev_free = head_tag(index);
            if !first.is_null() {
                (*first).prev_free = n;
            } else {
                // The list was empty: its bits were clear (invariant 6).
                self.update_list_bits(index);
            }
        }
    }

    /// Updates list `index`'s bits when the list just became non-empty or
    /// empty: its own bit, and its first level's when the level's word goes
    /// from or to zero (invariant 6). One body serves both directions by
    /// flipping the bits.
    ///
    /// # Safety
    /// `index < NUM_LISTS`, and the list just became non-empty or empty.
    unsafe fn update_list_bits(&mut self, index: usize) {
        let fl = index >> Self::SL_LOG2;
        // SAFETY: `fl < FLLEN` since `index < FLLEN * SLLEN`.
        let sl = unsafe { self.sl_bitmap.get_unchecked_mut(fl) };
        let was = *sl;
        *sl ^= bitmap::bit(index & (SLLEN - 1));
        if was == 0 || *sl == 0 {
            self.fl_bitmap ^= bitmap::bit(fl);
        }
    }

    /// Removes free block `n` from its list, or, if it is the top block,
    /// unsets `wild` (its header keeps its size and `FREE` flag until the
    /// caller rewrites it). Inline-hinted, with its list half out of line at
    /// "s", for the reason given at [`link_free_block`](Self::link_free_block).
    ///
    /// # Safety
    /// `n` is a free block of this allocator.
    #[inline]
    unsafe fn unlink_free_block(&mut self, n: *mut FreeBlockHdr) {
        // SAFETY: `n` is a free block: the top block, or else in a list
        // (invariants 5, 8), as `unlist_free_block` requires.
        unsafe {
            if n.cast() == self.wild {
                self.wild = ptr::null_mut();
            } else {
                self.unlist_free_block(n);
            }
        }
    }

    /// Removes free block `n` from its list: the list half of
    /// [`unlink_free_block`](Self::unlink_free_block), also called for a
    /// free block that cannot be the top block. It reads `n`'s links here,
    /// in the caller, and hands them to [`unlist`](Self::unlist): given `n`
    /// itself, the compiler would move those loads into every caller
    /// anyway, as address additions that wasm's load offsets cannot absorb.
    ///
    /// # Safety
    /// `n` is a free block in a list (not the top block).
    #[inline(always)]
    unsafe fn unlist_free_block(&mut self, n: *mut FreeBlockHdr) {
        // SAFETY: `n` is in a list of free blocks (invariant 5): its links
        // are the blocks next to it in that list, null at the list's end, or
        // the list's head tag, as `unlist` requires.
        unsafe {
            self.unlist((*n).next_free, (*n).prev_free);
        }
    }

    /// Removes from its list the free block whose links are `next` and
    /// `prev`. No size-class computation: the first block of a list
    /// carries the list's index in its head tag.
    ///
    /// # Safety
    /// `next` and `prev` are the links of a free block in a list.
    unsafe fn unlist(&mut self, next: *mut FreeBlockHdr, prev: *mut FreeBlockHdr) {
        // SAFETY: the links of a listed block are listed blocks, null (the
        // list's end) or its list's head tag (invariant 5); a head tag
        // names a list in range.
        unsafe {
            if !next.is_null() {
                (*next).prev_free = prev;
            }
            match tagged_index(prev) {
                None => (*prev).next_free = next,
                Some(index) => {
                    // The head, addressed by its byte offset, `tag - 1`.
                    *self
                        .heads
                        .as_mut_ptr()
                        .cast::<*mut FreeBlockHdr>()
                        .wrapping_byte_add(prev.addr() - 1) = next;
                    if next.is_null() {
                        // The block was the list's only member.
                        self.update_list_bits(index);
                    }
                }
            }
        }
    }

    /// Finds a free block of at least `size` bytes (`size` a multiple of
    /// `G`), or null.
    ///
    /// First the head of `size`'s own class, if it is large enough: a closer
    /// fit than good fit's, at the cost of one comparison. Then good fit, in
    /// constant time: the first non-empty class above `size`'s own, where
    /// every block is large enough. (If `size` starts its class, every block
    /// of that class fits, so the head check has already taken it.) Then the
    /// top block (invariant 8), if it is large enough: the newest memory's
    /// free tail is taken last, like dlmalloc's top chunk, so small requests
    /// go to older holes instead of fencing off the heap's end, a freed
    /// block next to the tail merges with it, and memory grown later
    /// continues it. If that finds nothing, `size`'s own list may still hold
    /// a block that is large enough (its class straddles `size`); it is
    /// scanned, so that a request never fails, nor grows memory, while a
    /// free block could hold it. That scan runs only when the heap would
    /// otherwise have to grow or fail, and costs one step per block in that
    /// one list.
    ///
    /// # Safety
    /// The allocator's invariants hold.
    #[inline(always)]
    unsafe fn search_suitable_block(&mut self, size: usize) -> *mut FreeBlockHdr {
        let floor = Self::map_floor(size);
        // SAFETY: `map_floor` is always in range; a set bit names a
        // non-empty list, whose members are free blocks, and so is the top
        // block (invariants 5, 6, 8).
        unsafe {
            let first = *self.head(floor);
            if !first.is_null() && (*first).common.flags().size() >= size {
                return first;
            }
            let index = self.first_list_above(floor);
            if index < Self::NUM_LISTS {
                return *self.head(index);
            }
            let wild = self.wild;
            if !wild.is_null() && (*wild).flags().size() >= size {
                return wild.cast();
            }
            let mut n = first;
            while !n.is_null() && (*n).common.flags().size() < size {
                n = (*n).next_free;
            }
            n
        }
    }

    /// The first non-empty list in a class above `index`'s (whose every
    /// block is larger than any of class `index`), or `NUM_LISTS` if there
    /// is none. Two bitmap lookups (invariant 6).
    ///
    /// # Safety
    /// `index < NUM_LISTS`.
    unsafe fn first_list_above(&self, index: usize) -> usize {
        let mut fl = index >> Self::SL_LOG2;
        // SAFETY: `fl < FLLEN`; only bits below FLLEN are ever set in
        // `fl_bitmap` (invariant 6).
        unsafe {
            let mut sl_map = bitmap::above(*self.sl_bitmap.get_unchecked(fl), index & (SLLEN - 1));
            if sl_map == 0 {
                let fl_map = bitmap::above(self.fl_bitmap, fl);
                if fl_map == 0 {
                    return Self::NUM_LISTS;
                }
                fl = bitmap::lowest(fl_map);
                sl_map = *self.sl_bitmap.get_unchecked(fl);
            }
            (fl << Self::SL_LOG2) + bitmap::lowest(sl_map)
        }
    }

    // ---- blocks -------------------------------------------------------------

    /// Turns block `b` (taken off its list, or used) of `size` bytes into a
    /// used block of `want` bytes, returning the tail to the free lists when
    /// it is large enough to be a block.
    ///
    /// # Safety
    /// `b` is a block of `size >= want` bytes that no list holds; the block
    /// after it is not free; `want` is a valid block size.
    #[inline]
    unsafe fn use_block(&mut self, b: *mut BlockHdr, size: usize, want: usize) {
        // SAFETY: per the contract, `b` and the header after it are valid.
        unsafe {
            let prev = (*b).word & Flags::PREV_FREE;
            let rest = size - want;
            if rest >= MIN_BLOCK {
                (*b).word = want | prev;
                self.link_free_block(b.wrapping_byte_add(want), rest);
            } else {
                (*b).word = size | prev;
                (*b.wrapping_byte_add(size)).word &= !Flags::PREV_FREE;
            }
        }
    }

    /// If the block at `next` is free, takes it off its list and returns
    /// `size` plus its size; otherwise returns `size`. Inline-hinted, like
    /// the top-block halves of link and unlink: at "s" a free that merges
    /// with the top block then calls nothing.
    ///
    /// # Safety
    /// `next` is a block header of this allocator (or a sentinel).
    #[inline]
    unsafe fn absorb_next(&mut self, next: *mut BlockHdr, size: usize) -> usize {
        // SAFETY: a free block is in its list (invariant 5).
        unsafe {
            let flags = (*next).flags();
            if flags.is_free() {
                self.unlink_free_block(next.cast());
                return size + flags.size();
            }
        }
        size
    }

    /// Frees used block `b`, merging it with free neighbours.
    ///
    /// # Safety
    /// `b` is a used block of this allocator.
    #[inline(never)]
    unsafe fn free_block(&mut self, mut b: *mut BlockHdr) {
        // SAFETY: `b` is a used block; its neighbours are found through its
        // size and its `PREV_FREE` footer (invariants 1, 3).
        unsafe {
            // Read once: nothing below writes `b`'s header before it is
            // rewritten at the end (unlinking touches only free blocks).
            let flags = (*b).flags();
            let mut size = self.absorb_next(b.wrapping_byte_add(flags.size()), flags.size());
            if flags.prev_free() {
                let prev = b.wrapping_byte_sub(W).cast::<*mut BlockHdr>().read();
                size += (*prev).flags().size();
                // Not the top block, which ends at `top`, a sentinel: `b`
                // is a used block (`add_region` lists the old top block
                // before it frees the old sentinel as a block).
                self.unlist_free_block(prev.cast());
                b = prev;
            }
            self.link_free_block(b, size);
        }
    }

    /// Adds `[start, start + len)` as free memory: as a new pool, or, if
    /// `start == prev_end`, as a continuation of the pool ending there (its
    /// sentinel becomes the new region's header and keeps its `PREV_FREE`
    /// flag, so the region merges with a free last block). Returns the new
    /// pool end, or `None`, changing nothing, if the region cannot hold a
    /// block.
    ///
    /// # Safety
    /// As [`add_pool`](Self::add_pool); if `start == prev_end`, as
    /// [`extend_pool`](Self::extend_pool).
    pub(crate) unsafe fn add_region(
        &mut self,
        start: NonNull<u8>,
        len: usize,
        prev_end: *mut u8,
    ) -> Option<NonNull<u8>> {
        let addr = start.as_ptr().addr();
        let extend = start.as_ptr() == prev_end;
        let (b, size) = region_block(addr, len, extend)?;
        // SAFETY: `[b - W, end)` lies in memory the caller gives us, or, when
        // extending, starts at the old sentinel; the pointers derive from
        // `start`.
        unsafe {
            let b = start
                .as_ptr()
                .wrapping_byte_add(b.wrapping_sub(addr))
                .cast::<BlockHdr>();
            if !extend {
                let link = b.wrapping_byte_sub(W).cast::<*mut *mut u8>();
                link.write(self.pools.cast());
                self.pools = link.cast();
                (*b).word = 0;
                #[cfg(feature = "stats")]
                {
                    self.counters.managed += POOL_OVERHEAD;
                    self.counters.overhead += POOL_OVERHEAD;
                }
            }
            (*b).word |= size;
            let sentinel = b.wrapping_byte_add(size);
            (*sentinel).word = 0;
            self.top = sentinel;
            // The old top block no longer ends at `top`: it joins the lists
            // (invariants 5, 8). When the region continues its pool, the
            // free below merges it back.
            let wild = self.wild;
            if !wild.is_null() {
                // It stops being the top block and joins its class's list
                // as it is: its header, its footer and the next header's
                // `PREV_FREE` are those of a free block already; its
                // neighbours are not free (invariant 4; the old sentinel is
                // not free until the free below).
                self.unlink_free_block(wild.cast());
                self.list_free_block(wild.cast(), (*wild).flags().size());
            }
            #[cfg(feature = "debug-checks")]
            self.bounds.include(b.addr() - W, sentinel.addr() + W);
            #[cfg(feature = "stats")]
            {
                self.counters.managed += size;
            }
            self.free_block(b);
            Some(NonNull::new_unchecked(sentinel.wrapping_byte_add(W).cast()))
        }
    }

    /// Gives the allocator the memory `[start, start + len)` as a new pool.
    ///
    /// Returns the pool's end (at most `start + len`), which
    /// [`extend_pool`](Self::extend_pool) takes to grow the pool in place,
    /// or `None`, changing nothing, if the region is too small for one block
    /// after alignment (`2 * GRANULARITY + MIN_BLOCK` bytes always suffice).
    ///
    /// # Safety
    /// The memory is valid for reads and writes, is used by nothing else for
    /// as long as this allocator is used, and does not overlap another pool.
    ///
    /// # Example
    ///
    /// ```
    /// use core::ptr::NonNull;
    /// let mut tlsf: wasm_tlsf::Tlsf<16, 8> = wasm_tlsf::Tlsf::new();
    /// let mut pool = vec![0u8; 1024];
    /// // SAFETY: `pool` is ours alone and outlives `tlsf`.
    /// let end = unsafe { tlsf.add_pool(NonNull::new(pool.as_mut_ptr()).unwrap(), 1024) };
    /// assert!(end.is_some());
    /// ```
    pub unsafe fn add_pool(&mut self, start: NonNull<u8>, len: usize) -> Option<NonNull<u8>> {
        // SAFETY: forwarded contract; a null `prev_end` never equals `start`.
        unsafe { self.add_region(start, len, ptr::null_mut()) }
    }

    /// Grows the pool that ends at `end` by the `len` bytes right after it
    /// (rounded down to the granularity); they merge with the pool's last
    /// block if that is free. Returns the new end, or `None`, changing
    /// nothing, if `len < MIN_BLOCK`.
    ///
    /// # Safety
    /// `end` was returned by `add_pool` or `extend_pool` of this allocator
    /// and not passed to `extend_pool` since; `[end, end + len)` is valid,
    /// owned as in [`add_pool`](Self::add_pool).
    ///
    /// # Example
    ///
    /// ```
    /// use core::ptr::NonNull;
    /// let mut tlsf: wasm_tlsf::Tlsf<16, 8> = wasm_tlsf::Tlsf::new();
    /// let mut memory = vec![0u64; 256]; // 2 KiB, 8-byte aligned
    /// let base = memory.as_mut_ptr().cast::<u8>();
    /// // SAFETY: `memory` is ours alone and outlives `tlsf`; the second call
    /// // extends the pool by the bytes right after its end.
    /// unsafe {
    ///     let end = tlsf.add_pool(NonNull::new(base).unwrap(), 1024).unwrap();
    ///     assert_eq!(end.as_ptr(), base.add(1024));
    ///     let end = tlsf.extend_pool(end, 1024).unwrap();
    ///     assert_eq!(end.as_ptr(), base.add(2048));
    /// }
    /// ```
    pub unsafe fn extend_pool(&mut self, end: NonNull<u8>, len: usize) -> Option<NonNull<u8>> {
        // SAFETY: forwarded contract.
        unsafe { self.add_region(end, len, end.as_ptr()) }
    }

    /// The first half of an in-place resize: merges the allocation at
    /// `ptr`, whose block is `size` bytes, with the free block after it, if
    /// any, and returns its new block size (the block stays used; finish
    /// with [`settle`](Self::settle)). With `size` the block's own size,
    /// this is a plain grow into the next block; with a larger size, after
    /// [`extend_pool`](Self::extend_pool) appended memory right after the
    /// block (which `ptr + size == end` of its pool tells), it takes that
    /// memory.
    ///
    /// # Safety
    /// `ptr` was returned by this allocator and not freed since; `size` is
    /// its block's current size (as returned by `block_size` or by this).
    #[inline(always)]
    pub(crate) unsafe fn absorb_after(&mut self, ptr: NonNull<u8>, size: usize) -> usize {
        // SAFETY: a live block's header is one word before its payload
        // (invariant 2), and the next header `size` bytes after it.
        unsafe {
            self.absorb_next(
                ptr.as_ptr()
                    .wrapping_byte_sub(W)
                    .wrapping_byte_add(size)
                    .cast(),
                size,
            )
        }
    }

    /// The block size of the allocation at `ptr`.
    ///
    /// # Safety
    /// `ptr` was returned by this allocator and not freed since.
    #[inline(always)]
    pub(crate) unsafe fn block_size(&self, ptr: NonNull<u8>) -> usize {
        // SAFETY: a live block's header is one word before its payload.
        unsafe {
            (*ptr.as_ptr().wrapping_byte_sub(W).cast::<BlockHdr>())
                .flags()
                .size()
        }
    }

    /// The second half of an in-place resize: the allocation at `ptr`,
    /// whose block [`absorb_after`](Self::absorb_after) made `size` bytes
    /// out of `orig`, keeps `want` bytes (a block size) and returns the rest
    /// to the free lists, if `size >= want`. Otherwise it keeps its `orig`
    /// bytes and gives back what `absorb_after` took, as the one free block
    /// it was (or, after growing memory, that block and the pages grown):
    /// a resize that fails leaves the free memory as it found it. Either
    /// way its header is right again, and the heap consistent, before
    /// anything else runs. Returns whether it fits.
    ///
    /// # Safety
    /// As `absorb_after`, with `orig` its argument and `size` its result.
    #[inline(always)]
    pub(crate) unsafe fn settle(
        &mut self,
        ptr: NonNull<u8>,
        orig: usize,
        size: usize,
        want: usize,
    ) -> bool {
        let fits = size >= want;
        let b = ptr.as_ptr().wrapping_byte_sub(W).cast::<BlockHdr>();
        // SAFETY: after `absorb_after`, the block after it is not free; the
        // `size - orig` bytes given back were one free block (at least
        // `MIN_BLOCK`) or nothing.
        unsafe {
            self.use_block(b, size, if fits { want } else { orig });
            // The block grew or shrank in place: from `orig` bytes to its
            // size now.
            #[cfg(feature = "stats")]
            {
                self.counters.in_use = self.counters.in_use - orig + (*b).flags().size();
            }
        }
        fits
    }

    /// An in-place resize in one call: [`absorb_after`](Self::absorb_after)
    /// then [`settle`](Self::settle). Returns the size the allocation
    /// could reach in place: it fits if that is at least `want`. (Its one
    /// call is the body of the global realloc's loop, which runs again
    /// after growing memory; inlined there, it costs no call.)
    ///
    /// # Safety
    /// As `absorb_after`, with `orig` its `size`; `want` a valid block size.
    #[inline]
    pub(crate) unsafe fn resize(&mut self, ptr: NonNull<u8>, orig: usize, want: usize) -> usize {
        // SAFETY: forwarded contract.
        unsafe {
            let size = self.absorb_after(ptr, orig);
            self.settle(ptr, orig, size, want);
            size
        }
    }

    /// The size of the top block (invariant 8), or 0 if there is none: the
    /// free block at the end of the memory added last, which memory
    /// appended right after it with [`extend_pool`](Self::extend_pool)
    /// merges with.
    #[inline(always)]
    pub(crate) fn top_free(&self) -> usize {
        if self.wild.is_null() {
            0
        } else {
            // SAFETY: the top block is a free block (invariant 8).
            unsafe { (*self.wild).flags().size() }
        }
    }

    // ---- the allocation API -------------------------------------------------

    /// Allocates memory for `layout`, or returns `None` if no free block can
    /// hold it. Runs in constant time, except when the constant-time search
    /// finds nothing: then one size class (the one `layout` rounds down to)
    /// is scanned, block by block, so that a request that fits in a free
    /// block never fails.
    ///
    /// `None` also answers, without touching the heap, a zero size. Requests
    /// beyond the last size class are served only from the last list. Any
    /// alignment a `Layout` can express is honoured; alignments above the
    /// granularity search for `size + align + 8` bytes on wasm32.
    ///
    /// # Example
    ///
    /// ```
    /// # use core::{alloc::Layout, ptr::NonNull};
    /// let mut tlsf: wasm_tlsf::Tlsf<16, 8> = wasm_tlsf::Tlsf::new();
    /// let mut pool = vec![0u8; 4096];
    /// // SAFETY: `pool` is ours alone and outlives `tlsf`.
    /// unsafe { tlsf.add_pool(NonNull::new(pool.as_mut_ptr()).unwrap(), 4096) };
    /// let p = tlsf.allocate(Layout::from_size_align(10, 256).unwrap()).unwrap();
    /// assert_eq!(p.as_ptr() as usize % 256, 0);
    /// assert!(tlsf.allocate(Layout::from_size_align(0, 1).unwrap()).is_none());
    /// assert!(tlsf.allocate(Layout::from_size_align(1 << 20, 1).unwrap()).is_none());
    /// ```
    pub fn allocate(&mut self, layout: Layout) -> Option<NonNull<u8>> {
        if layout.size() == 0 {
            return None;
        }
        let p = self.allocate_uncounted(layout);
        #[cfg(feature = "stats")]
        if p.is_none() {
            self.counters.failed += 1;
        }
        p
    }

    /// [`allocate`](Self::allocate) without counting a failure (the global
    /// allocator retries after growing memory and counts its own) and
    /// without refusing a zero size (the global allocator refuses it
    /// first; given one, this returns a minimum block). Inline-hinted, so
    /// that its body is in its caller, the core's `allocate` or the global
    /// allocator's out-of-line allocation, which the program then calls
    /// directly.
    #[inline]
    pub(crate) fn allocate_uncounted(&mut self, layout: Layout) -> Option<NonNull<u8>> {
        let want = block_size_for(layout.size());
        // SAFETY: the invariants hold between calls; every block touched is
        // found through them.
        unsafe {
            let n = self.search_suitable_block(search_size_for(layout));
            if n.is_null() {
                return None;
            }
            let size = (*n).common.flags().size();
            let payload = n.addr() + W;
            let align = layout.align();
            // Only when align > G: a leading free block of at least
            // MIN_BLOCK bytes, so the payload lands on the alignment (the
            // search size left room for it).
            let gap = if payload & (align - 1) != 0 {
                ((payload + MIN_BLOCK + align - 1) & !(align - 1)) - payload
            } else {
                0
            };
            let b = n.cast::<BlockHdr>().wrapping_byte_add(gap);
            // `n` leaves its list (or stops being the top block) before
            // the rest, which may become the top block, is linked.
            self.unlink_free_block(n);
            // `use_block` keeps the flag `PREV_FREE` of `b`'s header: clear
            // (without a gap `b` is `n`, free, so the flag was clear anyway,
            // invariant 4; freeing the gap sets it).
            (*b).word = 0;
            self.use_block(b, size - gap, want);
            if gap != 0 {
                // The gap is freed as a used block would be (its neighbours
                // are used: `b`, and the block before `n`, invariant 4):
                // one out-of-line call for this rare path.
                (*n).common.word = gap;
                self.free_block(n.cast());
            }
            #[cfg(feature = "stats")]
            {
                self.counters.in_use += (*b).flags().size();
                self.counters.note_allocation();
            }
            Some(NonNull::new_unchecked(b.wrapping_byte_add(W).cast()))
        }
    }

    /// Frees memory returned by [`allocate`](Self::allocate) or
    /// [`reallocate`](Self::reallocate). Constant time.
    ///
    /// # Safety
    /// `ptr` was returned by this allocator and not freed since.
    ///
    /// # Panics
    /// Only with the feature `debug-checks`, which validates `ptr` first
    /// (in constant time) and panics, before touching the heap, on a double
    /// free, a pointer this allocator did not return, or a corrupted header
    /// next to the block, naming the fault and the address.
    ///
    /// # Example
    ///
    /// ```
    /// # use core::{alloc::Layout, ptr::NonNull};
    /// let mut tlsf: wasm_tlsf::Tlsf<16, 8> = wasm_tlsf::Tlsf::new();
    /// let mut pool = vec![0u8; 4096];
    /// // SAFETY: `pool` is ours alone and outlives `tlsf`.
    /// unsafe { tlsf.add_pool(NonNull::new(pool.as_mut_ptr()).unwrap(), 4096) };
    /// let p = tlsf.allocate(Layout::new::<[u8; 3000]>()).unwrap();
    /// // SAFETY: `p` is live and ours.
    /// unsafe { tlsf.deallocate(p) };
    /// assert!(tlsf.allocate(Layout::new::<[u8; 3000]>()).is_some());
    /// ```
    pub unsafe fn deallocate(&mut self, ptr: NonNull<u8>) {
        // SAFETY: the pools are readable; any pointer may be checked.
        #[cfg(feature = "debug-checks")]
        if let Err(fault) = unsafe { self.debug_validate(ptr, debug::Op::Free) } {
            fault.raise();
        }
        // SAFETY: `ptr` is a live allocation, so its header is one word before.
        unsafe {
            let b = ptr.as_ptr().wrapping_byte_sub(W).cast::<BlockHdr>();
            #[cfg(feature = "stats")]
            {
                self.counters.deallocations += 1;
                self.counters.in_use -= (*b).flags().size();
            }
            self.free_block(b);
        }
    }

    /// Resizes the allocation at `ptr` to `new_size` bytes without moving
    /// it, growing into a following free block or returning a shrunk tail
    /// to the free lists. Constant time. A `new_size` of 0 shrinks it to
    /// the smallest block.
    ///
    /// On failure the allocation and the free memory are exactly as they
    /// were, and the error says whether extending the pool would help: see
    /// [`InPlaceError`].
    ///
    /// # Safety
    /// `ptr` was returned by this allocator and not freed since;
    /// `new_size <= isize::MAX`.
    ///
    /// # Panics
    /// Only with the feature `debug-checks`: as
    /// [`deallocate`](Self::deallocate).
    ///
    /// # Example
    ///
    /// ```
    /// # use core::{alloc::Layout, ptr::NonNull};
    /// use wasm_tlsf::InPlaceError;
    /// let mut tlsf: wasm_tlsf::Tlsf<16, 8> = wasm_tlsf::Tlsf::new();
    /// let mut pool = vec![0u64; 1024]; // 8 KiB
    /// let start = NonNull::new(pool.as_mut_ptr().cast::<u8>()).unwrap();
    /// // SAFETY: `pool` is ours alone and outlives `tlsf`; the pool is
    /// // extended by bytes of the same buffer, right after its end.
    /// unsafe {
    ///     let end = tlsf.add_pool(start, 4096).unwrap();
    ///     let p = tlsf.allocate(Layout::new::<[u8; 16]>()).unwrap();
    ///     assert_eq!(tlsf.reallocate_in_place(p, 1000), Ok(()));
    ///     // The last block of the pool: the error says what it lacks.
    ///     let Err(InPlaceError::PoolEnd { shortfall }) = tlsf.reallocate_in_place(p, 6000)
    ///     else { unreachable!() };
    ///     tlsf.extend_pool(end, shortfall).unwrap();
    ///     assert_eq!(tlsf.reallocate_in_place(p, 6000), Ok(()));
    /// }
    /// ```
    pub unsafe fn reallocate_in_place(
        &mut self,
        ptr: NonNull<u8>,
        new_size: usize,
    ) -> Result<(), InPlaceError> {
        // SAFETY: the pools are readable; any pointer may be checked.
        #[cfg(feature = "debug-checks")]
        if let Err(fault) = unsafe { self.debug_validate(ptr, debug::Op::Realloc) } {
            fault.raise();
        }
        let want = block_size_for(new_size);
        // SAFETY: `ptr` is a live allocation; its header and the block after
        // it are valid (invariant 1).
        unsafe {
            let orig = self.block_size(ptr);
            let size = self.resize(ptr, orig, want);
            let fits = size >= want;
            #[cfg(feature = "stats")]
            self.counters.note_reallocation();
            if fits {
                Ok(())
            } else if (*ptr
                .as_ptr()
                .wrapping_byte_sub(W)
                .wrapping_byte_add(size)
                .cast::<BlockHdr>())
            .flags()
            .size()
                == 0
            {
                // The room it had ends at the sentinel (the only header of
                // size 0): memory right after the pool would reach it. An
                // extension is at least `MIN_BLOCK` bytes (`extend_pool`
                // takes no less); both sizes are multiples of `G`.
                Err(InPlaceError::PoolEnd {
                    shortfall: (want - size).max(MIN_BLOCK),
                })
            } else {
                Err(InPlaceError::Blocked)
            }
        }
    }

    /// Resizes the allocation at `ptr` to `new_layout.size()`: in place if
    /// possible, otherwise by allocate, copy and free. Returns `None`, with
    /// the old allocation and the free memory intact, if there is no room,
    /// and for a size of 0 (as [`allocate`](Self::allocate) does).
    ///
    /// # Safety
    /// `ptr` was returned by this allocator, not freed since, and is aligned
    /// to `new_layout.align()`; `old_size` is at most the size it was
    /// allocated with.
    ///
    /// # Example
    ///
    /// ```
    /// # use core::{alloc::Layout, ptr::NonNull};
    /// let mut tlsf: wasm_tlsf::Tlsf<16, 8> = wasm_tlsf::Tlsf::new();
    /// let mut pool = vec![0u8; 4096];
    /// // SAFETY: `pool` is ours alone and outlives `tlsf`.
    /// unsafe { tlsf.add_pool(NonNull::new(pool.as_mut_ptr()).unwrap(), 4096) };
    /// let p = tlsf.allocate(Layout::new::<u32>()).unwrap();
    /// // SAFETY: `p` is live, ours, 4-byte aligned, holds 4 bytes.
    /// unsafe {
    ///     p.cast::<u32>().write(7);
    ///     let q = tlsf.reallocate(p, 4, Layout::new::<[u32; 64]>()).unwrap();
    ///     assert_eq!(q.cast::<u32>().read(), 7);
    /// }
    /// ```
    pub unsafe fn reallocate(
        &mut self,
        ptr: NonNull<u8>,
        old_size: usize,
        new_layout: Layout,
    ) -> Option<NonNull<u8>> {
        if new_layout.size() == 0 {
            return None;
        }
        // SAFETY: forwarded contract.
        unsafe {
            if self.reallocate_in_place(ptr, new_layout.size()).is_ok() {
                return Some(ptr);
            }
            let new = self.allocate(new_layout)?;
            ptr::copy_nonoverlapping(ptr.as_ptr(), new.as_ptr(), old_size.min(new_layout.size()));
            self.deallocate(ptr);
            Some(new)
        }
    }

    /// The payload bytes usable at `ptr` (at least the size it was
    /// allocated with).
    ///
    /// # Safety
    /// `ptr` was returned by this allocator and not freed since.
    ///
    /// # Example
    ///
    /// ```
    /// # use core::{alloc::Layout, ptr::NonNull};
    /// let mut tlsf: wasm_tlsf::Tlsf<16, 8> = wasm_tlsf::Tlsf::new();
    /// let mut pool = vec![0u8; 4096];
    /// // SAFETY: `pool` is ours alone and outlives `tlsf`.
    /// unsafe { tlsf.add_pool(NonNull::new(pool.as_mut_ptr()).unwrap(), 4096) };
    /// let p = tlsf.allocate(Layout::new::<[u8; 10]>()).unwrap();
    /// // SAFETY: `p` is live and ours.
    /// assert!(unsafe { tlsf.usable_size(p) } >= 10);
    /// ```
    pub unsafe fn usable_size(&self, ptr: NonNull<u8>) -> usize {
        // SAFETY: forwarded contract; the payload is the block less its
        // header (invariant 2).
        unsafe { self.block_size(ptr) - W }
    }

    /// The largest free block's payload size (0 if none): the largest
    /// request with alignment up to [`GRANULARITY`] that succeeds without
    /// new memory. Scans one list (and looks at the top block), so it is not constant-time.
    ///
    /// # Example
    ///
    /// ```
    /// # use core::ptr::NonNull;
    /// let mut tlsf: wasm_tlsf::Tlsf<16, 8> = wasm_tlsf::Tlsf::new();
    /// assert_eq!(tlsf.largest_free(), 0);
    /// let mut pool = vec![0u8; 4096];
    /// // SAFETY: `pool` is ours alone and outlives `tlsf`.
    /// unsafe { tlsf.add_pool(NonNull::new(pool.as_mut_ptr()).unwrap(), 4096) };
    /// assert!(tlsf.largest_free() > 4000);
    /// ```
    pub fn largest_free(&self) -> usize {
        let mut best = 0;
        if !self.wild.is_null() {
            // SAFETY: the top block, if any, is a free block (invariant 8).
            best = unsafe { (*self.wild).flags().size() };
        }
        if self.fl_bitmap != 0 {
            let fl = bitmap::log2(self.fl_bitmap as usize) as usize;
            // SAFETY: bit `fl` is set, so `sl_bitmap[fl]` is non-zero and in range.
            let sl = bitmap::log2(unsafe { *self.sl_bitmap.get_unchecked(fl) } as usize) as usize;
            // SAFETY: the list is non-empty; members are free blocks.
            unsafe {
                let mut n = *self
                    .heads
                    .as_ptr()
                    .cast::<*mut FreeBlockHdr>()
                    .add((fl << Self::SL_LOG2) + sl);
                while !n.is_null() {
                    best = best.max((*n).common.flags().size());
                    n = (*n).next_free;
                }
            }
        }
        best.saturating_sub(W)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `SmallGlobalTlsf`'s configuration: exactly a 4 GiB address space.
    const SL: usize = 32;
    type T = Tlsf<25, SL>;

    /// The smallest block size in class `index` (in `u64`: the class after
    /// the last one starts at 4 GiB).
    fn class_lower_bound(index: usize) -> u64 {
        let fl = index / SL;
        let sl = (index % SL) as u64;
        let n = if fl == 0 {
            sl
        } else {
            (SL as u64 + sl) << (fl - 1)
        };
        n << G_LOG2
    }

    #[test]
    fn header_sizes() {
        // Safety depends on these: one-word used overhead, a free header of
        // three words, and a minimum block that also holds the footer.
        assert_eq!(size_of::<BlockHdr>(), W);
        assert_eq!(size_of::<FreeBlockHdr>(), 3 * W);
        // Block addresses are even, so a head tag (odd) is never one.
        assert_eq!(W % 2, 0);
        assert_eq!(MIN_BLOCK, size_of::<FreeBlockHdr>() + W);
        assert_eq!(GRANULARITY, 2 * W);
        // The flags fit in the bits a granule-multiple size leaves free.
        const { assert!((Flags::FREE | Flags::PREV_FREE) & !Flags::MASK == 0) };
        #[cfg(target_pointer_width = "32")]
        {
            assert_eq!(W, 4);
            assert_eq!(GRANULARITY, 8);
            assert_eq!(MIN_BLOCK, 16);
        }
    }

    #[test]
    fn block_sizes() {
        assert_eq!(block_size_for(1), MIN_BLOCK);
        assert_eq!(block_size_for(MIN_BLOCK - W), MIN_BLOCK);
        assert_eq!(block_size_for(MIN_BLOCK - W + 1), MIN_BLOCK + GRANULARITY);
        assert!(block_size_for(isize::MAX as usize) > isize::MAX as usize);
        let huge = Layout::from_size_align(isize::MAX as usize - 65535, 65536).unwrap();
        assert!(search_size_for(huge) > isize::MAX as usize);
    }

    #[test]
    fn floor_brackets_every_size() {
        // `search_suitable_block` relies on both: every block in a class
        // above `map_floor(size)` holds `size`, and so does every block of
        // `size`'s own class when `size` starts it.
        let mut size = MIN_BLOCK;
        while size < 1 << 26 {
            let floor = T::map_floor(size);
            let (lo, s64) = (class_lower_bound(floor), size as u64);
            assert!(lo <= s64, "size {size}: floor class {floor} starts at {lo}");
            assert!(
                class_lower_bound(floor + 1) > s64,
                "size {size}: floor class {floor} is not the last that starts below it"
            );
            size += GRANULARITY * (1 + size / 997);
        }
    }

    #[test]
    fn classes_are_contiguous_and_increasing() {
        for index in 2..T::NUM_LISTS - 1 {
            let lo = class_lower_bound(index);
            assert!(lo < class_lower_bound(index + 1));
            if lo <= usize::MAX as u64 {
                assert_eq!(T::map_floor(lo as usize), index);
            }
        }
        // With 8-byte granules (32-bit targets, wasm32), the last class
        // starts inside the 4 GiB address space and the one after it would
        // start at 4 GiB: 25 x 32 classes cover wasm32 exactly.
        #[cfg(target_pointer_width = "32")]
        {
            assert!(class_lower_bound(T::NUM_LISTS - 1) < 1 << 32);
            assert_eq!(class_lower_bound(T::NUM_LISTS), 1 << 32);
        }
    }

    #[test]
    fn address_space_coverage() {
        // On 32-bit targets, 25 x 32 classes reach every size without a
        // clamp; smaller configurations, and 64-bit ones, need it.
        #[cfg(target_pointer_width = "32")]
        const {
            assert!(Tlsf::<25, 32>::COVERS_ADDRESS_SPACE)
        };
        const { assert!(!Tlsf::<24, 32>::COVERS_ADDRESS_SPACE) };
        const { assert!(!Tlsf::<4, 4>::COVERS_ADDRESS_SPACE) };
        if Tlsf::<25, 32>::COVERS_ADDRESS_SPACE {
            assert!(Tlsf::<25, 32>::map_floor(usize::MAX & !(GRANULARITY - 1)) < 800);
        }
    }

    /// Regression: memory that ends exactly at the top
    /// of the address space (a full 4 GiB wasm32 memory) is used, short of
    /// its last granule, and nothing in the arithmetic overflows.
    #[test]
    fn regions_up_to_the_top_of_the_address_space() {
        let top = usize::MAX - (usize::MAX >> 1); // 2^31 on wasm32
        let g = GRANULARITY;
        // A new pool whose memory ends at `usize::MAX + 1`.
        let (b, size) = region_block(top, usize::MAX - top + 1, false).unwrap();
        assert_eq!(b, top + W);
        assert_eq!(b + size, usize::MAX - g + 1 - W, "the sentinel");
        assert_eq!(b + size + W, usize::MAX - g + 1, "the pool end");
        // An extension that reaches the top (the pool ended at `end`).
        let end = usize::MAX - 4 * 65536 + 1;
        let (b, size) = region_block(end, 4 * 65536, true).unwrap();
        assert_eq!((b, size), (end - W, 4 * 65536 - g));
        // A few pages below the top keep every byte.
        let (b, size) = region_block(end - 65536, 65536, true).unwrap();
        assert_eq!((b, size), (end - 65536 - W, 65536));
        // Too small: no block.
        assert_eq!(region_block(64, 0, false), None);
        assert_eq!(region_block(64, MIN_BLOCK - 1, true), None);
        // An aligned pool needs a link word, a block and the sentinel.
        assert_eq!(region_block(64, MIN_BLOCK + g - 1, false), None);
        assert_eq!(
            region_block(64, MIN_BLOCK + g, false),
            Some((64 + W, MIN_BLOCK))
        );
        // The smallest pool at the very top: the same, and the granule
        // given up.
        let at = usize::MAX - (MIN_BLOCK + 2 * g) + 1;
        assert_eq!(
            region_block(at, MIN_BLOCK + 2 * g, false),
            Some((at + W, MIN_BLOCK))
        );
        assert_eq!(region_block(at + g, MIN_BLOCK + g, false), None);
    }

    extern crate std;
    use std::vec::Vec;

    /// The start of a buffer, 8-byte aligned.
    fn start(buf: &mut Vec<u64>) -> NonNull<u8> {
        NonNull::new(buf.as_mut_ptr().cast()).unwrap()
    }

    /// Regression: allocations carved from the heap's end touch no free
    /// list (its free tail is the top block, in no list); frees next to it
    /// merge back into it. Before, the tail was a list member, and every
    /// carve unlinked it and pushed its rest (the bitmaps were never empty).
    #[cfg(feature = "check")]
    #[test]
    fn carving_from_the_top_block_touches_no_list() {
        let mut buf = std::vec![0u64; 1024];
        let mut t = T::new();
        // SAFETY: the buffer is ours alone and outlives `t`.
        unsafe { t.add_pool(start(&mut buf), 8192).unwrap() };
        assert_eq!((t.fl_bitmap, t.wild.is_null()), (0, false));
        let whole = t.largest_free();
        let layout = Layout::new::<[u8; 24]>();
        let ptrs: Vec<_> = (0..100).map(|_| t.allocate(layout).unwrap()).collect();
        assert_eq!(t.fl_bitmap, 0, "no list holds a block");
        assert_eq!(t.largest_free(), whole - 100 * block_size_for(24));
        assert!(t.check().is_ok());
        // Freed from the last one down, each merges into the top block.
        for p in ptrs.into_iter().rev() {
            // SAFETY: `p` is live and ours.
            unsafe { t.deallocate(p) };
            assert_eq!(t.fl_bitmap, 0);
        }
        assert_eq!(t.largest_free(), whole);
        assert!(t.check().is_ok());
    }

    /// Regression: a new pool's block becomes the top block, and the old
    /// top block, no longer at the newest memory's end, joins the lists.
    #[cfg(feature = "check")]
    #[test]
    fn a_new_pool_moves_the_top_block() {
        let (mut one, mut two) = (std::vec![0u64; 512], std::vec![0u64; 512]);
        let mut t = T::new();
        // SAFETY: the buffers are ours alone and outlive `t`.
        unsafe { t.add_pool(start(&mut one), 4096).unwrap() };
        let old = t.wild;
        assert!(!old.is_null());
        // SAFETY: as above.
        unsafe { t.add_pool(start(&mut two), 4096).unwrap() };
        assert!(!t.wild.is_null() && t.wild != old);
        assert_ne!(t.fl_bitmap, 0, "the old top block is in a list");
        assert!(t.check().is_ok());
        // Both are used before memory would grow: the lists first.
        let layout = Layout::new::<[u8; 3000]>();
        let a = t.allocate(layout).unwrap();
        let b = t.allocate(layout).unwrap();
        assert!(t.allocate(layout).is_none());
        assert!(t.check().is_ok());
        // SAFETY: live and ours.
        unsafe { (t.deallocate(a), t.deallocate(b)) };
        assert!(t.check().is_ok());
    }

    #[test]
    fn huge_sizes_clamp_to_the_last_list() {
        type Small = Tlsf<4, 4>;
        assert_eq!(
            Small::map_floor(usize::MAX & !(GRANULARITY - 1)),
            Small::NUM_LISTS - 1
        );
        // The last class starts at (2 * SLLEN - 1) << (FLLEN - 2) granules.
        let last = (2 * 4 - 1) << 2 << G_LOG2;
        assert_eq!(Small::map_floor(last), Small::NUM_LISTS - 1);
        assert_eq!(Small::map_floor(last - GRANULARITY), Small::NUM_LISTS - 2);
    }
}

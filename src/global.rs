//! [`GlobalTlsf`]: the TLSF core behind `GlobalAlloc`, fed by a
//! [`MemorySource`].
//!
//! What it adds to the core:
//! - the memory the program already has (`__heap_base` to the end of the
//!   initial memory) is the first pool, used before any `memory.grow`;
//! - growth by what a request needs, rounded up to whole pages (the minimum
//!   step is one page); grown pages are added to the heap at once, so they
//!   are never lost even when the request still fails;
//! - pages that continue the heap's last pool extend it, merging with its
//!   last free block; pages after memory someone else grew become a pool of
//!   their own, and the foreign pages in between are never touched;
//! - realloc in place; else into a free block that fits; else, when the
//!   block is the last of the heap, growing memory right after it instead
//!   of moving it (a growing `Vec` at the end of the heap never copies and
//!   never leaves a hole).

use core::alloc::{GlobalAlloc, Layout};
use core::cell::UnsafeCell;
use core::num::NonZeroUsize;
use core::ptr::{self, NonNull};

use crate::lock::{reach, Lock};
use crate::source::{Growth, MemorySource};
use crate::tlsf::{block_size_for, pool_bytes_for, Tlsf, GRANULARITY};

/// A `GlobalAlloc` over a [`Tlsf`] whose memory comes from a
/// [`MemorySource`]. On wasm32 use `SmallGlobalTlsf`, which is this over
/// `memory.grow`.
///
/// It is `Sync`, and so usable as `#[global_allocator]`, on every target:
/// where more than one thread can call it (wasm32 with shared memory:
/// `wasm32-wasip1-threads`, or a build with the `atomics` target feature;
/// and every non-wasm target) each method holds a spin lock for its work
/// on the heap, and needs a source that can move between threads
/// (`S: Send`); on wasm32 without `atomics` there is one thread and no
/// lock at all.
///
/// Re-entry: each call holds the heap exclusively until it returns, so
/// nothing it calls may call back into the same allocator. Its
/// [`MemorySource`] must not (that is part of the trait's contract), nor
/// may the closure given to [`inspect`](Self::inspect); where the
/// allocator is locked, such a call would wait for its own lock forever.
/// With feature `debug-checks`, a fault is raised (panics) only after the
/// heap and the lock are let go, so a panic hook may allocate.
///
/// # Example
///
/// ```
/// use core::alloc::{GlobalAlloc, Layout};
/// use core::ptr::NonNull;
/// use wasm_tlsf::{GlobalTlsf, MemorySource};
///
/// struct Fixed(Option<NonNull<u8>>);
/// // SAFETY: the buffer is handed out once and never used elsewhere.
/// unsafe impl MemorySource for Fixed {
///     fn initial(&mut self) -> Option<(NonNull<u8>, usize)> {
///         Some((self.0.take()?, 4096))
///     }
///     fn grow(&mut self, _pages: usize) -> Option<NonNull<u8>> {
///         None
///     }
/// }
///
/// let buffer = Box::leak(Box::new([0u64; 512]));
/// let a = GlobalTlsf::<_, 16, 8>::with_source(Fixed(NonNull::new(buffer.as_mut_ptr().cast())));
/// let layout = Layout::new::<[u8; 100]>();
/// // SAFETY: non-zero size; the pointer is freed once with its layout.
/// unsafe {
///     let p = a.alloc(layout);
///     assert!(!p.is_null());
///     a.dealloc(p, layout);
/// }
/// ```
pub struct GlobalTlsf<S: MemorySource, const FLLEN: usize, const SLLEN: usize> {
    /// Held by every access to `inner` (zero-sized where there is one
    /// thread).
    lock: Lock,
    inner: UnsafeCell<Inner<S, FLLEN, SLLEN>>,
}

/// [`Inner::end`] once started with no pool to continue: the last address,
/// odd where pool ends are multiples of the granularity, so no block's end
/// equals it, and memory that starts there (one byte at most) holds no
/// block, so none is taken to continue a pool there.
const NO_POOL: *mut u8 = ptr::without_provenance_mut(usize::MAX);

struct Inner<S, const FLLEN: usize, const SLLEN: usize> {
    tlsf: Tlsf<FLLEN, SLLEN>,
    source: S,
    /// The end of the newest pool, where `memory.grow` continues it. Null
    /// until the source's initial memory has been asked for (so the static
    /// stays all zeros, and no flag of its own is loaded and stored);
    /// [`NO_POOL`] while there is no pool to continue: none yet, or
    /// after a growth that counted on the newest pool's free tail but
    /// started a pool of its own (someone else grew memory just before), or
    /// after memory too small for a block. The next growth then counts on
    /// no tail and continues no pool.
    end: *mut u8,
    /// Pages grown so far, kept for [`Growth::Amortized`] only.
    grown: usize,
    /// The start of the first pool (null before, and always where the
    /// source's provenance is exposed): by the source's contract, its
    /// provenance covers every byte the source hands out, so every block is
    /// reached through it (see [`Inner::ours`]).
    base: *mut u8,
}

// SAFETY: without `wasm_tlsf_threads` (wasm32 without `atomics`) there is
// exactly one thread, so the `UnsafeCell` is never accessed concurrently.
#[cfg(not(wasm_tlsf_threads))]
unsafe impl<S: MemorySource, const FLLEN: usize, const SLLEN: usize> Sync
    for GlobalTlsf<S, FLLEN, SLLEN>
{
}

// SAFETY: every access to the `UnsafeCell` holds `lock` (see `inner`), so
// one thread at a time uses the heap and the source, which may therefore
// be used from any thread (`S: Send`). Nothing else is shared: blocks
// handed out belong to their caller.
#[cfg(wasm_tlsf_threads)]
unsafe impl<S: MemorySource + Send, const FLLEN: usize, const SLLEN: usize> Sync
    for GlobalTlsf<S, FLLEN, SLLEN>
{
}

impl<S: MemorySource, const FLLEN: usize, const SLLEN: usize> GlobalTlsf<S, FLLEN, SLLEN> {
    /// An allocator that will take its memory from `source`, lazily, on the
    /// first allocation.
    ///
    /// # Example
    ///
    /// ```
    /// # #[cfg(target_arch = "wasm32")] {
    /// #[global_allocator]
    /// static A: wasm_tlsf::GlobalTlsf<wasm_tlsf::WasmMemory, 25, 32> =
    ///     wasm_tlsf::GlobalTlsf::with_source(wasm_tlsf::WasmMemory);
    /// # }
    /// ```
    pub const fn with_source(source: S) -> Self {
        Self {
            lock: Lock::new(),
            inner: UnsafeCell::new(Inner {
                tlsf: Tlsf::new(),
                source,
                end: ptr::null_mut(),
                grown: 0,
                base: ptr::null_mut(),
            }),
        }
    }

    /// The core allocator and source, exclusively.
    ///
    /// # Safety
    /// No other reference into `inner` is live: the caller holds `lock`
    /// (a guard from `self.lock.lock()`) for as long as the reference is
    /// used, and does not call out to code that allocates meanwhile. True
    /// in the `GlobalAlloc` methods, `inspect` and `Debug`.
    #[allow(clippy::mut_from_ref)]
    #[inline(always)]
    unsafe fn inner(&self) -> &mut Inner<S, FLLEN, SLLEN> {
        // SAFETY: forwarded contract.
        unsafe { &mut *self.inner.get() }
    }

    /// Runs `f` on the core allocator (with a shared borrow), for
    /// inspection: the heap checker, the block walk, statistics.
    ///
    /// `f` must not allocate through this same allocator, nor format it
    /// with `Debug` (it would change the heap being looked at; where the
    /// allocator is locked, it would wait for its own lock forever); the
    /// borrow rules cannot catch that, so the method is `unsafe`. Other
    /// threads' calls wait while `f` runs.
    ///
    /// # Safety
    /// `f` does not call into this allocator.
    ///
    /// # Example
    ///
    /// ```
    /// # use core::{alloc::{GlobalAlloc, Layout}, ptr::NonNull};
    /// # struct Fixed(Option<NonNull<u8>>);
    /// # unsafe impl wasm_tlsf::MemorySource for Fixed {
    /// #     fn initial(&mut self) -> Option<(NonNull<u8>, usize)> { Some((self.0.take()?, 4096)) }
    /// #     fn grow(&mut self, _: usize) -> Option<NonNull<u8>> { None }
    /// # }
    /// # let buffer = Box::leak(Box::new([0u64; 512]));
    /// let a = wasm_tlsf::GlobalTlsf::<_, 16, 8>::with_source(
    ///     Fixed(NonNull::new(buffer.as_mut_ptr().cast())));
    /// // SAFETY: the closure does not allocate.
    /// unsafe { a.alloc(Layout::new::<u64>()) };
    /// let used = unsafe { a.inspect(|t| t.blocks().filter(|b| !b.free).count()) };
    /// assert_eq!(used, 1);
    /// ```
    pub unsafe fn inspect<R>(&self, f: impl FnOnce(&Tlsf<FLLEN, SLLEN>) -> R) -> R {
        let _held = self.lock.lock();
        // SAFETY: the lock is held, and by the forwarded contract `f` does
        // not call into the allocator meanwhile.
        f(unsafe { &self.inner().tlsf })
    }

    /// The allocator's figures, including pages grown and failed requests
    /// (feature `stats`).
    ///
    /// # Example
    ///
    /// ```
    /// # use core::{alloc::{GlobalAlloc, Layout}, ptr::NonNull};
    /// # struct Fixed(Option<NonNull<u8>>);
    /// # // SAFETY: the buffer is handed out once.
    /// # unsafe impl wasm_tlsf::MemorySource for Fixed {
    /// #     fn initial(&mut self) -> Option<(NonNull<u8>, usize)> { Some((self.0.take()?, 4096)) }
    /// #     fn grow(&mut self, _: usize) -> Option<NonNull<u8>> { None }
    /// # }
    /// # let buffer = Box::leak(Box::new([0u64; 512]));
    /// let a = wasm_tlsf::GlobalTlsf::<_, 16, 8>::with_source(
    ///     Fixed(NonNull::new(buffer.as_mut_ptr().cast())));
    /// // SAFETY: a non-zero size.
    /// unsafe { a.alloc(Layout::new::<[u8; 100]>()) };
    /// assert_eq!(a.stats().allocations, 1);
    /// assert_eq!(a.stats().pages_grown, 0);
    /// ```
    #[cfg(feature = "stats")]
    pub fn stats(&self) -> crate::Stats {
        // SAFETY: `stats` does not allocate.
        unsafe { self.inspect(|t| t.stats()) }
    }

    /// Runs the heap checker over every pool (feature `check`).
    ///
    /// # Example
    ///
    /// ```
    /// # use core::{alloc::{GlobalAlloc, Layout}, ptr::NonNull};
    /// # struct Fixed(Option<NonNull<u8>>);
    /// # // SAFETY: the buffer is handed out once.
    /// # unsafe impl wasm_tlsf::MemorySource for Fixed {
    /// #     fn initial(&mut self) -> Option<(NonNull<u8>, usize)> { Some((self.0.take()?, 4096)) }
    /// #     fn grow(&mut self, _: usize) -> Option<NonNull<u8>> { None }
    /// # }
    /// # let buffer = Box::leak(Box::new([0u64; 512]));
    /// let a = wasm_tlsf::GlobalTlsf::<_, 16, 8>::with_source(
    ///     Fixed(NonNull::new(buffer.as_mut_ptr().cast())));
    /// // SAFETY: a non-zero size.
    /// unsafe { a.alloc(Layout::new::<[u8; 100]>()) };
    /// let summary = a.check().expect("a sound heap");
    /// assert_eq!((summary.pools, summary.used_blocks), (1, 1));
    /// ```
    #[cfg(feature = "check")]
    pub fn check(&self) -> Result<crate::HeapSummary, crate::HeapError> {
        // SAFETY: the checker does not allocate.
        unsafe { self.inspect(|t| t.check()) }
    }
}

impl<S: MemorySource, const FLLEN: usize, const SLLEN: usize> Inner<S, FLLEN, SLLEN> {
    /// Adds memory so that a request for `layout` can succeed (`short`
    /// 0), or, with `short` the bytes it lacks beyond the newest pool's
    /// free tail, so that the block that pool's tail follows can grow in
    /// place: the initial memory the first time, then `memory.grow` of the
    /// pages needed beyond that free tail (which they merge with when they
    /// continue that pool), or, after a growth that did not continue the
    /// heap, of the pages for all of `layout` (see `growth_for`). Returns
    /// false if memory cannot grow. (The sizes are worked out here, out of
    /// line, rather than by the callers' loops, which the compiler would
    /// hoist them out of: into every call, most of which grow nothing.)
    #[inline(never)]
    fn refill(&mut self, layout: Layout, short: usize) -> bool {
        let end = self.end;
        let start;
        let len;
        // 0, or all ones where the new memory leaves no pool to continue
        // (`end` becomes `NO_POOL`).
        let mut apart = 0;
        if end.is_null() {
            // No initial memory is a region that holds no block.
            (start, len) = self.source.initial().unwrap_or((NonNull::dangling(), 0));
        } else {
            // The newest pool's free tail; none without a pool, as after a
            // growth that did not continue the heap: someone else grows
            // memory between our growths, so the next may land apart too,
            // and counting on the tail would grow a page short each time,
            // until memory ran out.
            // (`NO_POOL` is the one odd `end`: one bit tested.) Any other
            // `end` is one word after the core's `top`, the sentinel of the
            // memory added last (both are set by the same `add_region`), so
            // the free tail is the core's top block.
            let tail = if end.addr() & 1 != 0 {
                0
            } else {
                self.tlsf.top_free()
            };
            // The source's page size; one of 0, which breaks the trait's
            // contract, grows nothing rather than dividing by it.
            let Some(page) = NonZeroUsize::new(self.source.page_size()) else {
                return false;
            };
            // Pages for what the tail lacks, `lack`: a request's fresh-pool
            // bound less the tail, positive as the request did not fit in
            // the tail, or `short > 0` for a block that grows; so at least
            // one page is asked for, and `lack <= isize::MAX + 1 + 9 * W`,
            // so nothing overflows. If someone else grew memory
            // meanwhile, the new pages start a pool of their own and may fall
            // short by the tail: `end` is left `NO_POOL`, and the caller's
            // retry asks for the whole request, which a pool of its own
            // holds. (The page is a power of two: dividing and multiplying
            // by it are shifts by the ones below it, smaller on wasm32 than
            // `div_ceil` and the products.)
            let lack = if short != 0 {
                short
            } else {
                Self::growth_for(layout).wrapping_sub(tail)
            };
            let mask = page.get() - 1;
            let shift = mask.count_ones();
            let need = (lack + mask) >> shift;
            let mut pages = need;
            // Amortized: a fraction of the pages grown so far, that floor
            // capped (in whole granules), never less than needed; exactly
            // what is needed when memory cannot grow that much (see
            // `Growth::Amortized`). (A constant of `S`: nothing of this is
            // in an exact build.)
            if S::GROWTH == Growth::Amortized {
                let floor = (self.grown / Growth::AMORTIZED_FRACTION).min(Growth::AMORTIZED_CAP);
                pages = need.max(((floor << shift) & !(GRANULARITY - 1)) >> shift);
            }
            let grown = match self.source.grow(pages) {
                Some(grown) => grown,
                None if pages > need => {
                    pages = need;
                    match self.source.grow(need) {
                        Some(grown) => grown,
                        None => return false,
                    }
                }
                None => return false,
            };
            if S::GROWTH == Growth::Amortized {
                self.grown += pages;
            }
            #[cfg(feature = "stats")]
            {
                self.tlsf.counters.pages_grown += pages;
            }
            // The pages grown end at or below the top of the address space
            // and start above 0, so their length is below 2^32.
            (start, len) = (grown, pages << shift);
            // Apart, and short if the tail was counted on (asked for whole,
            // it is not).
            apart = usize::from(start.as_ptr() != end && tail != 0).wrapping_neg();
        }
        // SAFETY: fresh memory from the source (or no memory: a region of no
        // bytes holds no block, and nothing is touched); when it starts at
        // our end, it continues the newest pool, whose end `end` is (neither
        // null nor `NO_POOL` starts memory that holds a block).
        let new_end = unsafe { self.tlsf.add_region(start, len, end) };
        // A region too small for a block (no initial memory, or, with pages
        // smaller than a block, a growth of one granule) leaves no pool to
        // continue, as a growth apart does: the next growth counts on no
        // tail and continues no pool, so no call grows memory again for the
        // block that region did not reach (see `realloc`). (Stored once,
        // after the region is added: a store before it and one after would
        // both stay, as the compiler cannot tell the region's writes from
        // this field.)
        self.end = match new_end {
            Some(new_end) => new_end.as_ptr().map_addr(|a| a | apart),
            None => NO_POOL,
        };
        // The first pool's pointer is the base (no code where the source's
        // provenance is exposed).
        if !S::EXPOSED && new_end.is_some() && self.base.is_null() {
            self.base = start.as_ptr();
        }
        true
    }

    /// `ptr` with the provenance of the source's memory. A pointer handed
    /// back may be valid for its payload only (one that a reference or a
    /// `Box` narrowed), but the heap reads and writes the block's header
    /// before the payload and its neighbours' after it: it works through
    /// `base`, as it did when it handed the block out; from the address
    /// alone where the source's provenance is exposed (no instruction).
    #[inline(always)]
    fn ours(&self, ptr: *mut u8) -> *mut u8 {
        if S::EXPOSED {
            ptr::with_exposed_provenance_mut(ptr.addr())
        } else {
            self.base.with_addr(ptr.addr())
        }
    }

    /// The bytes `refill` is asked for when `layout` fits in no free block:
    /// a fresh pool's bound for it, in whole granules (as the tail is):
    /// memory grown a byte at a time (`--page-size=1`) then keeps ending on
    /// a granule, where the next growth continues the pool.
    #[inline(always)]
    fn growth_for(layout: Layout) -> usize {
        (pool_bytes_for(layout) + (GRANULARITY - 1)) & !(GRANULARITY - 1)
    }

    /// `GlobalAlloc::alloc`: one call, to [`allocate`](Self::allocate).
    /// Small enough for the compiler to inline into the program's
    /// allocation sites at "s" and 3 under link-time optimization, so that
    /// they call the allocation itself: one call per allocation, not two.
    /// (The allocation and `refill` in a loop here, two calls, are just too
    /// large to inline at "s".)
    #[inline]
    fn alloc(&mut self, layout: Layout) -> *mut u8 {
        // A zero size breaks `GlobalAlloc`'s contract; answer it with null
        // at once rather than growing memory for a request that can never
        // be served.
        if layout.size() == 0 {
            return ptr::null_mut();
        }
        self.allocate(layout, true)
    }

    /// The allocation, out of line: a block for `layout`, or, if no free
    /// block holds it, what [`alloc_grown`](Self::alloc_grown) returns:
    /// with `grow`, a block after growing memory; without, null (the
    /// realloc grows memory its own way).
    #[inline(never)]
    fn allocate(&mut self, layout: Layout, grow: bool) -> *mut u8 {
        match self.tlsf.allocate_uncounted(layout) {
            Some(p) => p.as_ptr(),
            None => self.alloc_grown(layout, grow),
        }
    }

    /// An allocation that no free block holds. Without `grow`, null. With
    /// it, memory grows and the allocation runs again, growing memory again
    /// if it still finds nothing; if memory cannot grow, null. Out of line
    /// and called, not looped over, so that `allocate` has no loop around
    /// its body.
    #[cold]
    #[inline(never)]
    fn alloc_grown(&mut self, layout: Layout, grow: bool) -> *mut u8 {
        if !grow {
            return ptr::null_mut();
        }
        // At most three growths, so this ends: the initial memory; a growth
        // counting the newest pool's free tail, which serves the request
        // when it continues that pool; if it did not, a growth of the whole
        // request (see `refill`), which serves it wherever it lands. If
        // memory cannot grow, the heap is as it was: the allocation runs
        // once more without growing, finds nothing and answers null (one
        // call serves both outcomes).
        let grown = self.refill(layout, 0);
        #[cfg(feature = "stats")]
        {
            self.tlsf.counters.failed += u64::from(!grown);
        }
        self.allocate(layout, grown)
    }
}

// SAFETY: blocks come from the core, which hands out each byte once and
// aligns as asked; `dealloc` and `realloc` forward pointers this allocator
// returned, as `GlobalAlloc`'s contract guarantees.
unsafe impl<S: MemorySource, const FLLEN: usize, const SLLEN: usize> GlobalAlloc
    for GlobalTlsf<S, FLLEN, SLLEN>
{
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let held = self.lock.lock();
        // SAFETY: the lock is held; not re-entered (see `inner`).
        let p = unsafe { self.inner().alloc(layout) };
        held.unlock();
        if !p.is_null() {
            reach(p, layout.size());
        }
        p
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        let _held = self.lock.lock();
        // SAFETY: the lock is held; not re-entered.
        let ptr = unsafe { self.inner().ours(ptr) };
        // SAFETY: the lock is held; the pools are readable; any pointer may
        // be checked. The borrow and the lock end before a fault is raised:
        // a panic hook may allocate.
        #[cfg(feature = "debug-checks")]
        if let Err(fault) = unsafe {
            self.inner()
                .tlsf
                .debug_validate_layout(ptr, _layout, crate::tlsf::debug::Op::Free)
        } {
            _held.unlock();
            fault.raise();
        }
        // SAFETY: `ptr` is a live allocation of ours (`GlobalAlloc`
        // contract); the lock is held.
        unsafe { self.inner().tlsf.deallocate(NonNull::new_unchecked(ptr)) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        #[cfg(feature = "debug-checks")]
        {
            let held = self.lock.lock();
            // SAFETY: as in `dealloc`.
            if let Err(fault) = unsafe {
                let inner = self.inner();
                inner.tlsf.debug_validate_layout(
                    inner.ours(ptr),
                    layout,
                    crate::tlsf::debug::Op::Realloc,
                )
            } {
                held.unlock();
                fault.raise();
            }
        }
        // SAFETY: `ptr` is a live allocation of ours with `layout`, and
        // `new_size` rounded to `layout.align()` fits in `isize`
        // (`GlobalAlloc` contract); the lock is held while `inner` is used.
        let (ptr, new) = unsafe {
            let _held = self.lock.lock();
            let inner = self.inner();
            let ptr = inner.ours(ptr);
            let p = NonNull::new_unchecked(ptr);
            let want = block_size_for(new_size);
            let new_layout = Layout::from_size_align_unchecked(new_size, layout.align());
            let orig = inner.tlsf.block_size(p);
            // Each pass but the last grows memory: it ends as `alloc`'s
            // loop does, or after memory grown right after the block, which
            // then reaches what it lacked (unless its pool reached the top
            // of the address space, where memory cannot grow again).
            let new = loop {
                // In place, into the free block after it if that is enough
                // (after growing memory: into the pages grown). If not,
                // `settle` gives that free block back as it was.
                let size = inner.tlsf.resize(p, orig, want);
                if size >= want {
                    #[cfg(feature = "stats")]
                    inner.tlsf.counters.note_reallocation();
                    reach(ptr, new_size);
                    return ptr;
                }
                // Else into a free block elsewhere, if one fits: growing
                // memory while free memory could hold the data costs pages
                // (the heap ends larger, most of all under growing
                // vectors).
                let q = inner.allocate(new_layout, false);
                if !q.is_null() {
                    break q;
                }
                // Else memory grows: for the last block of the newest pool
                // (with the free block after it, it ends at that pool's
                // sentinel, one word before `end`), right after it, by the
                // `want - size` bytes it lacks beyond the free block given
                // back (now the pool's free tail); for any other block (the
                // pages would not reach it), by what the new block needs, as
                // `alloc` grows.
                let short = if ptr.wrapping_add(size) == inner.end {
                    want - size
                } else {
                    0
                };
                if !inner.refill(new_layout, short) {
                    #[cfg(feature = "stats")]
                    {
                        inner.tlsf.counters.note_reallocation();
                        inner.tlsf.counters.failed += 1;
                    }
                    return ptr::null_mut();
                }
            };
            #[cfg(feature = "stats")]
            inner.tlsf.counters.note_reallocation();
            (ptr, new)
        };
        // The copy runs outside the lock, so other threads are not held up
        // by it: both blocks are this caller's alone until `ptr` is freed
        // below (the heap's writes next to them touch only their headers,
        // outside the bytes copied).
        reach(new, new_size);
        // SAFETY: `new` is a fresh block of at least `new_size` bytes and
        // `ptr` a live one of `layout.size()`; distinct blocks never overlap.
        unsafe { ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size)) };
        let _held = self.lock.lock();
        // SAFETY: `ptr` is still our live allocation; the lock is held.
        unsafe { self.inner().tlsf.deallocate(NonNull::new_unchecked(ptr)) };
        new
    }
}

/// A summary: the core's (see `Tlsf`'s `Debug`), whether the initial
/// memory has been taken, and where the newest pool ends. It is copied out
/// under the allocator's lock (other threads' calls wait for that copy
/// only), and formatted after the lock is released, so a formatter that
/// allocates through this very allocator meets no borrowed heap. Like any
/// call into the allocator, formatting it inside an
/// [`inspect`](Self::inspect) closure is not allowed (where the allocator is
/// locked, it would wait for its own lock forever).
///
/// # Example
///
/// ```
/// # use core::ptr::NonNull;
/// # struct Fixed(Option<NonNull<u8>>);
/// # // SAFETY: the buffer is handed out once.
/// # unsafe impl wasm_tlsf::MemorySource for Fixed {
/// #     fn initial(&mut self) -> Option<(NonNull<u8>, usize)> { Some((self.0.take()?, 4096)) }
/// #     fn grow(&mut self, _: usize) -> Option<NonNull<u8>> { None }
/// # }
/// let a = wasm_tlsf::GlobalTlsf::<_, 16, 8>::with_source(Fixed(None));
/// assert!(format!("{a:?}").starts_with("GlobalTlsf { tlsf: Tlsf { fllen: 16, sllen: 8,"));
/// ```
impl<S: MemorySource, const FLLEN: usize, const SLLEN: usize> core::fmt::Debug
    for GlobalTlsf<S, FLLEN, SLLEN>
{
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // The figures are copied under the lock, and formatted after it is
        // released.
        let (summary, started, end) = {
            let _held = self.lock.lock();
            // SAFETY: the lock is held (as by every other access to the
            // heap, on every thread) while the reference is used; copying
            // calls out to nothing.
            let inner = unsafe { self.inner() };
            (inner.tlsf.summary(), !inner.end.is_null(), inner.end)
        };
        f.debug_struct("GlobalTlsf")
            .field("tlsf", &summary)
            .field("started", &started)
            .field(
                "heap_end",
                &if end == NO_POOL { ptr::null_mut() } else { end },
            )
            .finish_non_exhaustive()
    }
}

//! [`Arena`]: a [`Tlsf`] over a buffer the caller lends, as an
//! `allocator_api2` [`Allocator`] (feature `allocator-api2`).
//!
//! Local arenas are what the `Allocator` trait is for: collections that
//! live in a buffer of their own (a frame's scratch memory, a request's
//! working set), freed all at once by dropping the arena, alongside the
//! global allocator. `allocator_api2` mirrors the unstable
//! `core::alloc::Allocator` on stable Rust (and re-exports it with its
//! `nightly` feature), and its collections and others (hashbrown's) take
//! any implementation.

use core::alloc::Layout;
use core::cell::UnsafeCell;
use core::fmt;
use core::marker::PhantomData;
use core::mem::MaybeUninit;
use core::ptr::{self, NonNull};

use allocator_api2::alloc::{AllocError, Allocator};

use crate::Tlsf;

/// A TLSF allocator over a buffer the caller lends, for collections that
/// take an [`Allocator`] (feature `allocator-api2`).
///
/// Every allocation comes from the buffer, in constant time; a request the
/// buffer cannot hold fails (`AllocError`), it never falls back to another
/// allocator. The collections borrow the arena, and the arena borrows the
/// buffer, so neither can outlive what it uses. An arena is for one thread
/// (it is not `Sync`).
///
/// `FLLEN` and `SLLEN` are the size classes, as for [`Tlsf`]: the defaults
/// keep the arena small (a control block of 128 list heads) and round a
/// request up by at most 1/8; blocks larger than the last class (about
/// 2 MiB on 32-bit targets, 4 MiB on 64-bit ones) share one list.
///
/// # Example
///
/// ```
/// use core::mem::MaybeUninit;
/// use allocator_api2::vec::Vec;
/// use wasm_tlsf::Arena;
///
/// let mut buffer = [MaybeUninit::<u8>::uninit(); 4096];
/// let arena: Arena = Arena::new(&mut buffer);
/// let mut v = Vec::new_in(&arena);
/// v.extend([1u32, 2, 3]);
/// assert_eq!(v.iter().sum::<u32>(), 6);
/// // The buffer is the limit.
/// let mut big: Vec<u8, _> = Vec::new_in(&arena);
/// assert!(big.try_reserve(8192).is_err());
/// ```
pub struct Arena<'a, const FLLEN: usize = 16, const SLLEN: usize = 8> {
    tlsf: UnsafeCell<Tlsf<FLLEN, SLLEN>>,
    /// The buffer's start, whose provenance spans the whole buffer.
    base: NonNull<u8>,
    _buffer: PhantomData<&'a mut [MaybeUninit<u8>]>,
}

// SAFETY: an arena owns its buffer's borrow and its core exclusively, as a
// `&mut [u8]` and a `Tlsf` do (both `Send`); collections hold `&Arena`,
// which is not `Send` (the arena is not `Sync`), so it moves only while
// nothing uses it.
unsafe impl<const FLLEN: usize, const SLLEN: usize> Send for Arena<'_, FLLEN, SLLEN> {}

impl<'a, const FLLEN: usize, const SLLEN: usize> Arena<'a, FLLEN, SLLEN> {
    /// An arena that allocates from `buffer` (any alignment; a few words
    /// of it hold the pool's bookkeeping). A buffer too small for one
    /// block (`2 * GRANULARITY + MIN_BLOCK` bytes always suffice) makes an
    /// arena whose every allocation fails.
    ///
    /// # Example
    ///
    /// ```
    /// use core::mem::MaybeUninit;
    /// use allocator_api2::boxed::Box;
    ///
    /// let mut buffer = [MaybeUninit::<u8>::uninit(); 1024];
    /// let arena = wasm_tlsf::Arena::<8, 8>::new(&mut buffer);
    /// let b = Box::new_in(7u64, &arena);
    /// assert_eq!(*b, 7);
    /// ```
    pub fn new(buffer: &'a mut [MaybeUninit<u8>]) -> Self {
        let mut tlsf = Tlsf::new();
        let len = buffer.len();
        // A slice's pointer is never null (dangling when it is empty).
        let base = NonNull::from(buffer).cast::<u8>();
        // SAFETY: the buffer is borrowed mutably for `'a`, which the arena
        // (and so every allocation, which borrows the arena) cannot
        // outlive: nothing else uses it meanwhile.
        unsafe { tlsf.add_pool(base, len) };
        Self {
            tlsf: UnsafeCell::new(tlsf),
            base,
            _buffer: PhantomData,
        }
    }

    /// The core allocator, exclusively.
    ///
    /// # Safety
    /// No other reference to it is live. True inside this module's
    /// methods: the arena is not `Sync`, and none of them calls code that
    /// could reach the arena while the reference lives.
    #[allow(clippy::mut_from_ref)]
    unsafe fn tlsf(&self) -> &mut Tlsf<FLLEN, SLLEN> {
        // SAFETY: forwarded contract.
        unsafe { &mut *self.tlsf.get() }
    }

    /// The arena's figures (feature `stats`).
    ///
    /// # Example
    ///
    /// ```
    /// use core::mem::MaybeUninit;
    /// use allocator_api2::vec::Vec;
    ///
    /// let mut buffer = [MaybeUninit::<u8>::uninit(); 4096];
    /// let arena = wasm_tlsf::Arena::<16, 8>::new(&mut buffer);
    /// let v: Vec<u8, _> = Vec::with_capacity_in(100, &arena);
    /// assert_eq!(arena.stats().allocations, 1);
    /// assert!(arena.stats().in_use >= v.capacity());
    /// ```
    #[cfg(feature = "stats")]
    pub fn stats(&self) -> crate::Stats {
        // SAFETY: `stats` calls out to nothing.
        unsafe { self.tlsf().stats() }
    }

    /// Runs the heap checker over the arena (feature `check`).
    ///
    /// # Example
    ///
    /// ```
    /// use core::mem::MaybeUninit;
    /// use allocator_api2::vec::Vec;
    ///
    /// let mut buffer = [MaybeUninit::<u8>::uninit(); 4096];
    /// let arena = wasm_tlsf::Arena::<16, 8>::new(&mut buffer);
    /// let v: Vec<u8, _> = Vec::with_capacity_in(100, &arena);
    /// assert_eq!(arena.check().unwrap().used_blocks, 1);
    /// drop(v);
    /// assert_eq!(arena.check().unwrap().used_blocks, 0);
    /// ```
    #[cfg(feature = "check")]
    pub fn check(&self) -> Result<crate::HeapSummary, crate::HeapError> {
        // SAFETY: the checker calls out to nothing.
        unsafe { self.tlsf().check() }
    }

    /// `ptr` as a pointer into the whole buffer. A pointer handed back
    /// may only be valid for its payload (one derived from a reference,
    /// as `Box` makes), and the core reads the block header before the
    /// payload: it must work with the buffer's own provenance, as it did
    /// when it handed the block out.
    fn ours(&self, ptr: NonNull<u8>) -> NonNull<u8> {
        // SAFETY: `base` is not null, and neither is `ptr`'s address.
        unsafe { NonNull::new_unchecked(self.base.as_ptr().with_addr(ptr.as_ptr().addr())) }
    }

    /// The allocation at `ptr`, with the bytes usable there.
    ///
    /// # Safety
    /// `ptr` is a live allocation of this arena.
    unsafe fn slice(&self, ptr: NonNull<u8>) -> NonNull<[u8]> {
        // SAFETY: forwarded contract; `usable_size` calls out to nothing.
        let len = unsafe { self.tlsf().usable_size(ptr) };
        NonNull::slice_from_raw_parts(ptr, len)
    }

    /// Moves the allocation at `ptr` to a new block for `new`: allocate,
    /// copy `copy` bytes, free. Leaves it as it was on failure.
    ///
    /// # Safety
    /// `ptr` is a live, non-empty allocation of this arena holding at least
    /// `copy` bytes; `new` has a non-zero size of at least `copy`.
    unsafe fn move_to(
        &self,
        ptr: NonNull<u8>,
        copy: usize,
        new: Layout,
    ) -> Result<NonNull<[u8]>, AllocError> {
        // SAFETY: no reference to the core outlives its statement; `q` is a
        // fresh block of at least `copy` bytes, disjoint from `ptr`'s.
        unsafe {
            let q = self.tlsf().allocate(new).ok_or(AllocError)?;
            ptr::copy_nonoverlapping(ptr.as_ptr(), q.as_ptr(), copy);
            self.tlsf().deallocate(ptr);
            Ok(self.slice(q))
        }
    }
}

/// Whether `ptr` is aligned as `layout` asks (a mask, not a division: no
/// divide-by-zero check, so no panic path).
fn aligned(ptr: NonNull<u8>, layout: Layout) -> bool {
    ptr.as_ptr().addr() & (layout.align() - 1) == 0
}

/// A zero-size allocation: no memory, an address aligned as asked.
fn empty(layout: Layout) -> NonNull<[u8]> {
    // SAFETY: an alignment is never zero.
    let p = unsafe { NonNull::new_unchecked(ptr::without_provenance_mut::<u8>(layout.align())) };
    NonNull::slice_from_raw_parts(p, 0)
}

/// Collections take `&Arena` (through `allocator_api2`'s `impl Allocator
/// for &A`); the trait's methods can also be called directly.
///
/// # Example
///
/// ```
/// use core::alloc::Layout;
/// use core::mem::MaybeUninit;
/// use allocator_api2::alloc::Allocator;
///
/// let mut buffer = [MaybeUninit::<u8>::uninit(); 1024];
/// let arena = wasm_tlsf::Arena::<16, 8>::new(&mut buffer);
/// let layout = Layout::from_size_align(100, 64).unwrap();
/// let block = arena.allocate(layout).unwrap();
/// assert!(block.len() >= 100);
/// assert_eq!(block.cast::<u8>().as_ptr() as usize % 64, 0);
/// // SAFETY: `block` was allocated here with `layout`, and is freed once.
/// unsafe { arena.deallocate(block.cast(), layout) };
/// ```
// SAFETY: blocks come from the core, which hands out each byte of the
// buffer once, aligned as asked, until it is freed; zero-size requests get
// no memory (a dangling, aligned address that `deallocate` ignores). The
// arena is not `Clone`; its borrowers (`&Arena`) share one heap.
unsafe impl<const FLLEN: usize, const SLLEN: usize> Allocator for Arena<'_, FLLEN, SLLEN> {
    fn allocate(&self, layout: Layout) -> Result<NonNull<[u8]>, AllocError> {
        if layout.size() == 0 {
            return Ok(empty(layout));
        }
        // SAFETY: the core calls out to nothing.
        let p = unsafe { self.tlsf().allocate(layout) }.ok_or(AllocError)?;
        // SAFETY: `p` was just allocated.
        Ok(unsafe { self.slice(p) })
    }

    unsafe fn deallocate(&self, ptr: NonNull<u8>, layout: Layout) {
        if layout.size() != 0 {
            // SAFETY: `ptr` is a live allocation of this arena
            // (`Allocator`'s contract), freed once.
            unsafe { self.tlsf().deallocate(self.ours(ptr)) }
        }
    }

    unsafe fn grow(
        &self,
        ptr: NonNull<u8>,
        old_layout: Layout,
        new_layout: Layout,
    ) -> Result<NonNull<[u8]>, AllocError> {
        if old_layout.size() == 0 {
            return self.allocate(new_layout);
        }
        let ptr = self.ours(ptr);
        // SAFETY: `ptr` is a live allocation of `old_layout`, and
        // `new_layout.size() >= old_layout.size() > 0` (`Allocator`'s
        // contract).
        unsafe {
            if !aligned(ptr, new_layout) {
                return self.move_to(ptr, old_layout.size(), new_layout);
            }
            // (On failure the core leaves the block and the free memory as
            // they were.)
            let q = self
                .tlsf()
                .reallocate(ptr, old_layout.size(), new_layout)
                .ok_or(AllocError)?;
            Ok(self.slice(q))
        }
    }

    unsafe fn shrink(
        &self,
        ptr: NonNull<u8>,
        old_layout: Layout,
        new_layout: Layout,
    ) -> Result<NonNull<[u8]>, AllocError> {
        // SAFETY: `ptr` is a live allocation of `old_layout`, and
        // `new_layout.size() <= old_layout.size()` (`Allocator`'s contract).
        unsafe {
            if new_layout.size() == 0 {
                self.deallocate(ptr, old_layout);
                return Ok(empty(new_layout));
            }
            let ptr = self.ours(ptr);
            if !aligned(ptr, new_layout) {
                return self.move_to(ptr, new_layout.size(), new_layout);
            }
            let q = self
                .tlsf()
                .reallocate(ptr, old_layout.size(), new_layout)
                .ok_or(AllocError)?;
            Ok(self.slice(q))
        }
    }
}

/// A summary (the core's, see `Tlsf`'s `Debug`), read before formatting
/// so that a writer allocating from this arena cannot meet a borrowed core.
///
/// # Example
///
/// ```
/// use core::mem::MaybeUninit;
///
/// let mut buffer = [MaybeUninit::<u8>::uninit(); 1024];
/// let arena = wasm_tlsf::Arena::<16, 8>::new(&mut buffer);
/// assert!(format!("{arena:?}").starts_with("Arena { tlsf: Tlsf { fllen: 16, sllen: 8,"));
/// ```
impl<const FLLEN: usize, const SLLEN: usize> fmt::Debug for Arena<'_, FLLEN, SLLEN> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // SAFETY: formatting the summary does not reach the arena; the
        // reference ends with the statement.
        let summary = unsafe { self.tlsf().summary() };
        f.debug_struct("Arena")
            .field("tlsf", &summary)
            .finish_non_exhaustive()
    }
}

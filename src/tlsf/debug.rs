//! Misuse detection (feature `debug-checks`): before a free or a realloc
//! touches the heap, the block is validated in constant time, and a fault
//! panics with a message naming it and the address.
//!
//! What is looked at, and nothing more (so every check is O(1)):
//!
//! - the pointer: inside the address range the pools span (`bounds`, kept
//!   up to date by `add_region`), and aligned like every payload;
//! - the block's own header: not free (else a double free), a size of at
//!   least `MIN_BLOCK` that stays inside the pools;
//! - the block before it, if its header says that one is free: the footer
//!   must name a valid free block that ends exactly here;
//! - the block after it: its `PREV_FREE` flag must be clear (this block is
//!   used), its size valid, and if it is free, its footer and its free-list
//!   links consistent (its neighbours in the list point back at it; the
//!   head of its class if it is first).
//!
//! A valid free block is checked the same way: its header, its footer, the
//! flag of the block after it, its list links.
//!
//! Double frees are told apart from corruption where the heap still shows
//! them: the header is still marked free, or the block was merged into a
//! free neighbour that now covers it. A pointer the allocator never
//! returned is caught when it lies outside the pools, is misaligned, or
//! its "header" (whatever bytes precede it) is not a valid used block with
//! valid neighbours; bytes that happen to look like one are not caught.
//! Memory between pools (with several pools, on a host) may be read when
//! checking a pointer that lies there; on wasm32 it is all linear memory.
//!
//! Checks run before the heap is modified, and return the fault instead of
//! panicking: the caller panics once it no longer borrows the heap. So the
//! heap is intact, and free to be used, when the panic machinery (which
//! may allocate, e.g. in a panic hook) runs.

// The validators return their fault by value, message buffer included: it
// cannot be boxed (that would allocate inside the allocator).
#![allow(clippy::result_large_err)]

use core::alloc::Layout;
use core::fmt;
use core::ptr::NonNull;

use super::{tagged_index, BlockHdr, Flags, FreeBlockHdr, Tlsf, GRANULARITY, MIN_BLOCK, W};

/// Low bits of a header word that no flag uses: always zero.
const UNUSED_BITS: usize = (GRANULARITY - 1) & !(Flags::FREE | Flags::PREV_FREE);

/// The address range `[lo, hi)` that every pool lies in.
#[derive(Clone, Copy)]
pub(crate) struct Bounds {
    lo: usize,
    hi: usize,
}

impl Bounds {
    /// No pools yet: holds nothing.
    pub(crate) const EMPTY: Self = Bounds {
        lo: usize::MAX,
        hi: 0,
    };

    /// Widens the range to cover `[lo, hi)`.
    pub(crate) fn include(&mut self, lo: usize, hi: usize) {
        self.lo = self.lo.min(lo);
        self.hi = self.hi.max(hi);
    }

    /// Whether `[addr, addr + len)` lies in the range.
    fn holds(&self, addr: usize, len: usize) -> bool {
        addr >= self.lo && addr <= self.hi && len <= self.hi - addr
    }
}

/// The operation being checked, for the message.
#[derive(Clone, Copy)]
pub(crate) enum Op {
    /// `deallocate` / `dealloc`.
    Free,
    /// `reallocate*` / `realloc`.
    Realloc,
}

impl Op {
    fn name(self) -> &'static str {
        match self {
            Op::Free => "free",
            Op::Realloc => "realloc",
        }
    }

    fn after_free(self) -> &'static str {
        match self {
            Op::Free => "double free",
            Op::Realloc => "realloc after free",
        }
    }
}

/// A fault found by the validator: its message, formatted into a buffer of
/// its own (truncated if longer), so that the caller can let go of the heap
/// before panicking with it. A panic hook may allocate through the same
/// allocator; no borrow of the heap may be live while it runs.
pub(crate) struct Fault {
    buf: [u8; 320],
    len: usize,
}

impl fmt::Write for Fault {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let n = s.len().min(self.buf.len() - self.len);
        self.buf[self.len..self.len + n].copy_from_slice(&s.as_bytes()[..n]);
        self.len += n;
        Ok(())
    }
}

impl Fault {
    /// Panics with the message. Call it with no borrow of the heap live.
    #[cold]
    #[inline(never)]
    pub(crate) fn raise(&self) -> ! {
        let mut end = self.len;
        // A truncated message may end inside a character.
        while core::str::from_utf8(&self.buf[..end]).is_err() {
            end -= 1;
        }
        let msg = core::str::from_utf8(&self.buf[..end]).unwrap_or("");
        panic!("wasm-tlsf debug-checks: {msg}")
    }
}

/// Formats a fault's message. Out of line and cold, so the checks cost the
/// fast path a few compares and reads.
#[cold]
#[inline(never)]
fn fail(args: fmt::Arguments) -> Fault {
    let mut f = Fault {
        buf: [0; 320],
        len: 0,
    };
    let _ = fmt::Write::write_fmt(&mut f, args);
    f
}

impl<const FLLEN: usize, const SLLEN: usize> Tlsf<FLLEN, SLLEN> {
    /// Whether a block header could start at `addr`, `len` bytes of it
    /// inside the pools.
    fn plausible(&self, addr: usize, len: usize) -> bool {
        addr % GRANULARITY == W && self.bounds.holds(addr, len)
    }

    /// Why `f` is not a valid free block of this allocator, or `None` if it
    /// is one.
    ///
    /// # Safety
    /// The pools' memory is readable.
    unsafe fn free_block_fault(&self, f: *const BlockHdr) -> Option<&'static str> {
        if !self.plausible(f.addr(), MIN_BLOCK + W) {
            return Some("its address is not a block address inside the pools");
        }
        // SAFETY: every word read lies inside the pools (checked first).
        unsafe {
            let flags = (*f).flags();
            let size = flags.size();
            if !flags.is_free() {
                return Some("it is not marked free");
            }
            if (*f).word & UNUSED_BITS != 0 {
                return Some("its header has bits set that no flag uses");
            }
            if flags.prev_free() {
                return Some("it says the block before it is free too (free blocks are merged)");
            }
            if size < MIN_BLOCK || !self.bounds.holds(f.addr(), size + W) {
                return Some("its size is impossible");
            }
            if f.wrapping_byte_add(size - W)
                .cast::<*const BlockHdr>()
                .read()
                != f
            {
                return Some("its footer does not point back at it");
            }
            if !(*f.wrapping_byte_add(size)).flags().prev_free() {
                return Some("the header after it does not say it is free");
            }
            // The top block is in no list (invariant 8).
            if core::ptr::eq(f, self.wild) {
                return None;
            }
            let n = f.cast::<FreeBlockHdr>();
            let (next, prev) = ((*n).next_free, (*n).prev_free);
            match tagged_index(prev) {
                Some(index) => {
                    if index != Self::map_floor(size) || !core::ptr::eq(self.first_block(index), n)
                    {
                        return Some(
                            "it is not in its free list (not the head, and no previous link)",
                        );
                    }
                }
                None => {
                    if !self.plausible(prev.addr(), 3 * W) || !core::ptr::eq((*prev).next_free, n) {
                        return Some("its previous free-list neighbour does not link to it");
                    }
                }
            }
            if !next.is_null()
                && (!self.plausible(next.addr(), 3 * W) || !core::ptr::eq((*next).prev_free, n))
            {
                return Some("its next free-list neighbour does not link back to it");
            }
        }
        None
    }

    /// If `f` is a valid free block that covers `b` (without starting
    /// there), its size: `b` was freed and merged into `f`.
    ///
    /// # Safety
    /// The pools' memory is readable.
    unsafe fn covering_free_block(&self, f: *const BlockHdr, b: *const BlockHdr) -> Option<usize> {
        // SAFETY: forwarded; `free_block_fault` validates `f` before its
        // header is read.
        unsafe {
            if self.free_block_fault(f).is_some() {
                return None;
            }
            let size = (*f).flags().size();
            (f.addr() < b.addr() && b.addr() < f.addr() + size).then_some(size)
        }
    }

    /// Validates the block at `ptr` before `op` uses it, returning a
    /// description of the fault (to be raised once the heap is no longer
    /// borrowed): double free, a pointer this allocator did
    /// not return, a corrupted header around the block. Constant time.
    ///
    /// # Safety
    /// The pools are readable (any pointer may be passed: nothing outside
    /// the pools' address range is read).
    pub(crate) unsafe fn debug_validate(&self, ptr: NonNull<u8>, op: Op) -> Result<(), Fault> {
        let p = ptr.as_ptr();
        let a = p.addr();
        let Bounds { lo, hi } = self.bounds;
        if !self.bounds.holds(a.wrapping_sub(W), MIN_BLOCK + W) {
            if lo > hi {
                return Err(fail(format_args!(
                    "{} of {a:#x}: the allocator has no pools: not a pointer it returned",
                    op.name()
                )));
            }
            return Err(fail(format_args!(
                "{} of {a:#x}: pointer outside every pool (they lie in {lo:#x}..{hi:#x}): \
                 not a pointer this allocator returned",
                op.name()
            )));
        }
        if a % GRANULARITY != 0 {
            return Err(fail(format_args!(
                "{} of {a:#x}: misaligned pointer (payloads are {GRANULARITY}-byte aligned): \
                 not a pointer this allocator returned",
                op.name()
            )));
        }
        let b = p.wrapping_byte_sub(W).cast::<BlockHdr>().cast_const();
        // SAFETY: every word read below is checked to lie in the pools'
        // range first; the caller guarantees that range is readable.
        unsafe {
            let word = (*b).word;
            let flags = (*b).flags();
            let size = flags.size();
            let bad_header = |why: fmt::Arguments| -> Fault {
                fail(format_args!(
                    "{} of {a:#x}: invalid block header at {:#x} (word {word:#x}: {why}): \
                     the header was overwritten (heap corruption), or this is not a pointer \
                     this allocator returned",
                    op.name(),
                    b.addr()
                ))
            };
            if flags.is_free() {
                let Some(why) = self.free_block_fault(b) else {
                    return Err(fail(format_args!(
                        "{} of block at {a:#x} (size {size})",
                        op.after_free()
                    )));
                };
                // Freed, then merged into a free block before it, whose
                // footer is where this block's was.
                if self.bounds.holds(b.addr(), size) && size >= MIN_BLOCK {
                    let footer = b
                        .wrapping_byte_add(size - W)
                        .cast::<*const BlockHdr>()
                        .read();
                    if let Some(fsize) = self.covering_free_block(footer, b) {
                        return Err(fail(format_args!(
                            "{} of block at {a:#x} (size {size}): it was freed and merged into \
                             the free block at {:#x} (size {fsize})",
                            op.after_free(),
                            footer.addr()
                        )));
                    }
                }
                return Err(bad_header(format_args!("marked free, but {why}")));
            }
            if word & UNUSED_BITS != 0 {
                return Err(bad_header(format_args!("bits set that no flag uses")));
            }
            if size < MIN_BLOCK {
                return Err(bad_header(format_args!("size below the minimum block")));
            }
            if !self.bounds.holds(b.addr(), size + W) {
                return Err(bad_header(format_args!(
                    "its size runs past the end of the pools"
                )));
            }
            if flags.prev_free() {
                let footer_at = b.wrapping_byte_sub(W);
                let prev = footer_at.cast::<*const BlockHdr>().read();
                let why = match self.free_block_fault(prev) {
                    None => {
                        let psize = (*prev).flags().size();
                        if prev.addr() + psize == b.addr() {
                            None
                        } else if prev.addr() < b.addr() && b.addr() < prev.addr() + psize {
                            return Err(fail(format_args!(
                                "{} of block at {a:#x} (size {size}): it was freed and merged \
                                 into the free block at {:#x} (size {psize})",
                                op.after_free(),
                                prev.addr()
                            )));
                        } else {
                            Some("that free block does not end where this block starts")
                        }
                    }
                    Some(why) => Some(why),
                };
                if let Some(why) = why {
                    return Err(fail(format_args!(
                        "heap corruption before the block at {a:#x} (size {size}): its header \
                         says the block before it is free, but the footer at {:#x} names {:#x}, \
                         and {why}",
                        footer_at.addr(),
                        prev.addr()
                    )));
                }
            }
            let next = b.wrapping_byte_add(size);
            let nflags = (*next).flags();
            let nsize = nflags.size();
            let why = if nflags.prev_free() {
                Some("it says this used block is free")
            } else if (*next).word & UNUSED_BITS != 0 {
                Some("bits set that no flag uses")
            } else if nsize == 0 {
                // A pool's end, whose sentinel after a used block is a zero
                // word.
                nflags
                    .is_free()
                    .then_some("a zero size (a pool's end) marked free")
            } else if nsize < MIN_BLOCK {
                Some("size below the minimum block")
            } else if !self.bounds.holds(next.addr(), nsize + W) {
                Some("its size runs past the end of the pools")
            } else if nflags.is_free() {
                self.free_block_fault(next)
            } else {
                None
            };
            if let Some(why) = why {
                return Err(fail(format_args!(
                    "heap corruption after the block at {a:#x} (size {size}): the next header, \
                     at {:#x}, is {:#x}: {why}",
                    next.addr(),
                    (*next).word
                )));
            }
        }
        Ok(())
    }
}

impl<const FLLEN: usize, const SLLEN: usize> Tlsf<FLLEN, SLLEN> {
    /// [`debug_validate`](Self::debug_validate) for `GlobalAlloc`, which
    /// also passes the layout the block was allocated with: rejects null,
    /// then checks the block holds `layout.size()` bytes at its alignment.
    ///
    /// # Safety
    /// As `debug_validate`.
    pub(crate) unsafe fn debug_validate_layout(
        &self,
        ptr: *mut u8,
        layout: Layout,
        op: Op,
    ) -> Result<(), Fault> {
        let Some(p) = NonNull::new(ptr) else {
            return Err(fail(format_args!("{} of a null pointer", op.name())));
        };
        // SAFETY: forwarded; the header is valid once validated.
        let usable = unsafe {
            self.debug_validate(p, op)?;
            self.usable_size(p)
        };
        let a = ptr.addr();
        if usable < layout.size() || a % layout.align() != 0 {
            return Err(fail(format_args!(
                "{} of {a:#x} with a layout of {} bytes aligned to {}, but the block holds \
                 {usable} bytes: the wrong layout, or not a pointer this allocator returned",
                op.name(),
                layout.size(),
                layout.align()
            )));
        }
        Ok(())
    }
}

//! Fuzz target `global`: `GlobalTlsf` over the simulated linear memory of
//! `tests/support/src/sim.rs` (page-granular, capped, with a heap base and
//! foreign growth): allocation, free, realloc (in place, at the end of the
//! heap, moving), exhaustion and impossible requests. After every step: the
//! heap checker, the ends of every live block, and for each new block its
//! alignment, that it lies in memory the allocator was given (never below
//! the heap base, never in foreign pages) and overlaps no live block. At
//! the end: everything freed merges back to one free block per pool, the
//! foreign pages were never written, and the pages grown add up.
//!
//! Input format (read with `arbitrary`'s `Unstructured`; integers
//! little-endian; a short input reads as zeros):
//!
//! - byte 0: configuration `% 2`: 25 x 32 (`SmallGlobalTlsf`'s), 12 x 8;
//! - byte 1: initial pages `% 3`; u16 `h`: heap base `2 * h` modulo the
//!   initial memory's size plus one; byte `c`: the cap, `initial + 1 + c %
//!   40` pages;
//! - then operations, each a kind byte `k` and its fields, `k % 8`:
//!   - 0, 1, 2: allocate `size` (3 bytes, at least 1) aligned to `align`
//!     (1 byte);
//!   - 3, 4: free live block `index` (u16, modulo the live count);
//!   - 5: realloc live block `index` (u16) to `size` (3 bytes, at least 1);
//!   - 6: someone else grows memory by `b % 3 + 1` pages (byte `b`);
//!   - 7: byte `b`: if `b & 1`, allocate `isize::MAX - 65535` bytes
//!     aligned to `1 << (b >> 1) % 17` (must be null); else realloc live
//!     block `b >> 1` to that size (must be null and keep the block).
//! - `size` and `align` as in the `model` target.
//!
//! `xtask/src/fuzz.rs` writes the seed corpus in this format.
#![no_main]

use std::alloc::{GlobalAlloc, Layout};
use std::rc::Rc;

use arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;
use wasm_tlsf::{GlobalTlsf, PAGE_SIZE};

#[path = "decode.rs"]
mod decode;

use decode::{align, HUGE};
use test_support::pattern;
use test_support::sim::{Memory, Source};

const MAX_OPS: usize = 2000;

/// A size for `GlobalAlloc`, which takes no zero sizes.
fn size(u: &mut Unstructured) -> Result<usize> {
    Ok(decode::size(u)?.max(1))
}

struct Live {
    ptr: *mut u8,
    layout: Layout,
    tag: u8,
}

struct Run<const FL: usize, const SL: usize> {
    a: GlobalTlsf<Source, FL, SL>,
    m: Rc<Memory>,
    live: Vec<Live>,
    next_tag: u8,
}

impl<const FL: usize, const SL: usize> Run<FL, SL> {
    /// Asserts that `[p, p + size)` is aligned, inside memory the allocator
    /// was given, and overlaps no live block but `skip`.
    fn placement(&self, p: *mut u8, size: usize, align: usize, skip: usize) {
        let a = p.addr();
        assert_eq!(a % align, 0, "{a:#x} is not aligned to {align}");
        let base = self.m.base();
        assert!(
            a >= base + self.m.heap_base && a + size <= base + self.m.pages.get() * PAGE_SIZE,
            "[{a:#x}, +{size}) is outside the heap"
        );
        for &(first, n) in self.m.foreign.borrow().iter() {
            let (f0, f1) = (base + first * PAGE_SIZE, base + (first + n) * PAGE_SIZE);
            assert!(
                a + size <= f0 || f1 <= a,
                "[{a:#x}, +{size}) overlaps foreign pages"
            );
        }
        for (i, l) in self.live.iter().enumerate() {
            let b = l.ptr.addr();
            assert!(
                i == skip || a + size <= b || b + l.layout.size() <= a,
                "[{a:#x}, +{size}) overlaps live [{b:#x}, +{})",
                l.layout.size()
            );
        }
    }

    fn alloc(&mut self, size: usize, align: usize) {
        let layout = Layout::from_size_align(size, align).unwrap();
        // SAFETY: `size >= 1`.
        let p = unsafe { self.a.alloc(layout) };
        if size == HUGE {
            assert!(p.is_null(), "an impossible request succeeded");
        }
        if p.is_null() {
            return;
        }
        self.placement(p, size, align, usize::MAX);
        let tag = self.next_tag;
        self.next_tag = self.next_tag.wrapping_add(1).max(1);
        // SAFETY: a fresh block of `size` bytes.
        unsafe { pattern::fill(p, 0, size, tag) };
        self.live.push(Live {
            ptr: p,
            layout,
            tag,
        });
    }

    fn free(&mut self, index: usize) {
        if self.live.is_empty() {
            return;
        }
        let l = self.live.swap_remove(index % self.live.len());
        // SAFETY: a live block of ours, with its layout.
        unsafe {
            pattern::verify(l.ptr, l.layout.size(), l.tag);
            self.a.dealloc(l.ptr, l.layout);
        }
    }

    fn realloc(&mut self, index: usize, new_size: usize) {
        if self.live.is_empty() {
            return;
        }
        let i = index % self.live.len();
        let Live { ptr, layout, tag } = self.live[i];
        let old = layout.size();
        // SAFETY: a live block of ours with `layout`; `new_size >= 1` and
        // rounded to the alignment fits in `isize`.
        unsafe {
            pattern::verify(ptr, old, tag);
            let p = self.a.realloc(ptr, layout, new_size);
            if new_size == HUGE {
                assert!(p.is_null(), "an impossible realloc succeeded");
            }
            if p.is_null() {
                pattern::verify(ptr, old, tag);
                return;
            }
            self.placement(p, new_size, layout.align(), i);
            pattern::verify(p, old.min(new_size), tag);
            pattern::fill(p, old.min(new_size), new_size, tag);
            self.live[i] = Live {
                ptr: p,
                layout: Layout::from_size_align_unchecked(new_size, layout.align()),
                tag,
            };
        }
    }

    fn check(&self, step: usize) {
        if let Err(e) = self.a.check() {
            panic!("heap check failed after step {step}: {e:?}");
        }
        for l in &self.live {
            let n = l.layout.size();
            let want = pattern::expected(l.tag, 0, n);
            // SAFETY: live blocks of ours.
            let (first, last) = unsafe { (l.ptr.read(), l.ptr.add(n - 1).read()) };
            assert_eq!(first, want[0], "first byte of {:p} changed", l.ptr);
            assert_eq!(last, want[n - 1], "last byte of {:p} changed", l.ptr);
        }
    }
}

/// Runs the whole input (or `MAX_OPS` steps), then frees everything and
/// checks the end state: every run is checked to its end, however its
/// input ends.
fn run<const FL: usize, const SL: usize>(u: &mut Unstructured) {
    let initial = u.arbitrary::<u8>().unwrap_or(0) as usize % 3;
    let heap_base = 2 * u.arbitrary::<u16>().unwrap_or(0) as usize % (initial * PAGE_SIZE + 1);
    let cap = initial + 1 + u.arbitrary::<u8>().unwrap_or(0) as usize % 40;
    let m = Memory::new(initial, cap, heap_base);
    let mut r = Run::<FL, SL> {
        a: GlobalTlsf::with_source(Source(m.clone())),
        m,
        live: Vec::new(),
        next_tag: 1,
    };
    // Its only error is the input running out mid-step, which ends the
    // run like an empty input does.
    if let Err(e) = steps(&mut r, u) {
        assert!(
            matches!(e, arbitrary::Error::NotEnoughData),
            "unexpected input error: {e}"
        );
    }
    finish(r, initial);
}

/// The run's operations, each followed by the heap checker.
fn steps<const FL: usize, const SL: usize>(r: &mut Run<FL, SL>, u: &mut Unstructured) -> Result<()> {
    for step in 0..MAX_OPS {
        if u.is_empty() {
            break;
        }
        let kind = u.arbitrary::<u8>()?;
        match kind % 8 {
            0..=2 => {
                let (s, a) = (size(u)?, align(u)?);
                r.alloc(s, a)
            }
            3 | 4 => r.free(u.arbitrary::<u16>()? as usize),
            5 => {
                let i = u.arbitrary::<u16>()? as usize;
                r.realloc(i, size(u)?)
            }
            6 => {
                r.m.foreign_grow(u.arbitrary::<u8>()? as usize % 3 + 1);
            }
            _ => {
                let b = u.arbitrary::<u8>()?;
                if b & 1 != 0 {
                    r.alloc(HUGE, 1 << ((b >> 1) % 17))
                } else {
                    r.realloc((b >> 1) as usize, HUGE)
                }
            }
        }
        r.check(step);
    }
    Ok(())
}

/// Frees everything and checks the heap, the foreign pages and the count
/// of pages grown.
fn finish<const FL: usize, const SL: usize>(mut r: Run<FL, SL>, initial: usize) {
    while !r.live.is_empty() {
        r.free(0);
    }
    let s = r.a.check().expect("final check");
    assert_eq!(s.used_blocks, 0);
    assert_eq!(
        s.free_blocks, s.pools,
        "one free block per pool once all is freed"
    );
    r.m.assert_foreign_intact();
    let st = r.a.stats();
    assert_eq!(st.in_use, 0);
    let foreign: usize = r.m.foreign.borrow().iter().map(|&(_, n)| n).sum();
    assert_eq!(
        initial + st.pages_grown + foreign,
        r.m.pages.get(),
        "pages grown add up"
    );
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    match u.arbitrary::<u8>().unwrap_or(0) % 2 {
        0 => run::<25, 32>(&mut u),
        _ => run::<12, 8>(&mut u),
    }
});

//! Fuzz target `global`: `GlobalTlsf` over the simulated linear memory of
//! `tests/common/sim.rs` (page-granular, capped, with a heap base and
//! foreign growth): allocation, free, realloc (in place, at the end of the
//! heap, moving), exhaustion and impossible requests. After every step: the
//! heap checker, the ends of every live block, and for each new block its
//! alignment, that it lies in memory the allocator was given (never below
//! the heap base, never in foreign pages) and overlaps no live block. At
//! the end: everything freed merges back to one free block per pool, the
//! foreign pages were never written, and the pages grown add up.
//!
//! The input is a `fuzz_input::GlobalInput` (`fuzz/input`: size
//! classes, the memory's initial pages, heap base and cap, then
//! operations), decoded by `arbitrary`; its seeds are in
//! `fuzz/corpus/global`.
#![no_main]

use std::alloc::{GlobalAlloc, Layout};
use std::rc::Rc;

use fuzz_input::{Classes, GlobalInput, Op, HUGE, MAX_OPS};
use libfuzzer_sys::fuzz_target;
use wasm_tlsf::{GlobalTlsf, PAGE_SIZE};

#[path = "../../tests/common/pattern.rs"]
mod pattern;
#[path = "../../tests/common/sim.rs"]
mod sim;

use sim::{Memory, Source};

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

/// Runs the input's operations (`MAX_OPS` at most), each followed by the
/// heap checker, then frees everything and checks the end state.
fn run<const FL: usize, const SL: usize>(input: &GlobalInput) {
    let initial = input.initial as usize % 3;
    let heap_base = 2 * input.half_base as usize % (initial * PAGE_SIZE + 1);
    let cap = initial + 1 + input.cap as usize % 40;
    let m = Memory::new(initial, cap, heap_base);
    let mut r = Run::<FL, SL> {
        a: GlobalTlsf::with_source(Source(m.clone())),
        m,
        live: Vec::new(),
        next_tag: 1,
    };
    // `GlobalAlloc` takes no zero sizes.
    for (step, &op) in input.ops.iter().take(MAX_OPS).enumerate() {
        match op {
            Op::Alloc { size, align } => r.alloc(size.bytes().max(1), align.bytes()),
            Op::Free { index } => r.free(index as usize),
            Op::Realloc { index, size } => r.realloc(index as usize, size.bytes().max(1)),
            Op::Grow { pages, .. } => {
                r.m.foreign_grow(pages as usize % 3 + 1);
            }
            Op::HugeAlloc { align_log2 } => r.alloc(HUGE, 1 << (align_log2 % 17)),
            Op::HugeRealloc { index } => r.realloc(index as usize, HUGE),
        }
        r.check(step);
    }
    finish(r, initial);
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

fuzz_target!(|input: GlobalInput| {
    match input.classes {
        Classes::C25x32 => run::<25, 32>(&input),
        Classes::C12x8 | Classes::C4x4 => run::<12, 8>(&input),
    }
});

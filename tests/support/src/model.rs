//! The randomized model harness: drives the core `Tlsf` with a sequence of
//! operations against a shadow model, and after every step checks data
//! survival (fill patterns), no overlap, alignment, usable sizes and the
//! heap checker. Shared by the seeded `cargo test` and the fuzz target.

use std::alloc::{alloc, dealloc, Layout};
use std::ptr::NonNull;

use wasm_tlsf::Tlsf;

/// One step of a run.
#[derive(Clone, Copy, Debug)]
pub enum Op {
    Alloc {
        size: usize,
        align: usize,
    },
    Free {
        index: usize,
    },
    Realloc {
        index: usize,
        new_size: usize,
    },
    /// Hand the allocator `len` more bytes (at least one chunk): right after
    /// the last pool (`extend_pool`) or, with `gap`, after a gap nobody may
    /// touch (`add_pool`). A no-op once the arena is used up.
    Grow {
        len: usize,
        gap: bool,
    },
}

struct Live {
    ptr: NonNull<u8>,
    size: usize,
    align: usize,
    tag: u8,
}

/// The memory the model hands the allocator: one arena, given out in
/// chunks as pools. Most chunks continue the previous pool (`extend_pool`,
/// like `memory.grow` right after the heap); some leave a gap that nobody
/// may touch (like foreign growth) and start a new pool (`add_pool`).
pub struct Model<const FL: usize, const SL: usize> {
    tlsf: Tlsf<FL, SL>,
    arena: NonNull<u8>,
    arena_layout: Layout,
    used: usize,
    end: Option<NonNull<u8>>,
    chunk: usize,
    live: Vec<Live>,
    /// `(offset, len)` of every gap left between pools: never written.
    gaps: Vec<(usize, usize)>,
    next_tag: u8,
    /// Check the heap and every live block's ends after every this many
    /// steps (1: after each).
    check_every: usize,
    pub steps: usize,
    /// Requests answered with `None`.
    pub failures: usize,
    /// Of those, requests for zero bytes (which must fail).
    pub zero_size: usize,
}

const GAP_FILL: u8 = 0xEE;

impl<const FL: usize, const SL: usize> Model<FL, SL> {
    /// A model with an arena of `arena` bytes handed out `chunk` bytes at a
    /// time.
    pub fn new(arena: usize, chunk: usize) -> Self {
        let arena_layout = Layout::from_size_align(arena, 4096).unwrap();
        // SAFETY: non-zero size.
        let base = NonNull::new(unsafe { alloc(arena_layout) }).expect("arena");
        Model {
            tlsf: Tlsf::new(),
            arena: base,
            arena_layout,
            used: 0,
            end: None,
            chunk,
            live: Vec::new(),
            gaps: Vec::new(),
            next_tag: 1,
            check_every: 1,
            steps: 0,
            failures: 0,
            zero_size: 0,
        }
    }

    /// Checks the heap and the live blocks' ends after every `n` steps
    /// only, rather than after each. Every operation still verifies the
    /// data it frees or moves, and `finish` checks everything.
    pub fn checking_every(mut self, n: usize) -> Self {
        self.check_every = n.max(1);
        self
    }

    pub fn live_count(&self) -> usize {
        self.live.len()
    }

    pub fn tlsf(&self) -> &Tlsf<FL, SL> {
        &self.tlsf
    }

    /// Hands the allocator another chunk (at least `at_least` bytes); false
    /// when the arena is used up.
    fn grow(&mut self, at_least: usize, gap: bool) -> bool {
        let len = at_least.max(self.chunk).next_multiple_of(4096);
        let gap_len = if gap { 4096 } else { 0 };
        if self.used + gap_len + len > self.arena_layout.size() {
            return false;
        }
        // SAFETY: in bounds of the arena, which only the allocator uses.
        unsafe {
            if gap_len != 0 {
                self.arena
                    .as_ptr()
                    .add(self.used)
                    .write_bytes(GAP_FILL, gap_len);
                self.gaps.push((self.used, gap_len));
                self.used += gap_len;
            }
            let start = NonNull::new_unchecked(self.arena.as_ptr().add(self.used));
            let end = match self.end {
                Some(end) if gap_len == 0 && end == start => self.tlsf.extend_pool(end, len),
                _ => self.tlsf.add_pool(start, len),
            };
            self.end = end;
            assert!(
                end.is_some(),
                "a {len}-byte chunk is always enough for a pool"
            );
        }
        self.used += len;
        true
    }

    fn fill(ptr: NonNull<u8>, from: usize, to: usize, tag: u8) {
        // SAFETY: `[ptr, ptr + to)` is a live allocation of ours.
        unsafe { crate::pattern::fill(ptr.as_ptr(), from, to, tag) }
    }

    fn verify(ptr: NonNull<u8>, len: usize, tag: u8) {
        // SAFETY: `[ptr, ptr + len)` is a live allocation of ours.
        unsafe { crate::pattern::verify(ptr.as_ptr(), len, tag) }
    }

    fn verify_placement(&self, ptr: NonNull<u8>, size: usize, align: usize, skip: usize) {
        let a = ptr.as_ptr().addr();
        assert_eq!(a % align, 0, "{a:#x} is not aligned to {align}");
        // SAFETY: `ptr` is live.
        let usable = unsafe { self.tlsf.usable_size(ptr) };
        assert!(
            usable >= size,
            "usable size {usable} < requested {size} at {a:#x}"
        );
        let base = self.arena.as_ptr().addr();
        assert!(
            a >= base && a + size <= base + self.used,
            "{a:#x}+{size} is outside the pools"
        );
        for (i, l) in self.live.iter().enumerate() {
            if i == skip {
                continue;
            }
            let b = l.ptr.as_ptr().addr();
            assert!(
                a + size <= b || b + l.size <= a,
                "[{a:#x}, +{size}) overlaps live [{b:#x}, +{})",
                l.size
            );
        }
    }

    /// Applies one operation and checks everything.
    pub fn apply(&mut self, op: Op) {
        self.steps += 1;
        match op {
            Op::Alloc { size, align } => {
                let layout = Layout::from_size_align(size, align).unwrap();
                let mut p = self.tlsf.allocate(layout);
                if p.is_none() && size > 0 {
                    // Grow like the global allocator would; sometimes with a
                    // gap, so that pools also come apart.
                    let gap = self.steps % 7 == 0;
                    if self.grow(size + align + 64, gap) {
                        p = self.tlsf.allocate(layout);
                        assert!(
                            p.is_some(),
                            "allocation of {size}/{align} failed after growing"
                        );
                    }
                }
                match p {
                    None => {
                        // Zero size, or the arena is used up.
                        self.failures += 1;
                        self.zero_size += usize::from(size == 0);
                    }
                    Some(p) => {
                        assert!(size > 0, "a zero-size request must fail");
                        self.verify_placement(p, size, align, usize::MAX);
                        let tag = self.next_tag;
                        self.next_tag = self.next_tag.wrapping_add(1).max(1);
                        Self::fill(p, 0, size, tag);
                        self.live.push(Live {
                            ptr: p,
                            size,
                            align,
                            tag,
                        });
                    }
                }
            }
            Op::Free { index } => {
                if self.live.is_empty() {
                    return;
                }
                let l = self.live.swap_remove(index % self.live.len());
                Self::verify(l.ptr, l.size, l.tag);
                // SAFETY: `l.ptr` is live and ours.
                unsafe { self.tlsf.deallocate(l.ptr) };
            }
            Op::Grow { len, gap } => {
                if !self.grow(len, gap) {
                    self.failures += 1;
                }
            }
            Op::Realloc { index, new_size } => {
                if self.live.is_empty() {
                    return;
                }
                let i = index % self.live.len();
                let (ptr, size, align, tag) = {
                    let l = &self.live[i];
                    (l.ptr, l.size, l.align, l.tag)
                };
                Self::verify(ptr, size, tag);
                let new_layout = Layout::from_size_align(new_size, align).unwrap();
                // SAFETY: `ptr` is live, ours, aligned to `align`, `size` long.
                let mut r = unsafe { self.tlsf.reallocate(ptr, size, new_layout) };
                if r.is_none() && new_size > 0 && self.grow(new_size + align + 64, false) {
                    // SAFETY: as above; a failed reallocate left it intact.
                    r = unsafe { self.tlsf.reallocate(ptr, size, new_layout) };
                    assert!(
                        r.is_some(),
                        "reallocation to {new_size}/{align} failed after growing"
                    );
                }
                match r {
                    None => {
                        // Zero size (refused, like `allocate`'s), or the
                        // arena is used up. The old block must be intact.
                        Self::verify(ptr, size, tag);
                        self.failures += 1;
                        self.zero_size += usize::from(new_size == 0);
                    }
                    Some(p) => {
                        self.verify_placement(p, new_size, align, i);
                        Self::verify(p, size.min(new_size), tag);
                        Self::fill(p, size.min(new_size), new_size, tag);
                        self.live[i] = Live {
                            ptr: p,
                            size: new_size,
                            align,
                            tag,
                        };
                    }
                }
            }
        }
        if self.steps % self.check_every != 0 {
            return;
        }
        if let Err(e) = self.tlsf.check() {
            panic!(
                "heap check failed after step {} ({op:?}): {e:?}",
                self.steps
            );
        }
        // Cheap spot check of every live block's ends.
        for l in &self.live {
            let want = crate::pattern::expected(l.tag, 0, l.size);
            // SAFETY: live allocations of ours.
            unsafe {
                let first = l.ptr.as_ptr().read();
                let last = l.ptr.as_ptr().add(l.size - 1).read();
                assert_eq!(first, want[0], "first byte of {:p} changed", l.ptr);
                assert_eq!(last, want[l.size - 1], "last byte of {:p} changed", l.ptr);
            }
        }
    }

    /// Frees everything and checks the heap returned to one free block per
    /// pool run, and that gaps were never written.
    pub fn finish(mut self) {
        while !self.live.is_empty() {
            self.apply(Op::Free { index: 0 });
        }
        let summary = self.tlsf.check().expect("final check");
        assert_eq!(summary.used_blocks, 0);
        assert_eq!(
            summary.free_blocks, summary.pools,
            "one free block per pool once all is freed"
        );
        let s = self.tlsf.stats();
        assert_eq!(s.in_use, 0);
        assert_eq!(s.free + s.overhead, s.managed);
        for &(offset, len) in &self.gaps {
            // SAFETY: in bounds of the arena.
            let gap = unsafe { std::slice::from_raw_parts(self.arena.as_ptr().add(offset), len) };
            if let Some(i) = gap.iter().position(|&b| b != GAP_FILL) {
                panic!("gap byte at arena offset {:#x} was written", offset + i);
            }
        }
    }
}

impl<const FL: usize, const SL: usize> Drop for Model<FL, SL> {
    fn drop(&mut self) {
        // SAFETY: allocated in `new` with this layout.
        unsafe { dealloc(self.arena.as_ptr(), self.arena_layout) };
    }
}

/// A random operation: sizes log-uniform up to `max_size`, alignments up to
/// `max_align`, roughly 45% allocate, 35% free, 20% realloc, biased to keep
/// about `target_live` blocks live.
pub fn random_op(
    rng: &mut crate::rng::Rng,
    live: usize,
    target_live: usize,
    max_size: usize,
    max_align: usize,
) -> Op {
    let r = rng.below(100);
    let alloc_bias = if live < target_live { 55 } else { 35 };
    if r < alloc_bias {
        Op::Alloc {
            size: rng.size_up_to(max_size),
            align: rng.align_up_to(max_align),
        }
    } else if r < 80 {
        Op::Free {
            index: rng.below(usize::MAX),
        }
    } else {
        Op::Realloc {
            index: rng.below(usize::MAX),
            new_size: rng.size_up_to(max_size),
        }
    }
}

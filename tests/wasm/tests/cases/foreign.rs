//! Foreign growth: the test calls `memory.grow` itself between our
//! allocations. The heap keeps working around those pages and never
//! writes into them; no block overlaps them.

use core::arch::wasm32;

use wasm_bindgen_test::wasm_bindgen_test;
use wasm_tlsf::{HeapSummary, PAGE_SIZE};

use super::util::*;
use crate::A;

/// Pages grown by someone else, filled with a pattern.
struct Foreign {
    start: usize,
    len: usize,
    tag: u8,
}

impl Foreign {
    fn grow(case: &str, pages_n: usize, tag: u8) -> Foreign {
        let old = wasm32::memory_grow(0, pages_n);
        ensure!(
            old != usize::MAX,
            case,
            pages_n * PAGE_SIZE,
            0usize,
            "memory.grow failed"
        );
        let f = Foreign {
            start: old * PAGE_SIZE,
            len: pages_n * PAGE_SIZE,
            tag,
        };
        // SAFETY: fresh pages nobody else knows of.
        unsafe { fill(f.start as *mut u8, 0, f.len, tag) };
        f
    }

    fn verify(&self, case: &str) {
        // SAFETY: memory that exists (memory never shrinks).
        unsafe { verify(case, self.start as *const u8, self.len, self.tag) };
    }

    fn check_outside(&self, case: &str, b: &Block) {
        ensure!(
            b.end() <= self.start || b.addr() >= self.start + self.len,
            case,
            b.size(),
            b.addr(),
            "block overlaps the foreign pages [{:#x}, {:#x})",
            self.start,
            self.start + self.len
        );
    }
}

/// Runs case `case` with the free space used up (see
/// [`consume_free_space`]), between [`begin`] and [`end`]: `body` runs,
/// the free space is given back, and the foreign pages `body` returns must
/// have survived all of it. Returns the checker's summaries before and
/// after.
fn with_free_space_used(
    case: &str,
    body: impl FnOnce() -> Vec<Foreign>,
) -> (HeapSummary, HeapSummary) {
    let (sum0, st0) = begin(case);
    let ballast = consume_free_space(case);
    let foreign = body();
    release(ballast);
    for f in &foreign {
        f.verify(case);
    }
    drop(foreign);
    let (sum1, _) = end(case, &st0);
    (sum0, sum1)
}

/// With free space used up, foreign pages are grown between allocations:
/// thousands of allocations, reallocations and frees (many of which grow
/// memory after the foreign pages) never touch them.
#[wasm_bindgen_test]
fn foreign_growth_between_allocations() {
    let case = "foreign-growth";
    let (sum0, sum1) = with_free_space_used(case, || {
        let mut foreign = vec![Foreign::grow(case, 3, 0xF1)];
        let mut rng = Rng::new(7);
        let mut live: Vec<Block> = Vec::with_capacity(128);
        let mut above = 0;
        for step in 0..3000usize {
            if step == 1000 || step == 2000 {
                foreign.push(Foreign::grow(case, 1 + step / 1000, 0xF0 ^ step as u8));
            }
            if live.len() < 128 && (rng.below(3) > 0 || live.is_empty()) {
                // Sizes up to 512 KiB: large ones need memory grown past the
                // foreign pages.
                let size = rng.size_up_to(512 * KIB);
                let b = alloc_block(case, size, rng.align_up_to(4096), step as u8);
                for f in &foreign {
                    f.check_outside(case, &b);
                    if b.addr() >= f.start + f.len {
                        above += 1;
                    }
                }
                live.push(b);
            } else if rng.below(2) == 0 {
                let i = rng.below(live.len());
                live[i].realloc(case, rng.size_up_to(512 * KIB));
                for f in &foreign {
                    f.check_outside(case, &live[i]);
                }
            } else {
                live.swap_remove(rng.below(live.len())).free(case);
            }
            if step % 250 == 0 {
                for f in &foreign {
                    f.verify(case);
                }
            }
        }
        ensure!(
            above > 0,
            case,
            0usize,
            foreign[0].start,
            "no block was placed above the foreign pages"
        );
        check_disjoint(case, &live);
        free_all(case, live);
        foreign
    });
    ensure!(
        sum1.pools > sum0.pools,
        case,
        0usize,
        0usize,
        "foreign growth should have started new pools ({} -> {})",
        sum0.pools,
        sum1.pools
    );
}

/// A block at the end of the heap grows in place by growing memory right
/// after it (same address).
#[wasm_bindgen_test]
fn realloc_at_heap_end_grows_in_place() {
    let case = "realloc-at-end-in-place";
    with_free_space_used(case, || {
        let mut b = alloc_block(case, 200 * KIB, 8, 0xE1);
        let at = b.addr();
        let before = pages();
        for new in [MIB, 3 * MIB + 5, 4 * MIB] {
            b.realloc(case, new);
            ensure!(
                b.addr() == at,
                case,
                new,
                b.addr(),
                "moved from {at:#x} instead of growing in place"
            );
        }
        ensure!(pages() > before, case, b.size(), at, "memory did not grow");
        b.free(case);
        Vec::new()
    });
}

/// The last block of the heap, with foreign pages grown right after it:
/// growing it cannot happen in place; it moves (above the foreign pages),
/// keeps its data, and the foreign pages survive.
#[wasm_bindgen_test]
fn realloc_at_heap_end_with_foreign_pages_after() {
    let case = "realloc-at-end-foreign";
    with_free_space_used(case, || {
        let mut b = alloc_block(case, 200 * KIB, 8, 0xE2);
        let f = Foreign::grow(case, 2, 0xE3);
        ensure!(
            b.end() <= f.start,
            case,
            b.size(),
            b.addr(),
            "block above fresh foreign pages"
        );
        for new in [MIB, 2 * MIB + 1, 64] {
            b.realloc(case, new);
            f.check_outside(case, &b);
            f.verify(case);
        }
        // And a few more blocks that must grow memory again.
        let more: Vec<Block> = (0..4)
            .map(|i| alloc_block(case, 300 * KIB, 64, i))
            .collect();
        for m in &more {
            f.check_outside(case, m);
        }
        check_disjoint(case, more.iter().chain([&b]));
        free_all(case, more);
        b.free(case);
        vec![f]
    });
}

/// The newest pool's free tail (its whole size), or 0 if that pool ends
/// with a used block. (Pools are walked newest first.)
fn newest_pool_tail() -> usize {
    // SAFETY: the closure only reads the walk; it does not allocate.
    unsafe {
        A.inspect(|t| {
            let mut seen = false;
            t.blocks()
                .take_while(|i| !core::mem::replace(&mut seen, true) || !i.first_in_pool)
                .last()
                .filter(|i| i.free)
                .map_or(0, |i| i.size)
        })
    }
}

/// Allocates the newest pool's free tail (and any free block the allocator
/// picks instead for a request of that size), so that the newest pool ends
/// with a used block: memory grown next, if it lands apart, then counted on
/// no tail. Returns the blocks taken.
fn take_newest_tail(case: &str, tag: u8) -> Vec<Block> {
    let mut taken = Vec::with_capacity(16);
    loop {
        let tail = newest_pool_tail();
        if tail == 0 {
            return taken;
        }
        ensure!(
            taken.len() < taken.capacity(),
            case,
            tail,
            0usize,
            "the newest pool still ends with a free block after {} allocations",
            taken.len()
        );
        // The whole block: the request, its header, rounded to granules.
        taken.push(alloc_block(case, tail - 4, 8, tag));
    }
}

/// Regression: growing the last block of a pool that is not the newest
/// (foreign pages came after it), when the newest pool's free tail is at
/// least what the block lacks. `GlobalTlsf::realloc` then asks `refill`
/// for the shortfall, and `refill` subtracts the newest pool's tail from
/// it: `missing - tail` wraps. Debug builds panic there ("attempt to add
/// with overflow", src/global.rs); release builds ask `memory.grow` for 0
/// pages and lose the newest pool's end, so later growth starts a new pool
/// instead of extending it.
#[wasm_bindgen_test]
fn realloc_last_block_of_an_older_pool() {
    let case = "realloc-older-pool-end";
    with_free_space_used(case, || {
        // `b` ends the newest pool (what the growth for it left after it is
        // taken); foreign pages follow; `c` starts a new pool after them,
        // with a free tail. (Had the newest pool kept a free tail, the
        // growth for `c`, landing apart, would have counted on it, and the
        // next growth would start a pool of its own, by design.)
        let mut b = alloc_block(case, 200 * KIB, 8, 0xB1);
        let filler = take_newest_tail(case, 0xB5);
        let f = Foreign::grow(case, 1, 0xB2);
        let c = alloc_block(case, 100 * KIB, 8, 0xB3);
        // The newest pool's free tail, and `b`'s block with the free block
        // after it (which a reallocation absorbs).
        let b_hdr = b.addr() - 4;
        // SAFETY: the closure does not allocate.
        let (tail, b_span) = unsafe {
            A.inspect(|t| {
                let newest = t.blocks().take_while({
                    let mut seen = false;
                    move |i| !core::mem::replace(&mut seen, true) || !i.first_in_pool
                });
                let tail = newest.last().filter(|i| i.free).map_or(0, |i| i.size);
                let mut span = 0;
                let mut it = t.blocks().skip_while(|i| i.addr != b_hdr);
                if let Some(i) = it.next() {
                    span = i.size;
                    if let Some(n) = it.next().filter(|n| n.free && !n.first_in_pool) {
                        span += n.size;
                    }
                }
                (tail, span)
            })
        };
        ensure!(
            tail > 64 && b_span > 0,
            case,
            b.size(),
            b.addr(),
            "set-up: tail {tail}, span {b_span}"
        );
        // Ask for a block size of `b_span + tail - 8`: `b` lacks `tail - 8`
        // bytes, 8 fewer than the newest pool's tail.
        let new_size = b_span + tail - 8 - 4;
        let pools_before = A.check().map(|s| s.pools).unwrap_or(0);
        b.realloc(case, new_size);
        f.check_outside(case, &b);
        // No foreign growth since `c`'s pool: new memory must extend it.
        let d = alloc_block(case, 300 * KIB, 8, 0xB4);
        let pools_after = A.check().map(|s| s.pools).unwrap_or(0);
        ensure!(
            pools_after == pools_before,
            case,
            d.size(),
            d.addr(),
            "memory grown after the newest pool started a new pool ({pools_before} -> {pools_after} \
             pools): the pool's end was lost when {new_size}-byte realloc of the block at {:#x} \
             asked to grow memory",
            b.addr()
        );
        f.verify(case);
        free_all(case, [b, c, d]);
        free_all(case, filler);
        vec![f]
    });
}

//! No leak: a million allocate / free cycles; freeing merges back; the
//! statistics count what happened.

use std::alloc::{alloc, dealloc, realloc, Layout};

use wasm_bindgen_test::wasm_bindgen_test;

use super::util::*;
use crate::A;

/// One million allocate / free cycles of mixed sizes (1 B to 64 KiB,
/// mostly small; alignments up to 256) with up to 64 blocks live: memory
/// is where it was after the first thousand cycles, and the bytes in use
/// are back to the start. Each block carries a tag in its first and last
/// byte, checked when it is freed.
#[wasm_bindgen_test]
fn million_cycles_no_leak() {
    let case = "million-cycles";
    warm_up();
    // Headroom, so that the warm-up is not cut short by the heap's size
    // when this case runs first: 8 MiB free (the live set stays far below).
    alloc_block(case, 8 * MIB, 8, 0x80).free(case);
    let (_, st0) = heap_ok(case);
    let mut rng = Rng::new(8);
    const SLOTS: usize = 64;
    let mut slots: [(*mut u8, Layout, u8); SLOTS] =
        [(core::ptr::null_mut(), Layout::new::<u8>(), 0); SLOTS];
    let mut after_warm_up = 0;
    for cycle in 0..1_000_000usize {
        if cycle == 1000 {
            after_warm_up = pages();
        }
        let i = rng.below(SLOTS);
        let (p, layout, tag) = slots[i];
        if !p.is_null() {
            // SAFETY: a live block of `layout.size()` bytes, freed once.
            unsafe {
                let (a, z) = (p.read(), p.add(layout.size() - 1).read());
                if a != tag || z != tag {
                    panic!(
                        "case {case}: size {} at address {:#x}: cycle {cycle}: tag {tag:#x} \
                         reads {a:#x} / {z:#x}",
                        layout.size(),
                        p as usize
                    );
                }
                dealloc(p, layout);
            }
        }
        let r = rng.next_u64();
        let size = match r % 16 {
            0 => 1 + (r >> 8) as usize % (64 * KIB),
            1..=3 => 1 + (r >> 8) as usize % 4096,
            _ => 1 + (r >> 8) as usize % 256,
        };
        let align = 1usize << ((r >> 40) % 9).min(((r >> 50) % 4) * 3);
        let layout = Layout::from_size_align(size, align).unwrap();
        // SAFETY: non-zero size.
        let p = unsafe { alloc(layout) };
        if p.is_null() || !(p as usize).is_multiple_of(align) {
            panic!(
                "case {case}: size {size} at address {:#x}: cycle {cycle}: null or not aligned \
                 to {align}",
                p as usize
            );
        }
        let tag = cycle as u8 | 1;
        // SAFETY: `size` writable bytes.
        unsafe {
            p.write(tag);
            p.add(size - 1).write(tag);
        }
        slots[i] = (p, layout, tag);
        if cycle % 250_000 == 0 {
            heap_ok(case);
        }
    }
    let end_pages = pages();
    for (p, layout, _) in slots {
        if !p.is_null() {
            // SAFETY: live, freed once.
            unsafe { dealloc(p, layout) };
        }
    }
    end(case, &st0);
    ensure!(
        end_pages == after_warm_up,
        case,
        (end_pages - after_warm_up) * wasm_tlsf::PAGE_SIZE,
        0usize,
        "memory grew from {after_warm_up} pages (after 1000 cycles) to {end_pages}"
    );
}

/// A thousand blocks freed in a shuffled order merge back: the blocks in
/// use, their bytes and the number of free blocks are where they started.
#[wasm_bindgen_test]
fn free_in_any_order_merges_back() {
    let case = "free-merges-back";
    let (sum0, _) = begin(case);
    let mut rng = Rng::new(9);
    let mut live: Vec<Block> = Vec::with_capacity(1000);
    for i in 0..1000 {
        live.push(alloc_block(
            case,
            rng.size_up_to(8 * KIB),
            rng.align_up_to(512),
            i as u8,
        ));
    }
    check_disjoint(case, &live);
    // Fisher-Yates.
    for i in (1..live.len()).rev() {
        live.swap(i, rng.below(i + 1));
    }
    free_all(case, live);
    let (sum1, _) = heap_ok(case);
    ensure!(
        sum1.used_blocks == sum0.used_blocks && sum1.used_bytes == sum0.used_bytes,
        case,
        sum1.used_bytes,
        0usize,
        "used blocks {} -> {}, bytes {} -> {}",
        sum0.used_blocks,
        sum1.used_blocks,
        sum0.used_bytes,
        sum1.used_bytes
    );
    ensure!(
        sum1.free_blocks <= sum0.free_blocks + (sum1.pools - sum0.pools),
        case,
        sum1.free_bytes,
        0usize,
        "free blocks {} -> {}: freed blocks did not merge",
        sum0.free_blocks,
        sum1.free_blocks
    );
}

/// The statistics count exactly what was done: allocations, deallocations,
/// reallocations, bytes in use and the peak.
#[wasm_bindgen_test]
fn stats_count_operations() {
    let case = "stats-counters";
    let (_, s0) = begin(case);
    let layout = Layout::from_size_align(1000, 8).unwrap();
    let mut ptrs = [core::ptr::null_mut(); 10];
    // SAFETY: non-zero sizes; each block freed once with its layout.
    unsafe {
        for p in &mut ptrs {
            *p = alloc(layout);
            check_raw(case, "alloc", *p, 1000, 8);
        }
        let s1 = A.stats();
        ensure!(
            s1.allocations == s0.allocations + 10 && s1.in_use >= s0.in_use + 10 * 1000,
            case,
            1000,
            ptrs[0],
            "after 10 allocations: {s0:?} -> {s1:?}"
        );
        ensure!(
            s1.peak_in_use >= s1.in_use,
            case,
            1000,
            ptrs[0],
            "peak below in use"
        );
        // Shrinking in place: one reallocation each, no allocation.
        for p in &mut ptrs {
            let q = realloc(*p, layout, 500);
            ensure!(
                q == *p,
                case,
                500,
                q,
                "shrinking moved the block from {:#x}",
                *p as usize
            );
        }
        let s2 = A.stats();
        ensure!(
            s2.reallocations == s1.reallocations + 10 && s2.allocations == s1.allocations,
            case,
            500,
            ptrs[0],
            "after 10 shrinks: {s1:?} -> {s2:?}"
        );
        ensure!(
            s2.in_use < s1.in_use,
            case,
            500,
            ptrs[0],
            "shrinking freed nothing"
        );
        for p in ptrs {
            dealloc(p, Layout::from_size_align(500, 8).unwrap());
        }
    }
    let (_, s3) = heap_ok(case);
    ensure!(
        s3.deallocations == s0.deallocations + 10 && s3.in_use == s0.in_use,
        case,
        500,
        0usize,
        "after 10 frees: {s0:?} -> {s3:?}"
    );
    ensure!(
        s3.failed == s0.failed,
        case,
        0usize,
        0usize,
        "a request failed: {s0:?} -> {s3:?}"
    );
}

//! Every power-of-two alignment from 1 B to 64 KiB, with sizes around it,
//! through `std::alloc::{alloc, realloc, dealloc}`.

use std::alloc::{alloc, dealloc, realloc, Layout};

use wasm_bindgen_test::wasm_bindgen_test;

use super::util::*;

/// Sizes around `align`: 1, align - 1, align, align + 1 and a few
/// multiples (capped at 1 MiB + 1 so that a sweep stays small).
fn sizes_around(align: usize) -> Vec<usize> {
    let mut v = vec![
        1,
        7,
        align - 1,
        align,
        align + 1,
        2 * align,
        3 * align + 5,
        8 * align - 1,
        (16 * align + 3).min(MIB + 1),
    ];
    v.retain(|&s| s > 0);
    v.sort_unstable();
    v.dedup();
    v
}

/// For each alignment in `aligns`: all sizes around it live at once,
/// filled, aligned and disjoint; every other one freed and allocated again
/// (reusing the holes); all verified and freed.
fn sweep(case: &str, aligns: impl Iterator<Item = usize>) {
    let (_, st0) = begin(case);
    for align in aligns {
        let sizes = sizes_around(align);
        let mut live: Vec<Block> = sizes
            .iter()
            .enumerate()
            .map(|(i, &s)| alloc_block(case, s, align, (align.trailing_zeros() as u8) ^ i as u8))
            .collect();
        check_all(case, &live);
        // Free every other block, then refill the holes with the same sizes.
        let mut kept = Vec::new();
        let mut again = Vec::new();
        for (i, b) in live.drain(..).enumerate() {
            if i % 2 == 0 {
                again.push((b.size(), b.tag.wrapping_add(101)));
                b.free(case);
            } else {
                kept.push(b);
            }
        }
        for (s, tag) in again {
            kept.push(alloc_block(case, s, align, tag));
        }
        check_disjoint(case, &kept);
        free_all(case, kept);
    }
    end(case, &st0);
}

#[wasm_bindgen_test]
fn align_1_to_64_sizes_around() {
    sweep("align-1..64", (0..=6).map(|k| 1usize << k));
}

#[wasm_bindgen_test]
fn align_128_to_4k_sizes_around() {
    sweep("align-128..4K", (7..=12).map(|k| 1usize << k));
}

#[wasm_bindgen_test]
fn align_8k_to_64k_sizes_around() {
    sweep("align-8K..64K", (13..=16).map(|k| 1usize << k));
}

/// A block grows and shrinks through `realloc` for every alignment and
/// size around it; the pattern survives each step and the alignment is
/// kept.
#[wasm_bindgen_test]
fn realloc_grow_shrink_every_alignment() {
    let case = "realloc-grow-shrink";
    run_case(case, || {
        for k in 0..=16 {
            let align = 1usize << k;
            for (i, &size) in sizes_around(align).iter().enumerate() {
                let mut b = alloc_block(case, size, align, (k * 16 + i) as u8);
                // Grow twice, shrink below the start, down to one byte, back
                // up.
                for new in [
                    2 * size + 3,
                    4 * size + align + 1,
                    size / 3 + 1,
                    1,
                    size + 17,
                ] {
                    b.realloc(case, new);
                }
                b.free(case);
            }
        }
    });
}

/// Growing a block whose neighbour is in use must move it (or grow it into
/// free space); shrinking is done in place. Either way the neighbour and
/// the data survive.
#[wasm_bindgen_test]
fn realloc_next_to_live_neighbours() {
    let case = "realloc-neighbours";
    warm_up();
    heap_ok(case);
    for k in [0usize, 3, 4, 6, 9, 12, 16] {
        let align = 1usize << k;
        for size in [24usize, 1000, 70_000] {
            let mut a = alloc_block(case, size, align, 1 + k as u8);
            let n = alloc_block(case, 48, 8, 2 + k as u8);
            let before = a.addr();
            a.realloc(case, size / 2 + 1);
            ensure!(
                a.addr() == before,
                case,
                size / 2 + 1,
                a.addr(),
                "shrinking (align {align}) moved the block from {before:#x}"
            );
            a.realloc(case, size * 3 + 11);
            check_disjoint(case, [&a, &n]);
            n.verify(case);
            a.free(case);
            n.free(case);
        }
    }
    heap_ok(case);
}

/// Seeded random allocate / realloc / free with alignments up to 64 KiB,
/// sizes up to 256 KiB, up to 96 blocks live: every touched block is
/// verified, all live blocks are disjoint and intact at checkpoints.
#[wasm_bindgen_test]
fn random_aligned_churn() {
    let case = "random-aligned-churn";
    run_case(case, || {
        let mut rng = Rng::new(0xA11C_0DE5);
        let mut live: Vec<Block> = Vec::with_capacity(96);
        for step in 0..4000usize {
            let r = rng.below(10);
            if live.len() < 96 && (r < 5 || live.is_empty()) {
                let size = rng.size_up_to(256 * KIB);
                let align = rng.align_up_to(64 * KIB);
                live.push(alloc_block(case, size, align, step as u8));
            } else if r < 7 {
                let i = rng.below(live.len());
                let new = rng.size_up_to(256 * KIB);
                live[i].realloc(case, new);
            } else {
                let i = rng.below(live.len());
                live.swap_remove(i).free(case);
            }
            if step % 500 == 499 {
                check_all(case, &live);
                heap_ok(case);
            }
        }
        free_all(case, live);
    });
}

/// The raw `std::alloc` calls, without the helpers: a 64 KiB-aligned block
/// written through, reallocated, read back.
#[wasm_bindgen_test]
fn raw_std_alloc_realloc_dealloc() {
    let case = "raw-std-alloc";
    heap_ok(case);
    let layout = Layout::from_size_align(65_537, 65_536).unwrap();
    // SAFETY: non-zero size; every access is inside the block; freed once
    // with its current layout.
    unsafe {
        let p = alloc(layout);
        check_raw(case, "alloc", p, 65_537, 65_536);
        for i in 0..65_537 {
            p.add(i).write((i * 7 % 251) as u8);
        }
        let q = realloc(p, layout, 300_000);
        check_raw(case, "realloc", q, 300_000, 65_536);
        for i in 0..65_537 {
            let v = q.add(i).read();
            ensure!(
                v == (i * 7 % 251) as u8,
                case,
                300_000,
                q,
                "byte {i} is {v}"
            );
        }
        dealloc(q, Layout::from_size_align(300_000, 65_536).unwrap());
    }
    heap_ok(case);
}

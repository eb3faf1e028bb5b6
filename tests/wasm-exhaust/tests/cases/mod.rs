//! Exhaustion: memory is capped at 32 MiB (`--max-memory`, see build.rs),
//! so `memory.grow` fails. Allocation then returns null, every earlier
//! block is intact, freeing makes room, and the heap checker passes.
//!
//! While memory is exhausted nothing may allocate, not even a panic
//! message: the cases record what they see in plain variables, free a
//! reserve block, and only then assert.

use core::arch::wasm32;
use std::alloc::{alloc, dealloc, realloc, Layout};

use wasm_bindgen_test::wasm_bindgen_test;
use wasm_tlsf::PAGE_SIZE;

use crate::A;
use wasm_tlsf_wasm_tests::util::*;

/// The `--max-memory` of this crate's test modules.
const CAP: usize = 32 * MIB;

/// Growing memory past the cap fails, so the cap is in effect.
#[wasm_bindgen_test]
fn cap_is_in_effect() {
    let case = "cap";
    ensure!(
        memory_bytes() <= CAP,
        case,
        memory_bytes(),
        0usize,
        "memory beyond the cap"
    );
    let old = wasm32::memory_grow(0, CAP / PAGE_SIZE);
    ensure!(
        old == usize::MAX,
        case,
        CAP,
        old.wrapping_mul(PAGE_SIZE),
        "memory.grow past 32 MiB succeeded: the --max-memory link argument is missing"
    );
    heap_ok(case);
}

/// Allocate 1 MiB blocks until null, then 64 KiB, 4 KiB, 256, 16 and 1
/// byte blocks until null: each null leaves memory as it was; memory ends
/// at the cap with no free byte; every block is intact. Freeing makes room
/// for the same blocks again (without growing), and after freeing all of
/// it the whole heap is one allocatable block.
#[wasm_bindgen_test]
fn exhaustion_returns_null_keeps_blocks_and_recovers() {
    let case = "exhaustion";
    let (_, st0) = begin(case);
    let mut blocks: Vec<Block> = Vec::with_capacity(2048);
    // Freed before anything that may format a message.
    let reserve = alloc_block(case, 256 * KIB, 8, 0xAA);

    // ---- exhausted: no allocation but ours, no panic ----
    const SIZES: [usize; 6] = [MIB, 64 * KIB, 4 * KIB, 256, 16, 1];
    let mut nulls = [0usize; 6];
    let mut grew_on_null = None;
    let mut full = false;
    for (k, &size) in SIZES.iter().enumerate() {
        loop {
            if blocks.len() == blocks.capacity() {
                full = true;
                break;
            }
            let before = pages();
            match try_alloc_block(size, 8, blocks.len() as u8 ^ k as u8, false) {
                Some(b) => blocks.push(b),
                None => {
                    nulls[k] += 1;
                    if pages() != before && grew_on_null.is_none() {
                        grew_on_null = Some((size, before, pages()));
                    }
                    break;
                }
            }
        }
    }
    let at_cap = pages();
    let st_full = A.stats();
    let check_full = A.check();
    reserve.free(case);
    // ---- memory again ----

    ensure!(
        !full,
        case,
        blocks.len(),
        0usize,
        "more than {} blocks: never exhausted",
        blocks.capacity()
    );
    ensure!(
        grew_on_null.is_none(),
        case,
        grew_on_null.map_or(0, |g| g.0),
        0usize,
        "a failed request changed memory: {grew_on_null:?}"
    );
    ensure!(
        at_cap * PAGE_SIZE == CAP,
        case,
        CAP,
        0usize,
        "exhausted at {at_cap} pages, not at the cap"
    );
    ensure!(
        nulls == [1; 6] && st_full.failed == st0.failed + 6,
        case,
        0usize,
        0usize,
        "nulls per size {nulls:?}, failed {} -> {}",
        st0.failed,
        st_full.failed
    );
    if let Err(e) = check_full {
        panic!(
            "case {case}: size 0 at address {:#x}: heap checker at exhaustion: {:?}",
            e.addr, e.violation
        );
    }
    // A 1-byte request failed: no free block was left (the reserve was
    // still in use then).
    ensure!(
        st_full.free == 0 && st_full.largest_free == 0,
        case,
        st_full.free,
        0usize,
        "a 1-byte request failed with free bytes left: {st_full:?}"
    );
    check_all(case, &blocks);
    for b in &blocks {
        check_placement(case, b);
    }
    heap_ok(case);

    // Free every other 1 MiB block; the same requests succeed again,
    // without growing memory.
    let mut again = 0;
    let mut kept = Vec::with_capacity(blocks.len());
    for (i, b) in blocks.into_iter().enumerate() {
        if b.size() == MIB && i % 2 == 0 {
            b.free(case);
            again += 1;
        } else {
            kept.push(b);
        }
    }
    ensure!(
        again > 4,
        case,
        MIB,
        0usize,
        "only {again} 1 MiB blocks were allocated"
    );
    for i in 0..again {
        let b = alloc_block(case, MIB, 8, 0x40 + i as u8);
        ensure!(
            pages() == at_cap,
            case,
            MIB,
            b.addr(),
            "memory changed at the cap"
        );
        kept.push(b);
    }
    check_disjoint(case, &kept);
    free_all(case, kept);
    let (_, st) = end(case, &st0);

    // Everything free again: the largest free block is allocatable, and it
    // is most of the capped memory.
    let largest = st.largest_free;
    ensure!(
        largest > CAP / 2,
        case,
        largest,
        0usize,
        "the free memory did not merge: {st:?}"
    );
    let b = alloc_block(case, largest, 8, 0x55);
    ensure!(
        pages() == at_cap,
        case,
        largest,
        b.addr(),
        "memory changed at the cap"
    );
    b.free(case);
    heap_ok(case);
}

/// Requests beyond the cap get null and leave the heap as it was.
#[wasm_bindgen_test]
fn request_beyond_cap_returns_null_heap_untouched() {
    let case = "beyond-cap";
    let (sum0, st0) = heap_ok(case);
    let before = pages();
    for (size, align) in [
        (64 * MIB, 8),
        (CAP, 8),
        (40 * MIB + 1, 64 * KIB),
        (CAP - 1, 4096),
    ] {
        let layout = Layout::from_size_align(size, align).unwrap();
        // SAFETY: non-zero size.
        let p = unsafe { alloc(layout) };
        ensure!(
            p.is_null(),
            case,
            size,
            p,
            "a request beyond the cap succeeded (align {align})"
        );
        ensure!(
            pages() == before,
            case,
            size,
            0usize,
            "memory grew from {before} to {} pages",
            pages()
        );
    }
    let (sum1, st1) = heap_ok(case);
    ensure!(
        sum1 == sum0,
        case,
        0usize,
        0usize,
        "heap changed: {sum0:?} -> {sum1:?}"
    );
    ensure!(
        st1.failed == st0.failed + 4,
        case,
        0usize,
        0usize,
        "failed {} -> {}",
        st0.failed,
        st1.failed
    );
}

/// A realloc beyond the cap returns null and the block stays, intact and
/// usable.
#[wasm_bindgen_test]
fn realloc_beyond_cap_keeps_the_block() {
    let case = "realloc-beyond-cap";
    run_case(case, || {
        let mut b = alloc_block(case, MIB, 8, 0x33);
        // SAFETY: a live block with this layout; the new size fits `isize`.
        let p = unsafe { realloc(b.ptr, b.layout, 48 * MIB) };
        ensure!(
            p.is_null(),
            case,
            48 * MIB,
            p,
            "realloc beyond the cap succeeded"
        );
        b.verify(case);
        b.realloc(case, 2 * MIB);
        b.free(case);
    });
}

/// `Vec::try_reserve` beyond the cap fails without losing the contents;
/// doubling a `Vec` stops with an error near the cap, never an abort.
#[wasm_bindgen_test]
fn vec_try_reserve_at_the_cap() {
    let case = "vec-try-reserve";
    run_case(case, || {
        let mut v: Vec<u8> = Vec::new();
        let mut cap_reached = 0;
        loop {
            let want = v.capacity().max(4096);
            if v.try_reserve_exact(want).is_err() {
                break;
            }
            let len = v.len();
            v.resize(v.capacity(), 0);
            // SAFETY: `v` holds `v.len()` initialised bytes.
            unsafe { fill(v.as_mut_ptr(), len, v.len(), 0x77) };
            cap_reached = v.capacity();
        }
        verify_slice(case, &v, 0x77);
        ensure!(
            cap_reached >= 8 * MIB,
            case,
            cap_reached,
            v.as_ptr(),
            "stopped early"
        );
        ensure!(
            v.try_reserve(64 * MIB).is_err(),
            case,
            64 * MIB,
            v.as_ptr(),
            "reserve beyond the cap"
        );
        verify_slice(case, &v, 0x77);
    });
}

/// After all that, a raw allocation near the cap's size and a free leave
/// the heap sound.
#[wasm_bindgen_test]
fn raw_alloc_dealloc_after_exhaustion() {
    let case = "raw-after";
    heap_ok(case);
    let layout = Layout::from_size_align(8 * MIB, 64 * KIB).unwrap();
    // SAFETY: non-zero size; freed once.
    unsafe {
        let p = alloc(layout);
        check_raw(case, "alloc", p, 8 * MIB, 64 * KIB);
        p.write(1);
        p.add(8 * MIB - 1).write(2);
        ensure!(
            p.read() == 1 && p.add(8 * MIB - 1).read() == 2,
            case,
            8 * MIB,
            p,
            "ends"
        );
        dealloc(p, layout);
    }
    heap_ok(case);
}

//! The root crate's own wasm tests, shared by `tests/wasm_node.rs` and
//! `tests/wasm_browser.rs` (`mod wasm_cases;`), so that `wasm-pack test
//! --node` and `wasm-pack test --headless --chrome` work at the crate's
//! root (the full suites are `tests/wasm` and `tests/wasm-exhaust`). Each test binary's
//! root defines `static A: wasm_tlsf::SmallGlobalTlsf`.

use std::alloc::{alloc, dealloc, Layout};
use std::collections::BTreeMap;
use std::mem::MaybeUninit;

use wasm_bindgen_test::wasm_bindgen_test;

use crate::A;

/// The heap is sound and its figures agree with its blocks.
fn heap_ok() -> wasm_tlsf::HeapSummary {
    let summary = A.check().expect("a sound heap");
    let stats = A.stats();
    assert_eq!(stats.in_use, summary.used_bytes);
    assert_eq!(stats.free, summary.free_bytes);
    summary
}

#[wasm_bindgen_test]
fn collections_grow_and_keep_their_data() {
    let mut v: Vec<u32> = Vec::new();
    for i in 0..(1u32 << 18) {
        v.push(i.wrapping_mul(2_654_435_761));
    }
    let mut m = BTreeMap::new();
    for i in 0..5_000u32 {
        m.insert(i, format!("{i}"));
    }
    heap_ok();
    assert!(v
        .iter()
        .enumerate()
        .all(|(i, &x)| x == (i as u32).wrapping_mul(2_654_435_761)));
    assert!(m.iter().all(|(k, s)| *s == format!("{k}")));
    assert!(A.stats().pages_grown >= 16, "a 1 MiB vector grew memory");
    drop((v, m));
    heap_ok();
}

#[wasm_bindgen_test]
fn every_alignment_to_64_kib() {
    let mut live = Vec::new();
    for shift in 0..=16 {
        let align = 1usize << shift;
        for size in [1, align, 3 * align + 1] {
            let layout = Layout::from_size_align(size, align).unwrap();
            // SAFETY: a non-zero size.
            let p = unsafe { alloc(layout) };
            assert!(!p.is_null(), "size {size} align {align}");
            assert_eq!(p as usize % align, 0, "size {size} align {align}");
            // SAFETY: `p` holds `size` bytes.
            unsafe { p.write_bytes(shift as u8, size) };
            live.push((p, layout));
        }
    }
    heap_ok();
    for (p, layout) in live {
        let tag = layout.align().trailing_zeros() as u8;
        // SAFETY: `p` is live with `layout`, filled, freed once.
        unsafe {
            assert!(std::slice::from_raw_parts(p, layout.size())
                .iter()
                .all(|&b| b == tag));
            dealloc(p, layout);
        }
    }
    heap_ok();
}

#[wasm_bindgen_test]
fn an_arena_lives_inside_the_global_heap() {
    let mut buffer = vec![MaybeUninit::<u8>::uninit(); 64 << 10];
    let arena: wasm_tlsf::Arena = wasm_tlsf::Arena::new(&mut buffer);
    let mut v = allocator_api2::vec::Vec::new_in(&arena);
    for i in 0..4_000u32 {
        v.push(i);
    }
    assert!(v.iter().enumerate().all(|(i, &x)| x == i as u32));
    assert!(v.try_reserve(64 << 10).is_err(), "the buffer is the limit");
    arena.check().expect("a sound arena");
    drop(v);
    assert_eq!(arena.check().unwrap().used_blocks, 0);
    heap_ok();
}

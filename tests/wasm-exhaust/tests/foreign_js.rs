//! Foreign growth before each of our growths, in node:
//! `wasm-pack test --node tests/wasm-exhaust` (memory capped at 32 MiB).
//!
//! A second allocator, `B`, grows memory through a source that first lets
//! JavaScript grow memory by one page (`WebAssembly.Memory.prototype.grow`),
//! as JS code or another allocator sharing the memory may: no growth of
//! `B`'s continues its heap. A request that the heap's free tail plus the
//! pages grown would serve, were they contiguous, must then take one more
//! growth of the whole request, not one page per growth until memory runs
//! out.
#![cfg(target_arch = "wasm32")]

use core::arch::wasm32;
use core::ptr::NonNull;
use std::alloc::{GlobalAlloc, Layout};
use std::cell::RefCell;

use wasm_bindgen::JsCast;
use wasm_bindgen_test::wasm_bindgen_test;
use wasm_tlsf::{GlobalTlsf, MemorySource, WasmMemory, PAGE_SIZE};

/// The global allocator (tests/wasm's library).
use wasm_tlsf_wasm_tests::A;

const FILL: u8 = 0x5A;

thread_local! {
    /// `B`'s growths, and the page JavaScript grew before each.
    static LOG: RefCell<(usize, Vec<usize>)> = const { RefCell::new((0, Vec::new())) };
}

/// `WasmMemory`'s grown pages, each growth after one page JavaScript grows
/// (filled with `FILL`, to be found intact at the end).
struct JsHoles;

// SAFETY: forwards to `WasmMemory`, which hands out fresh pages; the page
// JavaScript grows is never handed out. What it calls allocates through
// `A`, never through the allocator that uses this source.
unsafe impl MemorySource for JsHoles {
    fn initial(&mut self) -> Option<(NonNull<u8>, usize)> {
        None
    }

    fn grow(&mut self, pages: usize) -> Option<NonNull<u8>> {
        let memory = wasm_bindgen::memory().unchecked_into::<js_sys::WebAssembly::Memory>();
        let hole = memory.grow(1) as usize * PAGE_SIZE;
        // SAFETY: the page JavaScript just grew, ours to fill.
        unsafe { core::ptr::write_bytes(hole as *mut u8, FILL, PAGE_SIZE) };
        LOG.with_borrow_mut(|(grows, holes)| {
            *grows += 1;
            holes.push(hole);
        });
        WasmMemory.grow(pages)
    }
}

static B: GlobalTlsf<JsHoles, 25, 32> = GlobalTlsf::with_source(JsHoles);

fn grows() -> usize {
    LOG.with_borrow(|log| log.0)
}

fn layout(size: usize) -> Layout {
    Layout::from_size_align(size, 8).unwrap()
}

#[wasm_bindgen_test]
fn foreign_growth_before_each_growth_costs_one_more_growth() {
    // Should growth run away to the cap, nothing may need memory until it
    // is over: the log has room for every growth the cap allows, and a
    // reserve of `A`'s is freed before anything is formatted.
    LOG.with_borrow_mut(|log| log.1.reserve(1024));
    let reserve = vec![0u8; 64 << 10];
    // SAFETY: non-zero sizes; each block freed once with its layout.
    unsafe {
        let p = B.alloc(layout(64));
        assert!(!p.is_null());
        // One page: a pool of its own, with a free tail of almost a page.
        assert_eq!((grows(), B.stats().pages_grown), (1, 1));

        let pages = wasm32::memory_size(0);
        let q = B.alloc(layout(100_000));
        let (calls, grown) = (grows() - 1, B.stats().pages_grown - 1);
        let after = wasm32::memory_size(0);
        drop(reserve);
        assert!(
            !q.is_null(),
            "100,000 bytes: null after {calls} growths of {grown} pages; memory {pages} -> \
             {after} pages"
        );
        // The tail (almost a page) plus one page would do, contiguous; the
        // page lands after JavaScript's, so a second growth asks for the
        // whole request: two pages.
        assert_eq!(
            (calls, grown, after - pages),
            (2, 3, 2 + 3),
            "growths, pages grown by B, pages memory grew"
        );
        core::ptr::write_bytes(q, 0xC3, 100_000);
        let summary = B.check().expect("B's heap");
        assert_eq!((summary.pools, summary.used_blocks), (3, 2));

        B.dealloc(q, layout(100_000));
        B.dealloc(p, layout(64));
        let summary = B.check().expect("B's heap");
        assert_eq!(summary.used_blocks, 0);
        A.check().expect("A's heap");
    }
    // JavaScript's pages were never written by either allocator.
    let holes = LOG.with_borrow(|log| log.1.clone());
    for hole in holes {
        // SAFETY: memory never shrinks.
        let page = unsafe { core::slice::from_raw_parts(hole as *const u8, PAGE_SIZE) };
        assert!(
            page.iter().all(|&b| b == FILL),
            "JavaScript's page at {hole:#x} was written"
        );
    }
}

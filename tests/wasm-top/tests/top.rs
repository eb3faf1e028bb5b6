//! A heap whose pool ends exactly at 2^32, in node:
//! `wasm-pack test --node tests/wasm-top`.
//!
//! One case (one fresh memory): a block of almost 2 GiB takes memory past
//! 2 GiB; then a request that fits only in the free tail plus every page
//! left up to 65536 grows memory to exactly 4 GiB and must succeed there;
//! there, `WasmMemory::grow` answers `None` (for 0 pages too: new memory
//! would start at 2^32); freed, that room takes a 1 MiB request and a
//! request of exactly the largest free block without growing. The heap
//! accounts for every page it grew at each step.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen_test::{console_log, wasm_bindgen_test};
use wasm_tlsf::{MemorySource, WasmMemory, PAGE_SIZE};

#[global_allocator]
static A: wasm_tlsf::SmallGlobalTlsf = wasm_tlsf::SmallGlobalTlsf::new();

mod common;
use common::*;

#[wasm_bindgen_test]
fn a_pool_ending_at_the_top_of_the_address_space_is_used() {
    let st0 = heap_ok("start");
    // Logged at the end: wasm-bindgen-test keeps log lines in a String on
    // the heap, which would count as bytes in use.
    let start_pages = pages();

    // Memory past 2 GiB, the heap's newest pool ending where memory ends.
    let low = Big::new("the 2 GiB block", (1 << 31) - MIB, 1);
    low.verify("the 2 GiB block");
    heap_ok("after the 2 GiB block");
    let end = memory_end();
    let newest = pools().iter().map(|p| p.1).max().unwrap();
    assert_eq!(
        newest, end,
        "the heap's newest pool ends at {newest:#x}, memory at {end:#x}"
    );

    // A request that needs the pool's free tail and every page up to
    // 65536: the new pages continue the pool, so it ends at 2^32. (64
    // bytes short of the most that fits: the request must not need a page
    // more than exists.)
    let room = (MAX_PAGES - pages()) as u64 * PAGE_SIZE as u64;
    let tail = free_tail_at(end);
    let size = (tail + room - 64) as usize;
    assert!(
        size as u64 > largest_free_block(),
        "a free block already holds {size} bytes: the request would not grow memory"
    );
    let pages_before = pages();
    let grown_before = A.stats().pages_grown;
    let top = Big::try_new(size, 2);
    let st = heap_ok("after the request reaching 2^32");
    let top = top.unwrap_or_else(|| {
        panic!(
            "a {size}-byte request that fits below 2^32 returned null; memory {} pages, {} \
             grown by it",
            pages(),
            st.pages_grown - grown_before
        )
    });
    assert_eq!(pages(), MAX_PAGES, "memory is not at 65536 pages");
    // The source at the top: no new memory starts there (it would start at
    // 2^32, past the address space), so growing by 0 or 1 pages answers
    // `None`, and memory stays as it is.
    assert_eq!(WasmMemory.grow(0), None, "WasmMemory::grow(0) at 4 GiB");
    assert_eq!(WasmMemory.grow(1), None, "WasmMemory::grow(1) at 4 GiB");
    assert_eq!(pages(), MAX_PAGES);
    assert!(
        top.end() <= TOP - W && top.end() + 128 > TOP,
        "the block [{:#x}, {:#x}) does not reach the top of memory",
        top.start(),
        top.end()
    );
    top.verify("the block at the top");
    low.verify("the 2 GiB block, with the top block live");
    let top_start = top.start();
    drop(top);
    heap_ok("top block freed");

    // That room serves more requests, without growing (it cannot).
    let mib = Big::new("1 MiB in the top room", MIB, 3);
    assert!(
        mib.start() >= top_start,
        "the 1 MiB block at {:#x} is below the freed top room at {top_start:#x}",
        mib.start()
    );
    mib.verify("1 MiB in the top room");
    drop(mib);
    let largest = A.stats().largest_free;
    let exact = Big::new("exactly the largest free block", largest, 4);
    assert!(
        exact.end() <= TOP - W,
        "the largest free block's allocation ends at {:#x}",
        exact.end()
    );
    exact.verify("exactly the largest free block");
    drop(exact);
    low.verify("the 2 GiB block, at the end");
    drop(low);
    let end_st = heap_ok("all freed");
    assert_eq!(
        end_st.in_use, st0.in_use,
        "bytes in use after freeing everything"
    );
    assert_eq!(pages(), MAX_PAGES);
    console_log!(
        "memory {start_pages} pages at the start, {pages_before} before the request of {size} \
         bytes (free tail {tail} bytes), {} after it ({} grown by it); stats then {st:?}",
        MAX_PAGES,
        st.pages_grown - grown_before
    );
}

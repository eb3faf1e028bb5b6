//! Free blocks of 2^31 bytes or more, in node:
//! `wasm-pack test --node tests/wasm-top`.
//!
//! One case (one fresh memory): two blocks of 1.5 GiB, freed, merge into a
//! free block of over 3 GiB (more than `isize::MAX`); 256 MiB taken from
//! it leaves a free remainder of over 2.75 GiB (the split the `stats`
//! counters must survive in a debug build); the largest request a `Layout`
//! allows (2^31 - 8 bytes) is carved from that remainder; everything
//! merges back.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen_test::{console_log, wasm_bindgen_test};

#[global_allocator]
static A: wasm_tlsf::SmallGlobalTlsf = wasm_tlsf::SmallGlobalTlsf::new();

mod common;
use common::*;

#[wasm_bindgen_test]
fn free_blocks_of_2gib_or_more_split_and_merge() {
    let st0 = heap_ok("start");
    let half = (3 * GIB / 2) as usize;
    let x1 = Big::new("the first 1.5 GiB block", half, 1);
    let x2 = Big::new("the second 1.5 GiB block", half, 2);
    heap_ok("two 1.5 GiB blocks");
    x1.verify("the first 1.5 GiB block");
    x2.verify("the second 1.5 GiB block");
    // Logged at the end: wasm-bindgen-test keeps log lines in a String on
    // the heap, which would count as bytes in use.
    let (at1, at2) = (x1.start(), x2.start());
    drop(x1);
    drop(x2);
    let st = heap_ok("both freed");
    let merged = largest_free_block();
    assert!(
        merged >= 3 * GIB,
        "the two freed 1.5 GiB blocks did not merge: largest free block {merged} bytes"
    );
    assert!(
        st.largest_free as u64 + W >= merged,
        "stats().largest_free is {} with a free block of {merged} bytes",
        st.largest_free
    );

    let pages_before = pages();
    let y = Big::new("256 MiB from the merged block", 256 * MIB, 3);
    let st = heap_ok("256 MiB split off");
    assert_eq!(pages(), pages_before, "the 256 MiB request grew memory");
    assert!(
        largest_free_block() >= merged - 256 * MIB as u64 - 64,
        "the remainder of the split is {} bytes, from {merged}",
        largest_free_block()
    );
    y.verify("256 MiB from the merged block");
    let split = st;

    let z = Big::new("2^31 - 8 bytes from the remainder", (1 << 31) - 8, 4);
    heap_ok("2^31 - 8 bytes");
    assert_eq!(
        pages(),
        pages_before,
        "the 2^31 - 8 byte request grew memory"
    );
    z.verify("2^31 - 8 bytes from the remainder");
    y.verify("256 MiB, next to the 2^31 - 8 bytes");
    drop(z);
    drop(y);
    let st = heap_ok("all freed");
    assert_eq!(
        st.in_use, st0.in_use,
        "bytes in use after freeing everything"
    );
    assert!(
        largest_free_block() >= merged,
        "the blocks did not merge back: largest free block {} bytes, {merged} before",
        largest_free_block()
    );
    console_log!(
        "memory {pages_before} pages; 1.5 GiB blocks at {at1:#x} and {at2:#x}, merged when \
         freed into a free block of {merged} bytes; after splitting off 256 MiB: {split:?}"
    );
}

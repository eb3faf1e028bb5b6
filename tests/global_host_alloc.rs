//! `GlobalTlsf` as the `#[global_allocator]` of a host program, over a
//! static buffer: every allocation of this test binary (std's own
//! included) goes through it. `Box`, `Vec` growing and shrinking, `String`,
//! `BTreeMap` and drops hand back pointers that a reference or a `Box`
//! narrowed to their payload; the allocator must still reach each block's
//! header. Miri runs it under Stacked and Tree Borrows, 64-bit and 32-bit.
//!
//! A test without the harness (`harness = false`): the harness's threads
//! and output would allocate through the same heap, which is fine, but a
//! plain `main` keeps the run short under Miri.

use std::alloc::{GlobalAlloc, Layout};
use std::collections::BTreeMap;
use std::ptr::NonNull;

use wasm_tlsf::{GlobalTlsf, MemorySource};

const HEAP: usize = if cfg!(miri) { 256 << 10 } else { 4 << 20 };

/// The buffer the allocator lives in.
static mut BUFFER: [u64; HEAP / 8] = [0; HEAP / 8];

/// Hands out `BUFFER` once, whole.
struct Static {
    taken: bool,
}

// SAFETY: `BUFFER` is used by nothing but this source, which hands it out
// once (the one `Static` is the global allocator's); every pointer it
// returns carries the buffer's provenance.
unsafe impl MemorySource for Static {
    fn initial(&mut self) -> Option<(NonNull<u8>, usize)> {
        if std::mem::replace(&mut self.taken, true) {
            return None;
        }
        NonNull::new((&raw mut BUFFER).cast::<u8>()).map(|p| (p, HEAP))
    }

    fn grow(&mut self, _pages: usize) -> Option<NonNull<u8>> {
        None
    }
}

#[global_allocator]
static A: GlobalTlsf<Static, 20, 8> = GlobalTlsf::with_source(Static { taken: false });

fn main() {
    let rounds = if cfg!(miri) { 3 } else { 100 };
    for round in 0..rounds {
        // Box: freed through the pointer `Box` narrowed to its payload. (Each
        // is dropped where its scope ends, not by `drop(b)`: see DESIGN.md,
        // "Known limits", for what Miri says of a `Box` freed inside a
        // function it was passed to by value.)
        {
            let b = Box::new([round as u8; 24]);
            assert_eq!(b[23], round as u8);
        }
        let small = Box::new(round as u64);
        // Vec: growth by realloc (in place and moving), then shrinking.
        let mut v: Vec<u32> = Vec::new();
        for i in 0..300 {
            v.push(i ^ round);
        }
        assert!(v.iter().enumerate().all(|(i, &x)| x == i as u32 ^ round));
        v.truncate(10);
        v.shrink_to_fit();
        assert_eq!(v.len(), 10);
        // String: many small reallocations.
        let mut s = String::new();
        for i in 0..100 {
            s.push_str(&i.to_string());
        }
        assert!(s.starts_with("0123456789101112"));
        // BTreeMap: nodes of several sizes, freed in a different order.
        let mut m = BTreeMap::new();
        for i in 0..200u32 {
            m.insert(
                i.wrapping_mul(2_654_435_761) % 1000,
                vec![i as u8; (i % 17) as usize],
            );
        }
        m.retain(|k, _| k % 3 != 0);
        assert!(m.values().all(|v| v.iter().all(|&b| b == v[0])));
        m.clear();
        // A block freed after everything allocated after it.
        assert_eq!(*small, round as u64);
        // Realloc through `GlobalAlloc` directly, with a pointer a
        // reference narrowed to the block's 64 bytes; the answer must be
        // good for all 4096.
        let layout = Layout::from_size_align(64, 8).unwrap();
        // SAFETY: a non-zero size; the block is reallocated and freed once,
        // with its layout.
        unsafe {
            let p = A.alloc(layout);
            assert!(!p.is_null());
            p.write_bytes(7, 64);
            let narrow = std::slice::from_raw_parts_mut(p, 64).as_mut_ptr();
            let q = A.realloc(narrow, layout, 4096);
            assert!(!q.is_null());
            assert!(std::slice::from_raw_parts(q, 64).iter().all(|&b| b == 7));
            q.add(4095).write(1);
            A.dealloc(q, Layout::from_size_align(4096, 8).unwrap());
        }
    }
    let summary = A.check().expect("a sound heap");
    assert_eq!(summary.pools, 1);
    println!("global_host_alloc: ok ({rounds} rounds, {summary:?})");
}

//! The aligned trace: random actions where half the requests ask
//! for 16-byte alignment, as types holding `u128`, `i128` or `v128` values
//! and `#[repr(align(16))]` types do.

use crate::trace::{Builder, Rng, Trace};

/// Random actions (sizes log-uniform in 1 B..64 KiB, a ramp to `live`
/// blocks, then allocate, free or reallocate at random, as
/// [`crate::trace::random_actions`]), but each allocation asks for 16-byte
/// alignment with probability 1/2, its size then a multiple of 16 (as a
/// 16-aligned type's layout is), and 8 bytes otherwise. A block keeps its
/// alignment when reallocated, and a 16-aligned one keeps a multiple of 16.
pub fn aligned(live: usize, steps: usize, seed: u64) -> Trace {
    let mut r = Rng::new(seed);
    let mut b = Builder::new();
    // Alignment per block id (ids are dense).
    let mut aligns: Vec<u32> = Vec::new();
    let size = |r: &mut Rng, align: u32| {
        let s = r.log_size(1, 65536);
        if align == 16 {
            s.next_multiple_of(16)
        } else {
            s
        }
    };
    let alloc = |b: &mut Builder, r: &mut Rng, aligns: &mut Vec<u32>| {
        let a = if r.f() < 0.5 { 16 } else { 8 };
        let s = size(r, a);
        let id = b.alloc(s, a);
        debug_assert_eq!(id as usize, aligns.len());
        aligns.push(a);
    };
    for _ in 0..live {
        alloc(&mut b, &mut r, &mut aligns);
    }
    for _ in 0..steps {
        let x = r.f();
        let bias = if b.live.len() < live { 0.4 } else { 0.3 };
        if x < bias || b.live.is_empty() {
            alloc(&mut b, &mut r, &mut aligns);
        } else if x < 0.7 {
            let i = r.range(0, b.live.len() as u64 - 1) as usize;
            b.free_at(i);
        } else {
            let i = r.range(0, b.live.len() as u64 - 1) as usize;
            let a = aligns[b.live[i].0 as usize];
            let s = size(&mut r, a);
            b.realloc_at(i, s);
        }
    }
    Trace {
        name: "aligned",
        what: format!(
            "aligned random actions: as random actions, half the requests 16-byte aligned (sizes a multiple of 16), the rest 8; ~{live} live blocks, {steps} steps"
        ),
        ops: b.ops,
    }
}

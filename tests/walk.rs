//! The read-only block walk (`Tlsf::blocks`), which the demo page draws
//! from: every block of every pool, once, in address order within a pool,
//! with the right size and state.

use std::alloc::Layout;
use std::ptr::NonNull;

use wasm_tlsf::{BlockInfo, Tlsf, GRANULARITY};

const W: usize = core::mem::size_of::<usize>();

fn pools() -> (Vec<u64>, Vec<u64>) {
    (vec![0u64; 512], vec![0u64; 256]) // 4 KiB and 2 KiB, 8-aligned
}

#[test]
fn the_walk_sees_every_block_once_in_order() {
    let (mut a, mut b) = pools();
    let mut t: Tlsf<16, 8> = Tlsf::new();
    assert_eq!(t.blocks().count(), 0, "no pools, no blocks");
    // SAFETY: both buffers are ours alone and outlive `t`.
    unsafe {
        t.add_pool(NonNull::new(a.as_mut_ptr().cast()).unwrap(), 4096)
            .unwrap();
        t.add_pool(NonNull::new(b.as_mut_ptr().cast()).unwrap(), 2048)
            .unwrap();
    }
    // One free block per pool, newest pool first.
    let blocks: Vec<BlockInfo> = t.blocks().collect();
    assert_eq!(blocks.len(), 2);
    assert!(blocks.iter().all(|b| b.free && b.first_in_pool));
    let b_start = b.as_ptr() as usize;
    assert!(blocks[0].addr >= b_start && blocks[0].addr < b_start + 2048);

    let l = |n| Layout::from_size_align(n, 8).unwrap();
    let p: Vec<NonNull<u8>> = (0..6)
        .map(|i| t.allocate(l(40 + 100 * i)).unwrap())
        .collect();
    // SAFETY: `p[1]` and `p[3]` are live and ours.
    unsafe {
        t.deallocate(p[1]);
        t.deallocate(p[3]);
    }
    let blocks: Vec<BlockInfo> = t.blocks().collect();
    // Every block is granular, headers line up, pools are contiguous runs.
    let mut pools_seen = 0;
    let mut prev_end = None;
    for blk in &blocks {
        assert_eq!(blk.size % GRANULARITY, 0);
        assert_eq!(blk.addr % GRANULARITY, W);
        if blk.first_in_pool {
            pools_seen += 1;
        } else {
            assert_eq!(Some(blk.addr), prev_end, "blocks of a pool are adjacent");
        }
        prev_end = Some(blk.addr + blk.size);
    }
    assert_eq!(pools_seen, 2);
    // Each live allocation is exactly one used block, at its header.
    for (i, q) in p.iter().enumerate() {
        let hdr = q.as_ptr() as usize - W;
        let found: Vec<&BlockInfo> = blocks.iter().filter(|b| b.addr == hdr).collect();
        if i == 1 || i == 3 {
            assert!(
                found.iter().all(|b| b.free),
                "a freed block is free or merged away"
            );
        } else {
            assert_eq!(found.len(), 1, "allocation {i} is one block");
            assert!(!found[0].free);
            assert!(found[0].size >= 40 + 100 * i + W);
        }
    }
    // No two free blocks are adjacent (the walk shows coalescing).
    for w in blocks.windows(2) {
        if !w[1].first_in_pool {
            assert!(
                !(w[0].free && w[1].free),
                "adjacent free blocks at {:#x}",
                w[1].addr
            );
        }
    }
    // The walk agrees with the heap checker.
    let summary = t.check().expect("a sound heap");
    assert_eq!(
        summary.used_blocks,
        blocks.iter().filter(|b| !b.free).count()
    );
    assert_eq!(
        summary.free_blocks,
        blocks.iter().filter(|b| b.free).count()
    );
    assert_eq!(summary.pools, pools_seen);
}

//! The heap checker over more free blocks than fit in any small bound:
//! 2^24 + 16 free blocks in one free list (a pool of about 1 GiB on a
//! 64-bit host), each between two used blocks. The check visits each
//! block once in its pool and once in its list, so it finishes in about a
//! second and accounts for every block. Release builds only (`cargo test
//! --release`): a debug build takes minutes, and Miri far longer.

use core::alloc::Layout;
use core::ptr::NonNull;

use wasm_tlsf::{Tlsf, MIN_BLOCK};

#[test]
#[cfg_attr(any(debug_assertions, miri), ignore = "release builds only")]
fn a_check_counts_millions_of_free_blocks() {
    const FREE: usize = (1 << 24) + 16;
    let pool_len = (2 * FREE + 4) * MIN_BLOCK;
    let mut pool = vec![0u64; pool_len / 8];
    let mut tlsf: Tlsf<16, 8> = Tlsf::new();
    // SAFETY: `pool` is ours alone and outlives `tlsf`.
    unsafe { tlsf.add_pool(NonNull::new(pool.as_mut_ptr().cast()).unwrap(), pool_len) };
    // Every request takes a minimum block, so each `2 * i` and `2 * i + 1`
    // are neighbours; freeing the odd ones leaves free blocks that cannot
    // merge, all in the minimum block's list.
    let layout = Layout::new::<u8>();
    let blocks: Vec<NonNull<u8>> = (0..2 * FREE)
        .map(|_| tlsf.allocate(layout).expect("room for every block"))
        .collect();
    for p in blocks.iter().skip(1).step_by(2) {
        // SAFETY: each block is live and freed once.
        unsafe { tlsf.deallocate(*p) };
    }
    let t = std::time::Instant::now();
    let summary = tlsf.check().expect("a sound heap");
    eprintln!("check of {} blocks: {:?}", 2 * FREE, t.elapsed());
    assert_eq!(summary.used_blocks, FREE);
    // The free blocks in the list, and the pool's free tail if one was
    // left.
    assert!(
        (FREE..=FREE + 1).contains(&summary.free_blocks),
        "{summary:?}"
    );
    drop(blocks);
}

//! The core's resize API at its edges: what a failed in-place resize
//! leaves, and what its error asks for.

use core::alloc::Layout;
use core::ptr::NonNull;

use wasm_tlsf::{InPlaceError, Tlsf, GRANULARITY, MIN_BLOCK};

type T = Tlsf<16, 8>;

/// A pool over the first `len` bytes of a buffer that has room to extend.
fn pool(buf: &mut [u64], len: usize) -> (T, NonNull<u8>) {
    let mut t = T::new();
    let start = NonNull::new(buf.as_mut_ptr().cast::<u8>()).unwrap();
    // SAFETY: the buffer outlives the allocator in every test, and only it
    // uses the buffer.
    let end = unsafe { t.add_pool(start, len) }.unwrap();
    (t, end)
}

fn state(t: &T) -> (wasm_tlsf::HeapSummary, usize) {
    (t.check().expect("a sound heap"), t.largest_free())
}

/// Regression: the shortfall is always an extension
/// `extend_pool` accepts, even when the block lacks less than a minimum
/// block, and extending by it lets the resize succeed.
#[test]
fn the_shortfall_is_an_extension_that_works() {
    for lack in [
        GRANULARITY,
        MIN_BLOCK - GRANULARITY,
        MIN_BLOCK,
        3 * MIN_BLOCK,
    ] {
        let mut buf = vec![0u64; 1024];
        let (mut t, end) = pool(&mut buf, 4096);
        let p = t
            .allocate(Layout::from_size_align(100, 8).unwrap())
            .unwrap();
        // SAFETY: `p` is live; the pool is extended with bytes of `buf`
        // right after its end.
        unsafe {
            // All the room there is (the block and the free tail), and
            // `lack` more.
            let room = t.usable_size(p) + t.largest_free() + core::mem::size_of::<usize>();
            let before = state(&t);
            let err = t.reallocate_in_place(p, room + lack).unwrap_err();
            let InPlaceError::PoolEnd { shortfall } = err else {
                panic!("{err:?}: the block is the pool's last");
            };
            assert!(shortfall >= MIN_BLOCK && shortfall % GRANULARITY == 0);
            assert!(shortfall >= lack && shortfall < lack + MIN_BLOCK);
            assert_eq!(state(&t), before, "a failed resize changes nothing");
            let end = t.extend_pool(end, shortfall);
            assert!(end.is_some(), "extend_pool takes {shortfall} bytes");
            assert_eq!(t.reallocate_in_place(p, room + lack), Ok(()));
            t.check().unwrap();
        }
    }
}

/// Regression, in the core: a resize blocked by a used
/// block leaves the free block it would have grown into where it was.
#[test]
fn a_blocked_resize_changes_nothing() {
    let mut buf = vec![0u64; 1024];
    let (mut t, _) = pool(&mut buf, 8192);
    let l = |n| Layout::from_size_align(n, 8).unwrap();
    let p = t.allocate(l(100)).unwrap();
    let hole = t.allocate(l(1000)).unwrap();
    let _guard = t.allocate(l(100)).unwrap();
    // SAFETY: live pointers of `t`, each freed or resized once.
    unsafe {
        t.deallocate(hole);
        let before = state(&t);
        assert_eq!(t.reallocate_in_place(p, 5000), Err(InPlaceError::Blocked));
        assert_eq!(state(&t), before);
        // `reallocate` then moves it (into the tail), and refuses a size of
        // 0 as `allocate` does, keeping the block.
        let q = t.reallocate(p, 100, l(5000)).unwrap();
        assert_ne!(q, p);
        let before = state(&t);
        assert_eq!(t.reallocate(q, 5000, l(0)), None);
        assert_eq!(state(&t), before);
        assert!(t.allocate(l(0)).is_none());
        // In place, 0 shrinks to the smallest block.
        assert_eq!(t.reallocate_in_place(q, 0), Ok(()));
        assert_eq!(t.usable_size(q), MIN_BLOCK - core::mem::size_of::<usize>());
        t.check().unwrap();
    }
}

//! `Arena` (feature `allocator-api2`, on for the tests through the
//! dev-dependency): a `Tlsf` over a caller's buffer as an `Allocator`.
//! Collections on it keep their data, requests the buffer cannot hold fail
//! without harm, zero sizes and changing alignments follow the trait's
//! contract, and the heap checker passes after every step. Also run under
//! Miri (strict provenance, both borrow models).
#![cfg(not(target_arch = "wasm32"))]

use core::alloc::Layout;
use core::mem::MaybeUninit;

use allocator_api2::alloc::Allocator;
use allocator_api2::boxed::Box;
use allocator_api2::vec::Vec;
use test_support::rng::Rng;
use wasm_tlsf::Arena;

/// A buffer of `len` uninitialised bytes (without a write per byte, which
/// Miri would take seconds over).
fn buffer(len: usize) -> std::boxed::Box<[MaybeUninit<u8>]> {
    std::boxed::Box::new_uninit_slice(len)
}

#[test]
fn collections_keep_their_data_and_free_everything() {
    let mut buf = buffer(64 << 10);
    let arena: Arena = Arena::new(&mut buf);
    {
        let mut words: Vec<u64, _> = Vec::new_in(&arena);
        let mut bytes: Vec<u8, _> = Vec::new_in(&arena);
        let boxed = Box::new_in([7u16; 33], &arena);
        let pushes: u64 = if cfg!(miri) { 300 } else { 2000 };
        for i in 0..pushes {
            let before = (words.capacity(), bytes.capacity());
            words.push(i * 3);
            bytes.push(i as u8);
            // The heap changes when a vector grows.
            if (words.capacity(), bytes.capacity()) != before {
                arena.check().expect("a sound heap while the vectors grow");
            }
        }
        assert!(words.iter().enumerate().all(|(i, &w)| w == i as u64 * 3));
        assert!(bytes.iter().enumerate().all(|(i, &b)| b == i as u8));
        assert_eq!(*boxed, [7u16; 33]);
        words.truncate(10);
        words.shrink_to_fit();
        assert_eq!(words.as_slice(), &[0, 3, 6, 9, 12, 15, 18, 21, 24, 27]);
        let s = arena.check().unwrap();
        assert_eq!(s.used_blocks, 3);
    }
    let s = arena.check().unwrap();
    assert_eq!((s.used_blocks, s.free_blocks), (0, 1), "all freed, merged");
    let stats = arena.stats();
    assert_eq!(stats.allocations, stats.deallocations);
    assert_eq!(stats.in_use, 0);
}

#[test]
fn the_buffer_is_the_limit() {
    let mut buf = buffer(4096);
    let arena: Arena = Arena::new(&mut buf);
    let mut v: Vec<u8, _> = Vec::new_in(&arena);
    v.extend_from_slice(&[5; 1000]);
    assert!(v.try_reserve(4096).is_err(), "more than the buffer holds");
    assert_eq!(v.len(), 1000, "a failed growth leaves the vector as it was");
    assert!(v.iter().all(|&b| b == 5));
    assert!(arena.allocate(Layout::new::<[u8; 8192]>()).is_err());
    assert_eq!(arena.stats().failed, 2);
    arena.check().unwrap();
    // What is left is still usable.
    let w = Box::try_new_in([1u8; 1000], &arena).expect("room for another 1000 bytes");
    assert_eq!(w[999], 1);
}

#[test]
fn a_buffer_too_small_for_a_block_fails_every_request() {
    for len in [0, 1, 8, 17] {
        let mut buf = buffer(len);
        let arena: Arena = Arena::new(&mut buf);
        assert!(arena.allocate(Layout::new::<u8>()).is_err(), "len {len}");
        assert_eq!(arena.check().unwrap().pools, 0);
    }
}

#[test]
fn zero_sizes_take_no_memory() {
    let mut buf = buffer(16 << 10);
    let arena: Arena = Arena::new(&mut buf);
    for align in [1, 8, 64, 4096] {
        let zero = Layout::from_size_align(0, align).unwrap();
        let p = arena.allocate(zero).unwrap();
        assert_eq!(p.len(), 0);
        assert_eq!(p.cast::<u8>().as_ptr().addr() % align, 0);
        // SAFETY: `p` is a zero-size allocation of `zero`; then one of 16
        // bytes, shrunk back to zero.
        unsafe {
            let q = arena
                .grow(p.cast(), zero, Layout::from_size_align(16, align).unwrap())
                .unwrap();
            assert!(q.len() >= 16);
            assert_eq!(q.cast::<u8>().as_ptr().addr() % align, 0);
            assert_eq!(arena.check().unwrap().used_blocks, 1);
            let r = arena
                .shrink(q.cast(), Layout::from_size_align(16, align).unwrap(), zero)
                .unwrap();
            assert_eq!(r.len(), 0);
            arena.deallocate(r.cast(), zero);
        }
        assert_eq!(arena.check().unwrap().used_blocks, 0);
    }
    assert_eq!(arena.stats().allocations, 4);
}

#[test]
fn growing_and_shrinking_to_a_larger_alignment_moves_the_data() {
    let mut buf = buffer(16 << 10);
    let arena: Arena = Arena::new(&mut buf);
    let small = Layout::from_size_align(24, 8).unwrap();
    let mut moved = 0;
    // Allocations aligned to 8 fall on varied addresses: some of them are
    // not 256-aligned and must move.
    let mut held = std::vec::Vec::new();
    for tag in 0..8u8 {
        let p = arena.allocate(small).unwrap().cast::<u8>();
        // SAFETY: `p` holds 24 bytes.
        unsafe { p.as_ptr().write_bytes(tag, 24) };
        let big = Layout::from_size_align(if tag % 2 == 0 { 100 } else { 16 }, 256).unwrap();
        // SAFETY: `p` is live with `small`; `grow` needs a size at least
        // `small`'s, `shrink` at most.
        let q = unsafe {
            if big.size() >= small.size() {
                arena.grow(p, small, big)
            } else {
                arena.shrink(p, small, big)
            }
        }
        .unwrap()
        .cast::<u8>();
        assert_eq!(q.as_ptr().addr() % 256, 0);
        moved += usize::from(q != p);
        let kept = big.size().min(24);
        // SAFETY: `q` holds at least `kept` bytes, copied from `p`.
        let data = unsafe { core::slice::from_raw_parts(q.as_ptr(), kept) };
        assert!(data.iter().all(|&b| b == tag), "tag {tag}");
        arena.check().unwrap();
        held.push((q, big));
        // A small block between the next allocation and this one.
        held.push((arena.allocate(small).unwrap().cast(), small));
    }
    assert!(moved > 0, "some block had to move to its new alignment");
    for (p, layout) in held {
        // SAFETY: each is live with its layout, freed once.
        unsafe { arena.deallocate(p, layout) };
    }
    assert_eq!(arena.check().unwrap().used_blocks, 0);
}

/// Random vectors of random element counts grow, shrink and drop in one
/// arena; each keeps its own fill byte throughout.
#[test]
fn random_vectors_against_their_contents() {
    // (Smaller under Miri, where every byte costs.)
    let (steps, max) = if cfg!(miri) {
        (120, 512)
    } else {
        (5_000, 8 << 10)
    };
    // Small enough that some requests fail.
    let mut buf = buffer(32 * max);
    let arena: Arena<20, 16> = Arena::new(&mut buf);
    let mut rng = Rng::new(17);
    let mut live: std::vec::Vec<(u8, Vec<u8, &Arena<20, 16>>)> = std::vec::Vec::new();
    for step in 0..steps {
        match rng.below(4) {
            0 | 1 if live.len() < 64 => {
                let tag = step as u8;
                let mut v = Vec::new_in(&arena);
                let n = rng.size_up_to(max);
                if v.try_reserve_exact(n).is_ok() {
                    v.resize(n, tag);
                    live.push((tag, v));
                }
            }
            2 if !live.is_empty() => {
                let i = rng.below(live.len());
                let (tag, v) = &mut live[i];
                let n = rng.size_up_to(2 * max);
                if n > v.len() {
                    if v.try_reserve(n - v.len()).is_ok() {
                        v.resize(n, *tag);
                    }
                } else {
                    v.truncate(n);
                    v.shrink_to_fit();
                }
            }
            _ if !live.is_empty() => {
                let i = rng.below(live.len());
                live.swap_remove(i);
            }
            _ => {}
        }
        // Every vector's contents now and then, and the newest always.
        let every = if step % 8 == 0 {
            0
        } else {
            live.len().saturating_sub(1)
        };
        for (tag, v) in &live[every..] {
            assert!(v.iter().all(|b| b == tag), "step {step}: tag {tag}");
        }
        if step % if cfg!(miri) { 4 } else { 16 } == 0 {
            let s = arena.check().unwrap_or_else(|e| panic!("step {step}: {e}"));
            assert_eq!(
                s.used_blocks,
                live.iter().filter(|(_, v)| v.capacity() > 0).count()
            );
        }
    }
    drop(live);
    assert_eq!(arena.check().unwrap().used_blocks, 0);
}

#[test]
fn debug_is_a_summary() {
    let mut buf = buffer(1024);
    let arena: Arena = Arena::new(&mut buf);
    let _b = Box::new_in(1u32, &arena);
    let text = format!("{arena:?}");
    assert!(
        text.starts_with("Arena { tlsf: Tlsf { fllen: 16, sllen: 8,"),
        "{text}"
    );
    // One block of the smallest size.
    let in_use = format!("in_use: {},", wasm_tlsf::MIN_BLOCK);
    assert!(text.contains(&in_use), "{text}");
}

#[test]
fn the_buffer_is_the_callers_again_after_the_arena() {
    let mut buf = buffer(4096);
    {
        let arena: Arena = Arena::new(&mut buf);
        let mut v = Vec::new_in(&arena);
        v.extend_from_slice(&[9u8; 100]);
        assert_eq!(v.len(), 100);
    }
    // The arena is gone: the buffer can be written (and so reused) freely.
    buf.fill(MaybeUninit::new(0));
    let arena: Arena = Arena::new(&mut buf);
    assert!(arena.allocate(Layout::new::<[u8; 3000]>()).is_ok());
}

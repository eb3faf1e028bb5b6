//! The locked `GlobalTlsf` shared by `std::thread`s: one simulated memory,
//! four threads allocating, freeing and reallocating at once (sizes 1 B to
//! 16 KiB, alignments to 256, every block filled with its pattern and
//! checked before it is freed), blocks handed from one thread to another
//! and freed there, and a fifth thread growing memory behind the
//! allocator's back; and one thread formatting the allocator (`Debug`)
//! while another allocates. Under Miri, its data-race detector checks that
//! the lock orders every access to the heap.

use std::alloc::{GlobalAlloc, Layout};
use std::sync::atomic::{AtomicBool, Ordering::Relaxed};
use std::sync::Mutex;

use test_support::pattern;
use test_support::rng::Rng;
use test_support::sim::{Memory, SharedSource};
use wasm_tlsf::GlobalTlsf;

type Global = GlobalTlsf<SharedSource, 25, 32>;

const THREADS: usize = 4;
const OPS: usize = if cfg!(miri) { 60 } else { 50_000 };
/// Live blocks per thread at most.
const LIVE: usize = if cfg!(miri) { 8 } else { 64 };
const MAX_SIZE: usize = 16 << 10;
const MAX_ALIGN: usize = 256;

/// A block and what it must hold. Raw pointers are not `Send`; a block
/// belongs to one thread at a time (the one holding this value).
struct Block {
    p: *mut u8,
    size: usize,
    align: usize,
    tag: u8,
}

// SAFETY: the value is the only handle to its block; moving it moves the
// block's ownership.
unsafe impl Send for Block {}

impl Block {
    fn layout(&self) -> Layout {
        Layout::from_size_align(self.size, self.align).unwrap()
    }

    /// Checks the block's pattern and frees it.
    fn free(self, a: &Global) {
        // SAFETY: a live block of `a` with this layout, holding its pattern.
        unsafe {
            pattern::verify(self.p, self.size, self.tag);
            a.dealloc(self.p, self.layout());
        }
    }
}

fn allocate(a: &Global, rng: &mut Rng, tag: u8) -> Block {
    let size = rng.size_up_to(MAX_SIZE);
    let align = rng.align_up_to(MAX_ALIGN);
    let layout = Layout::from_size_align(size, align).unwrap();
    // SAFETY: non-zero size.
    let p = unsafe { a.alloc(layout) };
    assert!(!p.is_null(), "allocation of {layout:?} failed");
    assert_eq!(p.addr() % align, 0, "misaligned {layout:?}: {p:p}");
    // SAFETY: a fresh block of `size` bytes.
    unsafe { pattern::fill(p, 0, size, tag) };
    Block {
        p,
        size,
        align,
        tag,
    }
}

fn worker(a: &Global, id: usize, shared: &Mutex<Vec<Block>>) {
    let mut rng = Rng::new(0x7_1234 + id as u64);
    let mut live: Vec<Block> = Vec::new();
    for i in 0..OPS {
        let tag = (id * 64 + i) as u8;
        match rng.below(10) {
            _ if live.is_empty() => live.push(allocate(a, &mut rng, tag)),
            0..=3 if live.len() < LIVE => live.push(allocate(a, &mut rng, tag)),
            0..=4 => {
                let b = live.swap_remove(rng.below(live.len()));
                b.free(a);
            }
            5..=6 => {
                let k = rng.below(live.len());
                let b = &mut live[k];
                let new_size = rng.size_up_to(MAX_SIZE);
                // SAFETY: a live block with this layout; a non-zero size.
                let q = unsafe { a.realloc(b.p, b.layout(), new_size) };
                assert!(!q.is_null(), "realloc to {new_size} failed");
                assert_eq!(q.addr() % b.align, 0);
                // SAFETY: `q` holds `new_size` bytes, the first
                // `min(size, new_size)` of them the old contents.
                unsafe {
                    pattern::verify(q, b.size.min(new_size), b.tag);
                    if new_size > b.size {
                        pattern::fill(q, b.size, new_size, b.tag);
                    }
                }
                (b.p, b.size) = (q, new_size);
            }
            7 => {
                // Hand a block to whichever thread takes it.
                let b = live.swap_remove(rng.below(live.len()));
                shared.lock().unwrap().push(b);
            }
            _ => {
                // Free a block another thread allocated, if there is one.
                let b = shared.lock().unwrap().pop();
                if let Some(b) = b {
                    b.free(a);
                }
            }
        }
    }
    for b in live {
        b.free(a);
    }
}

#[test]
fn the_locked_allocator_is_sync() {
    fn sync<T: Sync>() {}
    sync::<Global>();
}

#[test]
fn four_threads_share_one_heap() {
    // Room for every thread's live blocks (at most 64 x 16.3 KiB each, less
    // under Miri) plus foreign growth.
    let pages = if cfg!(miri) { 24 } else { 512 };
    let m = Memory::new_shared(1, pages, 1024);
    let a = Global::with_source(SharedSource(m.clone()));
    let shared = Mutex::new(Vec::new());
    let done = AtomicBool::new(false);
    std::thread::scope(|s| {
        // Another user of the memory grows it now and then.
        s.spawn(|| {
            for _ in 0..if cfg!(miri) { 1 } else { 8 } {
                if done.load(Relaxed) {
                    break;
                }
                assert!(m.foreign_grow(1));
                std::thread::yield_now();
            }
        });
        let workers: Vec<_> = (0..THREADS)
            .map(|id| {
                let (a, shared) = (&a, &shared);
                s.spawn(move || worker(a, id, shared))
            })
            .collect();
        for w in workers {
            w.join().unwrap();
        }
        done.store(true, Relaxed);
    });
    for b in shared.into_inner().unwrap() {
        b.free(&a);
    }
    let s = a.check().expect("a sound heap after the threads");
    assert_eq!(s.used_blocks, 0, "every block freed");
    assert_eq!(
        s.free_blocks, s.pools,
        "each pool merged back into one block"
    );
    let stats = a.stats();
    assert_eq!(stats.allocations, stats.deallocations);
    assert_eq!((stats.in_use, stats.failed), (0, 0));
    m.assert_foreign_intact();
}

#[test]
fn formatting_waits_for_the_lock() {
    // One thread formats the allocator (`Debug` reads the heap's figures)
    // while another allocates and frees: under Miri, the data-race detector
    // checks that the reads are ordered by the lock; natively, the figures
    // read must be consistent (a torn read of the counters underflows the
    // bytes in use, which panics in a debug build).
    let rounds = if cfg!(miri) { 12 } else { 1_000_000 };
    let m = Memory::new_shared(1, 4, 1024);
    let a = Global::with_source(SharedSource(m.clone()));
    let done = AtomicBool::new(false);
    std::thread::scope(|s| {
        s.spawn(|| {
            let mut rng = Rng::new(0x5eed);
            let mut live = Vec::new();
            for i in 0..rounds {
                if live.len() < 8 && rng.below(2) == 0 {
                    let layout = Layout::from_size_align(rng.size_up_to(512), 8).unwrap();
                    // SAFETY: non-zero size.
                    let p = unsafe { a.alloc(layout) };
                    assert!(!p.is_null());
                    live.push((p, layout));
                } else if let Some((p, layout)) = live.pop() {
                    // SAFETY: a live block with this layout.
                    unsafe { a.dealloc(p, layout) };
                }
                if i % 64 == 0 {
                    std::thread::yield_now();
                }
            }
            for (p, layout) in live {
                // SAFETY: a live block with this layout.
                unsafe { a.dealloc(p, layout) };
            }
            done.store(true, Relaxed);
        });
        s.spawn(|| {
            let mut n = 0;
            while !done.load(Relaxed) || n == 0 {
                let text = format!("{a:?}");
                assert!(text.starts_with("GlobalTlsf { tlsf: Tlsf {"), "{text}");
                n += 1;
                if cfg!(miri) && n % 4 == 0 {
                    std::thread::yield_now();
                }
            }
        });
    });
    assert_eq!(a.check().expect("a sound heap").used_blocks, 0);
    assert_eq!(a.stats().in_use, 0);
}

//! Feature `debug-checks`: every detection (double free, pointers the
//! allocator never returned, header corruption next to a block) panics with
//! its message and the address, before touching the heap; and ordinary
//! workloads raise no false alarm.
//!
//! Run with `cargo test -p wasm-tlsf --features debug-checks --tests`.
#![cfg(feature = "debug-checks")]

use std::alloc::{GlobalAlloc, Layout};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr::NonNull;

use test_support::{model, rng, sim};
use wasm_tlsf::{GlobalTlsf, Tlsf, GRANULARITY};

const W: usize = size_of::<usize>();
type T = Tlsf<16, 8>;

/// A core allocator over a 4 KiB pool of its own.
struct Heap {
    tlsf: T,
    _pool: Vec<u64>,
}

impl Heap {
    fn new() -> Heap {
        let mut pool = vec![0u64; 512];
        let mut tlsf = T::new();
        // SAFETY: `pool` lives as long as `tlsf` (both in `Heap`) and is
        // used by nothing else.
        unsafe { tlsf.add_pool(NonNull::new(pool.as_mut_ptr().cast()).unwrap(), 4096) };
        Heap { tlsf, _pool: pool }
    }

    /// A fresh heap with blocks of `sizes` allocated in that order, then an
    /// 8-byte guard block, so that the last of them is followed by a used
    /// block rather than the pool's free rest.
    fn with_guarded<const N: usize>(sizes: [usize; N]) -> (Heap, [NonNull<u8>; N]) {
        let mut h = Heap::new();
        let blocks = sizes.map(|size| h.alloc(size));
        h.alloc(8);
        (h, blocks)
    }

    fn alloc(&mut self, size: usize) -> NonNull<u8> {
        self.tlsf
            .allocate(Layout::from_size_align(size, 8).unwrap())
            .expect("room in the pool")
    }

    fn free(&mut self, p: NonNull<u8>) {
        // SAFETY: the tests below hand in pointers of their choice on
        // purpose; the checks must catch them before the heap is touched.
        unsafe { self.tlsf.deallocate(p) }
    }

    /// Frees every one of `ps`, then checks the heap is sound.
    fn free_all_and_check(&mut self, ps: &[NonNull<u8>]) {
        for &p in ps {
            self.free(p);
        }
        self.tlsf.check().expect("the heap is sound");
    }

    /// Frees `p`, expecting the checks to stop it: returns the message,
    /// after checking the heap was left intact.
    fn free_fails(&mut self, p: NonNull<u8>) -> String {
        let msg = panic_message(|| self.free(p));
        assert!(
            msg.starts_with("wasm-tlsf debug-checks: "),
            "unexpected message: {msg}"
        );
        msg
    }

    /// [`Heap::free_fails`], and the message contains every one of `parts`.
    fn free_fails_with(&mut self, p: NonNull<u8>, parts: &[&str]) {
        let msg = self.free_fails(p);
        assert_contains(&msg, parts);
    }

    /// With the pool word at `word` changed by `corrupt`, freeing `p` fails
    /// as [`Heap::free_fails_with`]; then the word is put back.
    fn free_fails_with_word_changed(
        &mut self,
        p: NonNull<u8>,
        word: *mut usize,
        corrupt: impl FnOnce(usize) -> usize,
        parts: &[&str],
    ) {
        // SAFETY: the tests pass a word of the pool (`self._pool`).
        let saved = unsafe { word.read() };
        unsafe { word.write(corrupt(saved)) };
        self.free_fails_with(p, parts);
        unsafe { word.write(saved) };
    }
}

/// Runs `f`, which must panic, and returns its message.
fn panic_message(f: impl FnOnce()) -> String {
    let err = catch_unwind(AssertUnwindSafe(f)).expect_err("the checks must panic");
    match err.downcast::<String>() {
        Ok(s) => *s,
        Err(e) => e.downcast::<&str>().map(|s| s.to_string()).unwrap(),
    }
}

fn hex(p: NonNull<u8>) -> String {
    format!("{:#x}", p.as_ptr().addr())
}

fn header(p: NonNull<u8>) -> *mut usize {
    p.as_ptr().wrapping_sub(W).cast()
}

fn assert_contains(msg: &str, parts: &[&str]) {
    for part in parts {
        assert!(msg.contains(part), "message {msg:?} lacks {part:?}");
    }
}

// ---- double free ----------------------------------------------------------------

#[test]
fn double_free() {
    let (mut h, [p]) = Heap::with_guarded([100]);
    h.free(p);
    let msg = h.free_fails(p);
    assert_eq!(
        msg,
        format!(
            "wasm-tlsf debug-checks: double free of block at {} (size 112)",
            hex(p)
        )
    );
    // Detected before anything changed.
    h.tlsf
        .check()
        .expect("the heap is intact after the detection");
}

#[test]
fn double_free_after_merging_with_the_next_block() {
    let mut h = Heap::new();
    let p = h.alloc(100);
    h.free(p); // merges with the free rest of the pool
    h.free_fails_with(p, &["double free of block at", &hex(p)]);
    h.tlsf.check().unwrap();
}

/// Two neighbours `a` and `b` freed (`b` first if `b_first`), so that they
/// merge into `a`'s free block; then `b` again: a double free caught
/// through `a`'s block.
fn double_free_of_a_merged_block(b_first: bool) {
    let (mut h, [a, b]) = Heap::with_guarded([64, 64]);
    let order = if b_first { [b, a] } else { [a, b] };
    for p in order {
        h.free(p);
    }
    h.free_fails_with(
        b,
        &[
            &format!("double free of block at {}", hex(b)),
            &format!("merged into the free block at {:#x}", header(a).addr()),
        ],
    );
    h.tlsf.check().unwrap();
}

#[test]
fn double_free_after_merging_into_the_previous_block() {
    // `b` merges into `a`'s free block; its header is left stale.
    double_free_of_a_merged_block(false);
}

#[test]
fn double_free_after_the_previous_block_absorbed_it() {
    // `a` absorbs the free `b`, whose header still says free.
    double_free_of_a_merged_block(true);
}

#[test]
fn realloc_after_free() {
    let (mut h, [p]) = Heap::with_guarded([40]);
    h.free(p);
    // SAFETY: on purpose: the checks must stop it.
    let msg = panic_message(|| unsafe {
        h.tlsf
            .reallocate(p, 40, Layout::from_size_align(80, 8).unwrap());
    });
    assert_contains(&msg, &["realloc after free of block at", &hex(p)]);
    h.tlsf.check().unwrap();
}

// ---- pointers the allocator never returned -----------------------------------------

#[test]
fn pointer_into_the_middle_of_a_block() {
    let mut h = Heap::new();
    let p = h.alloc(256);
    // Zeroed payload: the "header" before the pointer is a zero word.
    // SAFETY: 256 bytes of ours.
    unsafe { p.as_ptr().write_bytes(0, 256) };
    let inner = NonNull::new(p.as_ptr().wrapping_add(64)).unwrap();
    h.free_fails_with(
        inner,
        &[
            &format!(
                "free of {}: invalid block header at {:#x}",
                hex(inner),
                header(inner).addr()
            ),
            "not a pointer this allocator returned",
        ],
    );
    // Arbitrary payload bytes: the same.
    // SAFETY: as above.
    unsafe { p.as_ptr().write_bytes(0xab, 256) };
    h.free_fails_with(
        inner,
        &[
            "invalid block header",
            "not a pointer this allocator returned",
        ],
    );
    h.free_all_and_check(&[p]);
}

#[test]
fn misaligned_pointer() {
    let mut h = Heap::new();
    let p = h.alloc(64);
    let odd = NonNull::new(p.as_ptr().wrapping_add(GRANULARITY / 2)).unwrap();
    h.free_fails_with(
        odd,
        &[
            &format!("free of {}: misaligned pointer", hex(odd)),
            "not a pointer this allocator returned",
        ],
    );
}

#[test]
fn pointer_outside_every_pool() {
    let mut h = Heap::new();
    let _p = h.alloc(64);
    let mut elsewhere = Box::new([0u64; 8]);
    let q = NonNull::new(elsewhere.as_mut_ptr().wrapping_add(2).cast::<u8>()).unwrap();
    h.free_fails_with(
        q,
        &[
            &format!("free of {}: pointer outside every pool", hex(q)),
            "not a pointer this allocator returned",
        ],
    );
    // An allocator with no pools at all.
    let mut empty = T::new();
    // SAFETY: on purpose: the checks must stop it.
    let msg = panic_message(|| unsafe { empty.deallocate(q) });
    assert_contains(&msg, &["the allocator has no pools"]);
}

// ---- header corruption ------------------------------------------------------------

#[test]
fn overflow_into_the_next_header_is_caught_freeing_either_block() {
    let (mut h, [a, b]) = Heap::with_guarded([24, 24]);
    // SAFETY: a live block.
    let usable = unsafe { h.tlsf.usable_size(a) };
    assert_eq!(
        a.as_ptr().wrapping_add(usable + W),
        b.as_ptr(),
        "b follows a"
    );
    let saved = unsafe { header(b).read() };
    // `a` overflows by one word: b's header is overwritten.
    for garbage in [0usize, 8, 0x4141_4141, usize::MAX / 3] {
        // SAFETY: b's header: memory of the pool.
        unsafe { header(b).write(garbage) };
        // A zero word is what a pool's end (its sentinel) looks like, which
        // the O(1) check cannot tell from a zeroed header: it is caught
        // freeing `b` only.
        if garbage != 0 {
            h.free_fails_with(
                a,
                &[
                    &format!("heap corruption after the block at {}", hex(a)),
                    &format!("at {:#x}", header(b).addr()),
                ],
            );
        }
        h.free_fails_with(
            b,
            &[
                &format!(
                    "free of {}: invalid block header at {:#x}",
                    hex(b),
                    header(b).addr()
                ),
                "header was overwritten",
            ],
        );
    }
    // SAFETY: as above.
    unsafe { header(b).write(saved) };
    h.free_all_and_check(&[a, b]);
}

#[test]
fn next_header_claiming_this_block_is_free() {
    let mut h = Heap::new();
    let a = h.alloc(24);
    let b = h.alloc(24);
    h.free_fails_with_word_changed(
        a,
        header(b),
        |w| w | 2, // PREV_FREE
        &[
            &format!("heap corruption after the block at {}", hex(a)),
            "says this used block is free",
        ],
    );
    h.free_all_and_check(&[a, b]);
}

#[test]
fn own_size_running_past_the_pools() {
    let mut h = Heap::new();
    let a = h.alloc(24);
    h.free_fails_with_word_changed(
        a,
        header(a),
        |w| w + (1 << 20),
        &["invalid block header", "runs past the end of the pools"],
    );
    h.free_all_and_check(&[a]);
}

#[test]
fn broken_links_of_a_free_neighbour() {
    let (mut h, [a, b]) = Heap::with_guarded([24, 64]);
    h.free(b);
    // A write through a dangling pointer to `b`: its first payload word is
    // its next-free link.
    h.free_fails_with_word_changed(
        a,
        b.as_ptr().cast::<usize>(),
        |_| 0x1230,
        &[
            &format!("heap corruption after the block at {}", hex(a)),
            "free-list neighbour",
        ],
    );
    h.free_all_and_check(&[a]);
}

#[test]
fn footer_of_the_previous_free_block_overwritten() {
    let (mut h, [a, b]) = Heap::with_guarded([64, 64]);
    h.free(a);
    // A use-after-free write at the end of `a`: its footer.
    h.free_fails_with_word_changed(
        b,
        header(b).wrapping_sub(1),
        |footer| {
            assert_eq!(footer, header(a).addr(), "the footer names a");
            footer + 2 * GRANULARITY
        },
        &[
            &format!("heap corruption before the block at {}", hex(b)),
            "the block before it is free",
        ],
    );
    h.free_all_and_check(&[b]);
}

// ---- through GlobalTlsf -------------------------------------------------------------

fn global() -> (GlobalTlsf<sim::Source, 25, 32>, std::rc::Rc<sim::Memory>) {
    let m = sim::Memory::new(1, 8, 0);
    (GlobalTlsf::with_source(sim::Source(m.clone())), m)
}

#[test]
fn global_double_free_wrong_layout_and_null() {
    let (a, _m) = global();
    let l = Layout::from_size_align(100, 8).unwrap();
    // SAFETY: the misuse is on purpose: the checks must stop it.
    unsafe {
        let p = a.alloc(l);
        let _guard = a.alloc(l);
        let hp = format!("{:#x}", p.addr());
        let msg = panic_message(|| a.dealloc(p, Layout::from_size_align(5000, 8).unwrap()));
        assert_contains(
            &msg,
            &[
                &format!("free of {hp} with a layout of 5000 bytes"),
                "wrong layout",
            ],
        );
        let msg = panic_message(|| a.dealloc(p, Layout::from_size_align(100, 4096).unwrap()));
        assert_contains(&msg, &["aligned to 4096"]);
        a.dealloc(p, l);
        let msg = panic_message(|| a.dealloc(p, l));
        assert_contains(&msg, &[&format!("double free of block at {hp}")]);
        let msg = panic_message(|| {
            a.realloc(p, l, 200);
        });
        assert_contains(&msg, &[&format!("realloc after free of block at {hp}")]);
        let msg = panic_message(|| a.dealloc(std::ptr::null_mut(), l));
        assert_contains(&msg, &["free of a null pointer"]);
        a.check().expect("the heap is intact");
    }
}

/// Regression: the fault is raised once the allocator
/// has let go of its heap, so a panic hook may allocate through the very
/// allocator that found it (as one that formats or reports the message
/// does). Under Miri, a borrow of the heap still live during the hook is
/// undefined behaviour.
#[test]
fn a_panic_hook_may_allocate_through_the_faulting_allocator() {
    use std::cell::Cell;
    type G = GlobalTlsf<sim::Source, 25, 32>;
    thread_local! {
        /// The allocator this thread's panics allocate through, if any.
        static TARGET: Cell<*const G> = const { Cell::new(std::ptr::null()) };
        /// What the hook's allocation saw: `Some(heap checked)`.
        static SEEN: Cell<Option<bool>> = const { Cell::new(None) };
    }
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let a = TARGET.get();
            if a.is_null() {
                return previous(info);
            }
            // SAFETY: `TARGET` points at the test's allocator while set;
            // the block is allocated, written and freed here.
            unsafe {
                let a = &*a;
                let l = Layout::from_size_align(64, 8).unwrap();
                let p = a.alloc(l);
                let ok = !p.is_null() && {
                    p.write_bytes(0x5A, 64);
                    a.dealloc(p, l);
                    a.check().is_ok()
                };
                SEEN.set(Some(ok));
            }
        }));
    });
    let (a, _m) = global();
    let l = Layout::from_size_align(100, 8).unwrap();
    // SAFETY: the double free is on purpose: the checks must stop it.
    unsafe {
        let p = a.alloc(l);
        let _keep = a.alloc(l);
        a.dealloc(p, l);
        TARGET.set(&a);
        let msg = panic_message(|| a.dealloc(p, l));
        let realloc = panic_message(|| {
            a.realloc(p, l, 300);
        });
        TARGET.set(std::ptr::null());
        assert_contains(&msg, &["double free"]);
        assert_contains(&realloc, &["realloc after free"]);
        assert_eq!(SEEN.get(), Some(true), "the hook allocated and freed");
        a.check().expect("the heap is intact");
    }
}

// ---- no false alarms ----------------------------------------------------------------

#[test]
fn seeded_model_runs_raise_no_false_alarm() {
    fn run<const FL: usize, const SL: usize>(seed: u64) {
        let mut rng = rng::Rng::new(seed);
        let mut m = model::Model::<FL, SL>::new(64 << 20, 1 << 20);
        for step in 0..2000 {
            let op = if step % 97 == 0 {
                model::Op::Grow {
                    len: 8192,
                    gap: step % 2 == 0,
                }
            } else {
                model::random_op(&mut rng, m.live_count(), 60, 256 << 10, 4096)
            };
            m.apply(op);
        }
        m.finish();
    }
    run::<25, 32>(11);
    run::<12, 8>(12);
    run::<4, 4>(13);
}

#[test]
fn global_workload_raises_no_false_alarm() {
    let m = sim::Memory::new(1, 256, 512);
    let a: GlobalTlsf<_, 25, 32> = GlobalTlsf::with_source(sim::Source(m.clone()));
    let mut rng = rng::Rng::new(21);
    let mut live: Vec<(*mut u8, Layout)> = Vec::new();
    // SAFETY: every pointer freed or reallocated is live, with its layout.
    unsafe {
        for i in 0..3000 {
            if i % 301 == 0 {
                m.foreign_grow(1);
            }
            match rng.below(10) {
                0..=4 => {
                    let l = Layout::from_size_align(rng.size_up_to(64 << 10), rng.align_up_to(256))
                        .unwrap();
                    let p = a.alloc(l);
                    if !p.is_null() {
                        live.push((p, l));
                    }
                }
                5..=7 if !live.is_empty() => {
                    let (p, l) = live.swap_remove(rng.below(live.len()));
                    a.dealloc(p, l);
                }
                _ if !live.is_empty() => {
                    let i = rng.below(live.len());
                    let (p, l) = live[i];
                    let n = rng.size_up_to(64 << 10);
                    let q = a.realloc(p, l, n);
                    if !q.is_null() {
                        live[i] = (q, Layout::from_size_align(n, l.align()).unwrap());
                    }
                }
                _ => {}
            }
        }
        for (p, l) in live {
            a.dealloc(p, l);
        }
    }
    assert_eq!(a.check().unwrap().used_blocks, 0);
}

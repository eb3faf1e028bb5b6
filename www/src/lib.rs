//! The demo page's module. Built twice by `cargo xtask demo`: with the
//! `tlsf` feature (`SmallGlobalTlsf` with stats is the global allocator)
//! and without it (Rust's default allocator, dlmalloc), so the page can run
//! the same workload on both, side by side.
//!
//! Everything the workloads allocate lives in [`State`]; freeing everything
//! drops all of it, so the allocator's bytes in use return to zero.

use std::cell::{RefCell, UnsafeCell};

use wasm_bindgen::prelude::*;

#[cfg(feature = "tlsf")]
#[global_allocator]
static A: wasm_tlsf::SmallGlobalTlsf = wasm_tlsf::SmallGlobalTlsf::new();

/// A small deterministic generator (xorshift64*), so both modules replay
/// the same workload.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: usize, hi: usize) -> usize {
        let hi = hi.max(lo);
        lo + (self.next() % (hi - lo + 1) as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

const SEED: u64 = 0x9e37_79b9_7f4a_7c15;

/// Everything the workloads hold.
struct State {
    rng: Rng,
    /// Blocks of the random and fragmenting workloads.
    blocks: Vec<Vec<u8>>,
    /// The fragmenting workload's short-lived blocks.
    temp: Vec<Vec<u8>>,
    /// Growing vectors (each push may reallocate).
    vectors: Vec<Vec<u32>>,
    strings: Vec<String>,
    /// Payload bytes the workloads hold (what the program asked for).
    live_bytes: usize,
    steps: u64,
}

impl State {
    const fn new() -> Self {
        State {
            rng: Rng(SEED),
            blocks: Vec::new(),
            temp: Vec::new(),
            vectors: Vec::new(),
            strings: Vec::new(),
            live_bytes: 0,
            steps: 0,
        }
    }

    fn block(&mut self, size: usize) -> Vec<u8> {
        self.live_bytes += size;
        // Written, so that the memory is really used.
        vec![(size & 0xff) as u8; size]
    }

    fn drop_block(&mut self, b: Vec<u8>) {
        self.live_bytes -= b.len();
    }

    /// Allocate or free at random; the live set hovers around 500 blocks.
    fn random(&mut self, min: usize, max: usize) {
        let grow = self.blocks.len() < 50 || (self.blocks.len() < 1000 && self.rng.chance(55));
        if grow {
            let size = self.rng.range(min, max);
            let b = self.block(size);
            self.blocks.push(b);
        } else {
            let i = self.rng.range(0, self.blocks.len() - 1);
            let b = self.blocks.swap_remove(i);
            self.drop_block(b);
        }
    }

    /// Grow one of 16 vectors by a push (reallocating as it doubles); a
    /// vector past `max` bytes starts over.
    fn vectors(&mut self, min: usize, max: usize) {
        if self.vectors.len() < 16 {
            self.vectors.push(Vec::new());
        }
        let i = self.rng.range(0, self.vectors.len() - 1);
        let n = self
            .rng
            .range(min.div_ceil(4), max.div_ceil(4).max(1))
            .min(64);
        let v = &mut self.vectors[i];
        let before = v.len() * 4;
        for k in 0..n {
            v.push(k as u32);
        }
        let after = v.len() * 4;
        self.live_bytes += after - before;
        if after > max.max(64) {
            self.live_bytes -= after;
            // Dropped: its memory returns to the allocator.
            self.vectors[i] = Vec::new();
        }
    }

    /// Many small strings: make one, sometimes drop one.
    fn strings(&mut self, min: usize, max: usize) {
        let len = self.rng.range(min.clamp(1, 64), max.clamp(1, 64));
        if self.strings.len() < 4000 && (self.strings.len() < 100 || self.rng.chance(60)) {
            let mut s = String::new();
            for _ in 0..len {
                s.push((b'a' + (self.rng.next() % 26) as u8) as char);
            }
            self.live_bytes += s.len();
            self.strings.push(s);
        } else {
            let i = self.rng.range(0, self.strings.len() - 1);
            self.live_bytes -= self.strings.swap_remove(i).len();
        }
    }

    /// Long-lived blocks interleaved with short-lived ones that are freed
    /// in batches: holes of assorted sizes between survivors.
    fn fragment(&mut self, min: usize, max: usize) {
        let size = self.rng.range(min, max);
        let b = self.block(size);
        if self.steps.is_multiple_of(2) && self.blocks.len() < 2000 {
            self.blocks.push(b);
        } else {
            self.temp.push(b);
        }
        if self.temp.len() >= 64 {
            for b in std::mem::take(&mut self.temp) {
                self.drop_block(b);
            }
        }
    }

    fn free_all(&mut self) {
        // Fresh, empty containers: every buffer goes back to the allocator.
        let rng = std::mem::replace(&mut self.rng, Rng(0));
        *self = State::new();
        self.rng = rng;
    }
}

thread_local! {
    static STATE: RefCell<State> = const { RefCell::new(State::new()) };
}

/// Runs `steps` steps of a workload: `"random"`, `"vectors"`, `"strings"`,
/// `"fragment"`, or `"free"` (free everything). Sizes are drawn from
/// `min..=max` bytes. Returns false for an unknown workload.
#[wasm_bindgen]
pub fn run(workload: &str, steps: u32, min: u32, max: u32) -> bool {
    let (min, max) = (min.max(1) as usize, max.max(min.max(1)) as usize);
    STATE.with_borrow_mut(|s| {
        let step: fn(&mut State, usize, usize) = match workload {
            "random" => State::random,
            "vectors" => State::vectors,
            "strings" => State::strings,
            "fragment" => State::fragment,
            "free" => {
                s.free_all();
                return true;
            }
            _ => return false,
        };
        for _ in 0..steps {
            step(s, min, max);
            s.steps += 1;
        }
        true
    })
}

/// Frees everything the workloads hold and restarts the random sequence.
#[wasm_bindgen]
pub fn reset() {
    STATE.with_borrow_mut(|s| *s = State::new());
}

/// Payload bytes the workloads hold (what they asked for, not what the
/// allocator spent).
#[wasm_bindgen]
pub fn live_bytes() -> u32 {
    STATE.with_borrow(|s| s.live_bytes as u32)
}

/// Pages of linear memory (64 KiB each): what the module has grown to,
/// whichever allocator it runs on.
#[wasm_bindgen]
pub fn memory_pages() -> u32 {
    core::arch::wasm32::memory_size(0) as u32
}

/// Which allocator this module runs on.
#[wasm_bindgen]
pub fn allocator() -> String {
    if cfg!(feature = "tlsf") {
        "wasm-tlsf SmallGlobalTlsf".into()
    } else {
        "Rust's default (dlmalloc)".into()
    }
}

/// The allocator's figures, in this order: in use, free, peak in use,
/// pages grown, allocations, frees, failed, largest free block, managed,
/// overhead, reallocations (bytes or counts). Read before the returned
/// vector is allocated: they describe the heap as the caller left it.
/// Empty on the default allocator, which keeps none.
#[wasm_bindgen]
pub fn stats() -> Vec<f64> {
    #[cfg(feature = "tlsf")]
    {
        stats_of(A.stats()).to_vec()
    }
    #[cfg(not(feature = "tlsf"))]
    Vec::new()
}

/// How many figures [`stats`] returns.
const FIGURES: usize = 11;
/// The most blocks a snapshot holds (the workloads stay well below it; a
/// fuller heap is drawn truncated, and `snapshot` says so).
const SNAPSHOT_BLOCKS: usize = 32_768;

/// Where [`snapshot`] writes: a static, so that reading the heap does not
/// allocate and the page's own reads never change what it shows. It is
/// zero-initialised, so it adds nothing to the module, and it is in both
/// builds, so their memories differ only by their allocators.
#[repr(C)]
struct Snapshot {
    figures: [f64; FIGURES],
    /// Triples: address, size in bytes (header included), flags (bit 0:
    /// free, bit 1: first block of its pool).
    blocks: [u32; 3 * SNAPSHOT_BLOCKS],
}

struct Shared(UnsafeCell<Snapshot>);
// SAFETY: wasm32 without threads: one thread touches it.
unsafe impl Sync for Shared {}

static SNAPSHOT: Shared = Shared(UnsafeCell::new(Snapshot {
    figures: [0.0; FIGURES],
    blocks: [0; 3 * SNAPSHOT_BLOCKS],
}));

/// Reads the allocator's figures and every block at one moment, without
/// allocating, into a static the page reads through the module's memory
/// ([`snapshot_figures`], [`snapshot_blocks`]): the figures describe
/// exactly the blocks the map draws. The heap is set up first if no
/// allocation has done it yet (one byte allocated and freed), so the first
/// state shows the heap that is there. Returns the number of blocks
/// written, or, when they did not all fit, minus that number. 0 on the
/// default allocator, which keeps no figures.
#[wasm_bindgen]
pub fn snapshot() -> i32 {
    #[cfg(feature = "tlsf")]
    {
        if A.stats().managed == 0 {
            drop(std::hint::black_box(Box::new(0u8)));
        }
        // SAFETY: single-threaded, and no reference to it outlives this call.
        let snap = unsafe { &mut *SNAPSHOT.0.get() };
        snap.figures = stats_of(A.stats());
        let mut n = 0;
        let mut all = true;
        // SAFETY: the closure does not allocate.
        unsafe {
            A.inspect(|t| {
                for b in t.blocks() {
                    if n == SNAPSHOT_BLOCKS {
                        all = false;
                        break;
                    }
                    snap.blocks[3 * n] = b.addr as u32;
                    snap.blocks[3 * n + 1] = b.size as u32;
                    snap.blocks[3 * n + 2] = u32::from(b.free) | (u32::from(b.first_in_pool) << 1);
                    n += 1;
                }
            })
        };
        if all {
            n as i32
        } else {
            -(n as i32)
        }
    }
    #[cfg(not(feature = "tlsf"))]
    0
}

/// The address of the last snapshot's figures: [`FIGURES`] `f64`s in the
/// order of [`stats`].
#[wasm_bindgen]
pub fn snapshot_figures() -> usize {
    // SAFETY: only the address is taken.
    unsafe { (*SNAPSHOT.0.get()).figures.as_ptr() as usize }
}

/// The address of the last snapshot's blocks: `u32` triples.
#[wasm_bindgen]
pub fn snapshot_blocks() -> usize {
    // SAFETY: only the address is taken.
    unsafe { (*SNAPSHOT.0.get()).blocks.as_ptr() as usize }
}

#[cfg(feature = "tlsf")]
fn stats_of(s: wasm_tlsf::Stats) -> [f64; FIGURES] {
    [
        s.in_use as f64,
        s.free as f64,
        s.peak_in_use as f64,
        s.pages_grown as f64,
        s.allocations as f64,
        s.deallocations as f64,
        s.failed as f64,
        s.largest_free as f64,
        s.managed as f64,
        s.overhead as f64,
        s.reallocations as f64,
    ]
}

/// Every block of the heap, from the crate's read-only block walk
/// (`Tlsf::blocks`), as triples: address, size in bytes (header
/// included), flags (bit 0: free, bit 1: first block of its pool). Empty on
/// the default allocator.
#[wasm_bindgen]
pub fn blocks() -> Vec<u32> {
    #[cfg(feature = "tlsf")]
    {
        // The walk must not allocate (it would change the heap it walks):
        // count, allocate room for a few more (the buffer itself may split a
        // block), then fill without growing.
        // SAFETY: the closures do not allocate.
        let n = unsafe { A.inspect(|t| t.blocks().count()) };
        let mut out: Vec<u32> = Vec::with_capacity(3 * (n + 4));
        // SAFETY: pushes stay within the capacity reserved above, so they
        // never allocate.
        unsafe {
            A.inspect(|t| {
                for b in t.blocks() {
                    if out.len() + 3 > out.capacity() {
                        break;
                    }
                    out.push(b.addr as u32);
                    out.push(b.size as u32);
                    out.push(u32::from(b.free) | (u32::from(b.first_in_pool) << 1));
                }
            })
        };
        out
    }
    #[cfg(not(feature = "tlsf"))]
    Vec::new()
}

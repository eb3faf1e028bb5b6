//! Threads the way browser apps run them: `SmallGlobalTlsf` as the global
//! allocator of a module built with `+atomics`, passed through
//! wasm-bindgen's threads transform (`--target web`), with a pool of four
//! Web Workers started by `wasm-bindgen-rayon`. The transform allocates
//! each worker's stack and TLS block through the global allocator, and
//! reserves a page of its own for its bookkeeping (thread counter, lock,
//! the scratch stack it calls `malloc` on).
//!
//! `run` (called once from the page's main thread, after
//! `initThreadPool(4)`) checks that:
//! - each worker's stack and TLS block lie in used blocks of our heap;
//! - the stress workload of `tests/wasm-threads` (the same module) passes
//!   on the four workers at once: mixed allocate / free / realloc, blocks
//!   handed between workers and freed by another, every pattern checked;
//! - a rayon workload's blocks, made on one worker and dropped on whichever
//!   worker takes them, keep their patterns, and some are freed on another
//!   worker than made them;
//! - the heap checker passes before and after;
//! - no block of the heap lies in the page the transform keeps for itself:
//!   the one from `__heap_base` (wasm-bindgen before 0.2.127) or the one
//!   after the linker's initial memory, from `__heap_end` (later ones).
//!
//! It answers with a JSON object; `failures` lists what went wrong.

/// The allocator under test.
#[global_allocator]
pub static A: wasm_tlsf::SmallGlobalTlsf = wasm_tlsf::SmallGlobalTlsf::new();

/// The workload of the threads stress test, shared with it.
pub use test_support::stress;

use rayon::prelude::*;
use std::cell::Cell;
use wasm_bindgen::prelude::*;

pub use wasm_bindgen_rayon::init_thread_pool;

/// Blocks the rayon workload makes, and their largest size.
const RAYON_BLOCKS: usize = 20_000;
const RAYON_MAX: usize = 4096;

thread_local! {
    /// A thread-local whose address shows where this thread's TLS block is.
    static TLS_PROBE: Cell<u32> = const { Cell::new(0) };
}

extern "C" {
    static __heap_base: u8;
    static __heap_end: u8;
}

/// The threads transform's page: 64 KiB.
const RESERVED: usize = 1 << 16;

/// The lowest block's address, and the blocks (used or free) that overlap
/// a page the threads transform may keep for itself.
fn heap_layout() -> (usize, usize) {
    // Only the symbols' addresses are used.
    let pages = [
        (&raw const __heap_base).addr(),
        (&raw const __heap_end).addr(),
    ];
    // SAFETY: the block walk does not allocate.
    unsafe {
        A.inspect(|t| {
            let lowest = t.blocks().map(|b| b.addr).min().unwrap_or(0);
            let overlapping = t
                .blocks()
                .filter(|b| {
                    pages
                        .iter()
                        .any(|&p| b.addr < p + RESERVED && p < b.addr + b.size)
                })
                .count();
            (lowest, overlapping)
        })
    }
}

/// Whether `addr` lies inside a used block of our heap.
fn in_used_block(addr: usize) -> bool {
    // SAFETY: the block walk does not allocate.
    unsafe {
        A.inspect(|t| {
            t.blocks()
                .any(|b| !b.free && b.addr <= addr && addr < b.addr + b.size)
        })
    }
}

/// What a worker found in the stress phase.
struct WorkerRun {
    stack_in_heap: bool,
    tls_in_heap: bool,
    result: Result<(), stress::Failure>,
}

/// Byte `j` of the rayon workload's block `i`.
fn pattern(i: usize, j: usize) -> u8 {
    (i.wrapping_mul(31) ^ j.wrapping_mul(7)) as u8 ^ 0x5A
}

/// The rayon workload: returns (blocks with a wrong byte, blocks freed on
/// another worker than made them).
fn rayon_phase() -> (usize, usize) {
    let made: Vec<(usize, Vec<u8>)> = (0..RAYON_BLOCKS)
        .into_par_iter()
        .map(|i| {
            let size = 1 + i.wrapping_mul(7919) % RAYON_MAX;
            let v: Vec<u8> = (0..size).map(|j| pattern(i, j)).collect();
            (rayon::current_thread_index().unwrap_or(usize::MAX), v)
        })
        .collect();
    // Taken in the other order, so that the split differs from the one
    // that made them.
    made.into_par_iter()
        .enumerate()
        .rev()
        .map(|(i, (maker, v))| {
            let bad = v.iter().enumerate().any(|(j, &b)| b != pattern(i, j));
            let taker = rayon::current_thread_index().unwrap_or(usize::MAX);
            drop(v);
            (bad as usize, (taker != maker) as usize)
        })
        .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1))
}

/// The whole test, `ops` operations per worker in the stress phase (0:
/// the stress test's default). Call once, from the main thread, after
/// `initThreadPool(4)`.
#[wasm_bindgen]
pub fn run(ops: u32) -> String {
    let ops = if ops == 0 { stress::OPS } else { ops as usize };
    let mut failures: Vec<String> = Vec::new();
    let before = match A.check() {
        Ok(s) => s.used_blocks,
        Err(e) => {
            failures.push(format!("heap checker before the workers: {e:?}"));
            0
        }
    };
    let workers = rayon::current_num_threads();
    let mut stacks = 0;
    let mut tls = 0;
    let (mut corrupt, mut cross) = (0, 0);
    if workers != stress::THREADS {
        // The stress phase's start line waits for exactly this many.
        failures.push(format!(
            "{workers} workers in the pool, {} expected",
            stress::THREADS
        ));
    } else {
        let runs = rayon::broadcast(|ctx| {
            let local = 0u8;
            let sp = core::hint::black_box(&local) as *const u8 as usize;
            let tls_addr = TLS_PROBE.with(|c| c as *const Cell<u32> as usize);
            WorkerRun {
                stack_in_heap: in_used_block(sp),
                tls_in_heap: in_used_block(tls_addr),
                result: stress::worker(ctx.index(), ops),
            }
        });
        for r in &runs {
            stacks += r.stack_in_heap as usize;
            tls += r.tls_in_heap as usize;
            if let Err(f) = r.result {
                failures.push(format!("stress: {f:?}"));
            }
        }
        if let Err(f) = stress::drain() {
            failures.push(format!("stress, freeing the blocks in transit: {f:?}"));
        }
        if stacks != workers {
            failures.push(format!(
                "{stacks} of {workers} worker stacks in a used block of the heap"
            ));
        }
        if tls != workers {
            failures.push(format!(
                "{tls} of {workers} worker TLS blocks in a used block of the heap"
            ));
        }
        (corrupt, cross) = rayon_phase();
        if corrupt != 0 {
            failures.push(format!("rayon: {corrupt} blocks with a wrong byte"));
        }
        if cross == 0 {
            failures.push("rayon: no block freed on another worker".into());
        }
    }
    let (after, pools) = match A.check() {
        Ok(s) => (s.used_blocks, s.pools),
        Err(e) => {
            failures.push(format!("heap checker after the workers: {e:?}"));
            (0, 0)
        }
    };
    let (lowest, overlapping) = heap_layout();
    if overlapping != 0 {
        failures.push(format!(
            "{overlapping} blocks of the heap in the page wasm-bindgen's threads \
             transform keeps for itself: {RESERVED} bytes from __heap_base (before \
             0.2.127) or from __heap_end (later)"
        ));
    }
    let stats = A.stats();
    let failures: Vec<String> = failures.iter().map(|f| format!("{f:?}")).collect();
    format!(
        concat!(
            "{{\"workers\":{},\"ops\":{},\"stacks_in_heap\":{},\"tls_in_heap\":{},",
            "\"rayon_blocks\":{},\"rayon_corrupt\":{},\"rayon_cross_frees\":{},",
            "\"used_before\":{},\"used_after\":{},\"pools\":{},\"pages_grown\":{},",
            "\"view_refreshes\":{},\"heap\":[{},{},{}],\"failures\":[{}]}}"
        ),
        workers,
        ops,
        stacks,
        tls,
        RAYON_BLOCKS,
        corrupt,
        cross,
        before,
        after,
        pools,
        stats.pages_grown,
        stress::VIEW_REFRESHES.load(std::sync::atomic::Ordering::Acquire),
        lowest,
        (&raw const __heap_base).addr(),
        (&raw const __heap_end).addr(),
        failures.join(",")
    )
}

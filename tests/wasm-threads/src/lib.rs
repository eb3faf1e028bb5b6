//! The stress test on `wasm32-unknown-unknown` with `+atomics`: node
//! `worker_threads` instantiate this module over one shared memory and
//! each calls `run(id, ops)`; the main thread calls `start` before and
//! `finish` after. `run-workers.mjs` gives each worker its own stack
//! (`thread_stack`) and TLS block, as wasm-bindgen's thread support does.

/// The allocator under test, for this module and the WASI program.
#[global_allocator]
pub static A: wasm_tlsf::SmallGlobalTlsf = wasm_tlsf::SmallGlobalTlsf::new();

/// The workload (shared with tests/wasm-bindgen-threads).
pub use test_support::stress;

use std::alloc::{alloc, Layout};
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering::SeqCst};

/// The first failure: code, thread, op, address (0 while none).
static FAILURE: [AtomicU32; 4] = [const { AtomicU32::new(0) }; 4];
static USED_BEFORE: AtomicUsize = AtomicUsize::new(0);

fn report(f: stress::Failure) -> u32 {
    let _ = FAILURE[0].compare_exchange(0, f.code, SeqCst, SeqCst);
    FAILURE[1].store(f.thread as u32, SeqCst);
    FAILURE[2].store(f.op as u32, SeqCst);
    FAILURE[3].store(f.addr as u32, SeqCst);
    f.code
}

/// The default workload's count of threads and ops per thread.
#[no_mangle]
pub extern "C" fn threads() -> u32 {
    stress::THREADS as u32
}

#[no_mangle]
pub extern "C" fn default_ops() -> u32 {
    stress::OPS as u32
}

/// A block of `size` bytes (16-aligned) for a worker's stack or TLS, from
/// the allocator under test; never freed. 0 if it failed.
#[no_mangle]
pub extern "C" fn thread_block(size: usize, align: usize) -> usize {
    let layout = Layout::from_size_align(size, align.max(16)).unwrap();
    // SAFETY: a non-zero size.
    unsafe { alloc(layout) as usize }
}

/// Records the used blocks before the workers start; 0 if the heap is sound.
#[no_mangle]
pub extern "C" fn start() -> u32 {
    match stress::check(&A) {
        Ok((used, _)) => {
            USED_BEFORE.store(used, SeqCst);
            0
        }
        Err(_) => 5,
    }
}

/// One worker's run: 0, or a failure code (details from `failure(i)`).
#[no_mangle]
pub extern "C" fn run(id: u32, ops: u32) -> u32 {
    match stress::worker(id as usize, ops as usize) {
        Ok(()) => 0,
        Err(f) => report(f),
    }
}

/// After every worker: frees what is in transit, checks the heap and that
/// its used blocks are those before the workers (the workers' stacks and
/// TLS blocks, allocated before `start`, included). 0, or a failure code.
#[no_mangle]
pub extern "C" fn finish() -> u32 {
    if let Err(f) = stress::drain() {
        return report(f);
    }
    match stress::check(&A) {
        Ok((used, _)) if used == USED_BEFORE.load(SeqCst) => 0,
        Ok(_) => 6,
        Err(_) => 5,
    }
}

/// Part `i` of the first failure (code, thread, op, address).
#[no_mangle]
pub extern "C" fn failure(i: u32) -> u32 {
    FAILURE[i as usize].load(SeqCst)
}

/// Blocks from another thread found beyond the taker's view of memory.
#[no_mangle]
pub extern "C" fn view_refreshes() -> u32 {
    stress::VIEW_REFRESHES.load(SeqCst) as u32
}

/// Pages grown by the allocator.
#[no_mangle]
pub extern "C" fn pages_grown() -> u32 {
    A.stats().pages_grown as u32
}

//! The same program for every allocator: three exports that go through the
//! `#[global_allocator]`, plus `touch` (write a block, so benchmarks use the
//! memory they get) and `noop` (to calibrate call overhead). Rows differ
//! only in the allocator, chosen by one cargo feature.
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

use alloc::alloc::{GlobalAlloc, Layout};

#[cfg(not(feature = "std"))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

/// The baseline: every request fails. Its module is the program's own bytes.
#[allow(dead_code)]
struct Null;

// SAFETY: returns null for every request, which `GlobalAlloc` allows.
unsafe impl GlobalAlloc for Null {
    unsafe fn alloc(&self, _: Layout) -> *mut u8 {
        core::ptr::null_mut()
    }
    unsafe fn dealloc(&self, _: *mut u8, _: Layout) {}
}

#[cfg(feature = "null")]
#[global_allocator]
static A: Null = Null;

#[cfg(feature = "wasm-tlsf")]
#[global_allocator]
static A: wasm_tlsf::SmallGlobalTlsf = wasm_tlsf::SmallGlobalTlsf::new();

// The same allocator growing memory by amortized steps.
#[cfg(feature = "wasm-tlsf-amortized")]
#[global_allocator]
static A: wasm_tlsf::GlobalTlsf<wasm_tlsf::Amortized<wasm_tlsf::WasmMemory>, 25, 32> =
    wasm_tlsf::GlobalTlsf::with_source(wasm_tlsf::Amortized(wasm_tlsf::WasmMemory));

#[cfg(feature = "rlsf")]
#[global_allocator]
static A: rlsf::SmallGlobalTlsf = rlsf::SmallGlobalTlsf::new();

#[cfg(feature = "rlsf-global")]
#[global_allocator]
static A: rlsf::GlobalTlsf = rlsf::GlobalTlsf::new();

// As talc's WebAssembly README recommends.
#[cfg(feature = "talc")]
#[global_allocator]
static A: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

#[cfg(feature = "wee_alloc")]
#[global_allocator]
static A: wee_alloc::WeeAlloc = wee_alloc::WeeAlloc::INIT;

// lol_alloc's free-list allocator, as its docs set it up for single-threaded
// wasm.
#[cfg(feature = "lol_alloc")]
#[global_allocator]
// SAFETY: single-threaded wasm (this module is built without atomics).
static A: lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };

// The floor: a bump allocator that never frees.
#[cfg(feature = "lol_alloc-leaking")]
#[global_allocator]
static A: lol_alloc::LeakingPageAllocator = lol_alloc::LeakingPageAllocator;

#[cfg(feature = "dlmalloc")]
#[global_allocator]
static A: dlmalloc::GlobalDlmalloc = dlmalloc::GlobalDlmalloc;

// As wasmalloc's README sets it up.
#[cfg(feature = "wasmalloc")]
#[global_allocator]
static A: wasmalloc::WasmAlloc = wasmalloc::WasmAlloc::new();

// The three exports, shared with the wasm app in `tests/wasm-app`.
mod exports;

/// Does nothing: benchmarks time calls to it to subtract the cost of a
/// call from the allocator's (feature `bench`).
#[cfg(feature = "bench")]
#[no_mangle]
pub extern "C" fn noop() {}

/// The allocator's figures, for benchmarks (feature `export-stats`, which
/// the size rows leave off so it costs them nothing): 0 in use, 1 free,
/// 2 overhead, 3 managed, 4 largest free, 5 pages grown, 6 peak in use.
#[cfg(feature = "export-stats")]
#[no_mangle]
pub extern "C" fn stat(which: u32) -> usize {
    let s = A.stats();
    match which {
        0 => s.in_use,
        1 => s.free,
        2 => s.overhead,
        3 => s.managed,
        4 => s.largest_free,
        5 => s.pages_grown,
        _ => s.peak_in_use,
    }
}

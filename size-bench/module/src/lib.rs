//! The same program for every allocator: three exports that go through the
//! `#[global_allocator]`, plus `stat` for benchmarks. Rows differ only in the
//! allocator, chosen by one cargo feature.
#![cfg_attr(not(feature = "std"), no_std)]

#[cfg(not(feature = "std"))]
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

// The allocator, chosen by one feature forwarded to the crate that sets
// each one up.
bench_allocator::global_allocator!();

// The three exports, shared with the wasm app in `tests/wasm-app`.
test_support::exports!();

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

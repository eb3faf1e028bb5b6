//! The same program for every allocator: three exports that go through the
//! `#[global_allocator]`. Rows differ only in the allocator, chosen by one
//! cargo feature.
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

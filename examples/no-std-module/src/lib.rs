//! A `#![no_std]` WebAssembly module with `SmallGlobalTlsf` as its global
//! allocator, for `wasm32v1-none` (stable Rust's target for MVP
//! WebAssembly, with no standard library): `alloc`'s collections work,
//! and the module imports nothing.
//!
//! ```sh
//! cargo build --release --target wasm32v1-none -p wasm-tlsf-example-no-std
//! ```
#![no_std]

extern crate alloc;

use alloc::collections::BTreeSet;
use alloc::vec::Vec;

#[global_allocator]
static A: wasm_tlsf::SmallGlobalTlsf = wasm_tlsf::SmallGlobalTlsf::new();

/// Without `std` the module says what a panic does: trap.
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

/// The number of primes below `n`, by a sieve in a vector of `n` bytes.
#[no_mangle]
pub extern "C" fn primes_below(n: u32) -> u32 {
    let n = n as usize;
    let mut composite = Vec::new();
    composite.resize(n, false);
    let mut count = 0;
    for i in 2..n {
        if !composite[i] {
            count += 1;
            // From i * i, where it fits (i <= (n - 1) / i): no overflow.
            let mut j = if i <= (n - 1) / i { i * i } else { n };
            while j < n {
                composite[j] = true;
                j += i;
            }
        }
    }
    count
}

/// The number of distinct values of `i * i % m` for `i < m`: a set of up
/// to `m` nodes, built and dropped.
#[no_mangle]
pub extern "C" fn squares_mod(m: u32) -> u32 {
    let set: BTreeSet<u64> = (0..m as u64).map(|i| i * i % m as u64).collect();
    set.len() as u32
}

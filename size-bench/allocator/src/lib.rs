//! The `#[global_allocator]` of every allocator the reports measure, set
//! up once. The feature named after the registry's id
//! (`size_bench::allocators`) picks [`Chosen`] and its initial value
//! [`INIT`]; the modules that measure allocators forward their allocator
//! feature here and call [`global_allocator!`] once. `std` (or no
//! feature): no `#[global_allocator]`, Rust's default.
//!
//! A type and a constant rather than a static of this crate: the static,
//! and the allocator shim the compiler makes for it, stay in the module's
//! own crate, so its bytes are the same as a module declaring the
//! allocator itself (a static in a dependency changes several rows by a
//! few bytes).
#![no_std]
// The constants are only ever copied into the module's one static.
#![allow(clippy::declare_interior_mutable_const)]

/// The baseline: every request fails. Its module is the program's own bytes.
#[cfg(feature = "null")]
pub struct Null;

// SAFETY: returns null for every request, which `GlobalAlloc` allows.
#[cfg(feature = "null")]
unsafe impl core::alloc::GlobalAlloc for Null {
    unsafe fn alloc(&self, _: core::alloc::Layout) -> *mut u8 {
        core::ptr::null_mut()
    }
    unsafe fn dealloc(&self, _: *mut u8, _: core::alloc::Layout) {}
}

#[cfg(feature = "null")]
pub type Chosen = Null;
#[cfg(feature = "null")]
pub const INIT: Chosen = Null;

// (`wasm-tlsf-stats` and `wasm-tlsf-debug-checks` enable this feature with
// the crate's.)
#[cfg(feature = "wasm-tlsf")]
pub type Chosen = wasm_tlsf::SmallGlobalTlsf;
#[cfg(feature = "wasm-tlsf")]
pub const INIT: Chosen = wasm_tlsf::SmallGlobalTlsf::new();

// The same allocator growing memory by amortized steps.
#[cfg(feature = "wasm-tlsf-amortized")]
pub type Chosen = wasm_tlsf::GlobalTlsf<wasm_tlsf::Amortized<wasm_tlsf::WasmMemory>, 25, 32>;
#[cfg(feature = "wasm-tlsf-amortized")]
pub const INIT: Chosen =
    wasm_tlsf::GlobalTlsf::with_source(wasm_tlsf::Amortized(wasm_tlsf::WasmMemory));

#[cfg(feature = "rlsf")]
pub type Chosen = rlsf::SmallGlobalTlsf;
#[cfg(feature = "rlsf")]
pub const INIT: Chosen = rlsf::SmallGlobalTlsf::new();

#[cfg(feature = "rlsf-global")]
pub type Chosen = rlsf::GlobalTlsf;
#[cfg(feature = "rlsf-global")]
pub const INIT: Chosen = rlsf::GlobalTlsf::new();

// As talc's WebAssembly README recommends.
#[cfg(feature = "talc")]
pub type Chosen = talc::wasm::WasmDynamicTalc;
#[cfg(feature = "talc")]
pub const INIT: Chosen = talc::wasm::new_wasm_dynamic_allocator();

#[cfg(feature = "wee_alloc")]
pub type Chosen = wee_alloc::WeeAlloc<'static>;
#[cfg(feature = "wee_alloc")]
pub const INIT: Chosen = wee_alloc::WeeAlloc::INIT;

// lol_alloc's free-list allocator, as its docs set it up for single-threaded
// wasm.
#[cfg(feature = "lol_alloc")]
pub type Chosen = lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator>;
#[cfg(feature = "lol_alloc")]
// SAFETY: single-threaded wasm (the modules are built without atomics).
pub const INIT: Chosen =
    unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };

// The floor: a bump allocator that never frees.
#[cfg(feature = "lol_alloc-leaking")]
pub type Chosen = lol_alloc::LeakingPageAllocator;
#[cfg(feature = "lol_alloc-leaking")]
pub const INIT: Chosen = lol_alloc::LeakingPageAllocator;

#[cfg(feature = "dlmalloc")]
pub type Chosen = dlmalloc::GlobalDlmalloc;
#[cfg(feature = "dlmalloc")]
pub const INIT: Chosen = dlmalloc::GlobalDlmalloc;

// As wasmalloc's README sets it up.
#[cfg(feature = "wasmalloc")]
pub type Chosen = wasmalloc::WasmAlloc;
#[cfg(feature = "wasmalloc")]
pub const INIT: Chosen = wasmalloc::WasmAlloc::new();

/// Declares `static A: Chosen = INIT` as the `#[global_allocator]` in the
/// calling crate (nothing with `std` or no feature).
#[cfg(not(feature = "std"))]
#[macro_export]
macro_rules! global_allocator {
    () => {
        #[global_allocator]
        static A: $crate::Chosen = $crate::INIT;
    };
}

#[cfg(feature = "std")]
#[macro_export]
macro_rules! global_allocator {
    () => {};
}

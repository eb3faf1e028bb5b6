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

/// `"feature" => Type = initial value;`: [`Chosen`] and [`INIT`] under
/// that feature.
macro_rules! chosen {
    ($($feature:literal => $t:ty = $init:expr;)*) => {$(
        #[cfg(feature = $feature)]
        pub type Chosen = $t;
        #[cfg(feature = $feature)]
        pub const INIT: Chosen = $init;
    )*};
}

chosen! {
    "null" => Null = Null;
    // (`wasm-tlsf-stats` and `wasm-tlsf-debug-checks` enable this feature
    // with the crate's.)
    "wasm-tlsf" => wasm_tlsf::SmallGlobalTlsf = wasm_tlsf::SmallGlobalTlsf::new();
    // The same allocator growing memory by amortized steps.
    "wasm-tlsf-amortized" => wasm_tlsf::GlobalTlsf<wasm_tlsf::Amortized<wasm_tlsf::WasmMemory>, 25, 32> =
        wasm_tlsf::GlobalTlsf::with_source(wasm_tlsf::Amortized(wasm_tlsf::WasmMemory));
    "rlsf" => rlsf::SmallGlobalTlsf = rlsf::SmallGlobalTlsf::new();
    "rlsf-global" => rlsf::GlobalTlsf = rlsf::GlobalTlsf::new();
    // As talc's WebAssembly README recommends.
    "talc" => talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
    "wee_alloc" => wee_alloc::WeeAlloc<'static> = wee_alloc::WeeAlloc::INIT;
    // lol_alloc's free-list allocator, as its docs set it up for
    // single-threaded wasm.
    "lol_alloc" => lol_alloc::AssumeSingleThreaded<lol_alloc::FreeListAllocator> =
        // SAFETY: single-threaded wasm (the modules are built without atomics).
        unsafe { lol_alloc::AssumeSingleThreaded::new(lol_alloc::FreeListAllocator::new()) };
    // The floor: a bump allocator that never frees.
    "lol_alloc-leaking" => lol_alloc::LeakingPageAllocator = lol_alloc::LeakingPageAllocator;
    "dlmalloc" => dlmalloc::GlobalDlmalloc = dlmalloc::GlobalDlmalloc;
    // As wasmalloc's README sets it up.
    "wasmalloc" => wasmalloc::WasmAlloc = wasmalloc::WasmAlloc::new();
}

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

//! The `#[global_allocator]` of every allocator the reports measure, set
//! up once. The feature named after the registry's id
//! (`size_bench::allocators`) picks it; the modules that measure
//! allocators forward their allocator feature here and call
//! [`global_allocator!`] once. `std` (or no feature): no
//! `#[global_allocator]`, Rust's default.
//!
//! A macro rather than a static of this crate: the static, and the
//! allocator shim the compiler makes for it, stay in the module's own crate,
//! so its bytes are the same as a module declaring the allocator itself (a
//! static in a dependency changes several rows by a few bytes).
#![no_std]

// The allocator crates, for the macro's paths.
#[cfg(feature = "dlmalloc")]
pub use dlmalloc;
#[cfg(any(feature = "lol_alloc", feature = "lol_alloc-leaking"))]
pub use lol_alloc;
#[cfg(any(feature = "rlsf", feature = "rlsf-global"))]
pub use rlsf;
#[cfg(feature = "talc")]
pub use talc;
#[cfg(any(feature = "wasm-tlsf", feature = "wasm-tlsf-amortized"))]
pub use wasm_tlsf;
#[cfg(feature = "wasmalloc")]
pub use wasmalloc;
#[cfg(feature = "wee_alloc")]
pub use wee_alloc;

#[cfg(feature = "null")]
#[macro_export]
macro_rules! global_allocator {
    () => {
        /// The baseline: every request fails. Its module is the program's own bytes.
        struct Null;
        // SAFETY: returns null for every request, which `GlobalAlloc` allows.
        unsafe impl ::core::alloc::GlobalAlloc for Null {
            unsafe fn alloc(&self, _: ::core::alloc::Layout) -> *mut u8 {
                ::core::ptr::null_mut()
            }
            unsafe fn dealloc(&self, _: *mut u8, _: ::core::alloc::Layout) {}
        }
        #[global_allocator]
        static A: Null = Null;
    };
}

// (`wasm-tlsf-stats` and `wasm-tlsf-debug-checks` enable this feature with
// the crate's.)
#[cfg(feature = "wasm-tlsf")]
#[macro_export]
macro_rules! global_allocator {
    () => {
        #[global_allocator]
        static A: $crate::wasm_tlsf::SmallGlobalTlsf = $crate::wasm_tlsf::SmallGlobalTlsf::new();
    };
}

// The same allocator growing memory by amortized steps.
#[cfg(feature = "wasm-tlsf-amortized")]
#[macro_export]
macro_rules! global_allocator {
    () => {
        #[global_allocator]
        static A: $crate::wasm_tlsf::GlobalTlsf<
            $crate::wasm_tlsf::Amortized<$crate::wasm_tlsf::WasmMemory>,
            25,
            32,
        > = $crate::wasm_tlsf::GlobalTlsf::with_source($crate::wasm_tlsf::Amortized(
            $crate::wasm_tlsf::WasmMemory,
        ));
    };
}

#[cfg(feature = "rlsf")]
#[macro_export]
macro_rules! global_allocator {
    () => {
        #[global_allocator]
        static A: $crate::rlsf::SmallGlobalTlsf = $crate::rlsf::SmallGlobalTlsf::new();
    };
}

#[cfg(feature = "rlsf-global")]
#[macro_export]
macro_rules! global_allocator {
    () => {
        #[global_allocator]
        static A: $crate::rlsf::GlobalTlsf = $crate::rlsf::GlobalTlsf::new();
    };
}

// As talc's WebAssembly README recommends.
#[cfg(feature = "talc")]
#[macro_export]
macro_rules! global_allocator {
    () => {
        #[global_allocator]
        static A: $crate::talc::wasm::WasmDynamicTalc =
            $crate::talc::wasm::new_wasm_dynamic_allocator();
    };
}

#[cfg(feature = "wee_alloc")]
#[macro_export]
macro_rules! global_allocator {
    () => {
        #[global_allocator]
        static A: $crate::wee_alloc::WeeAlloc = $crate::wee_alloc::WeeAlloc::INIT;
    };
}

// lol_alloc's free-list allocator, as its docs set it up for single-threaded
// wasm.
#[cfg(feature = "lol_alloc")]
#[macro_export]
macro_rules! global_allocator {
    () => {
        #[global_allocator]
        // SAFETY: single-threaded wasm (the modules are built without atomics).
        static A: $crate::lol_alloc::AssumeSingleThreaded<$crate::lol_alloc::FreeListAllocator> =
            unsafe { $crate::lol_alloc::AssumeSingleThreaded::new($crate::lol_alloc::FreeListAllocator::new()) };
    };
}

// The floor: a bump allocator that never frees.
#[cfg(feature = "lol_alloc-leaking")]
#[macro_export]
macro_rules! global_allocator {
    () => {
        #[global_allocator]
        static A: $crate::lol_alloc::LeakingPageAllocator = $crate::lol_alloc::LeakingPageAllocator;
    };
}

#[cfg(feature = "dlmalloc")]
#[macro_export]
macro_rules! global_allocator {
    () => {
        #[global_allocator]
        static A: $crate::dlmalloc::GlobalDlmalloc = $crate::dlmalloc::GlobalDlmalloc;
    };
}

// As wasmalloc's README sets it up.
#[cfg(feature = "wasmalloc")]
#[macro_export]
macro_rules! global_allocator {
    () => {
        #[global_allocator]
        static A: $crate::wasmalloc::WasmAlloc = $crate::wasmalloc::WasmAlloc::new();
    };
}

/// Rust's default allocator (feature `std`, or none).
#[cfg(not(any(
    feature = "null",
    feature = "wasm-tlsf",
    feature = "wasm-tlsf-amortized",
    feature = "rlsf",
    feature = "rlsf-global",
    feature = "talc",
    feature = "wee_alloc",
    feature = "lol_alloc",
    feature = "lol_alloc-leaking",
    feature = "dlmalloc",
    feature = "wasmalloc"
)))]
#[macro_export]
macro_rules! global_allocator {
    () => {};
}

//! The real programs over one global allocator, chosen by one cargo feature
//! (none: Rust's default). One export runs one program to the end inside
//! wasm, so no JavaScript runs between allocator calls.

#[cfg(feature = "wasm-tlsf")]
#[global_allocator]
static A: wasm_tlsf::SmallGlobalTlsf = wasm_tlsf::SmallGlobalTlsf::new();

#[cfg(feature = "dlmalloc")]
#[global_allocator]
static A: dlmalloc::GlobalDlmalloc = dlmalloc::GlobalDlmalloc;

// As talc's WebAssembly README recommends.
#[cfg(feature = "talc")]
#[global_allocator]
static A: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

#[cfg(feature = "rlsf")]
#[global_allocator]
static A: rlsf::SmallGlobalTlsf = rlsf::SmallGlobalTlsf::new();

#[cfg(feature = "rlsf-global")]
#[global_allocator]
static A: rlsf::GlobalTlsf = rlsf::GlobalTlsf::new();

// As wasmalloc's README sets it up.
#[cfg(feature = "wasmalloc")]
#[global_allocator]
static A: wasmalloc::WasmAlloc = wasmalloc::WasmAlloc::new();

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

/// How many programs `run` knows (the runner checks its list against it).
#[no_mangle]
pub extern "C" fn programs() -> u32 {
    realbench_workloads::PROGRAMS.len() as u32
}

/// Runs program `program` from `seed` at size `scale` and returns its
/// checksum (the same for every allocator).
#[no_mangle]
pub extern "C" fn run(program: u32, seed: u32, scale: u32) -> u64 {
    realbench_workloads::run(program, seed, scale)
}

//! The real programs over one global allocator, chosen by one cargo feature
//! (`std`: Rust's default). One export runs one program to the end inside
//! wasm, so no JavaScript runs between allocator calls.

// The allocator, chosen by one feature forwarded to the crate that sets
// each one up (as in the size report's module).
bench_allocator::global_allocator!();

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

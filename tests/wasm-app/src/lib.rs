//! A minimal wasm app that uses `SmallGlobalTlsf` exactly as a user would.
//!
//! By default it exports only allocate / deallocate / reallocate through the
//! global allocator, so every function in the module is the allocator's or
//! the glue's: `cargo xtask test` checks that none is panic or formatting
//! code. With the `collections` feature it also does real work with `alloc`
//! (which brings its own panic paths) to prove the allocator links and
//! serves a real program.
#![no_std]

extern crate alloc;

#[global_allocator]
static A: wasm_tlsf::SmallGlobalTlsf = wasm_tlsf::SmallGlobalTlsf::new();

#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! {
    core::arch::wasm32::unreachable()
}

// The three exports (allocate / deallocate / reallocate) of the size
// report's module, from the test-support crate.
test_support::exports!();

#[cfg(feature = "arena")]
mod arena {
    use allocator_api2::alloc::Allocator;
    use core::alloc::Layout;
    use core::mem::MaybeUninit;

    /// In an arena over a buffer on the stack, `n` rounds of allocate,
    /// grow (to a larger alignment), shrink and free, all through the
    /// `Allocator` trait; returns how many rounds succeeded.
    #[no_mangle]
    pub extern "C" fn arena_rounds(n: u32) -> u32 {
        let mut buffer = [MaybeUninit::<u8>::uninit(); 8192];
        let arena: wasm_tlsf::Arena = wasm_tlsf::Arena::new(&mut buffer);
        let mut done = 0;
        for i in 0..n {
            let size = (i as usize % 200) + 1;
            let (Ok(small), Ok(big)) = (
                Layout::from_size_align(size, 8),
                Layout::from_size_align(size * 3, 64),
            ) else {
                continue;
            };
            let Ok(p) = arena.allocate(small) else {
                continue;
            };
            // SAFETY: each block is live with the layout it is passed with,
            // and freed once.
            unsafe {
                match arena.grow(p.cast(), small, big) {
                    Err(_) => arena.deallocate(p.cast(), small),
                    Ok(q) => match arena.shrink(q.cast(), big, small) {
                        Err(_) => arena.deallocate(q.cast(), big),
                        Ok(r) => {
                            arena.deallocate(r.cast(), small);
                            done += 1;
                        }
                    },
                }
            }
        }
        done
    }
}

#[cfg(feature = "collections")]
mod collections {
    use alloc::collections::BTreeMap;
    use alloc::string::String;
    use alloc::vec::Vec;

    /// Builds a vector of `n` numbers, sorts it and returns a checksum.
    #[no_mangle]
    pub extern "C" fn sort_sum(n: u32) -> u32 {
        let mut v: Vec<u32> = Vec::new();
        let mut x = 12345u32;
        for _ in 0..n {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            v.push(x >> 8);
        }
        v.sort_unstable();
        v.iter()
            .enumerate()
            .fold(0u32, |acc, (i, &e)| acc.wrapping_add(e ^ i as u32))
    }

    /// Builds a string of `n` words and a word-count map; returns the number of
    /// distinct words.
    #[no_mangle]
    pub extern "C" fn words(n: u32) -> u32 {
        let mut s = String::new();
        for i in 0..n {
            s.push_str(["alpha ", "beta ", "gamma ", "delta "][(i % 4) as usize]);
        }
        let mut counts: BTreeMap<&str, u32> = BTreeMap::new();
        for w in s.split_whitespace() {
            *counts.entry(w).or_insert(0) += 1;
        }
        counts.len() as u32
    }
}

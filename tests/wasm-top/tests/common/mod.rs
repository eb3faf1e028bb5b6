//! What both test binaries share: memory and heap figures in 64-bit
//! arithmetic (a memory of 65536 pages ends at 2^32, past `usize`), the
//! heap check, and sparse patterns (a few KiB per block, so the pages of a
//! multi-GiB block are never all touched).
//!
//! Each binary's root defines `static A: wasm_tlsf::SmallGlobalTlsf` as
//! its `#[global_allocator]`.

#![allow(dead_code)]

use core::arch::wasm32;
use std::alloc::{alloc, dealloc, Layout};

use wasm_tlsf::{Stats, PAGE_SIZE};

use crate::A;

pub const KIB: usize = 1 << 10;
pub const MIB: usize = 1 << 20;
pub const GIB: u64 = 1 << 30;
/// The end of the wasm32 address space.
pub const TOP: u64 = 1 << 32;
/// `memory.size` at 4 GiB.
pub const MAX_PAGES: usize = 1 << 16;
/// The machine word: a block header, a pool's sentinel.
pub const W: u64 = core::mem::size_of::<usize>() as u64;

/// `memory.size` in pages.
pub fn pages() -> usize {
    wasm32::memory_size(0)
}

/// The end of memory (up to 2^32).
pub fn memory_end() -> u64 {
    pages() as u64 * PAGE_SIZE as u64
}

extern "C" {
    static __heap_base: u8;
    static __heap_end: u8;
}

/// The initial heap: `__heap_base..__heap_end`.
pub fn initial_heap() -> (u64, u64) {
    (
        (&raw const __heap_base).addr() as u64,
        (&raw const __heap_end).addr() as u64,
    )
}

/// The heap checker passes and agrees with the statistics, and the heap
/// manages every byte it took: the initial heap (when it took it) plus
/// every page it grew, less under 16 bytes of alignment. Grown pages that
/// never joined the heap fail here.
pub fn heap_ok(step: &str) -> Stats {
    let sum = A
        .check()
        .unwrap_or_else(|e| panic!("{step}: heap checker: {:?} at {:#x}", e.violation, e.addr));
    let st = A.stats();
    assert!(
        st.in_use == sum.used_bytes
            && st.free == sum.free_bytes
            && st.overhead == sum.overhead_bytes
            && st.in_use as u64 + st.free as u64 + st.overhead as u64 == st.managed as u64,
        "{step}: stats disagree with the checker: {st:?}, {sum:?}"
    );
    let (base, end) = initial_heap();
    let grown = st.pages_grown as u64 * PAGE_SIZE as u64;
    let managed = st.managed as u64;
    let took = end - base + grown;
    assert!(
        managed <= took && took - managed < 16,
        "{step}: the heap manages {managed} bytes, but took {grown} bytes of grown pages \
         (initial heap {} bytes): pages lost; {st:?}",
        end - base
    );
    assert!(
        end + grown <= memory_end() && st.largest_free <= st.free,
        "{step}: more grown than memory holds, or largest free block out of range: {st:?}, \
         memory {} pages",
        pages()
    );
    st
}

/// Every pool of our heap as `[start, end)` (link word to sentinel).
pub fn pools() -> Vec<(u64, u64)> {
    let mut out = Vec::with_capacity(64);
    // SAFETY: the closure reads the walk and pushes within the capacity
    // reserved above; it does not allocate.
    unsafe {
        A.inspect(|t| {
            for b in t.blocks() {
                let (start, end) = (b.addr as u64, b.addr as u64 + b.size as u64);
                if b.first_in_pool {
                    if out.len() < out.capacity() {
                        out.push((start - W, end + W));
                    }
                } else if let Some(last) = out.last_mut() {
                    last.1 = end + W;
                }
            }
        })
    };
    out
}

/// The largest free block's whole size (header included), from the walk.
pub fn largest_free_block() -> u64 {
    // SAFETY: the closure only reads the walk; it does not allocate.
    unsafe {
        A.inspect(|t| {
            t.blocks()
                .filter(|b| b.free)
                .map(|b| b.size as u64)
                .max()
                .unwrap_or(0)
        })
    }
}

/// The free block that ends the pool ending at `end` (its whole size), or
/// 0 if that pool ends with a used block or no pool ends there.
pub fn free_tail_at(end: u64) -> u64 {
    // SAFETY: the closure only reads the walk; it does not allocate.
    unsafe {
        A.inspect(|t| {
            t.blocks()
                .find(|b| b.addr as u64 + b.size as u64 + W == end)
                .filter(|b| b.free)
                .map_or(0, |b| b.size as u64)
        })
    }
}

/// Byte `i` of the pattern for `tag`.
fn pattern(i: u64, tag: u8) -> u8 {
    test_support::pattern::hashed(i, tag)
}

/// The byte ranges a sparse pattern covers: the first and last 4 KiB and
/// 64 bytes every 256 MiB.
fn sparse(len: u64) -> impl Iterator<Item = (u64, u64)> {
    let edge = len.min(4 * KIB as u64);
    let step = 256 * MIB as u64;
    core::iter::once((0, edge))
        .chain((1..len / step).map(move |k| (k * step, (k * step + 64).min(len))))
        .chain(core::iter::once((len - edge, len)))
}

/// A live block from `std::alloc::alloc` (so from `A`) with a sparse
/// pattern.
pub struct Big {
    pub ptr: *mut u8,
    pub layout: Layout,
    pub tag: u8,
}

impl Big {
    /// Allocates `size` bytes (8-aligned) and writes the sparse pattern;
    /// `None` on null.
    pub fn try_new(size: usize, tag: u8) -> Option<Big> {
        let layout = Layout::from_size_align(size, 8).unwrap();
        // SAFETY: a non-zero size.
        let ptr = unsafe { alloc(layout) };
        if ptr.is_null() {
            return None;
        }
        let b = Big { ptr, layout, tag };
        for (from, to) in sparse(size as u64) {
            for i in from..to {
                // SAFETY: inside the fresh block.
                unsafe { ptr.add(i as usize).write(pattern(i, tag)) };
            }
        }
        Some(b)
    }

    /// `try_new`, panicking on null.
    pub fn new(step: &str, size: usize, tag: u8) -> Big {
        Big::try_new(size, tag).unwrap_or_else(|| {
            panic!(
                "{step}: allocating {size} bytes returned null (memory {} pages)",
                pages()
            )
        })
    }

    pub fn start(&self) -> u64 {
        self.ptr as u64
    }

    pub fn end(&self) -> u64 {
        self.ptr as u64 + self.layout.size() as u64
    }

    /// Panics unless the block lies inside memory, above the static data,
    /// and its sparse pattern is intact.
    pub fn verify(&self, step: &str) {
        let (base, _) = initial_heap();
        assert!(
            self.start() >= base && self.end() <= memory_end(),
            "{step}: block [{:#x}, {:#x}) outside the heap (memory ends at {:#x})",
            self.start(),
            self.end(),
            memory_end()
        );
        for (from, to) in sparse(self.layout.size() as u64) {
            for i in from..to {
                // SAFETY: inside the live block.
                let got = unsafe { self.ptr.add(i as usize).read() };
                assert!(
                    got == pattern(i, self.tag),
                    "{step}: byte {i} of the {}-byte block at {:#x} is {got:#04x}, expected {:#04x}",
                    self.layout.size(),
                    self.start(),
                    pattern(i, self.tag)
                );
            }
        }
    }
}

impl Drop for Big {
    fn drop(&mut self) {
        // SAFETY: allocated with this layout; dropped once.
        unsafe { dealloc(self.ptr, self.layout) };
    }
}

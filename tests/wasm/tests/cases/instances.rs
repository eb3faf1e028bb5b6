//! A second `SmallGlobalTlsf` in the same module, next to the global one
//! (`A`): the initial memory has one owner, so the second instance's
//! blocks and pools never overlap the first one's, and both heaps stay
//! sound.

use std::alloc::{GlobalAlloc, Layout};

use wasm_bindgen_test::wasm_bindgen_test;
use wasm_tlsf::SmallGlobalTlsf;

use super::util::*;
use crate::A;

/// Not the global allocator: used only through `GlobalAlloc` calls here.
static B: SmallGlobalTlsf = SmallGlobalTlsf::new();

/// Every pool of `heap`, link word to sentinel, as `[start, end)` (64-bit
/// ends: a pool may end at 2^32).
fn pools(heap: &SmallGlobalTlsf) -> Vec<(u64, u64)> {
    // Allocated before the walk: the closure must not allocate (through
    // `A`, whose heap it may be walking).
    let mut out = Vec::with_capacity(1024);
    let w = core::mem::size_of::<usize>() as u64;
    // SAFETY: the closure reads the walk and pushes within the capacity
    // reserved above; it does not allocate.
    let complete = unsafe {
        heap.inspect(|t| {
            for b in t.blocks() {
                let (start, end) = (b.addr as u64, b.addr as u64 + b.size as u64);
                if b.first_in_pool {
                    if out.len() == out.capacity() {
                        return false;
                    }
                    out.push((start - w, end + w));
                } else if let Some(last) = out.last_mut() {
                    last.1 = end + w;
                }
            }
            true
        })
    };
    assert!(complete, "more than {} pools", out.capacity());
    out
}

/// A block from `B`, filled with a pattern.
struct BBlock {
    ptr: *mut u8,
    layout: Layout,
    tag: u8,
}

impl BBlock {
    fn span(&self) -> (u64, u64) {
        let a = self.ptr as u64;
        (a, a + self.layout.size() as u64)
    }
}

/// Panics unless no span of `xs` overlaps a span of `ys`.
fn disjoint(case: &str, what: &str, xs: &[(u64, u64)], ys: &[(u64, u64)]) {
    for &(a, b) in xs {
        for &(c, d) in ys {
            ensure!(
                b <= c || d <= a,
                case,
                b - a,
                a,
                "{what}: [{a:#x}, {b:#x}) overlaps [{c:#x}, {d:#x})"
            );
        }
    }
}

/// `B` allocates (memory 16 B to 1 MiB) while `A` holds live blocks with
/// patterns, and `A` allocates between `B`'s allocations, so their growth
/// interleaves: no `B` block overlaps an `A` block or pool, no `A` block a
/// `B` pool, every pattern survives, and both heap checkers pass.
#[wasm_bindgen_test]
fn a_second_instance_never_overlaps_the_global_one() {
    let case = "second-instance";
    let (_, st0) = begin(case);
    let mut a_blocks: Vec<Block> = [16, 24, 100, 256, 1000, 4096, 10_000, 65_536, MIB]
        .iter()
        .enumerate()
        .map(|(i, &size)| alloc_block(case, size, 8, 0x50 + i as u8))
        .collect();
    let mut b_blocks: Vec<BBlock> = Vec::with_capacity(16);
    for (i, &size) in [16, 256, 4096, 65_536, 300_000, MIB + 5, 8, 100_000]
        .iter()
        .enumerate()
    {
        let layout = Layout::from_size_align(size, 8).unwrap();
        // SAFETY: a non-zero size.
        let p = unsafe { B.alloc(layout) };
        check_raw(case, "B.alloc", p, size, 8);
        let tag = 0x90 + i as u8;
        let b = BBlock {
            ptr: p,
            layout,
            tag,
        };
        let a_spans: Vec<(u64, u64)> = a_blocks
            .iter()
            .map(|x| (x.addr() as u64, x.addr() as u64 + x.size() as u64))
            .collect();
        // Checked before writing: on overlap, the pattern would overwrite
        // A's block.
        disjoint(
            case,
            "a block of B and a live block of A",
            &[b.span()],
            &a_spans,
        );
        disjoint(
            case,
            "a block of B and a pool of A",
            &[b.span()],
            &pools(&A),
        );
        // SAFETY: a fresh block of `size` bytes.
        unsafe { fill(p, 0, size, tag) };
        b_blocks.push(b);
        a_blocks.push(alloc_block(case, 5000 + i * 3000, 8, 0x70 + i as u8));
    }
    let a_spans: Vec<(u64, u64)> = a_blocks
        .iter()
        .map(|x| (x.addr() as u64, x.addr() as u64 + x.size() as u64))
        .collect();
    let b_spans: Vec<(u64, u64)> = b_blocks.iter().map(BBlock::span).collect();
    disjoint(case, "a block of B and a block of A", &b_spans, &a_spans);
    disjoint(case, "a block of B and a pool of A", &b_spans, &pools(&A));
    disjoint(case, "a block of A and a pool of B", &a_spans, &pools(&B));
    disjoint(case, "a pool of A and a pool of B", &pools(&A), &pools(&B));
    check_all(case, &a_blocks);
    for b in &b_blocks {
        // SAFETY: a live block of B.
        unsafe { verify(case, b.ptr, b.layout.size(), b.tag) };
    }
    heap_ok(case);
    let sum = match B.check() {
        Ok(s) => s,
        Err(e) => panic!(
            "case {case}: size 0 at address {:#x}: B's heap checker: {:?}",
            e.addr, e.violation
        ),
    };
    let st = B.stats();
    ensure!(
        sum.used_blocks == b_blocks.len()
            && st.in_use == sum.used_bytes
            && st.free == sum.free_bytes
            && st.in_use + st.free + st.overhead == st.managed,
        case,
        st.in_use,
        0usize,
        "B's checker and stats: {sum:?}, {st:?}"
    );
    for b in b_blocks.drain(..) {
        // SAFETY: a live block of B.
        unsafe { verify(case, b.ptr, b.layout.size(), b.tag) };
        // SAFETY: allocated by B with this layout, freed once.
        unsafe { B.dealloc(b.ptr, b.layout) };
    }
    let sum = B.check().expect("B's heap after freeing");
    ensure!(
        sum.used_blocks == 0,
        case,
        sum.used_bytes,
        0usize,
        "B still has used blocks: {sum:?}"
    );
    // Everything this case allocated through `A` is freed before the
    // closing check.
    drop((b_blocks, a_spans, b_spans));
    free_all(case, a_blocks);
    end(case, &st0);
}

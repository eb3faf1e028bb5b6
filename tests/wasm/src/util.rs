//! What every case uses: a seeded PRNG, fill patterns, blocks allocated
//! through `std::alloc` (so through the `#[global_allocator]`), and the
//! heap checks that open and close a case ([`begin`], [`end`],
//! [`run_case`]).
//!
//! Failure messages name the case, the size and the address: use
//! [`ensure!`] for conditions and the `verify*` helpers for data.
//!
//! Also used by `tests/wasm-exhaust`.

use core::arch::wasm32;
use std::alloc::{alloc, dealloc, realloc, Layout};
use std::sync::OnceLock;

use wasm_tlsf::{HeapSummary, Stats, PAGE_SIZE};

use crate::A;

pub const KIB: usize = 1 << 10;
pub const MIB: usize = 1 << 20;

/// Panics unless `cond`, with a message naming the case, the size and the
/// address, then what is wrong.
#[macro_export]
macro_rules! ensure {
    ($cond:expr, $case:expr, $size:expr, $addr:expr, $($what:tt)+) => {
        if !$cond {
            panic!(
                "case {}: size {} at address {:#x}: {}",
                $case,
                $size,
                $addr as usize,
                format_args!($($what)+)
            );
        }
    };
}

// The seeded PRNG and the pattern's bytes are the native tests' own
// (tests/support), so that all suites draw the same sequences.
use test_support::pattern;
/// A tiny seeded PRNG (SplitMix64).
pub use test_support::rng::Rng;

// ---- fill patterns ----------------------------------------------------------

/// The pattern repeats with this period: odd, so a copy shifted by any
/// number of pages (or any power of two) does not match.
const PERIOD: usize = MIB - 3;

fn buffer() -> &'static [u8] {
    static BUF: OnceLock<Vec<u8>> = OnceLock::new();
    BUF.get_or_init(|| pattern::random_bytes(PERIOD + 256))
}

/// Builds the pattern buffer now (it is a heap block of its own, so build
/// it before taking a baseline).
pub fn warm_up() {
    buffer();
}

/// Calls `f(offset, expected)` over the pattern bytes `[from, to)` of a
/// block tagged `tag`, one window at a time.
fn windows(tag: u8, from: usize, to: usize, mut f: impl FnMut(usize, &[u8])) {
    let buf = buffer();
    let mut at = from;
    while at < to {
        let phase = at % PERIOD;
        let n = (PERIOD - phase).min(to - at);
        let start = tag as usize + phase;
        f(at, &buf[start..start + n]);
        at += n;
    }
}

/// Writes bytes `[from, to)` of the pattern for `tag` at `p + from`.
///
/// # Safety
/// `[p + from, p + to)` is writable.
pub unsafe fn fill(p: *mut u8, from: usize, to: usize, tag: u8) {
    windows(tag, from, to, |at, src| unsafe {
        core::ptr::copy_nonoverlapping(src.as_ptr(), p.add(at), src.len())
    });
}

/// Panics, naming the case, the block's size and address and the first
/// differing byte, unless `[p + from, p + to)` holds the pattern for `tag`.
///
/// # Safety
/// `[p + from, p + to)` is readable.
pub unsafe fn verify_range(case: &str, p: *const u8, size: usize, from: usize, to: usize, tag: u8) {
    windows(tag, from, to, |at, want| {
        let got = unsafe { core::slice::from_raw_parts(p.add(at), want.len()) };
        if got != want {
            let i = got.iter().zip(want).position(|(a, b)| a != b).unwrap();
            panic!(
                "case {case}: size {size} at address {:#x}: pattern (tag {tag}) broken at byte {} \
                 (address {:#x}): {:#04x}, expected {:#04x}",
                p as usize,
                at + i,
                p as usize + at + i,
                got[i],
                want[i]
            );
        }
    });
}

/// [`verify_range`] over the whole `[p, p + len)`.
///
/// # Safety
/// `[p, p + len)` is readable.
pub unsafe fn verify(case: &str, p: *const u8, len: usize, tag: u8) {
    unsafe { verify_range(case, p, len, 0, len, tag) }
}

/// [`verify`] over a live slice.
pub fn verify_slice(case: &str, v: &[u8], tag: u8) {
    // SAFETY: a live slice is readable.
    unsafe { verify(case, v.as_ptr(), v.len(), tag) };
}

/// Byte ranges a sparse fill covers: the first and last 4 KiB and 64 bytes
/// every 1 MiB (for blocks too large to fill whole quickly).
fn sparse_ranges(len: usize) -> impl Iterator<Item = (usize, usize)> {
    let head = (0, len.min(4 * KIB));
    let tail = (len.saturating_sub(4 * KIB), len);
    let middle = (1..len / MIB).map(move |k| (k * MIB - 32, (k * MIB + 32).min(len)));
    core::iter::once(head)
        .chain(middle)
        .chain(core::iter::once(tail))
}

/// Writes the pattern into the first and last bytes of `[p, p + len)` and
/// some bytes in between.
///
/// # Safety
/// `[p, p + len)` is writable.
pub unsafe fn fill_sparse(p: *mut u8, len: usize, tag: u8) {
    for (from, to) in sparse_ranges(len) {
        unsafe { fill(p, from, to, tag) };
    }
}

/// Checks what [`fill_sparse`] wrote.
///
/// # Safety
/// `[p, p + len)` is readable.
pub unsafe fn verify_sparse(case: &str, p: *const u8, len: usize, tag: u8) {
    for (from, to) in sparse_ranges(len) {
        unsafe { verify_range(case, p, len, from, to, tag) };
    }
}

// ---- blocks through std::alloc ----------------------------------------------

/// A live allocation made with `std::alloc::alloc`, filled with a pattern.
pub struct Block {
    pub ptr: *mut u8,
    pub layout: Layout,
    pub tag: u8,
    /// Filled whole, or only sparsely (huge blocks).
    pub sparse: bool,
}

impl Block {
    pub fn addr(&self) -> usize {
        self.ptr as usize
    }
    pub fn size(&self) -> usize {
        self.layout.size()
    }
    pub fn end(&self) -> usize {
        self.addr() + self.size()
    }

    /// Panics unless the block's pattern is intact.
    pub fn verify(&self, case: &str) {
        // SAFETY: a live block of `size` bytes.
        unsafe {
            if self.sparse {
                verify_sparse(case, self.ptr, self.size(), self.tag)
            } else {
                verify(case, self.ptr, self.size(), self.tag)
            }
        }
    }

    /// Verifies, then frees.
    pub fn free(self, case: &str) {
        self.verify(case);
        // SAFETY: allocated with this layout, freed once.
        unsafe { dealloc(self.ptr, self.layout) };
    }

    /// Reallocates to `new_size`, checking the kept prefix and the
    /// alignment, and fills the new tail.
    pub fn realloc(&mut self, case: &str, new_size: usize) {
        let old = self.size();
        // SAFETY: a live block with this layout; `new_size` is non-zero and
        // small.
        let p = unsafe { realloc(self.ptr, self.layout, new_size) };
        ensure!(
            !p.is_null(),
            case,
            new_size,
            self.ptr,
            "realloc from {old} bytes returned null"
        );
        ensure!(
            (p as usize).is_multiple_of(self.layout.align()),
            case,
            new_size,
            p,
            "realloc from {old} bytes (old address {:#x}) lost alignment {}",
            self.addr(),
            self.layout.align()
        );
        self.ptr = p;
        self.layout = Layout::from_size_align(new_size, self.layout.align()).unwrap();
        let kept = old.min(new_size);
        // SAFETY: the new block holds `new_size` bytes.
        unsafe {
            if self.sparse {
                verify_sparse(case, p, kept, self.tag);
                fill_sparse(p, new_size, self.tag);
            } else {
                verify(case, p, kept, self.tag);
                fill(p, kept, new_size, self.tag);
            }
        }
    }
}

/// Allocates `size` bytes aligned to `align` with `std::alloc::alloc`,
/// checks the pointer (non-null, aligned, inside memory) and fills it.
pub fn alloc_block(case: &str, size: usize, align: usize, tag: u8) -> Block {
    let b = try_alloc_block(size, align, tag, size > 8 * MIB);
    match b {
        Some(b) => {
            check_placement(case, &b);
            b
        }
        None => panic!(
            "case {case}: size {size} at address 0x0: allocation (align {align}) returned null"
        ),
    }
}

/// Allocates and fills, or returns `None` on null. Neither panics nor
/// allocates anything else: usable when memory is exhausted.
pub fn try_alloc_block(size: usize, align: usize, tag: u8, sparse: bool) -> Option<Block> {
    let layout = Layout::from_size_align(size, align).unwrap();
    // SAFETY: `size > 0` in every caller.
    let ptr = unsafe { alloc(layout) };
    if ptr.is_null() {
        return None;
    }
    // SAFETY: a fresh block of `size` bytes.
    unsafe {
        if sparse {
            fill_sparse(ptr, size, tag);
        } else {
            fill(ptr, 0, size, tag);
        }
    }
    Some(Block {
        ptr,
        layout,
        tag,
        sparse,
    })
}

/// Panics unless `b` is aligned as asked and lies inside linear memory,
/// above the static data.
pub fn check_placement(case: &str, b: &Block) {
    ensure!(
        b.addr().is_multiple_of(b.layout.align()),
        case,
        b.size(),
        b.addr(),
        "not aligned to {}",
        b.layout.align()
    );
    let (base, _) = heap_bounds();
    ensure!(
        b.addr() >= base && b.end() <= memory_bytes(),
        case,
        b.size(),
        b.addr(),
        "outside the heap [{base:#x}, {:#x})",
        memory_bytes()
    );
}

/// Panics unless `p`, which the raw call `what` returned for `size` bytes
/// aligned to `align`, is non-null and aligned.
pub fn check_raw(case: &str, what: &str, p: *const u8, size: usize, align: usize) {
    ensure!(!p.is_null(), case, size, p, "{what} returned null");
    ensure!(
        (p as usize).is_multiple_of(align),
        case,
        size,
        p,
        "{what} returned a block not aligned to {align}"
    );
}

/// Panics if any two blocks overlap.
pub fn check_disjoint<'a>(case: &str, blocks: impl IntoIterator<Item = &'a Block>) {
    let mut spans: Vec<(usize, usize)> = blocks.into_iter().map(|b| (b.addr(), b.end())).collect();
    spans.sort_unstable();
    for w in spans.windows(2) {
        ensure!(
            w[0].1 <= w[1].0,
            case,
            w[0].1 - w[0].0,
            w[0].0,
            "overlaps the block at {:#x} (size {})",
            w[1].0,
            w[1].1 - w[1].0
        );
    }
}

/// [`check_disjoint`], and every block's pattern intact.
pub fn check_all(case: &str, blocks: &[Block]) {
    check_disjoint(case, blocks);
    for b in blocks {
        b.verify(case);
    }
}

/// Verifies and frees every block.
pub fn free_all(case: &str, blocks: impl IntoIterator<Item = Block>) {
    for b in blocks {
        b.free(case);
    }
}

// ---- memory and the heap ----------------------------------------------------

extern "C" {
    static __heap_base: u8;
    static __heap_end: u8;
}

/// The initial heap the allocator starts with: `__heap_base..__heap_end`.
pub fn heap_bounds() -> (usize, usize) {
    (
        (&raw const __heap_base).addr(),
        (&raw const __heap_end).addr(),
    )
}

/// `memory.size` in pages.
pub fn pages() -> usize {
    wasm32::memory_size(0)
}

/// `memory.size` in bytes.
pub fn memory_bytes() -> usize {
    pages() * PAGE_SIZE
}

/// The heap checker and the statistics must agree, and account for every
/// byte the allocator took: the initial heap plus the pages it grew.
/// Returns the checker's summary. Call at the end of every case.
pub fn heap_ok(case: &str) -> (HeapSummary, Stats) {
    let sum = match A.check() {
        Ok(s) => s,
        Err(e) => panic!(
            "case {case}: size 0 at address {:#x}: heap checker: {:?}",
            e.addr, e.violation
        ),
    };
    let st = A.stats();
    let managed = sum.used_bytes + sum.free_bytes + sum.overhead_bytes;
    let fail = |what: &str| -> ! {
        panic!(
            "case {case}: size {managed} at address {:#x}: {what}: summary {sum:?}, stats {st:?}, \
             heap {:?}, memory {} pages",
            heap_bounds().0,
            heap_bounds(),
            pages()
        )
    };
    if st.in_use != sum.used_bytes || st.free != sum.free_bytes || st.overhead != sum.overhead_bytes
    {
        fail("stats disagree with the checker");
    }
    if st.in_use + st.free + st.overhead != st.managed || st.managed != managed {
        fail("in use + free + overhead != managed");
    }
    // Each pool costs its link word and sentinel (two 4-byte words).
    if sum.overhead_bytes != sum.pools * 8 {
        fail("overhead is not 8 bytes per pool");
    }
    // Managed = the initial heap (less under 16 bytes of alignment) plus
    // every page grown, whole.
    let (base, end) = heap_bounds();
    // (An initial heap too small for a block is not taken at all.)
    let took = end - base + st.pages_grown * PAGE_SIZE;
    let lost = took.wrapping_sub(st.managed);
    if st.managed > took || (lost >= 16 && !(end - base < 64 && lost == end - base)) {
        fail("managed bytes are not the initial heap plus the pages grown");
    }
    if end + st.pages_grown * PAGE_SIZE > memory_bytes() {
        fail("more pages grown than memory has");
    }
    if st.peak_in_use < st.in_use || st.largest_free > st.free {
        fail("peak or largest free block out of range");
    }
    (sum, st)
}

/// Opens a case: builds the pattern buffer (a heap block of its own, so
/// before the baseline) and checks the heap. Returns the baseline for
/// [`end`].
pub fn begin(case: &str) -> (HeapSummary, Stats) {
    warm_up();
    heap_ok(case)
}

/// Closes a case opened by [`begin`]: [`heap_ok`], and the bytes in use are
/// back to the baseline's `st0`. Returns the checker's summary and the
/// statistics.
pub fn end(case: &str, st0: &Stats) -> (HeapSummary, Stats) {
    let (sum, st) = heap_ok(case);
    ensure!(
        st.in_use == st0.in_use,
        case,
        st.in_use,
        0usize,
        "bytes in use changed across the case: {} -> {}",
        st0.in_use,
        st.in_use
    );
    (sum, st)
}

/// Runs `body` between [`begin`] and [`end`]: all it allocates must be
/// freed by the time it returns.
pub fn run_case(case: &str, body: impl FnOnce()) {
    let (_, st0) = begin(case);
    body();
    end(case, &st0);
}

/// Allocates (without touching) every free block of 64 KiB or more, so
/// that the next large request must grow memory. Each allocation takes
/// the size `stats().largest_free` names, and must succeed without growing
/// memory. Free the result with [`release`].
pub fn consume_free_space(case: &str) -> Vec<(*mut u8, Layout)> {
    let mut taken = Vec::with_capacity(64);
    loop {
        let largest = A.stats().largest_free;
        if largest < 64 * KIB || taken.len() == taken.capacity() {
            break;
        }
        let before = pages();
        let layout = Layout::from_size_align(largest, 8).unwrap();
        // SAFETY: non-zero size.
        let p = unsafe { alloc(layout) };
        ensure!(
            !p.is_null() && pages() == before,
            case,
            largest,
            p,
            "the largest free block (stats().largest_free) was not allocatable without growing \
             memory ({before} -> {} pages)",
            pages()
        );
        taken.push((p, layout));
    }
    taken
}

/// Frees what [`consume_free_space`] took.
pub fn release(taken: Vec<(*mut u8, Layout)>) {
    for (p, layout) in taken {
        // SAFETY: allocated with this layout, freed once.
        unsafe { dealloc(p, layout) };
    }
}

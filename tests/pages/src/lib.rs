//! `SmallGlobalTlsf` in a module linked with `--page-size=1` (memory grows
//! a byte at a time) or with 64 KiB pages, run in wasmtime with custom
//! page sizes enabled, memory capped by the host (see `Cargo.toml`).
//!
//! Each exported `case_*(cap)` runs in a fresh instance, `cap` being the
//! host's memory cap in bytes; the host then calls `heap_check`. A failed
//! assertion reports its message through the `env.fail` import and traps.
//! Sizes here are small enough for a 96 KiB memory.
#![no_std]

extern crate alloc;

use alloc::alloc::{alloc, dealloc, realloc, Layout};
use alloc::vec::Vec;
use core::arch::wasm32;
use core::fmt::Write;
use core::ptr;

use wasm_tlsf::{MemorySource, WasmMemory};

#[cfg(not(feature = "tiny"))]
#[global_allocator]
static A: wasm_tlsf::SmallGlobalTlsf = wasm_tlsf::SmallGlobalTlsf::new();

/// The configuration for tiny memories (README, "Embedded and small
/// memories"): 12 first-level classes of 8.
#[cfg(feature = "tiny")]
#[global_allocator]
static A: wasm_tlsf::GlobalTlsf<WasmMemory, 12, 8> = wasm_tlsf::GlobalTlsf::with_source(WasmMemory);

/// The allocator's bytes (its control block, the `Tlsf`, and its few words
/// of state; statistics included here), for the report.
#[no_mangle]
pub extern "C" fn allocator_bytes() -> usize {
    core::mem::size_of_val(&A)
}

/// The block granularity and a block header on wasm32.
const G: usize = 8;

#[link(wasm_import_module = "env")]
extern "C" {
    /// The host prints the message and fails the case.
    fn fail(ptr: *const u8, len: usize);
    /// The host prints the line.
    fn log(ptr: *const u8, len: usize);
}

// The linker's symbols (in a block of their own: under
// `wasm_import_module` they would be imports, which the linker leaves at 0).
extern "C" {
    static __heap_base: u8;
    static __heap_end: u8;
}

/// A fixed buffer for messages: nothing here allocates to report.
struct Buf {
    bytes: [u8; 512],
    len: usize,
}

impl Write for Buf {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let n = s.len().min(self.bytes.len() - self.len);
        self.bytes[self.len..self.len + n].copy_from_slice(&s.as_bytes()[..n]);
        self.len += n;
        Ok(())
    }
}

/// Formats into a buffer on the stack and hands it to `sink`.
fn emit(sink: unsafe extern "C" fn(*const u8, usize), args: core::fmt::Arguments) {
    let mut buf = Buf {
        bytes: [0; 512],
        len: 0,
    };
    let _ = buf.write_fmt(args);
    // SAFETY: the host reads `len` bytes at `ptr`, in this module's memory.
    unsafe { sink(buf.bytes.as_ptr(), buf.len) };
}

macro_rules! note {
    ($($t:tt)*) => { emit(log, format_args!($($t)*)) };
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    emit(fail, format_args!("{info}"));
    wasm32::unreachable()
}

/// The module's page size, as the allocator's source reads it.
#[no_mangle]
pub extern "C" fn page_size() -> usize {
    WasmMemory.page_size()
}

/// The end of memory, in bytes.
fn memory_bytes() -> usize {
    wasm32::memory_size(0) * page_size()
}

/// `__heap_base..__heap_end`: the initial memory's free part.
fn initial_heap() -> (usize, usize) {
    (
        (&raw const __heap_base).addr(),
        (&raw const __heap_end).addr(),
    )
}

/// The heap checker passes and agrees with the statistics; the heap
/// manages what it took (the initial heap and every page grown, less under
/// a granule of alignment each), which lies in memory.
fn heap_ok(step: &str) -> wasm_tlsf::HeapSummary {
    let sum = match A.check() {
        Ok(s) => s,
        Err(e) => panic!("{step}: heap checker: {:?} at {:#x}", e.violation, e.addr),
    };
    let st = A.stats();
    assert!(
        st.in_use == sum.used_bytes
            && st.free == sum.free_bytes
            && st.overhead == sum.overhead_bytes
            && st.in_use + st.free + st.overhead == st.managed,
        "{step}: stats disagree with the checker: {st:?}, {sum:?}"
    );
    let (base, end) = initial_heap();
    let grown = st.pages_grown * page_size();
    let took = end - base + grown;
    assert!(
        st.managed <= took && took - st.managed < 2 * G * sum.pools,
        "{step}: manages {} bytes of {took} taken ({grown} grown): memory lost",
        st.managed
    );
    assert!(
        end + grown <= memory_bytes(),
        "{step}: grew {grown} bytes past the initial {end}, memory is {}",
        memory_bytes()
    );
    sum
}

/// The heap checker, after each case.
#[no_mangle]
pub extern "C" fn heap_check() {
    heap_ok("after the case");
}

fn tag_byte(tag: usize, i: usize) -> u8 {
    (tag.wrapping_mul(131) ^ i.wrapping_mul(7)) as u8
}

fn fill(p: *mut u8, len: usize, tag: usize) {
    for i in 0..len {
        // SAFETY: callers pass blocks of at least `len` bytes.
        unsafe { p.add(i).write(tag_byte(tag, i)) };
    }
}

fn verify(what: &str, p: *const u8, len: usize, tag: usize) {
    for i in 0..len {
        // SAFETY: as in `fill`.
        let b = unsafe { p.add(i).read() };
        assert!(
            b == tag_byte(tag, i),
            "{what}: byte {i} of the block at {p:?} ({len} bytes) changed"
        );
    }
}

fn layout(size: usize, align: usize) -> Layout {
    Layout::from_size_align(size, align).unwrap()
}

/// A live block, filled with its tag's pattern.
struct Block {
    p: *mut u8,
    layout: Layout,
    tag: usize,
}

impl Block {
    fn new(size: usize, align: usize, tag: usize) -> Block {
        Self::try_new(size, align, tag)
            .unwrap_or_else(|| panic!("allocating {size} bytes aligned to {align} failed"))
    }

    fn try_new(size: usize, align: usize, tag: usize) -> Option<Block> {
        let layout = layout(size, align);
        // SAFETY: non-zero size.
        let p = unsafe { alloc(layout) };
        if p.is_null() {
            return None;
        }
        assert!(p.addr() % align == 0, "{p:?} is not aligned to {align}");
        assert!(
            p.addr() + size <= memory_bytes(),
            "the block at {p:?} ({size} bytes) ends past memory ({} bytes)",
            memory_bytes()
        );
        fill(p, size, tag);
        Some(Block { p, layout, tag })
    }

    fn verify(&self, what: &str) {
        verify(what, self.p, self.layout.size(), self.tag);
    }
}

impl Drop for Block {
    fn drop(&mut self) {
        self.verify("freeing");
        // SAFETY: allocated with this layout, freed once.
        unsafe { dealloc(self.p, self.layout) };
    }
}

/// No two blocks overlap.
fn disjoint(blocks: &mut [Block]) {
    blocks.sort_unstable_by_key(|b| b.p.addr());
    for w in blocks.windows(2) {
        assert!(
            w[0].p.addr() + w[0].layout.size() <= w[1].p.addr(),
            "blocks at {:?} and {:?} overlap",
            w[0].p,
            w[1].p
        );
    }
}

/// Every size with every alignment up to 4 KiB: aligned, inside memory,
/// disjoint, intact; all freed, the heap is as it was.
#[no_mangle]
pub extern "C" fn case_alloc(_cap: usize) {
    let st0 = A.stats();
    let mut blocks = Vec::new();
    let mut tag = 0;
    for size in [1, 7, 16, 24, 100, 255, 1000, 2049] {
        for align in [1, 8, 16, 64, 256, 4096] {
            tag += 1;
            blocks.push(Block::new(size, align, tag));
        }
    }
    heap_ok("all allocated");
    disjoint(&mut blocks);
    for b in &blocks {
        b.verify("all allocated");
    }
    let n = blocks.len();
    drop(blocks);
    let sum = heap_ok("all freed");
    assert_eq!(A.stats().in_use, st0.in_use, "bytes in use after freeing");
    note!(
        "alloc: {n} blocks; memory {} bytes, {} pools, {} grown",
        memory_bytes(),
        sum.pools,
        A.stats().pages_grown * page_size()
    );
}

/// Frees make room that later requests take without growing; freeing
/// everything merges the heap back into one free block per pool.
#[no_mangle]
pub extern "C" fn case_free(_cap: usize) {
    let mut blocks: Vec<Option<Block>> = (0..300)
        .map(|i| Some(Block::new(16 + (i * 37) % 200, 8, i)))
        .collect();
    heap_ok("300 blocks");
    for b in blocks.iter_mut().step_by(2) {
        *b = None;
    }
    heap_ok("every other freed");
    let bytes = memory_bytes();
    let mut refilled = 0;
    for (i, b) in blocks.iter_mut().enumerate().step_by(2) {
        let size = 16 + (i * 37) % 200;
        *b = Some(Block::new(size, 8, 1000 + i));
        refilled += size;
    }
    // With 32 classes per power of two, sizes below 256 bytes have exact
    // classes, and each request finds a hole. With 8, a request may take a
    // larger hole of its class, leaving a later one of that size to grow
    // memory: by at most the rounding, an eighth.
    let grew = memory_bytes() - bytes;
    if cfg!(feature = "tiny") {
        assert!(
            grew * 8 <= refilled,
            "refilling {refilled} bytes of holes grew memory by {grew}"
        );
    } else {
        assert_eq!(grew, 0, "refilling the holes grew memory");
    }
    heap_ok("holes refilled");
    for b in blocks.iter().flatten() {
        b.verify("holes refilled");
    }
    // Free in an order that merges on both sides.
    for start in [1, 0] {
        for b in blocks.iter_mut().skip(start).step_by(2) {
            *b = None;
        }
    }
    drop(blocks);
    let sum = heap_ok("all freed");
    assert!(
        sum.free_blocks == sum.pools && sum.pools == 1,
        "after freeing everything: {sum:?}"
    );
    note!(
        "free: memory {} bytes, one pool, one free block; refilling {refilled} bytes of holes \
         grew it by {grew}",
        memory_bytes()
    );
}

/// A vector grows by `realloc` to a quarter of the cap: at the heap's end
/// it grows in place, memory growing right after it; a blocked block moves;
/// shrinking stays in place. The heap stays one pool.
#[no_mangle]
pub extern "C" fn case_realloc(cap: usize) {
    let mut v: Vec<u8> = Vec::new();
    for i in 0..cap / 4 {
        v.push(tag_byte(7, i));
    }
    verify("the vector", v.as_ptr(), v.len(), 7);
    let sum = heap_ok("the grown vector");
    assert_eq!(sum.pools, 1, "growth did not continue the heap: {sum:?}");
    v.truncate(1000);
    let at = v.as_ptr();
    v.shrink_to_fit();
    assert_eq!(v.as_ptr(), at, "shrinking moved the vector");
    verify("the shrunk vector", v.as_ptr(), v.len(), 7);

    // A block followed by a used block: growing it moves it.
    let a = Block::new(100, 8, 1);
    let guard = Block::new(100, 8, 2);
    let size = 3000;
    // SAFETY: `a`'s pointer and layout; the new size fits `isize`.
    let p = unsafe { realloc(a.p, a.layout, size) };
    assert!(!p.is_null(), "realloc to {size} bytes failed");
    assert_ne!(p, a.p, "a blocked block grew in place");
    verify("the moved block", p, 100, 1);
    core::mem::forget(a);
    let moved = Block {
        p,
        layout: layout(size, 8),
        tag: 1,
    };
    fill(moved.p, size, 1);
    guard.verify("the guard");
    drop((moved, guard, v));
    let sum = heap_ok("all freed");
    assert_eq!(sum.pools, 1);
    note!("realloc: memory {} bytes", memory_bytes());
}

/// A request larger than the free memory grows memory by what it lacks,
/// rounded up to the page size (and a granule): with 1-byte pages, by
/// bytes; the new memory continues the heap's one pool.
#[no_mangle]
pub extern "C" fn case_grow(_cap: usize) {
    // The initial memory taken first: its free block is the heap's tail.
    drop(Block::new(8, 8, 0));
    let before = memory_bytes();
    let st0 = A.stats();
    let tail = st0.largest_free;
    let size = tail + 10_000;
    let b = Block::new(size, 8, 3);
    let after = memory_bytes();
    let st = A.stats();
    let grown = after - before;
    assert_eq!(
        grown,
        (st.pages_grown - st0.pages_grown) * page_size(),
        "memory grew by {grown} bytes, the heap counts {} pages",
        st.pages_grown - st0.pages_grown
    );
    // Growth asks for the allocator's bound on a fresh pool's need (size,
    // alignment, seven words: 36 bytes over the size here, rounded up to a
    // granule) beyond the tail, rounded up to a page: less than a page (or a
    // granule) more.
    let lack = size + 40 - tail;
    assert!(
        grown >= 10_000 && grown < lack + page_size().max(G),
        "a request lacking {lack} bytes grew memory by {grown} (page size {})",
        page_size()
    );
    let sum = heap_ok("after growing");
    assert_eq!(sum.pools, 1, "the grown memory did not continue the heap");
    b.verify("the grown block");
    // A second growth continues the first.
    let c = Block::new(A.stats().largest_free + 5_000, 8, 4);
    assert_eq!(heap_ok("after growing again").pools, 1);
    b.verify("the first grown block");
    drop((b, c));
    let sum = heap_ok("all freed");
    assert_eq!((sum.pools, sum.free_blocks), (1, 1));
    note!(
        "grow: {size} bytes with a free tail of {tail}: memory {before} -> {after} bytes \
         (page size {})",
        page_size()
    );
}

/// Blocks of 4 KiB, then 1 KiB, 256, 64, 16 and 8 bytes until each gets
/// null: a null changes neither memory nor the heap; memory ends at the cap
/// (within the smallest growth); every block is intact; freed, the heap is
/// one free block again, which one request can take whole.
#[no_mangle]
pub extern "C" fn case_exhaust(cap: usize) {
    // The blocks form a list through their first word, their size in the
    // second (nothing else may allocate while memory is exhausted, and a
    // list costs no memory).
    let mut head: *mut u8 = ptr::null_mut();
    let mut count = 0usize;
    let mut grew_on_null = 0;
    for size in [4096, 1024, 256, 64, 16, 8] {
        loop {
            let before = memory_bytes();
            let failed = A.stats().failed;
            // SAFETY: non-zero size.
            let p = unsafe { alloc(layout(size, 4)) };
            if p.is_null() {
                if memory_bytes() != before || A.stats().failed != failed + 1 {
                    grew_on_null += 1;
                }
                break;
            }
            // SAFETY: `size >= 8`: the link word, the size, the pattern.
            unsafe {
                p.cast::<*mut u8>().write(head);
                p.add(4).cast::<usize>().write(size);
                fill(p.add(8), size - 8, p.addr());
            }
            head = p;
            count += 1;
        }
    }
    let at_cap = memory_bytes();
    heap_ok("exhausted");
    assert_eq!(
        grew_on_null, 0,
        "a failed request changed memory or was not counted"
    );
    assert!(at_cap <= cap, "memory {at_cap} bytes is past the cap {cap}");
    // The last request (8 bytes) failed: memory lacked one more block and
    // its growth step.
    assert!(
        cap - at_cap < page_size().max(8 * G),
        "exhausted at {at_cap} bytes, cap {cap}"
    );
    let largest_full = A.stats().largest_free;
    while !head.is_null() {
        // SAFETY: each block's first word links the one before, its
        // second holds its size; freed once.
        unsafe {
            let next = head.cast::<*mut u8>().read();
            let size = head.add(4).cast::<usize>().read();
            verify("an exhausting block", head.add(8), size - 8, head.addr());
            dealloc(head, layout(size, 4));
            head = next;
        }
    }
    let sum = heap_ok("all freed");
    assert_eq!((sum.pools, sum.free_blocks), (1, 1), "{sum:?}");
    let largest = A.stats().largest_free;
    let whole = Block::new(largest, 8, 9);
    assert_eq!(
        memory_bytes(),
        at_cap,
        "taking the largest free block grew memory"
    );
    drop(whole);
    heap_ok("the whole heap taken and freed");
    note!(
        "exhaust: {count} blocks, memory {at_cap} bytes of a {cap}-byte cap, largest free \
         block {largest_full} bytes when full, {largest} when empty"
    );
}

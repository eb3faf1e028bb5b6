//! `wasi-exhaust`: the WASI command with `SmallGlobalTlsf` as its global
//! allocator, linked with `--max-memory=16777216` (build.rs), so that
//! `memory.grow` fails at 16 MiB. Allocates until null: null comes back
//! (no trap), the heap checker passes, wasi-libc's malloc still works,
//! a failed request leaves the heap as it was, and freeing everything
//! lets the same allocations succeed again. Run by run.mjs.

#[macro_use]
extern crate wasm_tlsf_wasi_tests;

use std::alloc::{alloc, alloc_zeroed, dealloc, realloc, Layout};
use std::process::ExitCode;

use wasm_tlsf::{HeapSummary, PAGE_SIZE};
use wasm_tlsf_wasi_tests::common::libc::LibcBlock;
use wasm_tlsf_wasi_tests::common::*;
/// The global allocator (this package's library).
use wasm_tlsf_wasi_tests::A;

/// The link-time cap (build.rs).
const CAP: usize = 16 * MIB;

fn main() -> ExitCode {
    run_cases(&[
        Case {
            name: "cap-in-effect",
            run: cap_in_effect,
        },
        Case {
            name: "exhaust-until-null",
            run: exhaust_until_null,
        },
        Case {
            name: "failed-requests-leave-heap-unchanged",
            run: failed_requests_leave_heap_unchanged,
        },
    ])
}

/// `memory.grow` past the cap fails, and changes nothing.
fn cap_in_effect() -> Outcome {
    let before = memory_bytes();
    let old = core::arch::wasm32::memory_grow(0, CAP / PAGE_SIZE + 1);
    ensure!(
        old == usize::MAX && memory_bytes() == before && before <= CAP,
        "memory.grow past the {CAP}-byte cap returned {old} ({before} -> {} bytes)",
        memory_bytes()
    );
    Ok(())
}

/// A live block from `std::alloc::alloc`, filled with a pattern.
struct Raw {
    ptr: *mut u8,
    layout: Layout,
    tag: u8,
}

impl Raw {
    fn verify(&self, what: &str) -> Outcome {
        // SAFETY: a live block of `size` bytes.
        unsafe { verify(what, self.ptr, self.layout.size(), self.tag) }
    }
}

/// Freed on drop, so that a case that fails early leaves the heap empty
/// for the next case in the same instance.
impl Drop for Raw {
    fn drop(&mut self) {
        // SAFETY: allocated with this layout; dropped once.
        unsafe { dealloc(self.ptr, self.layout) };
    }
}

/// The request sizes `exhaust` tries, largest first, each until null.
const SIZES: [usize; 5] = [256 * KIB, 16 * KIB, KIB, 64, 8];

/// Allocates each of `SIZES` until null, filling every block; `blocks`
/// must have the capacity for all (nothing else is allocated meanwhile).
fn exhaust(blocks: &mut Vec<Raw>) -> Outcome {
    for (s, &size) in SIZES.iter().enumerate() {
        loop {
            ensure!(
                blocks.len() < blocks.capacity(),
                "more than {} blocks fit in {CAP} bytes",
                blocks.capacity()
            );
            let layout = Layout::from_size_align(size, 8).unwrap();
            // SAFETY: a non-zero size.
            let ptr = unsafe { alloc(layout) };
            if ptr.is_null() {
                break;
            }
            let tag = (blocks.len() * 7 + s) as u8;
            // SAFETY: a fresh block of `size` bytes.
            unsafe { fill(ptr, 0, size, tag) };
            blocks.push(Raw { ptr, layout, tag });
        }
    }
    Ok(())
}

fn verify_all(what: &str, blocks: &[Raw]) -> Outcome {
    for b in blocks {
        b.verify(what)?;
    }
    heap_ok(what).map(|_| ())
}

fn free_all(what: &str, blocks: &mut Vec<Raw>) -> Outcome {
    for b in blocks.drain(..) {
        b.verify(what)?;
    }
    heap_ok(what).map(|_| ())
}

/// Leaves wasi-libc a free chunk of its own (dlmalloc keeps freed memory),
/// so that its malloc can still answer small requests once memory is
/// exhausted.
fn libc_reserve() -> Outcome {
    let b = LibcBlock::malloc(256 * KIB, 1).ok_or("libc malloc(256 KiB) returned null")?;
    outside_heap("libc's reserve", &[b.span()])?;
    b.free("libc's reserve")
}

fn exhaust_until_null() -> Outcome {
    // The environment, first: on wasip2 wasi-libc fetches it through the
    // component ABI, whose `cabi_realloc` is std's, so it lands in our heap
    // and stays there for the program's life (on wasip1 libc's malloc holds
    // it). Fetched before the baseline, it is not counted as a leak below.
    drop(std::env::var_os("HOME"));
    libc_reserve()?;
    // Nothing may allocate once memory is exhausted: room for the block
    // list and the sizes now.
    let mut blocks = Vec::with_capacity(8192);
    let mut sizes: Vec<Layout> = Vec::with_capacity(8192);
    let (_, st0) = heap_ok("start")?;
    hold_spare()?;
    exhaust(&mut blocks)?;
    let (_, st1) = heap_ok("exhausted")?;
    let bytes: usize = blocks.iter().map(|b| b.layout.size()).sum();
    println!(
        "  {} blocks, {bytes} bytes; memory {} bytes; {} failed requests",
        blocks.len(),
        memory_bytes(),
        st1.failed - st0.failed
    );
    ensure!(
        st1.failed - st0.failed == SIZES.len() as u64,
        "{} requests answered null, expected one per size",
        st1.failed - st0.failed
    );
    // The last request (8 bytes) failed only because memory could not grow
    // by a page.
    ensure!(
        memory_bytes() == CAP,
        "null returned with memory at {} bytes, below the {CAP}-byte cap",
        memory_bytes()
    );
    ensure!(
        bytes > CAP / 2,
        "only {bytes} bytes allocated in a {CAP}-byte memory"
    );
    verify_all("exhausted", &blocks)?;

    // wasi-libc's malloc still works (from its own free memory), outside
    // our heap, and writing its block changes nothing of ours.
    let small = LibcBlock::malloc(64, 0x5A)
        .ok_or("libc malloc(64) returned null once our heap was exhausted")?;
    outside_heap("libc malloc(64) at exhaustion", &[small.span()])?;
    // SAFETY: malloc accepts any size.
    let big = unsafe { wasm_tlsf_wasi_tests::common::libc::malloc(4 * MIB) };
    ensure!(
        big.is_null(),
        "libc malloc(4 MiB) succeeded in a full memory, at {:#x}",
        big as usize
    );
    verify_all("after libc's mallocs", &blocks)?;
    small.verify("libc's block")?;

    // Some room again: std's calls through libc work.
    release_spare();
    let first = blocks.remove(0);
    let (layout, tag) = (first.layout, first.tag);
    drop(first);
    let home = std::env::var("HOME");
    ensure!(home.as_deref() == Ok(SANDBOX), "HOME is {home:?}");
    drop(home);
    small.free("libc's block")?;
    // Everything std allocated is freed: the first block's room is whole
    // again.
    // SAFETY: a non-zero size.
    let ptr = unsafe { alloc(layout) };
    ensure!(
        !ptr.is_null(),
        "the freed first block's size ({}) failed again",
        layout.size()
    );
    // SAFETY: a fresh block.
    unsafe { fill(ptr, 0, layout.size(), tag) };
    blocks.insert(0, Raw { ptr, layout, tag });
    verify_all("after std::env::var", &blocks)?;

    // Free everything: the same allocations succeed again, without growing.
    sizes.extend(blocks.iter().map(|b| b.layout));
    free_all("freeing everything", &mut blocks)?;
    let (_, st2) = heap_ok("all freed")?;
    ensure!(
        st2.in_use == st0.in_use,
        "in use {} bytes after freeing everything, {} before",
        st2.in_use,
        st0.in_use
    );
    for (i, &layout) in sizes.iter().enumerate() {
        // SAFETY: a non-zero size.
        let ptr = unsafe { alloc(layout) };
        ensure!(
            !ptr.is_null(),
            "again: request {i} of {} ({} bytes) returned null",
            sizes.len(),
            layout.size()
        );
        let tag = i as u8 ^ 0x3C;
        // SAFETY: a fresh block.
        unsafe { fill(ptr, 0, layout.size(), tag) };
        blocks.push(Raw { ptr, layout, tag });
    }
    let (_, st3) = heap_ok("allocated again")?;
    ensure!(
        st3.pages_grown == st1.pages_grown,
        "allocating again grew memory: {} -> {} pages",
        st1.pages_grown,
        st3.pages_grown
    );
    verify_all("allocated again", &blocks)?;
    free_all("end", &mut blocks)
}

/// What a failed request must leave as it was.
#[derive(Debug, PartialEq)]
struct Snapshot {
    summary: HeapSummary,
    free: usize,
    largest_free: usize,
    in_use: usize,
    managed: usize,
    pages_grown: usize,
}

fn snapshot(what: &str) -> Result<Snapshot, String> {
    let (summary, st) = heap_ok(what)?;
    Ok(Snapshot {
        summary,
        free: st.free,
        largest_free: st.largest_free,
        in_use: st.in_use,
        managed: st.managed,
        pages_grown: st.pages_grown,
    })
}

fn unchanged(what: &str, before: &Snapshot) -> Outcome {
    let after = snapshot(what)?;
    ensure!(
        after == *before,
        "{what}: the heap changed on a null return: before {before:?}, after {after:?}"
    );
    Ok(())
}

/// In an exhausted memory: allocations, zeroed allocations and reallocs
/// (one with a free block right after the block) that return null leave
/// the free bytes, the largest free block and the checker's summary as
/// they were.
fn failed_requests_leave_heap_unchanged() -> Outcome {
    libc_reserve()?;
    let mut blocks = Vec::with_capacity(8192);
    // Nothing may allocate once memory is exhausted: room for the payload
    // addresses now.
    let mut payloads: Vec<usize> = Vec::with_capacity(8192);
    hold_spare()?;
    exhaust(&mut blocks)?;
    let before = snapshot("exhausted")?;
    let too_big = before.largest_free + 64 * KIB;
    for (name, size) in [("alloc", too_big), ("alloc 1 GiB", 1 << 30)] {
        let layout = Layout::from_size_align(size, 8).unwrap();
        // The results go through `black_box`: a pointer that is only
        // compared with null lets the compiler remove the allocation and
        // assume it succeeded (seen at this crate's opt-level 1, depending
        // on what it inlines), so the allocator would never be asked.
        // SAFETY: a non-zero size.
        let p = std::hint::black_box(unsafe { alloc(layout) });
        ensure!(p.is_null(), "{name}({size}) succeeded in a full memory");
        unchanged(name, &before)?;
        // SAFETY: as above.
        let p = std::hint::black_box(unsafe { alloc_zeroed(layout) });
        ensure!(
            p.is_null(),
            "alloc_zeroed({size}) succeeded in a full memory"
        );
        unchanged("alloc_zeroed", &before)?;
    }
    let layout = Layout::from_size_align(4 * KIB, 64 * KIB).unwrap();
    // SAFETY: a non-zero size.
    let p = unsafe { alloc(layout) };
    if p.is_null() {
        unchanged("alloc aligned to 64 KiB", &before)?;
    } else {
        // SAFETY: just allocated with this layout.
        unsafe { dealloc(p, layout) };
    }

    // Two of our blocks next to each other in the heap: free the second,
    // then grow the first past anything free.
    payloads.extend(blocks.iter().map(|b| b.ptr as usize));
    let w = core::mem::size_of::<usize>();
    // SAFETY: the closure only reads the block walk and the slice; it does
    // not allocate.
    let pair = unsafe {
        A.inspect(|t| {
            let mut prev: Option<wasm_tlsf::BlockInfo> = None;
            for b in t.blocks() {
                if let Some(a) = prev {
                    if !b.first_in_pool
                        && !a.free
                        && !b.free
                        && payloads.contains(&(a.addr + w))
                        && payloads.contains(&(b.addr + w))
                    {
                        return Some((a.addr + w, b.addr + w));
                    }
                }
                prev = Some(b);
            }
            None
        })
    };
    let (a, b) = pair.ok_or("no two adjacent blocks of ours in an exhausted heap")?;
    let ib = blocks.iter().position(|x| x.ptr as usize == b).unwrap();
    let freed = blocks.swap_remove(ib).layout;
    let before = snapshot("after freeing the block after another")?;
    let ia = blocks.iter().position(|x| x.ptr as usize == a).unwrap();
    let grow_to = blocks[ia].layout.size() + freed.size() + before.largest_free + 64 * KIB;
    // SAFETY: a live block with this layout; a non-zero size below
    // isize::MAX.
    let p = unsafe { realloc(blocks[ia].ptr, blocks[ia].layout, grow_to) };
    if !p.is_null() {
        blocks[ia].ptr = p;
        blocks[ia].layout = Layout::from_size_align(grow_to, 8).unwrap();
        return Err(failure!(
            "realloc to {grow_to} bytes succeeded in a full memory"
        ));
    }
    blocks[ia].verify("the block whose realloc failed")?;
    unchanged(
        "realloc failing with a free block right after the block",
        &before,
    )?;
    release_spare();
    verify_all("after the failed requests", &blocks)?;
    free_all("end", &mut blocks)
}

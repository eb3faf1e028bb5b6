//! What both WASI commands share: the case runner, fill patterns, wasi-libc's
//! allocator functions, the heap checks, and the check that a range of
//! memory lies outside (or inside) our heap.
//!
//! `A` is the commands' global allocator (src/lib.rs). A case returns
//! `Err(message)` on a failed check, so the command reports every case and
//! exits non-zero; a trap (a
//! panic aborts on wasm32-wasip1, and a corrupted heap can trap in the
//! allocator) ends the instance, which run.mjs counts as that case failing.

#![allow(dead_code)]

use std::alloc::{alloc, dealloc, Layout};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};

use wasm_tlsf::{HeapSummary, Stats, PAGE_SIZE};

use crate::A;

/// A failure message, like `format!`, but first frees the spare block
/// ([`hold_spare`]), so that it can be written in a full heap.
#[macro_export]
macro_rules! failure {
    ($($what:tt)+) => {
        $crate::common::fail_msg(format_args!($($what)+))
    };
}

/// Returns `Err(failure!(...))` from the enclosing function unless `cond`.
#[macro_export]
macro_rules! ensure {
    ($cond:expr, $($what:tt)+) => {
        if !$cond {
            return Err($crate::failure!($($what)+));
        }
    };
}

pub mod libc;
pub mod live;

// (wasi-exhaust draws no random numbers.)
#[allow(unused_imports)]
pub use test_support::rng::Rng;

pub const KIB: usize = 1 << 10;
pub const MIB: usize = 1 << 20;

/// The machine word: block headers, a pool's link word and its sentinel.
const W: usize = core::mem::size_of::<usize>();

pub type Outcome = Result<(), String>;

/// The spare block's address while it is held, else 0.
static SPARE: AtomicUsize = AtomicUsize::new(0);

fn spare_layout() -> Layout {
    Layout::from_size_align(64 * KIB, 8).unwrap()
}

/// Allocates a spare block that the first failure message frees: a case
/// that exhausts memory can still say what went wrong. Call before
/// exhausting.
pub fn hold_spare() -> Outcome {
    release_spare();
    // SAFETY: a non-zero size.
    let p = unsafe { alloc(spare_layout()) };
    ensure!(!p.is_null(), "no room for the spare block");
    SPARE.store(p as usize, Ordering::Relaxed);
    Ok(())
}

/// Frees the spare block, if held.
pub fn release_spare() {
    let p = SPARE.swap(0, Ordering::Relaxed);
    if p != 0 {
        // SAFETY: allocated by `hold_spare` with this layout, freed once
        // (the swap took it).
        unsafe { dealloc(p as *mut u8, spare_layout()) };
    }
}

/// What `failure!` calls.
pub fn fail_msg(what: std::fmt::Arguments) -> String {
    release_spare();
    what.to_string()
}

/// A named case.
pub struct Case {
    pub name: &'static str,
    pub run: fn() -> Outcome,
}

/// Arguments starting with this carry a value the `env-args` case checks
/// (run.mjs passes one); they are not case names.
pub const PROBE_ARG: &str = "--probe=";

/// The command's `main`: `--list` prints the case names, one a line;
/// otherwise runs the cases named in the arguments (all when none is
/// named), in order, each between two heap checks, printing
/// `case NAME: ok` or `case NAME: FAILED: why`. Exits with 1 if any case
/// failed, 2 on an unknown case name.
pub fn run_cases(cases: &[Case]) -> ExitCode {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with(PROBE_ARG))
        .collect();
    if args.len() == 1 && args[0] == "--list" {
        for c in cases {
            println!("{}", c.name);
        }
        return ExitCode::SUCCESS;
    }
    let mut selected = Vec::new();
    for a in &args {
        match cases.iter().find(|c| c.name == a) {
            Some(c) => selected.push(c),
            None => {
                println!("unknown case {a:?}");
                return ExitCode::from(2);
            }
        }
    }
    if selected.is_empty() {
        selected = cases.iter().collect();
    }
    let mut failed = 0;
    for c in &selected {
        println!("case {}: start", c.name);
        let outcome = heap_ok("before the case")
            .and_then(|_| (c.run)())
            .and_then(|()| heap_ok("after the case").map(|_| ()));
        match outcome {
            Ok(()) => println!("case {}: ok", c.name),
            Err(why) => {
                failed += 1;
                println!("case {}: FAILED: {why}", c.name);
            }
        }
    }
    if failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

// ---- patterns ---------------------------------------------------------------

/// Byte `i` of the pattern for `tag` (`test_support::pattern::hashed`).
#[inline]
pub fn pattern(i: usize, tag: u8) -> u8 {
    test_support::pattern::hashed(i as u64, tag)
}

/// Writes the pattern for `tag` into `[p + from, p + to)`.
///
/// # Safety
/// `[p + from, p + to)` is writable.
pub unsafe fn fill(p: *mut u8, from: usize, to: usize, tag: u8) {
    for i in from..to {
        // SAFETY: inside the caller's writable range.
        unsafe { p.add(i).write(pattern(i, tag)) };
    }
}

/// `Err` naming the first byte of `[p, p + len)` that does not hold the
/// pattern for `tag`.
///
/// # Safety
/// `[p, p + len)` is readable.
pub unsafe fn verify(what: &str, p: *const u8, len: usize, tag: u8) -> Outcome {
    // SAFETY: the caller's readable range.
    let got = unsafe { core::slice::from_raw_parts(p, len) };
    match got
        .iter()
        .enumerate()
        .position(|(i, &b)| b != pattern(i, tag))
    {
        None => Ok(()),
        Some(i) => Err(failure!(
            "{what}: byte {i} of the {len}-byte block at {:#x} (tag {tag}) is {:#04x}, expected \
             {:#04x} ({} of its bytes differ)",
            p as usize,
            got[i],
            pattern(i, tag),
            got.iter()
                .enumerate()
                .filter(|&(j, &b)| b != pattern(j, tag))
                .count()
        )),
    }
}

/// A `Vec<u8>` (so through the global allocator) of `len` pattern bytes.
pub fn pattern_vec(len: usize, tag: u8) -> Vec<u8> {
    (0..len).map(|i| pattern(i, tag)).collect()
}

// ---- the heap ---------------------------------------------------------------

/// `memory.size` in bytes.
pub fn memory_bytes() -> usize {
    core::arch::wasm32::memory_size(0) * PAGE_SIZE
}

/// Runs the heap checker and checks the statistics against its summary.
pub fn heap_ok(when: &str) -> Result<(HeapSummary, Stats), String> {
    let sum = A
        .check()
        .map_err(|e| failure!("{when}: heap checker: {:?} at {:#x}", e.violation, e.addr))?;
    let st = A.stats();
    ensure!(
        st.in_use == sum.used_bytes
            && st.free == sum.free_bytes
            && st.overhead == sum.overhead_bytes
            && st.in_use + st.free + st.overhead == st.managed,
        "{when}: stats disagree with the checker: {st:?}, {sum:?}"
    );
    ensure!(
        st.largest_free <= st.free && st.peak_in_use >= st.in_use,
        "{when}: largest free block or peak out of range: {st:?}"
    );
    ensure!(
        st.managed <= memory_bytes() && st.pages_grown * PAGE_SIZE <= memory_bytes(),
        "{when}: the heap manages more than memory holds ({} bytes): {st:?}",
        memory_bytes()
    );
    Ok((sum, st))
}

/// Calls `f(start, end)` for the span of every pool of our heap, link word
/// and sentinel included, and stops at the first `Some`.
fn pools<R>(mut f: impl FnMut(usize, usize) -> Option<R>) -> Option<R> {
    // SAFETY: the closure only reads the block walk and calls `f`, which
    // reads the caller's slices; neither allocates.
    unsafe {
        A.inspect(|t| {
            let mut pool: Option<(usize, usize)> = None;
            for b in t.blocks() {
                if b.first_in_pool {
                    if let Some((s, e)) = pool.take() {
                        if let Some(r) = f(s, e + W) {
                            return Some(r);
                        }
                    }
                    pool = Some((b.addr - W, b.addr + b.size));
                } else if let Some(p) = pool.as_mut() {
                    p.1 = b.addr + b.size;
                }
            }
            pool.and_then(|(s, e)| f(s, e + W))
        })
    }
}

/// `Err` naming the pool, unless every range `[start, end)` lies outside
/// every pool of our heap. For a libc block at `p` of `n` bytes pass
/// `(p - 4, p + n)`: dlmalloc's size word for the chunk is right before it.
pub fn outside_heap(what: &str, ranges: &[(usize, usize)]) -> Outcome {
    let hit = pools(|s, e| {
        ranges
            .iter()
            .find(|&&(a, b)| a < e && s < b)
            .map(|&r| ((s, e), r))
    });
    match hit {
        None => Ok(()),
        Some(((s, e), (a, b))) => Err(failure!(
            "{what}: [{a:#x}, {b:#x}) lies inside our heap's pool [{s:#x}, {e:#x})"
        )),
    }
}

/// `Err` unless `[p, p + len)` is the payload (or part of it) of a used
/// block of our heap: the global allocator really is ours.
pub fn inside_used_block(what: &str, p: *const u8, len: usize) -> Outcome {
    let (p, end) = (p as usize, p as usize + len);
    // SAFETY: the closure only reads the block walk; it does not allocate.
    let found = unsafe {
        A.inspect(|t| {
            t.blocks()
                .any(|b| !b.free && b.addr + W <= p && end <= b.addr + b.size)
        })
    };
    ensure!(
        found,
        "{what}: [{p:#x}, {end:#x}) is not inside a used block of our heap"
    );
    Ok(())
}

// ---- the environment run.mjs gives ------------------------------------------

/// The number of `WASM_TLSF_PROBE_k` variables run.mjs sets.
pub const PROBES: usize = 8;

/// The length of probe `k`'s value (run.mjs computes the same).
pub fn probe_len(k: usize) -> usize {
    [1, 7, 64, 300, 1000, 4000, 12000, 30000][k]
}

/// The value of probe `k` of length `len` (`WASM_TLSF_PROBE_k` for
/// `k < PROBES`, the `--probe=` argument for `k == PROBES`): letters
/// run.mjs computes with the same formula.
pub fn probe_value(k: usize, len: usize) -> String {
    (0..len)
        .map(|i| (b'a' + ((i * 7 + k * 13) % 26) as u8) as char)
        .collect()
}

/// The `--probe=` argument's value length.
pub const PROBE_ARG_LEN: usize = 5000;

/// `HOME` as run.mjs sets it: the preopened directory.
pub const SANDBOX: &str = "/sandbox";

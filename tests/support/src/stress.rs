//! The workload each thread runs: 100,000 mixed allocate / free / realloc
//! operations through the global allocator (`SmallGlobalTlsf`), sizes 1 B
//! to 16 KiB (log-uniform), alignments 1 to 256; every block holds a
//! pattern chosen by its tag, checked before every realloc and free; some
//! blocks are allocated zeroed and checked for zeros. Blocks pass between
//! threads through a table of atomic slots, so one thread frees what
//! another allocated. A failure is reported as a `Failure`, never a panic
//! (the unknown-unknown module has nowhere to print one).

use std::alloc::{alloc, alloc_zeroed, dealloc, realloc, Layout};
use std::sync::atomic::{
    AtomicU64, AtomicUsize,
    Ordering::{AcqRel, Acquire},
};

use wasm_tlsf::{GlobalTlsf, HeapError, MemorySource};

use crate::pattern::{xorshift64, SEED};
use crate::rng::Rng;

pub const THREADS: usize = 4;
pub const OPS: usize = 100_000;
const MAX_SIZE: usize = 16 << 10;
const MAX_ALIGN_LOG2: u32 = 8;
/// Live blocks per thread at most.
const LIVE: usize = 200;

/// Why a run failed, and at which operation of which thread.
#[derive(Debug, Clone, Copy)]
pub struct Failure {
    pub code: u32,
    pub thread: usize,
    pub op: usize,
    pub addr: usize,
}

pub const NULL: u32 = 1;
pub const MISALIGNED: u32 = 2;
pub const CORRUPT: u32 = 3;
pub const NOT_ZERO: u32 = 4;

/// A pseudo-random pattern (the xorshift64 stream, a byte per step), built
/// at compile time: a block with tag `t` holds `PATTERN[t..t + size]`.
static PATTERN: [u8; MAX_SIZE + 256] = {
    let mut p = [0u8; MAX_SIZE + 256];
    let mut x = SEED;
    let mut i = 0;
    while i < p.len() {
        x = xorshift64(x);
        p[i] = (x >> 32) as u8;
        i += 1;
    }
    p
};

/// Blocks in transit between threads: 0 or a packed `Block`.
static SLOTS: [AtomicU64; 64] = [const { AtomicU64::new(0) }; 64];

/// Log-uniform in `1..=MAX_SIZE`.
fn size(rng: &mut Rng) -> usize {
    let bits = rng.below(15);
    1 + rng.below(1 << bits).min(MAX_SIZE - 1)
}

/// 1 to 8 mostly, up to 256 one time in four.
fn align_log2(rng: &mut Rng) -> u32 {
    if rng.below(4) == 0 {
        rng.below(MAX_ALIGN_LOG2 as usize + 1) as u32
    } else {
        rng.below(4) as u32
    }
}

#[derive(Clone, Copy)]
struct Block {
    p: *mut u8,
    size: usize,
    align_log2: u32,
    tag: u8,
}

impl Block {
    fn layout(&self) -> Layout {
        Layout::from_size_align(self.size, 1 << self.align_log2).unwrap()
    }

    /// `p` in the high half (wasm32 addresses), then size, alignment, tag.
    fn pack(self) -> u64 {
        ((self.p as usize as u64) << 32)
            | ((self.size as u64) << 12)
            | ((self.align_log2 as u64) << 8)
            | self.tag as u64
    }

    fn unpack(v: u64) -> Block {
        Block {
            p: (v >> 32) as usize as *mut u8,
            size: ((v >> 12) & 0xF_FFFF) as usize,
            align_log2: ((v >> 8) & 0xF) as u32,
            tag: v as u8,
        }
    }
}

struct Thread {
    id: usize,
    op: usize,
    rng: Rng,
    live: Vec<Block>,
}

impl Thread {
    fn fail(&self, code: u32, addr: *const u8) -> Failure {
        Failure {
            code,
            thread: self.id,
            op: self.op,
            addr: addr as usize,
        }
    }

    /// Checks bytes `[0, len)` of `b` hold its pattern.
    fn verify(&self, b: &Block, len: usize) -> Result<(), Failure> {
        // SAFETY: `b` is live and at least `len` bytes long.
        let got = unsafe { std::slice::from_raw_parts(b.p, len) };
        let want = &PATTERN[b.tag as usize..b.tag as usize + len];
        match got.iter().zip(want).position(|(g, w)| g != w) {
            None => Ok(()),
            Some(i) => Err(self.fail(CORRUPT, b.p.wrapping_add(i))),
        }
    }

    fn allocate(&mut self) -> Result<(), Failure> {
        let b = Block {
            p: core::ptr::null_mut(),
            size: size(&mut self.rng),
            align_log2: align_log2(&mut self.rng),
            tag: self.rng.next_u64() as u8,
        };
        let zeroed = self.rng.below(4) == 0;
        // SAFETY: non-zero size.
        let p = unsafe {
            if zeroed {
                alloc_zeroed(b.layout())
            } else {
                alloc(b.layout())
            }
        };
        if p.is_null() {
            return Err(self.fail(NULL, p));
        }
        if p as usize & ((1 << b.align_log2) - 1) != 0 {
            return Err(self.fail(MISALIGNED, p));
        }
        if zeroed {
            // SAFETY: `p` holds `b.size` bytes.
            let bytes = unsafe { std::slice::from_raw_parts(p, b.size) };
            if let Some(i) = bytes.iter().position(|&x| x != 0) {
                return Err(self.fail(NOT_ZERO, p.wrapping_add(i)));
            }
        }
        let b = Block { p, ..b };
        fill(&b, 0, b.size);
        self.live.push(b);
        Ok(())
    }

    fn free(&self, b: Block) -> Result<(), Failure> {
        self.verify(&b, b.size)?;
        // Scribble over it, as a program dropping a buffer it zeroes might.
        // SAFETY: `b` is live, `b.size` bytes.
        unsafe {
            b.p.write_bytes(0xDD, b.size);
            dealloc(b.p, b.layout());
        }
        Ok(())
    }

    fn reallocate(&mut self) -> Result<(), Failure> {
        let k = self.rng.below(self.live.len());
        let b = self.live[k];
        let new_size = size(&mut self.rng);
        // SAFETY: `b` is live with this layout; a non-zero size.
        let q = unsafe { realloc(b.p, b.layout(), new_size) };
        if q.is_null() {
            return Err(self.fail(NULL, q));
        }
        if q as usize & ((1 << b.align_log2) - 1) != 0 {
            return Err(self.fail(MISALIGNED, q));
        }
        let nb = Block {
            p: q,
            size: new_size,
            ..b
        };
        self.verify(&nb, b.size.min(new_size))?;
        if new_size > b.size {
            fill(&nb, b.size, new_size);
        }
        self.live[k] = nb;
        Ok(())
    }

    fn step(&mut self) -> Result<(), Failure> {
        match self.rng.below(10) {
            _ if self.live.is_empty() => self.allocate(),
            0..=3 if self.live.len() < LIVE => self.allocate(),
            0..=4 => {
                let b = self.live.swap_remove(self.rng.below(self.live.len()));
                self.free(b)
            }
            5..=6 => self.reallocate(),
            7 => {
                // Hand a block over; free whatever was in the slot.
                let b = self.live.swap_remove(self.rng.below(self.live.len()));
                let slot = &SLOTS[self.rng.below(SLOTS.len())];
                match slot.swap(b.pack(), AcqRel) {
                    0 => Ok(()),
                    v => self.free(received(v)),
                }
            }
            _ => {
                // Take a block another thread allocated, if any, and free it.
                match SLOTS[self.rng.below(SLOTS.len())].swap(0, AcqRel) {
                    0 => Ok(()),
                    v => self.free(received(v)),
                }
            }
        }
    }
}

/// Times a block taken from another thread lay beyond this thread's view
/// of memory (README, "Threads": V8 updates a thread's view of a shared
/// memory that another thread grew at its next call, and `memory.fill` /
/// `memory.copy` beyond the view trap until then).
pub static VIEW_REFRESHES: AtomicUsize = AtomicUsize::new(0);

/// A block taken from another thread, made usable by bulk memory
/// instructions in this one the way README tells users to: if
/// `memory.size` does not cover it, `memory.grow(0)` updates the view.
/// (Blocks from the allocator need nothing: it does this itself.)
fn received(v: u64) -> Block {
    let b = Block::unpack(v);
    #[cfg(target_arch = "wasm32")]
    {
        use core::arch::wasm32::{memory_grow, memory_size};
        if (b.p as usize + b.size - 1) / 65536 >= memory_size(0) {
            memory_grow(0, 0);
            VIEW_REFRESHES.fetch_add(1, AcqRel);
        }
    }
    b
}

/// Writes bytes `[from, to)` of `b`'s pattern.
fn fill(b: &Block, from: usize, to: usize) {
    let src = &PATTERN[b.tag as usize + from..b.tag as usize + to];
    // SAFETY: `b` holds at least `to` bytes.
    unsafe { core::ptr::copy_nonoverlapping(src.as_ptr(), b.p.add(from), to - from) };
}

/// Threads at the starting line: each waits for all, so that they run at
/// once (starting a thread takes longer than a whole run).
static READY: AtomicUsize = AtomicUsize::new(0);

/// One thread's workload; frees every block it still holds at the end.
pub fn worker(id: usize, ops: usize) -> Result<(), Failure> {
    READY.fetch_add(1, AcqRel);
    while READY.load(Acquire) < THREADS {
        core::hint::spin_loop();
    }
    let mut t = Thread {
        id,
        op: 0,
        rng: Rng::new(0xC0FF_EE00 + id as u64),
        live: Vec::with_capacity(LIVE),
    };
    while t.op < ops {
        t.step()?;
        t.op += 1;
    }
    for b in core::mem::take(&mut t.live) {
        t.free(b)?;
    }
    Ok(())
}

/// Frees the blocks left in transit (after every worker has finished).
pub fn drain() -> Result<(), Failure> {
    let t = Thread {
        id: usize::MAX,
        op: 0,
        rng: Rng::new(0),
        live: Vec::new(),
    };
    for slot in &SLOTS {
        match slot.swap(0, AcqRel) {
            0 => {}
            v => t.free(received(v))?,
        }
    }
    Ok(())
}

/// What the heap checker says of `a`, the global allocator the workload
/// ran on: `Ok((used blocks, pools))` or the error.
pub fn check<S: MemorySource, const FL: usize, const SL: usize>(
    a: &GlobalTlsf<S, FL, SL>,
) -> Result<(usize, usize), HeapError> {
    a.check().map(|s| (s.used_blocks, s.pools))
}

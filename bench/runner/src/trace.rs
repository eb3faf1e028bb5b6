//! Seeded allocation traces, and the file format node replays them from.
//!
//! A trace is a sequence of operations on numbered blocks. Ids are dense:
//! the n-th allocation creates block n; a reallocation keeps its block's id.
//! File format (`*.trace`): little-endian `u32` quadruples `[kind, id, a, b]`
//! with kind 0 = allocate (a = size, b = align), 1 = free, 2 = reallocate
//! (a = new size).

use std::io::Write;
use std::path::Path;

#[derive(Clone, Copy, Debug)]
pub enum Op {
    Alloc { id: u32, size: u32, align: u32 },
    Free { id: u32 },
    Realloc { id: u32, size: u32 },
}

pub struct Trace {
    pub name: &'static str,
    pub what: String,
    pub ops: Vec<Op>,
}

impl Trace {
    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        let mut out = Vec::with_capacity(self.ops.len() * 16);
        for op in &self.ops {
            let q = match *op {
                Op::Alloc { id, size, align } => [0, id, size, align],
                Op::Free { id } => [1, id, 0, 0],
                Op::Realloc { id, size } => [2, id, size, 0],
            };
            for v in q {
                out.extend_from_slice(&v.to_le_bytes());
            }
        }
        std::fs::File::create(path)?.write_all(&out)
    }

    pub fn blocks(&self) -> usize {
        self.ops
            .iter()
            .filter(|o| matches!(o, Op::Alloc { .. }))
            .count()
    }
}

/// The tests' seeded generator (SplitMix64).
pub use test_support::rng::Rng;

/// Log-uniform in `lo..=max` (as the peers' benchmarks draw sizes).
pub fn log_size(r: &mut Rng, lo: u32, max: u32) -> u32 {
    let (a, b) = ((lo as f64).log2(), (max as f64).log2());
    ((a + r.unit() * (b - a)).exp2() as u32).clamp(lo, max)
}

/// Builds a trace while tracking the live set.
#[derive(Default)]
pub struct Builder {
    pub ops: Vec<Op>,
    pub live: Vec<(u32, u32)>, // (id, size)
    next: u32,
}

impl Builder {
    pub fn alloc(&mut self, size: u32, align: u32) -> u32 {
        let id = self.next;
        self.next += 1;
        self.ops.push(Op::Alloc { id, size, align });
        self.live.push((id, size));
        id
    }
    /// Frees the live block at `index` of the live set.
    pub fn free_at(&mut self, index: usize) {
        let (id, _) = self.live.swap_remove(index);
        self.ops.push(Op::Free { id });
    }
    pub fn realloc_at(&mut self, index: usize, size: u32) {
        let id = self.live[index].0;
        self.live[index].1 = size;
        self.ops.push(Op::Realloc { id, size });
    }
    fn index(&self, id: u32) -> usize {
        self.live.iter().position(|&(x, _)| x == id).unwrap()
    }
    pub fn free_id(&mut self, id: u32) {
        self.free_at(self.index(id));
    }
    pub fn realloc_id(&mut self, id: u32, size: u32) {
        self.realloc_at(self.index(id), size);
    }
    pub fn trace(self, name: &'static str, what: String) -> Trace {
        let ops = self.ops;
        Trace { name, what, ops }
    }
}

/// Random actions: sizes log-uniform in 1 B..64 KiB, alignment 8 (90%) or
/// 16 B..4 KiB; a ramp to `live` blocks, then allocate (40% below the
/// target, 30% at it), free (30-40%) or reallocate (30%) at random.
///
/// `aligned`: half the requests ask for 16-byte alignment instead, as types
/// holding `u128`, `i128` or `v128` values and `#[repr(align(16))]` types
/// do, their sizes a multiple of 16 (as such a type's layout is); the rest
/// for 8. A block keeps its alignment when reallocated.
pub fn random_actions(live: usize, steps: usize, seed: u64, aligned: bool) -> Trace {
    let mut r = Rng::new(seed);
    let mut b = Builder::default();
    // (size, alignment) of a new block (`keep`: a reallocated block's
    // alignment).
    let draw = |r: &mut Rng, keep: Option<u32>| -> (u32, u32) {
        if aligned {
            let a = keep.unwrap_or_else(|| if r.unit() < 0.5 { 16 } else { 8 });
            let s = log_size(r, 1, 65536);
            return (if a == 16 { s.next_multiple_of(16) } else { s }, a);
        }
        let s = log_size(r, 1, 65536);
        let wide = keep.is_none() && r.unit() >= 0.9;
        (
            s,
            keep.unwrap_or(if wide { 1 << r.range(4, 12) } else { 8 }),
        )
    };
    // Alignment per block id (ids are dense).
    let mut aligns: Vec<u32> = Vec::new();
    let alloc = |b: &mut Builder, r: &mut Rng, aligns: &mut Vec<u32>| {
        let (s, a) = draw(r, None);
        b.alloc(s, a);
        aligns.push(a);
    };
    for _ in 0..live {
        alloc(&mut b, &mut r, &mut aligns);
    }
    for _ in 0..steps {
        let x = r.unit();
        let bias = if b.live.len() < live { 0.4 } else { 0.3 };
        if x < bias || b.live.is_empty() {
            alloc(&mut b, &mut r, &mut aligns);
        } else if x < 0.7 {
            let i = r.range(0, b.live.len() as u64 - 1) as usize;
            b.free_at(i);
        } else {
            let i = r.range(0, b.live.len() as u64 - 1) as usize;
            let (s, _) = draw(&mut r, Some(aligns[b.live[i].0 as usize]));
            b.realloc_at(i, s);
        }
    }
    let (name, what) = if aligned {
        ("aligned", format!("aligned random actions: as random actions, half the requests 16-byte aligned (sizes a multiple of 16), the rest 8; ~{live} live blocks, {steps} steps"))
    } else {
        (
            "random",
            format!("random actions: 1 B..64 KiB, ~{live} live blocks, {steps} steps"),
        )
    };
    b.trace(name, what)
}

/// Small-object churn: 8..256 B, about `live` blocks, half the steps
/// allocate and half free.
pub fn churn(live: usize, steps: usize, seed: u64) -> Trace {
    let mut r = Rng::new(seed);
    let mut b = Builder::default();
    for _ in 0..live {
        b.alloc(r.range(8, 256) as u32, 8);
    }
    for _ in 0..steps {
        let grow = if b.live.len() < live { 0.55 } else { 0.45 };
        if r.unit() < grow || b.live.is_empty() {
            b.alloc(r.range(8, 256) as u32, 8);
        } else {
            let i = r.range(0, b.live.len() as u64 - 1) as usize;
            b.free_at(i);
        }
    }
    b.trace(
        "churn",
        format!("small-object churn: 8..256 B, ~{live} live, {steps} steps"),
    )
}

/// Growing vectors: 16 vectors, each grown by doubling from 8 B to 1 MiB
/// with realloc (as `Vec` does), interleaved at random, then freed and
/// started again; a small allocation now and then between them.
pub fn vectors(chains: usize, seed: u64) -> Trace {
    let mut r = Rng::new(seed);
    let mut b = Builder::default();
    // (id, size) per vector slot; None = not started.
    let mut vecs: Vec<Option<(u32, u32)>> = vec![None; 16];
    let mut done = 0;
    let mut small: Vec<u32> = Vec::new();
    while done < chains {
        let v = r.range(0, 15) as usize;
        match vecs[v] {
            None => {
                let id = b.alloc(8, 8);
                vecs[v] = Some((id, 8));
            }
            Some((id, size)) if size >= 1 << 20 => {
                b.free_id(id);
                vecs[v] = None;
                done += 1;
            }
            Some((id, size)) => {
                b.realloc_id(id, size * 2);
                vecs[v] = Some((id, size * 2));
            }
        }
        if r.unit() < 0.2 {
            small.push(b.alloc(r.range(8, 128) as u32, 8));
            if small.len() > 64 {
                b.free_id(small.remove(0));
            }
        }
    }
    let what =
        format!("growing vectors: 16 interleaved realloc chains 8 B..1 MiB, {chains} chains");
    b.trace("vectors", what)
}

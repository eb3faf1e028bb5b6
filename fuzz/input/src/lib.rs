//! The inputs of the fuzz targets in `fuzz/fuzz_targets/`, as types:
//! `arbitrary`'s derive decodes them from libFuzzer's bytes
//! (`fuzz_target!(|input: ModelInput| ...)`), and `encode` writes an input
//! back as the bytes that decode to it, for the seed corpus
//! ([`seeds`]). Tests hold the two together: every seed decodes to the
//! value it was written from, and `fuzz/corpus/` holds exactly the seeds.
//!
//! The format is arbitrary's (1.x): integers little-endian, zero-filled
//! when the input runs out; a `bool` is a byte's low bit; an enum's variant
//! is a `u32` scaled to the variant count; the operations are the rest of
//! the input, each after a byte whose low bit says one more follows.

use arbitrary::Arbitrary;

pub mod seeds;

/// A request that no memory can hold, valid for every alignment up to
/// 64 KiB.
pub const HUGE: usize = isize::MAX as usize - 65535;

/// Operations per input at most (libFuzzer's default inputs are 4 KiB).
pub const MAX_OPS: usize = 2000;

/// A size: `lo << 4` if `shift >= 0xf0` (up to 1 MiB), else
/// `lo >> (shift % 16)` (mostly small; may be 0).
#[derive(Arbitrary, Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size {
    lo: u16,
    shift: u8,
}

impl Size {
    pub fn bytes(self) -> usize {
        let lo = self.lo as usize;
        if self.shift >= 0xf0 {
            lo << 4
        } else {
            lo >> (self.shift % 16)
        }
    }

    /// The size of `n` bytes (at most 0xffff, or a multiple of 16 up to
    /// 1 MiB).
    pub fn of(n: usize) -> Size {
        if n <= 0xffff {
            Size {
                lo: n as u16,
                shift: 0,
            }
        } else {
            assert!(n % 16 == 0 && n >> 4 <= 0xffff, "no Size of {n}");
            Size {
                lo: (n >> 4) as u16,
                shift: 0xf0,
            }
        }
    }
}

/// An alignment: `1 << b % 5` (1 to 16 B) if `b < 0xc0`, else `1 << b % 17`
/// (up to 64 KiB).
#[derive(Arbitrary, Debug, Clone, Copy, PartialEq, Eq)]
pub struct Align(u8);

impl Align {
    pub fn bytes(self) -> usize {
        1 << (self.0 % if self.0 < 0xc0 { 5 } else { 17 })
    }

    /// The alignment `a` (a power of two up to 64 KiB).
    pub fn of(a: usize) -> Align {
        let k = a.trailing_zeros() as u8;
        assert!(a.is_power_of_two() && k <= 16, "no Align of {a}");
        // `0xc0 + x` is `5 + x` modulo 17.
        Align(if k < 5 { k } else { 0xc0 + (k - 5) })
    }
}

/// One step of a fuzz run. A live block `index` is taken modulo the live
/// count.
#[derive(Arbitrary, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Alloc {
        size: Size,
        align: Align,
    },
    Free {
        index: u16,
    },
    Realloc {
        index: u16,
        size: Size,
    },
    /// `model`: grow by `pages` 4 KiB pages (at least a chunk), after a gap
    /// (a new pool) or extending the last pool; `global`: someone else
    /// grows memory by `pages % 3 + 1` pages.
    Grow {
        pages: u8,
        gap: bool,
    },
    /// Allocate [`HUGE`] bytes aligned to `1 << align_log2 % 17`: must fail.
    HugeAlloc {
        align_log2: u8,
    },
    /// Reallocate a live block to [`HUGE`] bytes: must fail and keep it.
    HugeRealloc {
        index: u16,
    },
}

/// The size classes of a run (first-level x second-level lists).
#[derive(Arbitrary, Debug, Clone, Copy, PartialEq, Eq)]
pub enum Classes {
    /// `SmallGlobalTlsf`'s.
    C25x32,
    C12x8,
    /// Tiny: most sizes share the last list (`model` only; `global` runs it
    /// as 12 x 8).
    C4x4,
}

/// The `model` target's input: the core `Tlsf` against the shadow model.
#[derive(Arbitrary, Debug, Clone, PartialEq, Eq)]
pub struct ModelInput {
    pub classes: Classes,
    pub ops: Vec<Op>,
}

/// The `global` target's input: `GlobalTlsf` over a simulated memory.
#[derive(Arbitrary, Debug, Clone, PartialEq, Eq)]
pub struct GlobalInput {
    pub classes: Classes,
    /// Initial pages: `% 3`.
    pub initial: u8,
    /// The heap base: `2 * half_base` modulo the initial memory's size plus
    /// one.
    pub half_base: u16,
    /// The cap: `initial + 1 + cap % 40` pages.
    pub cap: u8,
    pub ops: Vec<Op>,
}

/// An enum's variant `i` of `n`: the least `u32` that arbitrary scales to
/// it (`(x * n) >> 32 == i`).
fn variant(i: u64, n: u64) -> [u8; 4] {
    ((i << 32).div_ceil(n) as u32).to_le_bytes()
}

impl Size {
    fn encode(self) -> [u8; 3] {
        let [a, b] = self.lo.to_le_bytes();
        [a, b, self.shift]
    }
}

/// The operations, the rest of the input: each after a "one more" byte.
fn encode_ops(ops: &[Op], out: &mut Vec<u8>) {
    for op in ops {
        let (i, fields) = match *op {
            Op::Alloc { size, align } => (0, [&size.encode()[..], &[align.0]].concat()),
            Op::Free { index } => (1, index.to_le_bytes().to_vec()),
            Op::Realloc { index, size } => (2, [&index.to_le_bytes()[..], &size.encode()].concat()),
            Op::Grow { pages, gap } => (3, vec![pages, gap as u8]),
            Op::HugeAlloc { align_log2 } => (4, vec![align_log2]),
            Op::HugeRealloc { index } => (5, index.to_le_bytes().to_vec()),
        };
        out.push(1);
        out.extend(variant(i, 6));
        out.extend(fields);
    }
}

impl ModelInput {
    /// The bytes arbitrary decodes to this input (for the seed corpus).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = variant(self.classes as u64, 3).to_vec();
        encode_ops(&self.ops, &mut out);
        out
    }
}

impl GlobalInput {
    /// The bytes arbitrary decodes to this input (for the seed corpus).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = variant(self.classes as u64, 3).to_vec();
        out.push(self.initial);
        out.extend(self.half_base.to_le_bytes());
        out.push(self.cap);
        encode_ops(&self.ops, &mut out);
        out
    }
}

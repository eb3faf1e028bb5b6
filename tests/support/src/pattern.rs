//! Fill patterns: each block gets a window of one pseudo-random byte
//! stream, chosen by its tag, so a byte in the wrong place (a shifted copy,
//! a header written into a payload) is caught. With `std`, filling and
//! checking are bulk copies and compares from one shared buffer, which stay
//! fast under Miri.
//!
//! Blocks too large to fill from a buffer (GiB blocks, a full memory) use
//! [`hashed`]: a byte computed from its offset.

use alloc::vec::Vec;

/// One step of xorshift64, the stream the patterns are cut from (`const`:
/// the threads workload builds its pattern at compile time).
pub const fn xorshift64(mut x: u64) -> u64 {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    x
}

/// The stream's seed.
pub const SEED: u64 = 0x2545_F491_4F6C_DD1D;

/// Byte `i` of the hashed pattern for `tag`: a multiplicative hash of the
/// offset, so a copy shifted by any amount, or a header written into a
/// block, does not match.
#[inline]
pub fn hashed(i: u64, tag: u8) -> u8 {
    ((i as u32)
        .wrapping_add((tag as u32) << 24)
        .wrapping_mul(0x9E37_79B1)
        >> 24) as u8
}

/// The first `len` bytes of the pattern stream: eight bytes per xorshift64
/// step (under Miri, a step per byte made building the buffer the slowest
/// part of a test binary).
pub fn random_bytes(len: usize) -> Vec<u8> {
    let mut x = SEED;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        x = xorshift64(x);
        out.extend_from_slice(&x.to_le_bytes());
    }
    out.truncate(len);
    out
}

#[cfg(feature = "std")]
pub use buffer::{expected, fill, verify};

/// The host tests' tagged buffer.
#[cfg(feature = "std")]
mod buffer {
    use super::random_bytes;
    use std::sync::OnceLock;

    /// Large enough for the largest block a test fills, plus the largest tag.
    /// Under Miri that block is 70 KiB (tests/global.rs,
    /// `realloc_of_the_last_block_of_an_older_pool`); Miri interprets the
    /// buffer's construction, so it is no larger than needed. A block past the
    /// end fails loudly (the slice in `expected` is out of range).
    const LEN: usize = if cfg!(miri) {
        (72 << 10) + 256
    } else {
        (4 << 20) + 256
    };

    fn buffer() -> &'static [u8] {
        static BUF: OnceLock<Vec<u8>> = OnceLock::new();
        BUF.get_or_init(|| random_bytes(LEN))
    }

    /// The expected bytes `[from, to)` of a block with `tag`.
    pub fn expected(tag: u8, from: usize, to: usize) -> &'static [u8] {
        let base = tag as usize;
        &buffer()[base + from..base + to]
    }

    /// Writes bytes `[from, to)` of the pattern for `tag` at `p + from`.
    ///
    /// # Safety
    /// `[p + from, p + to)` is writable.
    pub unsafe fn fill(p: *mut u8, from: usize, to: usize, tag: u8) {
        let src = expected(tag, from, to);
        unsafe { core::ptr::copy_nonoverlapping(src.as_ptr(), p.add(from), to - from) };
    }

    /// Panics, naming the first differing byte, unless `[p, p + len)` holds the
    /// pattern for `tag`.
    ///
    /// # Safety
    /// `[p, p + len)` is readable.
    pub unsafe fn verify(p: *const u8, len: usize, tag: u8) {
        let got = unsafe { core::slice::from_raw_parts(p, len) };
        let want = expected(tag, 0, len);
        if got != want {
            let i = got.iter().zip(want).position(|(a, b)| a != b).unwrap();
            panic!(
                "byte {i} of the {len}-byte block at {p:p} (tag {tag}) is {:#04x}, expected {:#04x}",
                got[i], want[i]
            );
        }
    }
}

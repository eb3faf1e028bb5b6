//! Fill patterns: each block gets a window of one pseudo-random buffer,
//! chosen by its tag, so a byte in the wrong place (a shifted copy, a
//! header written into a payload) is caught. Filling and checking are bulk
//! copies and compares, which stay fast under Miri.

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

/// The first `len` bytes of the pattern: a fixed pseudo-random sequence
/// (xorshift64). Also the source of the wasm suites' periodic pattern
/// (tests/wasm/tests/cases/util.rs).
/// Eight bytes per step: under Miri, a step per byte made building the
/// buffer the slowest part of a test binary.
pub fn random_bytes(len: usize) -> Vec<u8> {
    let mut x = 0x2545_F491_4F6C_DD1Du64;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.extend_from_slice(&x.to_le_bytes());
    }
    out.truncate(len);
    out
}

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
    unsafe { std::ptr::copy_nonoverlapping(src.as_ptr(), p.add(from), to - from) };
}

/// Panics, naming the first differing byte, unless `[p, p + len)` holds the
/// pattern for `tag`.
///
/// # Safety
/// `[p, p + len)` is readable.
pub unsafe fn verify(p: *const u8, len: usize, tag: u8) {
    let got = unsafe { std::slice::from_raw_parts(p, len) };
    let want = expected(tag, 0, len);
    if got != want {
        let i = got.iter().zip(want).position(|(a, b)| a != b).unwrap();
        panic!(
            "byte {i} of the {len}-byte block at {p:p} (tag {tag}) is {:#04x}, expected {:#04x}",
            got[i], want[i]
        );
    }
}

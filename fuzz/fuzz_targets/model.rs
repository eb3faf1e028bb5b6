//! Fuzz target `model`: operation sequences driving the core `Tlsf`
//! against the shadow model of `tests/support/src/model.rs` (the same harness
//! as the seeded `tests/model.rs`), which checks data survival, overlap,
//! alignment, usable sizes and the heap checker after every step, and at
//! the end that everything merges back and no gap between pools was
//! written.
//!
//! Input format (every field is read with `arbitrary`'s `Unstructured`;
//! integers little-endian; a short input reads as zeros):
//!
//! - byte 0: the size-class configuration, `% 3`: 25 x 32
//!   (`SmallGlobalTlsf`'s), 12 x 8, 4 x 4 (tiny: most sizes share the last
//!   list);
//! - then operations, each a kind byte `k` and its fields, `k % 8`:
//!   - 0, 1, 2: allocate `size` (3 bytes) aligned to `align` (1 byte);
//!   - 3, 4: free live block `index` (u16, modulo the live count);
//!   - 5: reallocate live block `index` (u16) to `size` (3 bytes);
//!   - 6: grow by `(b & 0x7f) * 4 KiB` (at least a chunk) from byte `b`,
//!     after a gap (a new pool) if `b & 0x80`, else extending the last pool;
//!   - 7: byte `b`: if `b & 1`, allocate `isize::MAX - 65535` bytes aligned
//!     to `1 << (b >> 1) % 17` (must fail); else reallocate live block
//!     `b >> 1` to that size (must fail and keep the block).
//! - `size`: u16 `lo`, byte `s`: `lo << 4` if `s >= 0xf0` (up to 1 MiB),
//!   else `lo >> (s % 16)` (mostly small; 0 is a request that must fail).
//! - `align`: byte `b`: `1 << b % 5` if `b < 0xc0`, else `1 << b % 17`
//!   (up to 64 KiB).
//!
//! `xtask/src/fuzz.rs` writes the seed corpus in this format.
#![no_main]

use arbitrary::{Result, Unstructured};
use libfuzzer_sys::fuzz_target;

#[path = "decode.rs"]
mod decode;

use decode::{align, size, HUGE};
use test_support::model::{Model, Op};

/// The model's arena: big enough for many pools, small enough to run out.
const ARENA: usize = 8 << 20;
/// The least the model grows by: a few wasm pages' worth of 4 KiB.
const CHUNK: usize = 16 << 10;
/// Operations per input at most (libFuzzer's default inputs are 4 KiB).
const MAX_OPS: usize = 2000;

fn op(u: &mut Unstructured) -> Result<Op> {
    let kind = u.arbitrary::<u8>()?;
    Ok(match kind % 8 {
        0..=2 => Op::Alloc {
            size: size(u)?,
            align: align(u)?,
        },
        3 | 4 => Op::Free {
            index: u.arbitrary::<u16>()? as usize,
        },
        5 => Op::Realloc {
            index: u.arbitrary::<u16>()? as usize,
            new_size: size(u)?,
        },
        6 => {
            let b = u.arbitrary::<u8>()?;
            Op::Grow {
                len: (b as usize & 0x7f) << 12,
                gap: b & 0x80 != 0,
            }
        }
        _ => {
            let b = u.arbitrary::<u8>()?;
            if b & 1 != 0 {
                Op::Alloc {
                    size: HUGE,
                    align: 1 << ((b >> 1) % 17),
                }
            } else {
                Op::Realloc {
                    index: (b >> 1) as usize,
                    new_size: HUGE,
                }
            }
        }
    })
}

fn run<const FL: usize, const SL: usize>(u: &mut Unstructured) {
    let mut m = Model::<FL, SL>::new(ARENA, CHUNK);
    for _ in 0..MAX_OPS {
        if u.is_empty() {
            break;
        }
        let Ok(op) = op(u) else { break };
        m.apply(op);
    }
    m.finish();
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    match u.arbitrary::<u8>().unwrap_or(0) % 3 {
        0 => run::<25, 32>(&mut u),
        1 => run::<12, 8>(&mut u),
        _ => run::<4, 4>(&mut u),
    }
});

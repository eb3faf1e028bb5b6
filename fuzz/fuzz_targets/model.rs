//! Fuzz target `model`: operation sequences driving the core `Tlsf`
//! against the shadow model of `tests/common/model.rs` (the same harness
//! as the seeded `tests/model.rs`), which checks data survival, overlap,
//! alignment, usable sizes and the heap checker after every step, and at
//! the end that everything merges back and no gap between pools was
//! written.
//!
//! The input is a `fuzz_input::ModelInput` (`fuzz/input`: size classes,
//! then operations), decoded by `arbitrary`; its seeds are in
//! `fuzz/corpus/model`.
#![no_main]

use fuzz_input::{Classes, ModelInput, Op as In, HUGE, MAX_OPS};
use libfuzzer_sys::fuzz_target;

#[path = "../../tests/common/model.rs"]
#[allow(dead_code)]
mod model;
#[path = "../../tests/common/pattern.rs"]
mod pattern;
#[path = "../../tests/common/rng.rs"]
#[allow(dead_code)]
mod rng;

use model::{Model, Op};

/// The model's arena: big enough for many pools, small enough to run out.
const ARENA: usize = 8 << 20;
/// The least the model grows by: a few wasm pages' worth of 4 KiB.
const CHUNK: usize = 16 << 10;

fn op(op: In) -> Op {
    match op {
        In::Alloc { size, align } => Op::Alloc {
            size: size.bytes(),
            align: align.bytes(),
        },
        In::Free { index } => Op::Free {
            index: index as usize,
        },
        In::Realloc { index, size } => Op::Realloc {
            index: index as usize,
            new_size: size.bytes(),
        },
        In::Grow { pages, gap } => Op::Grow {
            len: (pages as usize) << 12,
            gap,
        },
        In::HugeAlloc { align_log2 } => Op::Alloc {
            size: HUGE,
            align: 1 << (align_log2 % 17),
        },
        In::HugeRealloc { index } => Op::Realloc {
            index: index as usize,
            new_size: HUGE,
        },
    }
}

fn run<const FL: usize, const SL: usize>(ops: &[In]) {
    let mut m = Model::<FL, SL>::new(ARENA, CHUNK);
    for &o in ops.iter().take(MAX_OPS) {
        m.apply(op(o));
    }
    m.finish();
}

fuzz_target!(|input: ModelInput| {
    match input.classes {
        Classes::C25x32 => run::<25, 32>(&input.ops),
        Classes::C12x8 => run::<12, 8>(&input.ops),
        Classes::C4x4 => run::<4, 4>(&input.ops),
    }
});

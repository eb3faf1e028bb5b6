//! The seeded randomized model test of the core, across size-class
//! configurations (one macro, every configuration).

#[path = "common/model.rs"]
#[allow(dead_code)]
mod model;
#[path = "common/pattern.rs"]
mod pattern;
#[path = "common/rng.rs"]
mod rng;

use model::{random_op, Model, Op};
use rng::Rng;

/// Steps per run: thousands natively, a hundred under Miri (which checks
/// every memory access for undefined behaviour, at a steep price).
const STEPS: usize = if cfg!(miri) { 100 } else { 6_000 };
const SEEDS: &[u64] = if cfg!(miri) { &[1] } else { &[1, 2, 3] };
/// The largest request: 1 MiB natively, 4 KiB under Miri (copies are slow).
const MAX_SIZE: usize = if cfg!(miri) { 4096 } else { 1 << 20 };
const MAX_ALIGN: usize = if cfg!(miri) { 4096 } else { 1 << 16 };
const ARENA: usize = if cfg!(miri) { 1 << 20 } else { 256 << 20 };
const CHUNK: usize = if cfg!(miri) { 16 << 10 } else { 1 << 20 };

/// Ends a seeded run: the arena is large enough for every run, and no
/// request asks for zero bytes, so every request must have succeeded.
fn finish<const FL: usize, const SL: usize>(m: Model<FL, SL>) {
    assert_eq!(
        (m.failures, m.zero_size),
        (0, 0),
        "failed requests (of which zero-size) in a run that never runs out of memory"
    );
    m.finish();
}

macro_rules! for_each_config {
    ($($name:ident: $fl:literal, $sl:literal;)*) => {
        $(
            mod $name {
                use super::*;
                type M = Model<$fl, $sl>;

                #[test]
                fn random_actions() {
                    for &seed in SEEDS {
                        let mut rng = Rng::new(seed);
                        let mut m = M::new(ARENA, CHUNK);
                        for _ in 0..STEPS {
                            let op = random_op(&mut rng, m.live_count(), 60, MAX_SIZE, MAX_ALIGN);
                            m.apply(op);
                        }
                        finish(m);
                    }
                }

                #[test]
                fn small_objects_churn() {
                    let mut rng = Rng::new(7);
                    let mut m = M::new(ARENA, CHUNK);
                    for _ in 0..STEPS {
                        let op = random_op(&mut rng, m.live_count(), 200, 256, 16);
                        m.apply(op);
                    }
                    finish(m);
                }

                #[test]
                fn growing_and_shrinking_reallocs() {
                    let mut m = M::new(ARENA, CHUNK);
                    m.apply(Op::Alloc { size: 8, align: 8 });
                    m.apply(Op::Alloc { size: 24, align: 4 });
                    let mut size = 8;
                    while size < MAX_SIZE {
                        size *= 2;
                        m.apply(Op::Realloc { index: 0, new_size: size });
                        m.apply(Op::Alloc { size: 16, align: 8 });
                    }
                    while size > 8 {
                        size /= 3;
                        m.apply(Op::Realloc { index: 0, new_size: size.max(1) });
                    }
                    finish(m);
                }

                #[test]
                fn every_alignment() {
                    let mut m = M::new(ARENA, CHUNK);
                    let mut align = 1;
                    while align <= MAX_ALIGN {
                        for size in [1, align.saturating_sub(1).max(1), align, align + 1, 3 * align] {
                            m.apply(Op::Alloc { size, align });
                        }
                        align *= 2;
                    }
                    finish(m);
                }
            }
        )*
    };
}

for_each_config! {
    fl25_sl32: 25, 32;
    fl26_sl16: 26, 16;
    fl28_sl4: 28, 4;
    fl20_sl32: 20, 32;
    fl12_sl8: 12, 8;
}

//! The seeded randomized model test of the core, across size-class
//! configurations (one macro, every configuration).

use test_support::model::{random_op, Model, Op};
use test_support::rng::Rng;

/// How much each test does.
struct Params {
    /// Steps per run.
    steps: usize,
    seeds: &'static [u64],
    /// The largest request and alignment.
    max_size: usize,
    max_align: usize,
    /// The memory the model hands out, and how much at a time.
    arena: usize,
    chunk: usize,
    /// The heap checker (and the live blocks' ends) after every this many
    /// steps.
    check_every: usize,
}

/// Natively: thousands of steps, requests up to 1 MiB, every state
/// checked.
const NATIVE: Params = Params {
    steps: 6_000,
    seeds: &[1, 2, 3],
    max_size: 1 << 20,
    max_align: 1 << 16,
    arena: 256 << 20,
    chunk: 1 << 20,
    check_every: 1,
};

/// Under Miri, which checks every memory access for undefined behaviour at
/// a steep price: a hundred steps of requests up to 4 KiB (copies are
/// slow), every operation run and its data verified, the heap checker
/// every tenth step and at the end. The checker walks every list (800 in
/// the 25 x 32 configuration), so after every step it was three quarters
/// of the pass; it adds no code path of the allocator's, and `miri_runs`
/// below runs these same sequences natively with a check after every step.
const MIRI: Params = Params {
    steps: 100,
    seeds: &[1],
    max_size: 4096,
    max_align: 4096,
    arena: 1 << 20,
    chunk: 16 << 10,
    check_every: 10,
};

const RUN: Params = if cfg!(miri) { MIRI } else { NATIVE };

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

fn random_actions<const FL: usize, const SL: usize>(p: &Params) {
    for &seed in p.seeds {
        let mut rng = Rng::new(seed);
        let mut m = Model::<FL, SL>::new(p.arena, p.chunk).checking_every(p.check_every);
        for _ in 0..p.steps {
            let op = random_op(&mut rng, m.live_count(), 60, p.max_size, p.max_align);
            m.apply(op);
        }
        finish(m);
    }
}

fn small_objects_churn<const FL: usize, const SL: usize>(p: &Params) {
    let mut rng = Rng::new(7);
    let mut m = Model::<FL, SL>::new(p.arena, p.chunk).checking_every(p.check_every);
    for _ in 0..p.steps {
        let op = random_op(&mut rng, m.live_count(), 200, 256, 16);
        m.apply(op);
    }
    finish(m);
}

fn growing_and_shrinking_reallocs<const FL: usize, const SL: usize>(p: &Params) {
    let mut m = Model::<FL, SL>::new(p.arena, p.chunk).checking_every(p.check_every);
    m.apply(Op::Alloc { size: 8, align: 8 });
    m.apply(Op::Alloc { size: 24, align: 4 });
    let mut size = 8;
    while size < p.max_size {
        size *= 2;
        m.apply(Op::Realloc {
            index: 0,
            new_size: size,
        });
        m.apply(Op::Alloc { size: 16, align: 8 });
    }
    while size > 8 {
        size /= 3;
        m.apply(Op::Realloc {
            index: 0,
            new_size: size.max(1),
        });
    }
    finish(m);
}

fn every_alignment<const FL: usize, const SL: usize>(p: &Params) {
    let mut m = Model::<FL, SL>::new(p.arena, p.chunk).checking_every(p.check_every);
    let mut align = 1;
    while align <= p.max_align {
        for size in [
            1,
            align.saturating_sub(1).max(1),
            align,
            align + 1,
            3 * align,
        ] {
            m.apply(Op::Alloc { size, align });
        }
        align *= 2;
    }
    finish(m);
}

macro_rules! for_each_config {
    ($($name:ident: $fl:literal, $sl:literal;)*) => {
        $(
            mod $name {
                use super::*;

                #[test]
                fn random_actions() {
                    super::random_actions::<$fl, $sl>(&RUN);
                }

                #[test]
                fn small_objects_churn() {
                    super::small_objects_churn::<$fl, $sl>(&RUN);
                }

                #[test]
                fn growing_and_shrinking_reallocs() {
                    super::growing_and_shrinking_reallocs::<$fl, $sl>(&RUN);
                }

                #[test]
                fn every_alignment() {
                    super::every_alignment::<$fl, $sl>(&RUN);
                }

                /// The Miri runs' sequences, natively, with a check after
                /// every step: every state the Miri runs reach is checked
                /// here (on this host's pointer width).
                #[test]
                #[cfg(not(miri))]
                fn miri_runs() {
                    let p = Params { check_every: 1, ..MIRI };
                    super::random_actions::<$fl, $sl>(&p);
                    super::small_objects_churn::<$fl, $sl>(&p);
                    super::growing_and_shrinking_reallocs::<$fl, $sl>(&p);
                    super::every_alignment::<$fl, $sl>(&p);
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

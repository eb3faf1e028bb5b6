//! The growing-buffer traces: a buffer that gets larger every step while small
//! blocks allocated between its steps stay live. An allocator that serves
//! the small blocks from the free memory right after the newest buffer
//! fences every freed buffer in and grows memory by the sum of all the
//! buffers' sizes instead of by the largest.

use crate::trace::{Builder, Trace};

const PAGE: u32 = 65536;

/// One run of buffer steps: each step makes the buffer `step` bytes larger
/// (the first step allocates it at `step` bytes), then allocates the
/// `kept` small blocks, which are never freed. With `realloc`, the buffer
/// grows by `realloc`; otherwise each step allocates a new buffer, then the
/// small blocks, then frees the old buffer.
struct Run {
    steps: u32,
    step: u32,
    kept: &'static [u32],
    realloc: bool,
}

/// Replays `run` into `b`; returns the id of the buffer, still live.
fn run(b: &mut Builder, run: &Run) -> u32 {
    let index = |b: &Builder, id: u32| b.live.iter().position(|&(x, _)| x == id).unwrap();
    let mut buffer: Option<u32> = None;
    for k in 1..=run.steps {
        let size = run.step * k;
        let old = buffer;
        match (old, run.realloc) {
            (Some(id), true) => {
                let i = index(b, id);
                b.realloc_at(i, size);
            }
            _ => buffer = Some(b.alloc(size, 8)),
        }
        for &s in run.kept {
            b.alloc(s, 8);
        }
        if let (Some(id), false) = (old, run.realloc) {
            let i = index(b, id);
            b.free_at(i);
        }
    }
    buffer.expect("at least one step")
}

/// `buffer`: `steps` steps, each allocating a new buffer one page larger
/// than the last, then 32 bytes that are kept, then freeing the old buffer;
/// `buffer-realloc` (`realloc`): the buffer grown by `realloc` a page at a
/// time instead. The last buffer stays live.
pub fn buffer(steps: u32, realloc: bool) -> Trace {
    let mut b = Builder::new();
    let (step, kept) = (PAGE, &[32]);
    run(
        &mut b,
        &Run {
            steps,
            step,
            kept,
            realloc,
        },
    );
    let (name, what) = if realloc {
        (
            "buffer-realloc",
            format!("a growing buffer by realloc: {steps} steps, each one page larger, 32 B kept"),
        )
    } else {
        ("buffer", format!("a growing buffer: {steps} steps, each a new buffer one page larger, 32 B kept, the old buffer freed"))
    };
    Trace {
        name,
        what,
        ops: b.ops,
    }
}

/// The variants `buffer-mixed` cycles through: other buffer steps (below,
/// above and not a multiple of a page), other kept sizes, several kept
/// blocks per step, both ways of growing.
const MIXED: &[Run] = &[
    Run {
        steps: 40,
        step: 16 << 10,
        kept: &[8],
        realloc: false,
    },
    Run {
        steps: 40,
        step: PAGE,
        kept: &[16, 16, 16, 16],
        realloc: true,
    },
    Run {
        steps: 40,
        step: PAGE + PAGE / 2,
        kept: &[100, 24],
        realloc: false,
    },
    Run {
        steps: 40,
        step: 40 << 10,
        kept: &[512],
        realloc: true,
    },
    Run {
        steps: 40,
        step: 3 * PAGE,
        kept: &[4096, 48],
        realloc: false,
    },
];

/// `buffer-mixed`: `cycles` times through the variants above, one run of
/// each in turn; a run's buffer is freed when the run ends, its kept blocks
/// stay live to the end.
pub fn buffer_mixed(cycles: u32) -> Trace {
    let mut b = Builder::new();
    for _ in 0..cycles {
        for r in MIXED {
            let id = run(&mut b, r);
            let i = b.live.iter().position(|&(x, _)| x == id).unwrap();
            b.free_at(i);
        }
    }
    let steps: u32 = MIXED.iter().map(|r| r.steps).sum::<u32>() * cycles;
    Trace {
        name: "buffer-mixed",
        what: format!(
            "growing buffers, mixed: {cycles} cycles of {} runs ({steps} steps in all): buffer steps of 16 KiB, 1, 1.5 and 3 pages and 40 KiB, new buffer or realloc, 1 to 4 kept blocks of 8 B..4 KiB per step",
            MIXED.len()
        ),
        ops: b.ops,
    }
}

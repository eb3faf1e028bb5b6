//! The growing-buffer traces: a buffer that gets larger every step while small
//! blocks allocated between its steps stay live. An allocator that serves
//! the small blocks from the free memory right after the newest buffer
//! fences every freed buffer in and grows memory by the sum of all the
//! buffers' sizes instead of by the largest.

use crate::trace::{Builder, Trace};

const PAGE: u32 = 65536;

/// One run of buffer steps: (steps, step, kept, realloc). Each step makes
/// the buffer `step` bytes larger (the first allocates it at `step` bytes),
/// then allocates the `kept` small blocks, which are never freed. With
/// `realloc` the buffer grows by `realloc`; otherwise each step allocates a
/// new buffer, then the small blocks, then frees the old buffer.
type Run = (u32, u32, &'static [u32], bool);

/// Replays `run` into `b`; returns the id of the buffer, still live.
fn run(b: &mut Builder, (steps, step, kept, realloc): Run) -> u32 {
    let mut buffer: Option<u32> = None;
    for k in 1..=steps {
        let old = buffer;
        match (old, realloc) {
            (Some(id), true) => b.realloc_id(id, step * k),
            _ => buffer = Some(b.alloc(step * k, 8)),
        }
        for &s in kept {
            b.alloc(s, 8);
        }
        if let (Some(id), false) = (old, realloc) {
            b.free_id(id);
        }
    }
    buffer.expect("at least one step")
}

/// `buffer`: `steps` steps, each allocating a new buffer one page larger
/// than the last, then 32 bytes that are kept, then freeing the old buffer;
/// `buffer-realloc` (`realloc`): the buffer grown by `realloc` a page at a
/// time instead. The last buffer stays live.
pub fn buffer(steps: u32, realloc: bool) -> Trace {
    let mut b = Builder::default();
    run(&mut b, (steps, PAGE, &[32], realloc));
    let (name, what) = if realloc {
        (
            "buffer-realloc",
            format!("a growing buffer by realloc: {steps} steps, each one page larger, 32 B kept"),
        )
    } else {
        ("buffer", format!("a growing buffer: {steps} steps, each a new buffer one page larger, 32 B kept, the old buffer freed"))
    };
    b.trace(name, what)
}

/// The runs `buffer-mixed` cycles through: other buffer steps (below,
/// above and not a multiple of a page), other kept sizes, several kept
/// blocks per step, both ways of growing.
const MIXED: [Run; 5] = [
    (40, 16 << 10, &[8], false),
    (40, PAGE, &[16, 16, 16, 16], true),
    (40, PAGE + PAGE / 2, &[100, 24], false),
    (40, 40 << 10, &[512], true),
    (40, 3 * PAGE, &[4096, 48], false),
];

/// `buffer-mixed`: `cycles` times through the runs above, one of each in
/// turn; a run's buffer is freed when the run ends, its kept blocks stay
/// live to the end.
pub fn buffer_mixed(cycles: u32) -> Trace {
    let mut b = Builder::default();
    for _ in 0..cycles {
        for r in MIXED {
            let id = run(&mut b, r);
            b.free_id(id);
        }
    }
    let steps: u32 = MIXED.iter().map(|r| r.0).sum::<u32>() * cycles;
    let what = format!(
        "growing buffers, mixed: {cycles} cycles of {} runs ({steps} steps in all): buffer steps of 16 KiB, 1, 1.5 and 3 pages and 40 KiB, new buffer or realloc, 1 to 4 kept blocks of 8 B..4 KiB per step",
        MIXED.len()
    );
    b.trace("buffer-mixed", what)
}

//! The seed corpus, `fuzz/corpus/<target>/<name>`: short runs that reach
//! each part of the allocator, for libFuzzer to start from. `cargo xtask
//! fuzz --write-seeds` writes them; a test checks that the committed
//! corpus is exactly these.

use crate::{Align, Classes, GlobalInput, ModelInput, Op, Size};

/// A run's operations, built call by call.
#[derive(Default)]
struct Ops(Vec<Op>);

impl Ops {
    fn alloc(&mut self, size: usize, align: usize) -> &mut Self {
        self.push(Op::Alloc {
            size: Size::of(size),
            align: Align::of(align),
        })
    }
    fn free(&mut self, index: u16) -> &mut Self {
        self.push(Op::Free { index })
    }
    fn realloc(&mut self, index: u16, size: usize) -> &mut Self {
        self.push(Op::Realloc {
            index,
            size: Size::of(size),
        })
    }
    /// `model`: grow by `pages` 4 KiB pages, after a gap or not.
    fn grow(&mut self, pages: u8, gap: bool) -> &mut Self {
        self.push(Op::Grow { pages, gap })
    }
    /// `global`: someone else grows memory by `pages` (1 to 3) pages.
    fn foreign(&mut self, pages: u8) -> &mut Self {
        assert!((1..=3).contains(&pages));
        self.push(Op::Grow {
            pages: pages - 1,
            gap: false,
        })
    }
    fn huge_alloc(&mut self, align_log2: u8) -> &mut Self {
        self.push(Op::HugeAlloc { align_log2 })
    }
    fn huge_realloc(&mut self, index: u16) -> &mut Self {
        self.push(Op::HugeRealloc { index })
    }
    fn push(&mut self, op: Op) -> &mut Self {
        self.0.push(op);
        self
    }
    /// A fixed pseudo-random churn of `n` operations (SplitMix64 from
    /// `seed`).
    fn churn(&mut self, seed: u64, n: usize, max_size: usize) -> &mut Self {
        let mut x = seed;
        let mut next = move || {
            x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = x;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            (z ^ (z >> 31)) as usize
        };
        for _ in 0..n {
            let r = next();
            let size = 1 + next() % max_size;
            match r % 10 {
                0..=4 => self.alloc(size, 1 << (next() % 5)),
                5..=7 => self.free(next() as u16),
                _ => self.realloc(next() as u16, size),
            };
        }
        self
    }
}

fn model(classes: Classes, ops: &mut Ops) -> ModelInput {
    ModelInput {
        classes,
        ops: std::mem::take(&mut ops.0),
    }
}

fn global(classes: Classes, initial: u8, half_base: u16, cap: u8, ops: &mut Ops) -> GlobalInput {
    GlobalInput {
        classes,
        initial,
        half_base,
        cap,
        ops: std::mem::take(&mut ops.0),
    }
}

/// The `model` target's seeds, by name (one scenario a paragraph, its
/// operations as chains: kept as written).
#[rustfmt::skip]
pub fn model_seeds() -> Vec<(&'static str, ModelInput)> {
    use Classes::*;
    let (mut v, mut s) = (Vec::new(), Ops::default());
    s.alloc(1, 1).alloc(100, 8).alloc(4000, 16).free(0).realloc(0, 10_000);
    s.alloc(12, 4).free(1).free(0).free(0);
    v.push(("basic-25x32", model(C25x32, &mut s)));

    for align in [32, 4096, 65536] {
        for size in [1, 100, 5000] {
            s.alloc(size, align);
        }
    }
    s.free(4).free(0).realloc(2, 20_000).free(1);
    v.push(("aligned-12x8", model(C12x8, &mut s)));

    s.alloc(8, 8);
    let mut size = 8;
    while size < 1 << 19 {
        size *= 2;
        s.realloc(0, size).alloc(16, 8);
    }
    while size > 8 {
        size /= 4;
        s.realloc(0, size);
    }
    v.push(("realloc-growth-4x4", model(C4x4, &mut s)));

    s.grow(8, false).alloc(30_000, 8).grow(4, true).alloc(20_000, 64);
    s.grow(16, false).alloc(60_000, 8).free(0).grow(1, true).alloc(100, 8);
    s.realloc(1, 50_000).free(2);
    v.push(("pools-25x32", model(C25x32, &mut s)));

    s.huge_alloc(0).huge_alloc(16).alloc(64, 8).huge_realloc(0).alloc(3, 1);
    s.huge_alloc(3).huge_realloc(1).free(0);
    v.push(("huge-12x8", model(C12x8, &mut s)));

    // Reallocating to zero bytes succeeds in the core (`allocate(0)` does
    // not): the harness once read the last byte of such a block.
    s.alloc(100, 8).realloc(0, 0).alloc(8, 8).realloc(0, 50).free(1);
    v.push(("realloc-to-zero-25x32", model(C25x32, &mut s)));

    v.push(("churn-4x4", model(C4x4, s.churn(4, 300, 2000))));
    v.push(("churn-25x32", model(C25x32, s.churn(5, 300, 60_000))));
    v
}

/// The `global` target's seeds, by name (as written, like the model's).
#[rustfmt::skip]
pub fn global_seeds() -> Vec<(&'static str, GlobalInput)> {
    use Classes::*;
    let (mut v, mut s) = (Vec::new(), Ops::default());
    s.alloc(100, 8).alloc(40_000, 8).alloc(30_000, 16).free(1).realloc(0, 5000);
    s.alloc(1, 1).free(0).free(0).free(0);
    v.push(("basic-25x32", global(C25x32, 1, 512, 15, &mut s)));

    for i in 0..8 {
        s.alloc(20_000 + 3000 * i, 8);
        if i % 2 == 0 {
            s.foreign(1 + (i % 3) as u8);
        }
        if i % 3 == 2 {
            s.free(i as u16);
        }
    }
    v.push(("foreign-12x8", global(C12x8, 1, 0, 30, &mut s)));

    for _ in 0..5 {
        s.alloc(100_000, 16);
    }
    s.free(0).alloc(100_000, 16).realloc(1, 900_000).huge_realloc(0);
    v.push(("exhaustion-25x32", global(C25x32, 1, 0, 2, &mut s)));

    s.alloc(8, 1);
    let mut size = 8;
    while size < 1 << 19 {
        size *= 2;
        s.realloc(0, size);
    }
    v.push(("vec-doubling-25x32", global(C25x32, 1, 30_000, 39, &mut s)));

    s.alloc(10, 8).alloc(70_000, 8).free(0).alloc(10, 8);
    v.push(("no-initial-12x8", global(C12x8, 0, 0, 10, &mut s)));

    for k in [5, 8, 12, 15] {
        s.alloc(1, 1 << k).alloc((1 << k) + 3, 1 << k);
    }
    s.huge_alloc(16).huge_alloc(0).free(3);
    v.push(("aligned-25x32", global(C25x32, 2, 20_000, 20, &mut s)));

    // Found by this fuzzer: realloc of the last block of an older pool,
    // after someone else grew memory, once underflowed the page count.
    s.alloc(20_000, 8).foreign(1).alloc(23_000, 8).alloc(416_000, 16).alloc(184, 1);
    s.free(816).realloc(0, 38_000);
    v.push(("crash-realloc-last-block-of-older-pool", global(C25x32, 1, 0, 30, &mut s)));
    v
}

/// Every seed: (target, name, bytes).
pub fn all() -> Vec<(&'static str, &'static str, Vec<u8>)> {
    let model = model_seeds()
        .into_iter()
        .map(|(n, i)| ("model", n, i.encode()));
    model
        .chain(
            global_seeds()
                .into_iter()
                .map(|(n, i)| ("global", n, i.encode())),
        )
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use arbitrary::{Arbitrary, Unstructured};

    /// Every seed decodes, as a fuzz target does, to the value written.
    #[test]
    fn seeds_decode_to_what_was_written() {
        for (name, input) in model_seeds() {
            let bytes = input.encode();
            let decoded = ModelInput::arbitrary_take_rest(Unstructured::new(&bytes));
            assert_eq!(decoded.unwrap(), input, "model/{name}");
        }
        for (name, input) in global_seeds() {
            let bytes = input.encode();
            let decoded = GlobalInput::arbitrary_take_rest(Unstructured::new(&bytes));
            assert_eq!(decoded.unwrap(), input, "global/{name}");
        }
    }

    /// Sizes and alignments read back as the bytes asked.
    #[test]
    fn sizes_and_alignments() {
        for n in [0, 1, 100, 0xffff, 0x10000, 416_000, 900_000, 0xffff << 4] {
            assert_eq!(Size::of(n).bytes(), n);
        }
        for k in 0..=16 {
            assert_eq!(Align::of(1 << k).bytes(), 1 << k);
        }
    }

    /// `fuzz/corpus/` is exactly these seeds (`cargo xtask fuzz
    /// --write-seeds` rewrites it).
    #[test]
    fn the_committed_corpus_is_the_seeds() {
        let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus");
        let mut committed = Vec::new();
        for target in ["model", "global"] {
            for entry in std::fs::read_dir(corpus.join(target)).unwrap() {
                let path = entry.unwrap().path();
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                committed.push((target, name, std::fs::read(&path).unwrap()));
            }
        }
        let mut seeds: Vec<_> = all()
            .into_iter()
            .map(|(t, n, b)| (t, n.to_string(), b))
            .collect();
        committed.sort();
        seeds.sort();
        let names = |v: &[(&str, String, Vec<u8>)]| -> Vec<String> {
            v.iter()
                .map(|(t, n, b)| format!("{t}/{n} ({} bytes)", b.len()))
                .collect()
        };
        assert_eq!(
            names(&committed),
            names(&seeds),
            "run `cargo xtask fuzz --write-seeds`"
        );
        assert!(
            committed == seeds,
            "a seed's bytes differ: run `cargo xtask fuzz --write-seeds`"
        );
    }
}

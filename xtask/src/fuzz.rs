//! `cargo xtask fuzz`: the cargo-fuzz targets in `fuzz/` for a time box
//! each, from the committed seed corpus, reporting libFuzzer's speed.
//!
//! New inputs go to `target/fuzz-corpus/<target>` (a copy of the seeds to
//! start from); `fuzz/corpus/<target>` is passed as a second, read-only
//! corpus, so a run never dirties the repository. A crash fails the run;
//! libFuzzer leaves the input in `fuzz/artifacts/<target>/` (ignored by
//! git) and prints how to reproduce it (`cargo +nightly fuzz run
//! --features debug-checks <target> <file>`). The allocator's
//! `debug-checks` are on: the targets never misuse it, so a report from
//! them is a bug too.
//!
//! The seed corpus is written by [`write_seeds`] (`cargo xtask fuzz
//! --write-seeds`), in the input formats documented at the top of each
//! target, `fuzz/fuzz_targets/*.rs`.

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::Instant;

use anyhow::{bail, Context, Result};

use crate::setup::{Tool, NIGHTLY};
use crate::util::{cargo_nightly, root, run};

/// The fuzz targets, `fuzz/fuzz_targets/<name>.rs`.
pub const TARGETS: &[&str] = &["model", "global"];

/// `cargo +nightly fuzz build|run` options, the same for both so
/// the run reuses the build: the fuzz crate, and the allocator's misuse
/// detection on (the targets never misuse it, so any report is a bug).
const FUZZ_OPTIONS: &[&str] = &["--fuzz-dir", "fuzz", "--features", "debug-checks"];

/// What libFuzzer reported at the end of one run.
#[derive(Default)]
struct Outcome {
    runs: u64,
    seconds: u64,
    /// The last status line (`#N DONE cov: ... exec/s: ...`).
    last_status: String,
}

/// Runs every target for `seconds` each.
pub fn fuzz(seconds: u64) -> Result<()> {
    crate::setup::need(&[Tool::Nightly, Tool::CargoFuzz])?;
    // One nightly sanitizer build of every target first (the runs reuse it).
    run(cargo_nightly().args(["fuzz", "build"]).args(FUZZ_OPTIONS))?;
    let mut report = Vec::new();
    for &target in TARGETS {
        let seeds = root().join("fuzz/corpus").join(target);
        let work = root().join("target/fuzz-corpus").join(target);
        std::fs::create_dir_all(&work).with_context(|| format!("creating {}", work.display()))?;
        for entry in
            std::fs::read_dir(&seeds).with_context(|| format!("reading {}", seeds.display()))?
        {
            let entry = entry?;
            std::fs::copy(entry.path(), work.join(entry.file_name()))?;
        }
        let mut cmd = cargo_nightly();
        cmd.args(["fuzz", "run"])
            .args(FUZZ_OPTIONS)
            .arg(target)
            .arg(&work)
            .arg(&seeds)
            .arg("--")
            .arg(format!("-max_total_time={seconds}"))
            .arg("-timeout=30")
            .arg("-print_final_stats=1")
            .stderr(Stdio::piped());
        eprintln!(
            "==> cargo +{NIGHTLY} fuzz run --features debug-checks {target} {} {} -- -max_total_time={seconds}",
            work.display(),
            seeds.display()
        );
        let start = Instant::now();
        let mut child = cmd.spawn().context("could not start `cargo fuzz run`")?;
        let mut out = Outcome::default();
        let stderr = child.stderr.take().expect("piped");
        let mut in_dictionary = false;
        for line in BufReader::new(stderr).lines() {
            let line = line?;
            // Keep the log short: new coverage, reductions and the
            // recommended dictionary are noise here.
            if line.starts_with("###### ") {
                in_dictionary = line.contains("Recommended dictionary");
                continue;
            }
            let noise = in_dictionary
                || line.starts_with('#')
                    && (line.contains("\tNEW ")
                        || line.contains("\tREDUCE ")
                        || line.contains("\tpulse "));
            if !noise {
                eprintln!("{line}");
            }
            if line.starts_with('#') && line.contains(" exec/s: ") {
                out.last_status = line.clone();
            }
            // libFuzzer's closing line: "Done 123456 runs in 20 second(s)".
            if let Some(rest) = line.strip_prefix("Done ") {
                let words: Vec<&str> = rest.split_whitespace().collect();
                if let [runs, "runs", "in", secs, ..] = words[..] {
                    out.runs = runs.parse().unwrap_or(0);
                    out.seconds = secs.parse().unwrap_or(0);
                }
            }
        }
        let status = child.wait()?;
        if !status.success() {
            bail!(
                "fuzz target `{target}` failed ({status}); the input is in fuzz/artifacts/{target}/"
            );
        }
        let exec_s = out.runs / out.seconds.max(1);
        eprintln!(
            "    fuzz {target}: {} runs in {}s, {exec_s} exec/s ({:.0}s with the build check)",
            out.runs,
            out.seconds,
            start.elapsed().as_secs_f64()
        );
        report.push((target, exec_s, out));
    }
    eprintln!("\nfuzz summary ({seconds}s per target, nothing found):");
    for (target, exec_s, out) in &report {
        eprintln!("  {target:<8} {exec_s:>7} exec/s  {}", out.last_status);
    }
    Ok(())
}

// ---- the seed corpus --------------------------------------------------------

/// Operation encoder shared by both targets' formats (see their docs).
#[derive(Default)]
struct Seed(Vec<u8>);

impl Seed {
    fn new(header: &[u8]) -> Self {
        Seed(header.to_vec())
    }
    fn size(&mut self, size: usize) {
        if size <= 0xffff {
            self.0.extend((size as u16).to_le_bytes());
            self.0.push(0);
        } else {
            assert!(
                size.is_multiple_of(16) && size >> 4 <= 0xffff,
                "unencodable size {size}"
            );
            self.0.extend(((size >> 4) as u16).to_le_bytes());
            self.0.push(0xf0);
        }
    }
    fn align(&mut self, align: usize) {
        let k = align.trailing_zeros() as u8;
        assert!(align.is_power_of_two() && k <= 16);
        // `b % 5` below 0xc0; `0xc0 + x` is `5 + x` modulo 17.
        self.0.push(if k < 5 { k } else { 0xc0 + (k - 5) });
    }
    fn alloc(&mut self, size: usize, align: usize) -> &mut Self {
        self.0.push(0);
        self.size(size);
        self.align(align);
        self
    }
    fn free(&mut self, index: u16) -> &mut Self {
        self.0.push(3);
        self.0.extend(index.to_le_bytes());
        self
    }
    fn realloc(&mut self, index: u16, size: usize) -> &mut Self {
        self.0.push(5);
        self.0.extend(index.to_le_bytes());
        self.size(size);
        self
    }
    /// `model`: grow by `pages4k` 4 KiB pages, after a gap or not;
    /// `global`: foreign growth of `pages4k` (1 to 3) pages.
    fn grow(&mut self, pages4k: u8, gap: bool) -> &mut Self {
        self.0.push(6);
        self.0.push(pages4k & 0x7f | if gap { 0x80 } else { 0 });
        self
    }
    fn foreign(&mut self, pages: u8) -> &mut Self {
        assert!((1..=3).contains(&pages));
        self.0.push(6);
        self.0.push(pages - 1);
        self
    }
    fn huge_alloc(&mut self, align_log2: u8) -> &mut Self {
        self.0.push(7);
        self.0.push(align_log2 << 1 | 1);
        self
    }
    fn huge_realloc(&mut self, index: u8) -> &mut Self {
        self.0.push(7);
        self.0.push(index << 1);
        self
    }
}

/// A fixed pseudo-random churn of `n` operations (SplitMix64 from `seed`).
fn churn(s: &mut Seed, seed: u64, n: usize, max_size: usize) {
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
            0..=4 => s.alloc(size, 1 << (next() % 5)),
            5..=7 => s.free(next() as u16),
            _ => s.realloc(next() as u16, size),
        };
    }
}

fn model_seeds() -> Vec<(&'static str, Vec<u8>)> {
    let mut v = Vec::new();

    let mut s = Seed::new(&[0]);
    s.alloc(1, 1)
        .alloc(100, 8)
        .alloc(4000, 16)
        .free(0)
        .realloc(0, 10_000);
    s.alloc(12, 4).free(1).free(0).free(0);
    v.push(("basic-25x32", s.0));

    let mut s = Seed::new(&[1]);
    for align in [32, 4096, 65536] {
        for size in [1, 100, 5000] {
            s.alloc(size, align);
        }
    }
    s.free(4).free(0).realloc(2, 20_000).free(1);
    v.push(("aligned-12x8", s.0));

    let mut s = Seed::new(&[2]);
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
    v.push(("realloc-growth-4x4", s.0));

    let mut s = Seed::new(&[0]);
    s.grow(8, false)
        .alloc(30_000, 8)
        .grow(4, true)
        .alloc(20_000, 64);
    s.grow(16, false)
        .alloc(60_000, 8)
        .free(0)
        .grow(1, true)
        .alloc(100, 8);
    s.realloc(1, 50_000).free(2);
    v.push(("pools-25x32", s.0));

    let mut s = Seed::new(&[1]);
    s.huge_alloc(0)
        .huge_alloc(16)
        .alloc(64, 8)
        .huge_realloc(0)
        .alloc(3, 1);
    s.huge_alloc(3).huge_realloc(1).free(0);
    v.push(("huge-12x8", s.0));

    // Reallocating to zero bytes succeeds in the core (`allocate(0)` does
    // not): the harness once read the last byte of such a block.
    let mut s = Seed::new(&[0]);
    s.alloc(100, 8)
        .realloc(0, 0)
        .alloc(8, 8)
        .realloc(0, 50)
        .free(1);
    v.push(("realloc-to-zero-25x32", s.0));

    let mut s = Seed::new(&[2]);
    churn(&mut s, 4, 300, 2000);
    v.push(("churn-4x4", s.0));

    let mut s = Seed::new(&[0]);
    churn(&mut s, 5, 300, 60_000);
    v.push(("churn-25x32", s.0));
    v
}

fn global_seeds() -> Vec<(&'static str, Vec<u8>)> {
    let mut v = Vec::new();
    // Header: configuration, initial pages, heap base / 2 (u16), cap byte.
    let header = |config: u8, initial: u8, half_base: u16, cap: u8| {
        let mut h = vec![config, initial];
        h.extend(half_base.to_le_bytes());
        h.push(cap);
        Seed::new(&h)
    };

    let mut s = header(0, 1, 512, 15);
    s.alloc(100, 8)
        .alloc(40_000, 8)
        .alloc(30_000, 16)
        .free(1)
        .realloc(0, 5000);
    s.alloc(1, 1).free(0).free(0).free(0);
    v.push(("basic-25x32", s.0));

    let mut s = header(1, 1, 0, 30);
    for i in 0..8 {
        s.alloc(20_000 + 3000 * i, 8);
        if i % 2 == 0 {
            s.foreign(1 + (i % 3) as u8);
        }
        if i % 3 == 2 {
            s.free(i as u16);
        }
    }
    v.push(("foreign-12x8", s.0));

    let mut s = header(0, 1, 0, 2);
    for _ in 0..5 {
        s.alloc(100_000, 16);
    }
    s.free(0)
        .alloc(100_000, 16)
        .realloc(1, 900_000)
        .huge_realloc(0);
    v.push(("exhaustion-25x32", s.0));

    let mut s = header(0, 1, 30_000, 39);
    s.alloc(8, 1);
    let mut size = 8;
    while size < 1 << 19 {
        size *= 2;
        s.realloc(0, size);
    }
    v.push(("vec-doubling-25x32", s.0));

    let mut s = header(1, 0, 0, 10);
    s.alloc(10, 8).alloc(70_000, 8).free(0).alloc(10, 8);
    v.push(("no-initial-12x8", s.0));

    let mut s = header(0, 2, 20_000, 20);
    for k in [5, 8, 12, 15] {
        s.alloc(1, 1 << k).alloc((1 << k) + 3, 1 << k);
    }
    s.huge_alloc(16).huge_alloc(0).free(3);
    v.push(("aligned-25x32", s.0));
    v
}

/// Writes the seed corpus, `fuzz/corpus/<target>/<name>`, deterministically.
pub fn write_seeds() -> Result<()> {
    for (target, seeds) in [("model", model_seeds()), ("global", global_seeds())] {
        let dir = root().join("fuzz/corpus").join(target);
        std::fs::create_dir_all(&dir)?;
        for (name, bytes) in seeds {
            std::fs::write(dir.join(name), &bytes)?;
            eprintln!("    {target}/{name}: {} bytes", bytes.len());
        }
    }
    Ok(())
}

//! The benchmark reports, typed once for every side that writes or reads
//! them (`bench/runner`, `replay.mjs`, `run.mjs`, `cargo xtask bench`).
//! Fields are in the JSON's (alphabetical) order. A float that is not a
//! number is written as `null` and read back as NaN.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};

fn nan<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
}

/// `bench/results/report.json`: every allocator on every trace.
#[derive(Serialize, Deserialize)]
pub struct Report {
    pub allocators: Vec<Allocator>,
    /// The capped run's memory limit.
    pub capped_pages: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cold_start: Option<ColdStart>,
    pub engines: Engines,
    pub method: String,
    pub quick: bool,
    pub schema: u32,
    pub traces: BTreeMap<String, TraceInfo>,
}

#[derive(Serialize, Deserialize)]
pub struct Engines {
    /// The runner's engine, which counts instructions.
    pub fuel: String,
}

#[derive(Serialize, Deserialize)]
pub struct TraceInfo {
    /// Allocations in the trace.
    pub blocks: u64,
    pub ops: u64,
    pub what: String,
}

#[derive(Serialize, Deserialize)]
pub struct Allocator {
    pub bound: Vec<BoundPoint>,
    /// Random actions under a memory cap of `capped_pages`.
    pub capped: Figures,
    /// The registry's id (`size_bench::allocators`).
    pub id: String,
    pub name: String,
    pub ours: bool,
    pub traces: BTreeMap<String, Figures>,
}

/// One replay of a trace.
#[derive(Serialize, Deserialize)]
pub struct Figures {
    /// Requests that returned null.
    pub failed: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_failure: Option<FirstFailure>,
    pub instructions: Instructions,
    pub live_bytes_end: u64,
    pub memory_grow_calls: u64,
    pub memory_grow_pages: u64,
    pub pages_end: u64,
    pub pages_peak: u64,
}

#[derive(Serialize, Deserialize)]
pub struct FirstFailure {
    /// Live bytes / memory bytes.
    pub efficiency: f64,
    pub live_bytes: u64,
    pub memory_bytes: u64,
    pub op: u64,
}

/// Instructions (wasmtime fuel) per call.
#[derive(Serialize, Deserialize)]
pub struct Instructions {
    pub alloc: Counts,
    pub free: Counts,
    pub realloc: Counts,
}

/// A sample of instruction counts: nearest rank (`sorted[floor(p * n)]`),
/// so that a median or p99 is a count that occurred; no statistics when
/// empty.
#[derive(Serialize, Deserialize, Default)]
pub struct Counts {
    pub n: u64,
    #[serde(flatten)]
    pub stats: Option<Stats>,
}

#[derive(Serialize, Deserialize, Default)]
pub struct Stats {
    pub max: u64,
    pub mean: f64,
    pub median: u64,
    pub p99: u64,
    /// For allocate and realloc: the calls that grew memory told apart.
    #[serde(flatten)]
    pub growth: Option<Growth>,
}

/// A maximum set by a `memory.grow`, or by the first call (which sets the
/// heap up: for most allocators a `memory.grow`; ours starts in the initial
/// memory and grows nothing), says something else than one reached in a
/// steady heap.
#[derive(Serialize, Deserialize, Default, Clone, Copy)]
pub struct Growth {
    pub first: u64,
    /// Calls that grew memory.
    pub grew: u64,
    pub max_growing: u64,
    /// Neither the first nor growing.
    pub max_steady: u64,
    pub max_without_growth: u64,
}

impl Counts {
    /// The statistics of `xs`; with `grew` (per call: whether memory
    /// grew), also their [`Growth`].
    pub fn of(xs: &[u64], grew: Option<&[bool]>) -> Counts {
        let mut s = xs.to_vec();
        s.sort_unstable();
        let n = s.len();
        let q = |p: f64| s[((p * n as f64) as usize).min(n - 1)];
        let max_of = |keep: &dyn Fn(usize, bool) -> bool| {
            let g = grew.unwrap_or_default().iter();
            let kept = xs
                .iter()
                .zip(g)
                .enumerate()
                .filter(|&(i, (_, &g))| keep(i, g));
            kept.map(|(_, (&x, _))| x).max().unwrap_or(0)
        };
        let stats = (n > 0).then(|| Stats {
            max: s[n - 1],
            mean: s.iter().sum::<u64>() as f64 / n as f64,
            median: q(0.5),
            p99: q(0.99),
            growth: grew.map(|g| Growth {
                first: xs[0],
                grew: g.iter().filter(|&&g| g).count() as u64,
                max_growing: max_of(&|_, g| g),
                max_steady: max_of(&|i, g| i > 0 && !g),
                max_without_growth: max_of(&|_, g| !g),
            }),
        });
        Counts { n: n as u64, stats }
    }

    /// The growth figures (zero when there are none).
    pub fn growth(&self) -> Growth {
        self.stats
            .as_ref()
            .and_then(|s| s.growth)
            .unwrap_or_default()
    }
}

/// The bound: instructions per allocate and free at one heap size.
#[derive(Serialize, Deserialize)]
pub struct BoundPoint {
    pub alloc: BoundAlloc,
    /// `live` (live blocks) or `pages` (heap pages).
    pub axis: String,
    pub failed: u64,
    pub free: BoundFree,
    pub live: u64,
    pub pages: u64,
}

#[derive(Serialize, Deserialize)]
pub struct BoundAlloc {
    pub grew: u64,
    pub max: u64,
    pub max_without_growth: u64,
    pub p99: u64,
}

#[derive(Serialize, Deserialize)]
pub struct BoundFree {
    pub max: u64,
    pub p99: u64,
}

/// What `replay.mjs` measures in one engine: per allocator and trace, one
/// sample per round (ms of a cold run) and the pages at the end of each
/// run.
#[derive(Serialize, Deserialize)]
pub struct Runs {
    pub engine: String,
    pub runs: Vec<Run>,
}

#[derive(Serialize, Deserialize)]
pub struct Run {
    pub allocator: String,
    pub pages: Vec<f64>,
    pub samples: Vec<f64>,
    pub trace: String,
}

#[derive(Serialize, Deserialize)]
pub struct ColdStart {
    /// By engine.
    pub engines: BTreeMap<String, ColdEngine>,
    pub method: String,
}

#[derive(Serialize, Deserialize)]
pub struct ColdEngine {
    pub engine: String,
    pub rounds: usize,
    /// By trace, then allocator.
    pub traces: BTreeMap<String, BTreeMap<String, Cold>>,
}

/// One allocator's cold replays of one trace.
#[derive(Serialize, Deserialize)]
pub struct Cold {
    /// Exact growth's median over this allocator's (above 1: faster than
    /// exact growth).
    #[serde(deserialize_with = "nan")]
    pub exact_over_this: f64,
    pub ms: Vec<f64>,
    #[serde(deserialize_with = "nan")]
    pub ms_median: f64,
    #[serde(deserialize_with = "nan")]
    pub pages_end: f64,
    /// Exact growth's run over this one's, per round (not for exact growth).
    #[serde(flatten)]
    pub paired: Option<Paired>,
}

#[derive(Serialize, Deserialize)]
pub struct Paired {
    #[serde(rename = "paired_exact_over_this_max", deserialize_with = "nan")]
    pub max: f64,
    #[serde(rename = "paired_exact_over_this_median", deserialize_with = "nan")]
    pub median: f64,
    #[serde(rename = "paired_exact_over_this_min", deserialize_with = "nan")]
    pub min: f64,
}

/// What `bench/programs/run.mjs` writes: every run.
#[derive(Serialize, Deserialize)]
pub struct ProgramRuns {
    pub meta: ProgramsMeta,
    pub samples: Vec<ProgramSamples>,
}

#[derive(Serialize, Deserialize)]
pub struct ProgramSamples {
    pub allocator: String,
    pub engine: String,
    pub profile: String,
    pub program: String,
    /// One per timed round.
    pub runs: Vec<ProgramRun>,
}

#[derive(Serialize, Deserialize)]
pub struct ProgramRun {
    pub checksum: Option<String>,
    pub cpu_ms: Option<f64>,
    pub error: Option<String>,
    pub ms: Option<f64>,
    pub pages: Option<u64>,
}

/// `bench/results/programs.json`: the real programs, their time over ours.
#[derive(Serialize, Deserialize)]
pub struct Programs {
    pub geomeans: Vec<Geomean>,
    pub meta: ProgramsMeta,
    /// What the runs got wrong (checksums, failures of ours).
    pub problems: Vec<String>,
    pub results: Vec<ProgramRow>,
}

#[derive(Serialize, Deserialize, Default)]
pub struct ProgramsMeta {
    pub allocators: Vec<String>,
    pub chromium: Option<String>,
    pub cpus: usize,
    pub engines: Vec<String>,
    pub load_after: Vec<f64>,
    pub load_before: Vec<f64>,
    pub node: String,
    pub profiles: Vec<String>,
    pub programs: Vec<String>,
    pub rounds: usize,
    pub tlsf_commit: Option<String>,
    pub tlsf_dir: String,
    pub tlsf_dirty: bool,
    pub warmup: usize,
    /// The rest (date, versions, scales, build times), kept as written.
    #[serde(flatten)]
    pub other: BTreeMap<String, serde_json::Value>,
}

/// One (program, allocator, opt-level, engine, clock): the runs' times,
/// and their ratio to ours within a round, over the rounds.
#[derive(Serialize, Deserialize, Default, Clone)]
pub struct ProgramRow {
    pub allocator: String,
    /// `wall` or `cpu`.
    pub clock: String,
    pub engine: String,
    /// Why a run did not finish (there are no figures then).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(flatten)]
    pub figures: Option<RowFigures>,
    pub label: String,
    pub profile: String,
    pub program: String,
    pub runs: usize,
}

#[derive(Serialize, Deserialize, Default, Clone)]
pub struct RowFigures {
    pub checksum: String,
    pub max_ms: f64,
    pub median_cpu_ms: Option<f64>,
    pub median_ms: f64,
    pub min_ms: f64,
    /// The most at the end of a run.
    pub pages: u64,
    /// Their time / ours (not when ours failed).
    pub ratio_max: Option<f64>,
    pub ratio_median: Option<f64>,
    pub ratio_min: Option<f64>,
}

/// One allocator's geometric mean of its ratios over the programs (none
/// when a program failed), and the range of the per-round geomeans.
#[derive(Serialize, Deserialize)]
pub struct Geomean {
    pub allocator: String,
    pub clock: String,
    pub engine: String,
    pub geomean: Option<f64>,
    pub geomean_round_max: Option<f64>,
    pub geomean_round_min: Option<f64>,
    pub label: String,
    pub profile: String,
    pub programs: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Nearest rank, and the growth figures told apart by call.
    #[test]
    fn counts_of_a_sample() {
        let c = Counts::of(&[5, 1, 3, 2, 4], Some(&[true, false, false, true, false]));
        let s = c.stats.as_ref().unwrap();
        assert_eq!((c.n, s.median, s.p99, s.max, s.mean), (5, 3, 5, 5, 3.0));
        let g = c.growth();
        assert_eq!((g.first, g.grew, g.max_growing), (5, 2, 5));
        assert_eq!((g.max_steady, g.max_without_growth), (4, 4));
        assert!(Counts::of(&[], None).stats.is_none());
    }
}

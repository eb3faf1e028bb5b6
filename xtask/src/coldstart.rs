//! `cargo xtask bench`'s cold start (`bench/runner/replay.mjs` in node and
//! headless Chromium) and the report's section on `memory.grow` calls and
//! cold start: exact growth against amortized growth and the peers.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result};
use bench_report::{Cold, ColdEngine, ColdStart, Paired, Report, Runs};

use size_bench::allocators::ALLOCATORS;
use size_bench::numbers::{median, median_range};

use crate::bench::head;
use crate::util::{root, run};

/// The traces replayed cold: a synthetic one and the real program's.
const TRACES: &[&str] = &["random", "serde_json"];

/// Exact growth, and the same allocator with amortized growth.
const EXACT: &str = "wasm-tlsf";
const AMORTIZED: &str = "wasm-tlsf-amortized";

/// The allocators replayed cold: the registry's `cold_start` ones.
fn rows() -> impl Iterator<Item = &'static str> {
    ALLOCATORS.iter().filter(|a| a.cold_start).map(|a| a.id)
}

/// The engines, as `replay.mjs` names them.
const ENGINES: &[&str] = &["node", "chromium"];

/// Replays [`TRACES`] cold in each engine on the modules of [`rows`], 21
/// rounds (2 if `quick`): the report's `cold_start`. Fails if a run is
/// missing or ended at other pages than wasmtime's replay.
pub fn measure(
    dir: &Path,
    modules: &[(&str, PathBuf)],
    report: &Report,
    quick: bool,
) -> Result<ColdStart> {
    let rounds = if quick { 2 } else { 21 };
    // A missing one shows as its runs missing.
    let modules: Vec<_> = modules
        .iter()
        .filter(|(id, _)| rows().any(|r| r == *id))
        .cloned()
        .collect();
    let mut problems = Vec::new();
    let mut engines = BTreeMap::new();
    for engine in ENGINES {
        let runs = replay(dir, engine, rounds, &modules)?;
        let mut traces = BTreeMap::new();
        for t in TRACES {
            let run = |id: &str| {
                runs.runs
                    .iter()
                    .find(|r| r.allocator == id && r.trace == *t)
            };
            let exact = run(EXACT).map(|r| r.samples.clone()).unwrap_or_default();
            let mut by_id = BTreeMap::new();
            for id in rows() {
                let (ms, pages) = run(id)
                    .map(|r| (r.samples.clone(), r.pages.clone()))
                    .unwrap_or_default();
                if ms.len() != rounds {
                    problems.push(format!(
                        "{engine} {t} {id}: {} cold runs, want {rounds}",
                        ms.len(),
                    ));
                }
                // The same trace ends at the same pages in every engine.
                let a = report.allocators.iter().find(|a| a.id == id);
                let want = a.and_then(|a| a.traces.get(*t)).map(|f| f.pages_end as f64);
                if pages.iter().any(|&p| Some(p) != want) {
                    problems.push(format!(
                        "{engine} {t} {id}: cold runs end at {pages:?} pages, wasmtime's replay at {want:?}"
                    ));
                }
                // Per round: exact's run over this one's.
                let (m, min, max) = paired(&exact, &ms);
                let paired = (id != EXACT).then_some(Paired {
                    max,
                    median: m,
                    min,
                });
                let row = Cold {
                    exact_over_this: median(&exact) / median(&ms),
                    ms_median: median(&ms),
                    pages_end: median(&pages),
                    ms,
                    paired,
                };
                by_id.insert(id.to_string(), row);
            }
            traces.insert(t.to_string(), by_id);
        }
        let cold = ColdEngine {
            engine: runs.engine,
            rounds,
            traces,
        };
        engines.insert(engine.to_string(), cold);
    }
    crate::util::no_problems(
        "the cold-start runs are incomplete or inconsistent",
        &problems,
    )?;
    Ok(ColdStart {
        method: "a fresh instance (compiled once; each module replays each trace once untimed first) with an empty heap replays the whole trace, timed from before instantiation to after the last operation, after a full garbage collection; every round runs every allocator on every trace in an order rotating by round; exact_over_this = exact growth's median / this allocator's (above 1: faster than exact growth)".into(),
        engines,
    })
}

/// Paired runs: `xs[i] / ys[i]` per round (where `ys[i]` is positive),
/// their median, min and max.
fn paired(xs: &[f64], ys: &[f64]) -> (f64, f64, f64) {
    let ratios: Vec<f64> = xs
        .iter()
        .zip(ys)
        .filter(|(_, y)| **y > 0.0)
        .map(|(x, y)| x / y)
        .collect();
    median_range(&ratios)
}

/// `bench/runner/replay.mjs` in `mode` (`node` or `chromium`): `rounds`
/// rounds of [`TRACES`] (in `dir/traces`) on `modules` ((id, file)).
fn replay(dir: &Path, mode: &str, rounds: usize, modules: &[(&str, PathBuf)]) -> Result<Runs> {
    eprintln!("bench: {mode} replays ({rounds} rounds)");
    let out = dir.join(format!("replay-{mode}.json"));
    let mut cmd = Command::new("node");
    cmd.arg("--expose-gc")
        .arg(root().join("bench/runner/replay.mjs"))
        .args([mode, &rounds.to_string()])
        .arg(dir.join("traces"))
        .arg(&out)
        .arg(TRACES.join(","))
        .args(crate::bench::module_args(modules));
    if mode == "chromium" {
        crate::bench::serve_page(&mut cmd, dir.join("page"))?;
    }
    run(&mut cmd).with_context(|| format!("replays in {mode}"))?;
    crate::util::read_json(&out)
}

/// The report's section: `memory.grow` calls and cold start.
pub fn markdown(report: &Report) -> String {
    let mut md = String::new();
    md += "\n### `memory.grow` calls (pages at the end)\n\nCounted exactly in wasmtime: every `memory.grow` the module makes (a `ResourceLimiter` counts wasmtime's `memory_growing` questions after instantiation).\n\n";
    md += &crate::bench::by_trace(report, |f| {
        format!("{} ({})", f.memory_grow_calls, f.pages_end)
    });
    let Some(cold) = &report.cold_start else {
        return md;
    };
    md += &format!("\n### Cold start\n\n{}.\n", cold.method);
    for (engine, e) in ENGINES
        .iter()
        .filter_map(|e| Some((e, cold.engines.get(*e)?)))
    {
        md += &format!(
            "\n{}, {} rounds: median ms per cold replay (exact growth's median / this one's; for amortized growth, the same per round: median, min-max)\n\n{}",
            if e.engine.is_empty() { engine } else { e.engine.as_str() },
            e.rounds,
            head("allocator", TRACES)
        );
        for id in rows() {
            let cells: Vec<String> = TRACES
                .iter()
                .map(|t| {
                    let n = f64::NAN;
                    let r = e.traces.get(*t).and_then(|r| r.get(id));
                    let (ms, ratio) = r.map_or((n, n), |r| (r.ms_median, r.exact_over_this));
                    let paired = match r.and_then(|r| r.paired.as_ref()) {
                        Some(p) if id == AMORTIZED => {
                            format!("; paired {:.2} ({:.2}-{:.2})", p.median, p.min, p.max)
                        }
                        _ => String::new(),
                    };
                    format!("{ms:.1} ({ratio:.2}{paired})")
                })
                .collect();
            let a = report.allocators.iter().find(|a| a.id == id);
            let name = a.map_or(id, |a| a.name.as_str());
            md += &format!("| {name} | {} |\n", cells.join(" | "));
        }
    }
    md
}

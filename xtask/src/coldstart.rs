//! `cargo xtask bench`'s cold start (a fresh instance
//! with an empty heap replaying a whole trace) in node and in headless
//! Chromium, `memory.grow` calls per trace and allocator, and the figures
//! that compare exact growth (`wasm-tlsf`) with amortized growth
//! (`wasm-tlsf-amortized`) and ours with the peers on the buffer and
//! aligned traces.
//!
//! `bench/runner/coldstart.mjs` does the runs; the runner counts
//! `memory.grow` calls with a wasmtime `ResourceLimiter` (its figures'
//! `memory_grow_calls`).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};

use size_bench::allocators::ALLOCATORS;
use size_bench::numbers::{median, min_max};

use crate::util::{root, run};

/// The traces replayed cold: a synthetic one and the real program's.
pub const TRACES: &[&str] = &["random", "serde_json"];

/// Exact growth, and the same allocator with amortized growth.
pub const EXACT: &str = "wasm-tlsf";
pub const AMORTIZED: &str = "wasm-tlsf-amortized";

/// The allocators replayed cold: the registry's `cold_start` ones.
fn rows() -> impl Iterator<Item = &'static str> {
    ALLOCATORS.iter().filter(|a| a.cold_start).map(|a| a.id)
}

/// The engines, as `coldstart.mjs` names them.
const ENGINES: &[&str] = &["node", "chromium"];

/// Runs `coldstart.mjs` in each engine on the modules of [`rows`] (from
/// `modules`, the bench's (id, module) list) with the trace files in
/// `dir/traces`; writes `dir/coldstart-ENGINE.json` and returns
/// `{engine: that file's JSON}`.
pub fn measure(dir: &Path, modules: &[(String, PathBuf)], quick: bool) -> Result<Value> {
    let rounds = if quick { "2" } else { "21" };
    let rows: Vec<String> = rows()
        .map(|id| {
            let (_, p) = modules
                .iter()
                .find(|(m, _)| m == id)
                .with_context(|| format!("cold start: no `{id}` module"))?;
            Ok(format!("{id}={}", p.display()))
        })
        .collect::<Result<_>>()?;
    // The chromium engine's page: written by coldstart.mjs, served here.
    let page = dir.join("cold-page");
    let server = crate::demo::serve_dir(page.clone(), 0)?;
    let mut out = serde_json::Map::new();
    for engine in ENGINES {
        eprintln!("bench: cold start in {engine} ({rounds} rounds)");
        let file = dir.join(format!("coldstart-{engine}.json"));
        run(Command::new("node")
            .arg("--expose-gc")
            .arg(root().join("bench/runner/coldstart.mjs"))
            .arg(engine)
            .arg(rounds)
            .arg(dir.join("traces"))
            .arg(&file)
            .arg(TRACES.join(","))
            .args(&rows)
            .env("COLD_PAGE_DIR", &page)
            .env("COLD_PAGE_URL", format!("http://{}/", server.addr)))
        .with_context(|| format!("cold start in {engine}"))?;
        out.insert(
            engine.to_string(),
            serde_json::from_str(&std::fs::read_to_string(&file)?)?,
        );
    }
    Ok(Value::Object(out))
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .map(|a| a.iter().filter_map(|x| x.as_f64()).collect())
        .unwrap_or_default()
}

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or(f64::NAN)
}

/// The report's `cold_start`: per engine, trace and allocator, the runs'
/// milliseconds, their median, the median pages at the end, and the ratio
/// of exact growth's median to the allocator's (above 1: faster than
/// exact); for the amortized row also the same ratio per round (paired
/// runs), its median, min and max. Fails if a run is missing or an
/// allocator ended a run with other pages than wasmtime's replay.
pub fn summarise(cold: &Value, results: &[Value], rounds: u64) -> Result<Value> {
    let mut problems = Vec::new();
    let mut engines = serde_json::Map::new();
    for engine in ENGINES {
        let e = &cold[*engine];
        let mut traces = serde_json::Map::new();
        for t in TRACES {
            let ms = |id: &str| -> Vec<f64> {
                e["runs"]
                    .as_array()
                    .and_then(|r| r.iter().find(|r| r["allocator"] == id && r["trace"] == *t))
                    .map(|r| floats(&r["ms"]))
                    .unwrap_or_default()
            };
            let exact = ms(EXACT);
            let mut by_id = serde_json::Map::new();
            for id in rows() {
                let theirs = ms(id);
                if theirs.len() as u64 != rounds {
                    problems.push(format!(
                        "{engine} {t} {id}: {} cold runs, want {rounds}",
                        theirs.len()
                    ));
                }
                let run = e["runs"]
                    .as_array()
                    .and_then(|r| r.iter().find(|r| r["allocator"] == *id && r["trace"] == *t));
                let pages = run.map(|r| floats(&r["pages"])).unwrap_or_default();
                // The same trace ends at the same pages in every engine.
                let want = results
                    .iter()
                    .find(|r| r["allocator"] == *id && r["trace"] == *t)
                    .map(|r| num(&r["figures"]["pages_end"]));
                if pages.iter().any(|&p| Some(p) != want) {
                    problems.push(format!(
                        "{engine} {t} {id}: cold runs end at {pages:?} pages, wasmtime's replay at {want:?}"
                    ));
                }
                let mut row = json!({
                    "ms": theirs,
                    "ms_median": median(&theirs),
                    "pages_end": median(&pages),
                    "exact_over_this": median(&exact) / median(&theirs),
                });
                if id != EXACT {
                    // Per round: exact's run over this one's.
                    let per: Vec<f64> = exact.iter().zip(&theirs).map(|(x, y)| x / y).collect();
                    let (min, max) = min_max(&per);
                    row["paired_exact_over_this_median"] = json!(median(&per));
                    row["paired_exact_over_this_min"] = json!(min);
                    row["paired_exact_over_this_max"] = json!(max);
                }
                by_id.insert(id.to_string(), row);
            }
            traces.insert(t.to_string(), Value::Object(by_id));
        }
        engines.insert(
            engine.to_string(),
            json!({"engine": e["engine"], "rounds": e["rounds"], "traces": traces}),
        );
    }
    if !problems.is_empty() {
        bail!(
            "the cold-start runs are incomplete or inconsistent:\n  {}",
            problems.join("\n  ")
        );
    }
    Ok(json!({
        "method": "a fresh instance (compiled once; each module replays each trace once untimed first) with an empty heap replays the whole trace, timed from before instantiation to after the last operation, after a full garbage collection; every round runs every allocator on every trace in an order rotating by round; exact_over_this = exact growth's median / this allocator's (above 1: faster than exact growth)",
        "engines": engines,
    }))
}

/// Every allocator's figures on every trace have their `memory.grow`
/// count, and it agrees with memory: no calls where no page was grown.
pub fn check_grows(results: &[Value]) -> Vec<String> {
    let mut problems = Vec::new();
    for r in results {
        let f = &r["figures"];
        match (
            f["memory_grow_calls"].as_u64(),
            f["memory_grow_pages"].as_u64(),
        ) {
            (Some(c), Some(p)) if c <= p => {}
            (c, p) => problems.push(format!(
                "{} {}: memory.grow calls {c:?} for {p:?} pages",
                r["allocator"], r["trace"]
            )),
        }
    }
    problems
}

/// The report's section: `memory.grow` calls and cold start.
pub fn markdown(report: &Value, traces: &[&str]) -> String {
    let mut md = String::new();
    let allocators = report["allocators"].as_array().cloned().unwrap_or_default();
    md += "\n### `memory.grow` calls (pages at the end)\n\nCounted exactly in wasmtime: every `memory.grow` the module makes (a `ResourceLimiter` counts wasmtime's `memory_growing` questions after instantiation).\n\n";
    md += &format!(
        "| allocator | {} |\n|---|{}\n",
        traces.join(" | "),
        "---|".repeat(traces.len())
    );
    for a in &allocators {
        let cells: Vec<String> = traces
            .iter()
            .map(|t| {
                let f = &a["traces"][*t];
                format!("{} ({})", f["memory_grow_calls"], f["pages_end"])
            })
            .collect();
        md += &format!(
            "| {} | {} |\n",
            a["name"].as_str().unwrap_or(""),
            cells.join(" | ")
        );
    }
    let cold = &report["cold_start"];
    if cold.is_object() {
        md += &format!(
            "\n### Cold start\n\n{}.\n",
            cold["method"].as_str().unwrap_or("")
        );
        for engine in ENGINES {
            let e = &cold["engines"][*engine];
            md += &format!(
                "\n{}, {} rounds: median ms per cold replay (exact growth's median / this one's; for amortized growth, the same per round: median, min-max)\n\n| allocator | {} |\n|---|{}\n",
                e["engine"].as_str().unwrap_or(engine),
                e["rounds"],
                TRACES.join(" | "),
                "---|".repeat(TRACES.len())
            );
            for id in rows() {
                let cells: Vec<String> = TRACES
                    .iter()
                    .map(|t| {
                        let r = &e["traces"][*t][id];
                        let paired = if id == AMORTIZED {
                            format!(
                                "; paired {:.2} ({:.2}-{:.2})",
                                num(&r["paired_exact_over_this_median"]),
                                num(&r["paired_exact_over_this_min"]),
                                num(&r["paired_exact_over_this_max"])
                            )
                        } else {
                            String::new()
                        };
                        format!(
                            "{:.1} ({:.2}{paired})",
                            num(&r["ms_median"]),
                            num(&r["exact_over_this"])
                        )
                    })
                    .collect();
                let name = allocators
                    .iter()
                    .find(|a| a["id"] == id)
                    .and_then(|a| a["name"].as_str())
                    .unwrap_or(id);
                md += &format!("| {name} | {} |\n", cells.join(" | "));
            }
        }
    }
    md
}

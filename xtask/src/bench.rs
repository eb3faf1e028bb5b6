//! `cargo xtask bench [--quick]`: instructions per operation, memory, the
//! constant-time bound and cold start, for every allocator, side by side.
//!
//! Builds `size-bench/module` per allocator (`speed` profile), runs
//! `bench/runner` (wasmtime: a [`Report`] without the cold start) and
//! `bench/runner/replay.mjs` (cold start, [`crate::coldstart`]), completes
//! and checks the report (the check is what `cargo xtask test` runs, with
//! `--quick`; it never judges a time) and writes it
//! ([`crate::bench_charts`] draws the SVGs).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};
use bench_report::{Counts, Figures, Report};

use size_bench::allocators::{Allocator, ALLOCATORS};

use crate::setup::Tool;
use crate::util::{cargo_in, read_json, root, run};

/// The allocators benchmarked: the registry's, in its order.
fn rows() -> impl Iterator<Item = &'static Allocator> {
    ALLOCATORS.iter().filter(|a| a.bench)
}
pub const OURS: &str = "wasm-tlsf";
pub const TRACES: &[&str] = &[
    "random",
    "churn",
    "vectors",
    "serde_json",
    "buffer",
    "buffer-realloc",
    "buffer-mixed",
    "aligned",
];

pub fn out_dir() -> PathBuf {
    root().join("target/bench")
}

/// Where `--save` copies the full report for the README.
pub const SAVED: &str = "bench/results";

/// Serves `dir` (emptied first) to a page that `cmd` drives: the one
/// static server (`demo::serve_dir`), its directory and address in
/// `BENCH_PAGE_DIR` and `BENCH_PAGE_URL` (`bench/browser.mjs` reads them).
pub fn serve_page(cmd: &mut Command, dir: PathBuf) -> Result<()> {
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    std::fs::create_dir_all(&dir)?;
    let server = crate::demo::serve_dir(dir.clone(), 0)?;
    cmd.env("BENCH_PAGE_DIR", dir)
        .env("BENCH_PAGE_URL", format!("http://{}/", server.addr));
    Ok(())
}

/// `id=path` arguments, as the runner and `replay.mjs` take modules.
pub fn module_args<'a>(modules: &'a [(&str, PathBuf)]) -> impl Iterator<Item = String> + 'a {
    modules
        .iter()
        .map(|(id, p)| format!("{id}={}", p.display()))
}

pub fn bench(quick: bool, save: bool) -> Result<()> {
    crate::setup::need(&[Tool::WasmTarget, Tool::Debian, Tool::Playwright])?;
    if quick && save {
        bail!("--save keeps a full run's figures: run without --quick");
    }
    let started = std::time::Instant::now();
    let dir = out_dir();
    std::fs::create_dir_all(&dir)?;
    let mut modules = Vec::new();
    for a in rows() {
        modules.push((a.id, size_bench::build(a.id, "speed", false)?));
    }
    // Cargo's own progress shows: a first build of the runner (wasmtime)
    // takes minutes.
    eprintln!("bench: building the wasmtime runner (bench/runner, release)");
    run(&mut cargo_in(
        "bench/runner",
        "build --release --target-dir target",
    ))
    .context("building bench/runner")?;
    let mut runner = Command::new(root().join("target/release/bench-runner"));
    if quick {
        runner.arg("--quick");
    }
    run(runner.arg(&dir).args(module_args(&modules)))?;
    let mut report: Report = read_json(&dir.join("runner.json"))?;
    complete(&mut report);
    report.cold_start = Some(crate::coldstart::measure(&dir, &modules, &report, quick)?);
    check_complete(&report)?;
    std::fs::write(
        dir.join("report.json"),
        serde_json::to_string_pretty(&report)?,
    )?;
    let md = write_report(&report, &dir)?;
    println!("{md}");
    if save {
        let saved = root().join(SAVED);
        std::fs::create_dir_all(&saved)?;
        for f in FILES {
            std::fs::copy(dir.join(f), saved.join(f))?;
        }
        crate::doc_sections::write_section("bench", &md)?;
        eprintln!(
            "saved the report to {SAVED}/ and its section of {}",
            crate::doc_sections::PAGE
        );
    }
    eprintln!(
        "wrote {}/{} ({:.0}s)",
        dir.display(),
        FILES.join(", "),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// The runner's report completed: the method, and the registry's names
/// and which rows are ours.
fn complete(report: &mut Report) {
    report.method = "size-bench/module per allocator, speed profile (opt-level 3, LTO); traces replayed through its allocate/deallocate/reallocate exports; instructions = wasmtime fuel per call".into();
    for a in &mut report.allocators {
        let row = size_bench::allocators::get(&a.id);
        a.name = row.map_or(a.id.clone(), |r| r.name());
        a.ours = row.is_some_and(|r| r.ours());
    }
}

/// What a report writes, in its directory.
const FILES: [&str; 5] = [
    "report.md",
    "report.json",
    "instructions.svg",
    "bound-live.svg",
    "bound-pages.svg",
];

/// Writes the report's markdown and charts into `dir` (its JSON is the
/// caller's); returns the markdown.
fn write_report(report: &Report, dir: &Path) -> Result<String> {
    let md = markdown(report);
    std::fs::write(dir.join("report.md"), &md)?;
    crate::bench_charts::instructions(report, &dir.join("instructions.svg"))?;
    crate::bench_charts::bound(report, "live", &dir.join("bound-live.svg"))?;
    crate::bench_charts::bound(report, "pages", &dir.join("bound-pages.svg"))?;
    Ok(md)
}

/// `cargo xtask bench --redraw`: the saved report's markdown, charts and
/// section of BENCHMARKS.md, drawn again from its `report.json` without
/// measuring anything (after a change to how reports are written).
pub fn redraw() -> Result<()> {
    let saved = root().join(SAVED);
    let report: Report = read_json(&saved.join("report.json"))?;
    if report.quick {
        bail!("{SAVED}/report.json is a quick run's: save a full one");
    }
    let md = write_report(&report, &saved)?;
    crate::doc_sections::write_section("bench", &md)?;
    crate::programs::redraw()?;
    eprintln!(
        "redrew {SAVED}/, its section of {} and README's summary from {SAVED}/report.json",
        crate::doc_sections::PAGE
    );
    Ok(())
}

/// Every allocator has every figure, and the figures agree with the
/// traces: the same number of allocations attempted on every allocator,
/// failures only where memory ran out, `memory.grow` calls no more than the
/// pages grown.
fn check_complete(report: &Report) -> Result<()> {
    let mut problems = Vec::new();
    for id in rows().map(|a| a.id) {
        let Some(a) = report.allocators.iter().find(|a| a.id == id) else {
            problems.push(format!("{id}: not measured"));
            continue;
        };
        for t in TRACES {
            let (Some(f), Some(info)) = (a.traces.get(*t), report.traces.get(*t)) else {
                problems.push(format!("{id}: no {t} result"));
                continue;
            };
            let alloc = &f.instructions.alloc;
            if alloc.n != info.blocks {
                problems.push(format!(
                    "{id} {t}: {} allocations measured, the trace has {}",
                    alloc.n, info.blocks
                ));
            }
            if !alloc.stats.as_ref().is_some_and(|s| s.mean > 0.0) {
                problems.push(format!("{id} {t}: no instructions counted"));
            }
            if f.pages_peak < f.pages_end {
                problems.push(format!("{id} {t}: peak pages below pages at the end"));
            }
            let (g, max) = (alloc.growth(), alloc.stats.as_ref().map_or(0, |s| s.max));
            let has_growth = alloc.stats.as_ref().is_some_and(|s| s.growth.is_some());
            if !has_growth
                || g.grew > alloc.n
                || g.max_without_growth > max
                || g.max_steady > g.max_without_growth
            {
                problems.push(format!(
                    "{id} {t}: growth counts missing or inconsistent ({} grew, max {max}, without growth {})",
                    g.grew, g.max_without_growth
                ));
            }
            if f.memory_grow_calls > f.memory_grow_pages {
                problems.push(format!(
                    "{id} {t}: memory.grow calls {} for {} pages",
                    f.memory_grow_calls, f.memory_grow_pages
                ));
            }
            if f.failed > 0 && id == OURS {
                problems.push(format!(
                    "{OURS} failed requests on {t} without a memory cap"
                ));
            }
        }
        for axis in ["live", "pages"] {
            let n = a.bound.iter().filter(|b| b.axis == axis).count();
            if n < 3 {
                problems.push(format!("{id}: {n} bound points on the {axis} axis"));
            }
        }
    }
    crate::util::no_problems(
        "the benchmark report is incomplete or inconsistent",
        &problems,
    )
}

/// `mean / median / p99 / max`, `-` for no calls.
fn fmt4(c: &Counts) -> String {
    match &c.stats {
        Some(s) => format!("{:.0} / {} / {} / {}", s.mean, s.median, s.p99, s.max),
        None => "-".into(),
    }
}

/// A markdown table's head: `| first | columns... |` and its rule.
pub fn head(first: &str, columns: &[&str]) -> String {
    format!(
        "| {first} | {} |\n|---|{}\n",
        columns.join(" | "),
        "---|".repeat(columns.len())
    )
}

/// A table of every allocator (rows) on every trace (columns).
pub fn by_trace(report: &Report, cell: impl Fn(&Figures) -> String) -> String {
    let mut md = head("allocator", TRACES);
    for a in &report.allocators {
        let cells: Vec<String> = TRACES.iter().map(|t| cell(&a.traces[*t])).collect();
        md += &format!("| {} | {} |\n", a.name, cells.join(" | "));
    }
    md
}

fn markdown(report: &Report) -> String {
    let mut md = String::new();
    let q = if report.quick {
        " (--quick: small counts)"
    } else {
        ""
    };
    md += &format!("Benchmarks{q}. {}\n\n", report.method);
    for t in TRACES {
        let what = report.traces.get(*t).map_or(*t, |i| i.what.as_str());
        md += &format!(
            "### {what}\n\nInstructions per operation (mean / median / p99 / max) and memory:\n\n",
        );
        md += "| allocator | allocate | free | realloc | pages end / peak | failed |\n|---|---|---|---|---|---|\n";
        for a in &report.allocators {
            let f = &a.traces[*t];
            let i = &f.instructions;
            let name = if a.ours {
                format!("**{}**", a.name)
            } else {
                a.name.clone()
            };
            md += &format!(
                "| {name} | {} | {} | {} | {} / {} | {} |\n",
                fmt4(&i.alloc),
                fmt4(&i.free),
                fmt4(&i.realloc),
                f.pages_end,
                f.pages_peak,
                f.failed,
            );
        }
        md += "\n";
    }
    md += "### Allocate maxima by kind of call\n\nInstructions of the first allocation (which sets the heap up), the most among the steady ones (neither the first nor growing memory), and the most among those that grew memory (`-`: none did): first / steady / growing.\n\n";
    md += &by_trace(report, |f| {
        let g = f.instructions.alloc.growth();
        let growing = match g.max_growing {
            0 => "-".to_string(),
            g => g.to_string(),
        };
        format!("{} / {} / {growing}", g.first, g.max_steady)
    });
    md += "\n";
    md += &format!(
        "### Memory under a cap of {} pages (random actions)\n\n| allocator | failed requests | live bytes / memory at the first failure |\n|---|---|---|\n",
        report.capped_pages
    );
    for a in &report.allocators {
        let eff = match &a.capped.first_failure {
            None => "never failed".to_string(),
            Some(f) => format!("{:.1} %", f.efficiency * 100.0),
        };
        md += &format!("| {} | {} | {eff} |\n", a.name, a.capped.failed);
    }
    let ours = report.allocators.iter().find(|a| a.id == OURS);
    for (axis, what) in [
        ("live", "live blocks (16 B..1 KiB)"),
        ("pages", "heap pages (blocks of 256 B..256 KiB)"),
    ] {
        md += &format!(
            "\n### The bound: max (p99) instructions per allocate / free as {what} grow\n\n"
        );
        let at = |b: &bench_report::BoundPoint| {
            if axis == "live" {
                format!("{} live", b.live)
            } else {
                format!("{} pages", b.pages)
            }
        };
        let ours_points: Vec<_> = ours
            .iter()
            .flat_map(|a| &a.bound)
            .filter(|b| b.axis == axis)
            .collect();
        let points: Vec<String> = ours_points.iter().map(|b| at(b)).collect();
        md += &head(
            "allocator",
            &points.iter().map(String::as_str).collect::<Vec<_>>(),
        );
        for a in &report.allocators {
            let cells: Vec<String> = a
                .bound
                .iter()
                .filter(|b| b.axis == axis)
                .map(|b| {
                    let grew = if b.alloc.grew > 0 { "†" } else { "" };
                    format!(
                        "{}{grew} ({}) / {} ({})",
                        b.alloc.max, b.alloc.p99, b.free.max, b.free.p99
                    )
                })
                .collect();
            md += &format!("| {} | {} |\n", a.name, cells.join(" | "));
        }
        // Which maxima a `memory.grow` set, and ours without them.
        let steady: Vec<String> = ours_points
            .iter()
            .filter(|b| b.alloc.grew > 0)
            .map(|b| {
                format!(
                    "{}: {} grew, the others' max {}",
                    at(b),
                    b.alloc.grew,
                    b.alloc.max_without_growth
                )
            })
            .collect();
        md += "\n† At least one allocation in the measured window grew memory (`memory.grow`); the max includes it.";
        if !steady.is_empty() {
            md += &format!(" wasm-tlsf: {}.", steady.join("; "));
        }
        md += "\n";
    }
    md += &crate::coldstart::markdown(report);
    md
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The saved report reads into the typed [`Report`] and writes back as
    /// the same JSON: the types hold every field the file has.
    #[test]
    fn the_saved_report_round_trips() {
        let path = root().join(SAVED).join("report.json");
        let text = std::fs::read_to_string(&path).unwrap();
        let report: Report = read_json(&path).unwrap();
        let again = serde_json::to_value(&report).unwrap();
        assert_eq!(
            again,
            serde_json::from_str::<serde_json::Value>(&text).unwrap()
        );
    }
}

//! `cargo xtask bench [--quick]`: instructions per operation, wall-clock,
//! memory and the constant-time bound, for every allocator, side by side.
//!
//! 1. Builds `size-bench/module` per allocator in the `speed` profile
//!    (opt-level 3, LTO, one codegen unit, panic=abort) with its `bench`
//!    feature (adds `noop`, to subtract the cost of a call).
//! 2. `bench/runner` (wasmtime) generates the seeded traces and
//!    records the real program's, and measures fuel per operation, memory,
//!    the capped run, the bound sweep and wasmtime wall-clock.
//! 3. `bench/runner/wallclock.mjs` replays the same traces in node.
//! 4. Writes `target/bench/report.md`, `report.json` and SVG plots, after
//!    checking that the report is complete and consistent (this check is
//!    what `cargo xtask test` runs, with `--quick`; it never judges a time).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};

use size_bench::allocators::{Allocator, ALLOCATORS};
use size_bench::numbers::{median, min_max, thousands};

use crate::setup::Tool;
use crate::util::{cargo, root, run};

/// The allocators benchmarked: the registry's, in its order.
fn rows() -> impl Iterator<Item = &'static Allocator> {
    ALLOCATORS.iter().filter(|a| a.bench)
}
const OURS: &str = "wasm-tlsf";
const TRACES: &[&str] = &[
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
        let features = format!("{},bench", a.id);
        modules.push((a.id.to_string(), size_bench::build(&features, "speed")?));
    }
    // Cargo's own progress shows: a first build of the runner (wasmtime)
    // takes minutes.
    eprintln!("bench: building the wasmtime runner (bench/runner, release)");
    run(cargo()
        .args(["build", "--release", "--target-dir", "target"])
        .arg("--manifest-path")
        .arg(root().join("bench/runner/Cargo.toml")))
    .context("building bench/runner")?;
    let rows: Vec<String> = modules
        .iter()
        .map(|(id, p)| format!("{id}={}", p.display()))
        .collect();

    let mut runner = Command::new(root().join("target/release/bench-runner"));
    if quick {
        runner.arg("--quick");
    }
    run(runner.arg(&dir).args(&rows))?;
    let rounds = if quick { "2" } else { "21" };
    run(Command::new("node")
        .arg(root().join("bench/runner/wallclock.mjs"))
        .arg(rounds)
        .arg(dir.join("traces"))
        .arg(dir.join("node.json"))
        .args(&rows))?;

    let cold = crate::coldstart::measure(&dir, &modules, quick)?;

    let runner: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("runner.json"))?)?;
    let node: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("node.json"))?)?;
    check_complete(&runner, &node)?;
    let mut report = assemble(&runner, &node, quick)?;
    report["cold_start"] =
        crate::coldstart::summarise(&cold, arr(&runner, "results"), if quick { 2 } else { 21 })?;
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
fn write_report(report: &Value, dir: &Path) -> Result<String> {
    let md = markdown(report);
    std::fs::write(dir.join("report.md"), &md)?;
    plot_instructions(report, &dir.join("instructions.svg"))?;
    plot_bound(report, "live", &dir.join("bound-live.svg"))?;
    plot_bound(report, "pages", &dir.join("bound-pages.svg"))?;
    Ok(md)
}

/// `cargo xtask bench --redraw`: the saved report's markdown, charts and
/// section of BENCHMARKS.md, drawn again from its `report.json` without
/// measuring anything (after a change to how reports are written).
pub fn redraw() -> Result<()> {
    let saved = root().join(SAVED);
    let report: Value = serde_json::from_str(&std::fs::read_to_string(saved.join("report.json"))?)?;
    if report["quick"] == true {
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

fn arr<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    v[key].as_array().map(|a| a.as_slice()).unwrap_or(&[])
}

/// Every allocator has every figure, and the figures agree with the
/// traces: the same number of allocations attempted on every allocator,
/// failures only where memory ran out, wall-clock samples for every round.
fn check_complete(runner: &Value, node: &Value) -> Result<()> {
    let mut problems = Vec::new();
    for id in rows().map(|a| a.id) {
        for t in TRACES {
            let ops = runner["traces"][t]["blocks"].as_u64().unwrap_or(0);
            match arr(runner, "results")
                .iter()
                .find(|r| r["allocator"] == *id && r["trace"] == *t)
            {
                None => problems.push(format!("{id}: no {t} result")),
                Some(r) => {
                    let f = &r["figures"];
                    let n = f["instructions"]["alloc"]["n"].as_u64().unwrap_or(0);
                    if n != ops {
                        problems.push(format!(
                            "{id} {t}: {n} allocations measured, the trace has {ops}"
                        ));
                    }
                    if f["instructions"]["alloc"]["mean"].as_f64().unwrap_or(0.0) <= 0.0 {
                        problems.push(format!("{id} {t}: no instructions counted"));
                    }
                    if f["pages_peak"].as_u64().unwrap_or(0) < f["pages_end"].as_u64().unwrap_or(1)
                    {
                        problems.push(format!("{id} {t}: peak pages below pages at the end"));
                    }
                    let a = &f["instructions"]["alloc"];
                    let (grew, steady, max) = (
                        a["grew"].as_u64(),
                        a["max_without_growth"].as_u64(),
                        a["max"].as_u64(),
                    );
                    let (first, settled) = (a["first"].as_u64(), a["max_steady"].as_u64());
                    if !matches!(grew, Some(g) if g <= n)
                        || !matches!((steady, max), (Some(s), Some(m)) if s <= m)
                        || !matches!((settled, steady), (Some(s), Some(w)) if s <= w)
                        || first.is_none()
                    {
                        problems.push(format!(
                            "{id} {t}: growth counts missing or inconsistent ({grew:?} grew, max {max:?}, without growth {steady:?})"
                        ));
                    }
                }
            }
            for (engine, v, key) in [
                ("wasmtime", runner, "wallclock_wasmtime"),
                ("node", node, "wallclock"),
            ] {
                let want = if engine == "node" {
                    node["rounds"].as_u64()
                } else {
                    runner["rounds"].as_u64()
                };
                let got = arr(v, key)
                    .iter()
                    .find(|r| r["allocator"] == *id && r["trace"] == *t)
                    .map(|r| arr(r, "ns_per_op").len() as u64);
                if got != want || want.is_none() {
                    problems.push(format!(
                        "{id} {t}: {engine} wall-clock has {got:?} rounds, want {want:?}"
                    ));
                }
            }
        }
        if !arr(runner, "capped").iter().any(|r| r["allocator"] == *id) {
            problems.push(format!("{id}: no capped run"));
        }
        for axis in ["live", "pages"] {
            let n = arr(runner, "bound")
                .iter()
                .filter(|b| b["allocator"] == *id && b["axis"] == axis)
                .count();
            if n < 3 {
                problems.push(format!("{id}: {n} bound points on the {axis} axis"));
            }
        }
    }
    problems.extend(crate::coldstart::check_grows(arr(runner, "results")));
    // An allocator that fails with memory to spare is a bug in the run.
    for r in arr(runner, "results") {
        if r["figures"]["failed"].as_u64().unwrap_or(0) > 0 && r["allocator"] == OURS {
            problems.push(format!(
                "{OURS} failed requests on {} without a memory cap",
                r["trace"]
            ));
        }
    }
    if !problems.is_empty() {
        bail!(
            "the benchmark report is incomplete or inconsistent:\n  {}",
            problems.join("\n  ")
        );
    }
    Ok(())
}

/// Wall-clock per allocator and trace: median ns/op, and the ratio to ours
/// per round (their time / ours, same round): median, min, max.
fn wall(entries: &[Value]) -> BTreeMap<(String, String), Value> {
    let get = |id: &str, t: &str| -> Vec<f64> {
        entries
            .iter()
            .find(|r| r["allocator"] == id && r["trace"] == t)
            .map(|r| {
                arr(r, "ns_per_op")
                    .iter()
                    .filter_map(|x| x.as_f64())
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut out = BTreeMap::new();
    for id in rows().map(|a| a.id) {
        for t in TRACES {
            let theirs = get(id, t);
            let ours = get(OURS, t);
            let ratios: Vec<f64> = theirs
                .iter()
                .zip(&ours)
                .filter(|(_, o)| **o > 0.0)
                .map(|(a, o)| a / o)
                .collect();
            let (min, max) = min_max(&ratios);
            out.insert(
                (id.to_string(), t.to_string()),
                json!({
                    "ns_per_op_median": median(&theirs),
                    "ratio_to_ours_median": median(&ratios),
                    "ratio_to_ours_min": min,
                    "ratio_to_ours_max": max,
                    "ns_per_op": theirs,
                }),
            );
        }
    }
    out
}

fn assemble(runner: &Value, node: &Value, quick: bool) -> Result<Value> {
    let wt = wall(arr(runner, "wallclock_wasmtime"));
    let nd = wall(arr(node, "wallclock"));
    let mut allocators = Vec::new();
    for id in rows().map(|a| a.id) {
        let mut traces = serde_json::Map::new();
        for t in TRACES {
            let r = arr(runner, "results")
                .iter()
                .find(|r| r["allocator"] == *id && r["trace"] == *t)
                .context("result")?;
            let mut f = r["figures"].clone();
            f["wallclock_node"] = nd[&(id.to_string(), t.to_string())].clone();
            f["wallclock_wasmtime"] = wt[&(id.to_string(), t.to_string())].clone();
            traces.insert(t.to_string(), f);
        }
        let capped = arr(runner, "capped")
            .iter()
            .find(|r| r["allocator"] == *id)
            .map(|r| r["figures"].clone())
            .unwrap_or(Value::Null);
        let bound: Vec<Value> = arr(runner, "bound")
            .iter()
            .filter(|b| b["allocator"] == *id)
            .map(|b| {
                let mut p = b["point"].clone();
                p["axis"] = b["axis"].clone();
                p
            })
            .collect();
        allocators.push(json!({
            "id": id,
            "name": size_bench::allocators::get(id).map_or(id.to_string(), |a| a.name()),
            "ours": id.starts_with("wasm-tlsf"),
            "traces": traces,
            "capped": capped,
            "bound": bound,
        }));
    }
    let report = json!({
        "schema": 1,
        "quick": quick,
        "method": "size-bench/module per allocator, speed profile (opt-level 3, LTO); traces replayed through its allocate/deallocate/reallocate exports; instructions = wasmtime fuel per call; wall-clock = (replay time - as many noop calls) / operations, every allocator in every round",
        "engines": {"fuel": runner["engine"], "node": node["engine"]},
        "traces": runner["traces"],
        "capped_pages": runner["capped_pages"],
        "allocators": allocators,
    });
    Ok(report)
}

fn alloc_of<'a>(report: &'a Value, id: &str) -> &'a Value {
    arr(report, "allocators")
        .iter()
        .find(|a| a["id"] == id)
        .unwrap_or(&Value::Null)
}

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or(f64::NAN)
}

fn markdown(report: &Value) -> String {
    let mut md = String::new();
    let q = if report["quick"] == true {
        " (--quick: small counts)"
    } else {
        ""
    };
    md += &format!(
        "Benchmarks{q}. {}\n\n",
        report["method"].as_str().unwrap_or("")
    );
    let fmt4 = |s: &Value| {
        if s["n"].as_u64().unwrap_or(0) == 0 {
            "-".to_string()
        } else {
            format!(
                "{:.0} / {} / {} / {}",
                num(&s["mean"]),
                s["median"],
                s["p99"],
                s["max"]
            )
        }
    };
    for t in TRACES {
        md += &format!(
            "### {}\n\nInstructions per operation (mean / median / p99 / max), memory, and wall-clock ratio to ours (their ns / ours, median of rounds, min-max):\n\n",
            report["traces"][t]["what"].as_str().unwrap_or(t)
        );
        md += "| allocator | allocate | free | realloc | pages end / peak | failed | node ratio | wasmtime ratio |\n|---|---|---|---|---|---|---|---|\n";
        for a in arr(report, "allocators") {
            let f = &a["traces"][t];
            let i = &f["instructions"];
            let ratio = |w: &Value| {
                format!(
                    "{:.2} ({:.2}-{:.2})",
                    num(&w["ratio_to_ours_median"]),
                    num(&w["ratio_to_ours_min"]),
                    num(&w["ratio_to_ours_max"])
                )
            };
            let name = a["name"].as_str().unwrap_or("");
            let name = if a["ours"] == true {
                format!("**{name}**")
            } else {
                name.to_string()
            };
            md += &format!(
                "| {name} | {} | {} | {} | {} / {} | {} | {} | {} |\n",
                fmt4(&i["alloc"]),
                fmt4(&i["free"]),
                fmt4(&i["realloc"]),
                f["pages_end"],
                f["pages_peak"],
                f["failed"],
                ratio(&f["wallclock_node"]),
                ratio(&f["wallclock_wasmtime"]),
            );
        }
        md += "\n";
    }
    md += "### Allocate maxima by kind of call\n\nInstructions of the first allocation (which sets the heap up), the most among the steady ones (neither the first nor growing memory), and the most among those that grew memory (`-`: none did): first / steady / growing.\n\n";
    md += &format!(
        "| allocator | {} |\n|---|{}\n",
        TRACES.join(" | "),
        "---|".repeat(TRACES.len())
    );
    for a in arr(report, "allocators") {
        let cells: Vec<String> = TRACES
            .iter()
            .map(|t| {
                let s = &a["traces"][t]["instructions"]["alloc"];
                let growing = match s["max_growing"].as_u64() {
                    Some(0) | None => "-".to_string(),
                    Some(g) => g.to_string(),
                };
                format!("{} / {} / {growing}", s["first"], s["max_steady"])
            })
            .collect();
        md += &format!(
            "| {} | {} |\n",
            a["name"].as_str().unwrap_or(""),
            cells.join(" | ")
        );
    }
    md += "\n";
    md += &format!(
        "### Memory under a cap of {} pages (random actions)\n\n| allocator | failed requests | live bytes / memory at the first failure |\n|---|---|---|\n",
        report["capped_pages"]
    );
    for a in arr(report, "allocators") {
        let c = &a["capped"];
        let eff = &c["first_failure"]["efficiency"];
        md += &format!(
            "| {} | {} | {} |\n",
            a["name"].as_str().unwrap_or(""),
            c["failed"],
            if eff.is_null() {
                "never failed".to_string()
            } else {
                format!("{:.1} %", num(eff) * 100.0)
            }
        );
    }
    for (axis, what) in [
        ("live", "live blocks (16 B..1 KiB)"),
        ("pages", "heap pages (blocks of 256 B..256 KiB)"),
    ] {
        md += &format!(
            "\n### The bound: max (p99) instructions per allocate / free as {what} grow\n\n"
        );
        let points: Vec<String> = arr(alloc_of(report, OURS), "bound")
            .iter()
            .filter(|b| b["axis"] == axis)
            .map(|b| {
                if axis == "live" {
                    format!("{} live", b["live"])
                } else {
                    format!("{} pages", b["pages"])
                }
            })
            .collect();
        md += &format!(
            "| allocator | {} |\n|---|{}\n",
            points.join(" | "),
            "---|".repeat(points.len())
        );
        for a in arr(report, "allocators") {
            let cells: Vec<String> = arr(a, "bound")
                .iter()
                .filter(|b| b["axis"] == axis)
                .map(|b| {
                    let grew = if b["alloc"]["grew"].as_u64().unwrap_or(0) > 0 {
                        "†"
                    } else {
                        ""
                    };
                    format!(
                        "{}{grew} ({}) / {} ({})",
                        b["alloc"]["max"], b["alloc"]["p99"], b["free"]["max"], b["free"]["p99"]
                    )
                })
                .collect();
            md += &format!(
                "| {} | {} |\n",
                a["name"].as_str().unwrap_or(""),
                cells.join(" | ")
            );
        }
        // Which maxima a `memory.grow` set, and ours without them.
        let steady: Vec<String> = arr(alloc_of(report, OURS), "bound")
            .iter()
            .filter(|b| b["axis"] == axis && b["alloc"]["grew"].as_u64().unwrap_or(0) > 0)
            .map(|b| {
                let at = if axis == "live" {
                    format!("{} live", b["live"])
                } else {
                    format!("{} pages", b["pages"])
                };
                format!(
                    "{at}: {} grew, the others' max {}",
                    b["alloc"]["grew"], b["alloc"]["max_without_growth"]
                )
            })
            .collect();
        md += "\n† At least one allocation in the measured window grew memory (`memory.grow`); the max includes it.";
        if !steady.is_empty() {
            md += &format!(" wasm-tlsf: {}.", steady.join("; "));
        }
        md += "\n";
    }
    md += &crate::coldstart::markdown(report, TRACES);
    md
}

fn colour(i: usize, ours: bool) -> plotters::style::RGBColor {
    use plotters::style::RGBColor;
    if ours && i == 0 {
        return RGBColor(214, 77, 38);
    }
    const P: [RGBColor; 9] = [
        RGBColor(214, 77, 38),
        RGBColor(240, 150, 90),
        RGBColor(31, 119, 180),
        RGBColor(44, 160, 44),
        RGBColor(148, 103, 189),
        RGBColor(140, 86, 75),
        RGBColor(127, 127, 127),
        RGBColor(188, 189, 34),
        RGBColor(23, 190, 207),
    ];
    P[i % P.len()]
}

/// Grouped bars: mean instructions per allocate and free, median per
/// realloc, on random actions.
fn plot_instructions(report: &Value, path: &Path) -> Result<()> {
    use plotters::prelude::*;
    use plotters::style::text_anchor::{HPos, Pos, VPos};
    // lol_alloc is off the scale by two orders of magnitude; it is in the
    // table.
    let rows: Vec<(&str, [f64; 3])> = arr(report, "allocators")
        .iter()
        .filter(|a| a["id"] != "lol_alloc")
        .map(|a| {
            let i = &a["traces"]["random"]["instructions"];
            (
                a["name"].as_str().unwrap_or(""),
                [
                    num(&i["alloc"]["mean"]),
                    num(&i["free"]["mean"]),
                    num(&i["realloc"]["median"]),
                ],
            )
        })
        .collect();
    let max = rows.iter().flat_map(|r| r.1).fold(1.0, f64::max);
    let n = rows.len();
    let area = SVGBackend::new(path, (960, 90 + 48 * n as u32)).into_drawing_area();
    area.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&area)
        .caption(
            "wasm instructions per operation, random actions (lol_alloc is off this scale: see the table)",
            ("sans-serif", 16),
        )
        .margin(12)
        .x_label_area_size(34)
        .y_label_area_size(300)
        .build_cartesian_2d(0f64..max * 1.4, 0f64..n as f64)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(0)
        .x_label_formatter(&|v| int_label(*v))
        .x_desc("instructions")
        .draw()?;
    // Row i (top to bottom) spans y in [n - 1 - i, n - i): three bars.
    let shades = [
        RGBColor(214, 77, 38),
        RGBColor(31, 119, 180),
        RGBColor(44, 160, 44),
    ];
    let top = |i: usize| (n - 1 - i) as f64;
    for (k, (what, c)) in ["allocate (mean)", "free (mean)", "realloc (median)"]
        .iter()
        .zip(shades)
        .enumerate()
    {
        chart
            .draw_series(rows.iter().enumerate().map(|(i, r)| {
                let y = top(i) + 0.72 - 0.25 * k as f64;
                Rectangle::new([(0.0, y), (r.1[k], y + 0.22)], c.filled())
            }))?
            .label(*what)
            .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 10, y + 5)], c.filled()));
    }
    let name_style =
        TextStyle::from(("sans-serif", 13).into_font()).pos(Pos::new(HPos::Right, VPos::Center));
    for (i, r) in rows.iter().enumerate() {
        let (x, y) = chart.backend_coord(&(0.0, top(i) + 0.5));
        area.draw(&Text::new(r.0.to_string(), (x - 8, y), name_style.clone()))?;
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE)
        .border_style(BLACK)
        .draw()?;
    area.present()?;
    Ok(())
}

/// An integer with thousands separators, for tick labels ("10", "1,000").
fn int_label(v: f64) -> String {
    thousands(v.round() as i64)
}

/// Small multiples: max instructions per allocate along one axis of the
/// bound sweep, one panel per allocator on shared log-log axes that start
/// and end at the data. Each panel repeats ours as a dashed grey reference;
/// a hollow marker is a point where an allocation in the measured window
/// grew memory.
fn plot_bound(report: &Value, axis: &str, path: &Path) -> Result<()> {
    use plotters::prelude::*;
    use plotters::style::text_anchor::{HPos, Pos, VPos};
    let xkey = if axis == "live" { "live" } else { "pages" };
    struct Line {
        name: String,
        ours: bool,
        /// (x, max instructions, grew memory)
        points: Vec<(f64, f64, bool)>,
    }
    let lines: Vec<Line> = arr(report, "allocators")
        .iter()
        .map(|a| Line {
            name: a["name"].as_str().unwrap_or("").to_string(),
            ours: a["id"] == OURS,
            points: arr(a, "bound")
                .iter()
                .filter(|b| b["axis"] == axis)
                .map(|b| {
                    (
                        num(&b[xkey]).max(1.0),
                        num(&b["alloc"]["max"]).max(1.0),
                        b["alloc"]["grew"].as_u64().unwrap_or(0) > 0,
                    )
                })
                .collect(),
        })
        .collect();
    let all = || lines.iter().flat_map(|l| l.points.iter());
    let lo_hi = |f: fn(&(f64, f64, bool)) -> f64| {
        all()
            .map(f)
            .fold((f64::INFINITY, 0f64), |(lo, hi), v| (lo.min(v), hi.max(v)))
    };
    let (xmin, xmax) = lo_hi(|p| p.0);
    let (ymin, ymax) = lo_hi(|p| p.1);
    if !xmin.is_finite() {
        bail!("no bound points on the {axis} axis");
    }
    // A little room around the data, so that end markers are not cut.
    let (xr, yr) = (
        (xmin / 1.25..xmax * 1.25).log_scale(),
        (ymin / 1.25..ymax * 1.25).log_scale(),
    );
    let what = if axis == "live" {
        "live blocks"
    } else {
        "heap pages (64 KiB)"
    };
    let cols = 3;
    let rows = lines.len().div_ceil(cols);
    let (w, panel_h, head) = (1080u32, 260u32, 64u32);
    let area = SVGBackend::new(path, (w, head + panel_h * rows as u32)).into_drawing_area();
    area.fill(&WHITE)?;
    let (top, body) = area.split_vertically(head);
    let centre =
        TextStyle::from(("sans-serif", 16).into_font()).pos(Pos::new(HPos::Center, VPos::Top));
    top.draw(&Text::new(
        format!(
            "the bound: max wasm instructions per allocate as {what} grow (log-log, shared axes)"
        ),
        (w as i32 / 2, 8),
        centre,
    ))?;
    let note =
        TextStyle::from(("sans-serif", 13).into_font()).pos(Pos::new(HPos::Center, VPos::Top));
    top.draw(&Text::new(
        "filled: no allocation in the window grew memory; hollow: one did (memory.grow); dashed grey: wasm-tlsf SmallGlobalTlsf",
        (w as i32 / 2, 34),
        note,
    ))?;
    let ours = lines.iter().find(|l| l.ours).map(|l| l.points.clone());
    for (i, (panel, line)) in body
        .split_evenly((rows, cols))
        .iter()
        .zip(&lines)
        .enumerate()
    {
        let c = colour(i, line.ours);
        let (bottom, left) = (
            i / cols == rows - 1 || i + cols >= lines.len(),
            i % cols == 0,
        );
        let mut chart = ChartBuilder::on(panel)
            .caption(&line.name, ("sans-serif", 13))
            .margin(10)
            .x_label_area_size(if bottom { 36 } else { 20 })
            .y_label_area_size(if left { 62 } else { 44 })
            .build_cartesian_2d(xr.clone(), yr.clone())?;
        let mut mesh = chart.configure_mesh();
        mesh.x_label_formatter(&|v| int_label(*v))
            .y_labels(12)
            .y_label_formatter(&|v| int_label(*v))
            .label_style(("sans-serif", 11))
            .light_line_style(WHITE.mix(0.0));
        if bottom {
            mesh.x_desc(what);
        }
        if left {
            mesh.y_desc("instructions");
        }
        mesh.draw()?;
        if let (false, Some(o)) = (line.ours, &ours) {
            chart.draw_series(DashedLineSeries::new(
                o.iter().map(|p| (p.0, p.1)),
                4,
                3,
                RGBColor(120, 120, 120).stroke_width(1),
            ))?;
        }
        chart.draw_series(LineSeries::new(
            line.points.iter().map(|p| (p.0, p.1)),
            c.stroke_width(2),
        ))?;
        chart.draw_series(line.points.iter().map(|p| {
            let style = if p.2 { c.stroke_width(2) } else { c.filled() };
            Circle::new((p.0, p.1), 4, style)
        }))?;
    }
    area.present()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn saved_report() -> Value {
        serde_json::from_str(
            &std::fs::read_to_string(root().join(SAVED).join("report.json")).unwrap(),
        )
        .unwrap()
    }

    /// The charts' tick labels are integers ("10", "1,000"), never "10.0".
    #[test]
    fn charts_have_integer_ticks() {
        assert_eq!(int_label(10.0), "10");
        assert_eq!(int_label(100_000.0), "100,000");
        assert_eq!(int_label(999.6), "1,000");
        let report = saved_report();
        let dir = std::env::temp_dir().join(format!("xtask-bench-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        plot_instructions(&report, &dir.join("i.svg")).unwrap();
        plot_bound(&report, "live", &dir.join("l.svg")).unwrap();
        plot_bound(&report, "pages", &dir.join("p.svg")).unwrap();
        for f in ["i.svg", "l.svg", "p.svg"] {
            let svg = std::fs::read_to_string(dir.join(f)).unwrap();
            let texts: Vec<&str> = svg
                .split("</text>")
                .filter_map(|t| t.rsplit('>').next())
                .collect();
            assert!(texts.len() > 10, "{f}: {} labels", texts.len());
            for t in texts {
                let t = t.trim();
                assert!(
                    !(t.ends_with(".0")
                        && t[..t.len() - 2]
                            .chars()
                            .all(|c| c.is_ascii_digit() || c == ',')),
                    "{f}: tick label {t:?}"
                );
            }
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

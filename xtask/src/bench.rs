//! `cargo xtask bench [--quick]`: instructions per operation, wall-clock,
//! memory and the constant-time bound, for every allocator, side by side.
//!
//! 1. Builds `size-bench/module` per allocator in the `speed` profile
//!    (opt-level 3, LTO, one codegen unit, panic=abort) with its `bench`
//!    feature (adds `noop`, to subtract the cost of a call).
//! 2. `size-bench/runner` (wasmtime) generates the seeded traces and
//!    records the real program's, and measures fuel per operation, memory,
//!    the capped run, the bound sweep and wasmtime wall-clock.
//! 3. `size-bench/runner/wallclock.mjs` replays the same traces in node.
//! 4. Writes `target/bench/report.md`, `report.json` and SVG plots, after
//!    checking that the report is complete and consistent (this check is
//!    what `cargo xtask test` runs, with `--quick`; it never judges a time).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};
use serde_json::{json, Value};

use crate::util::{cargo, root, run};

/// (id, features of size-bench/module): the allocators benchmarked.
const ROWS: &[(&str, &str)] = &[
    ("wasm-tlsf", "wasm-tlsf,bench"),
    ("wasm-tlsf-stats", "wasm-tlsf-stats,bench"),
    ("wasm-tlsf-amortized", "wasm-tlsf-amortized,bench"),
    ("rlsf", "rlsf,bench"),
    ("rlsf-global", "rlsf-global,bench"),
    ("talc", "talc,bench"),
    ("dlmalloc", "dlmalloc,bench"),
    ("std", "std,bench"),
    ("wee_alloc", "wee_alloc,bench"),
    ("lol_alloc", "lol_alloc,bench"),
    ("wasmalloc", "wasmalloc,bench"),
];
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

fn label(id: &str) -> String {
    crate::size::ROWS
        .iter()
        .find(|r| r.id == id)
        .map(|r| format!("{} {}", r.krate, r.variant))
        .or_else(|| {
            // Rows the size report does not list (yet).
            (id == "wasm-tlsf-amortized")
                .then(|| "wasm-tlsf GlobalTlsf<Amortized<WasmMemory>, 25, 32>".to_string())
        })
        .unwrap_or_else(|| id.to_string())
}

pub fn out_dir() -> PathBuf {
    root().join("target/bench")
}

/// Where `--save` copies the full report for the README.
pub const SAVED: &str = "size-bench/results/bench";

pub fn bench(quick: bool, save: bool) -> Result<()> {
    if quick && save {
        bail!("--save keeps a full run's figures: run without --quick");
    }
    let started = std::time::Instant::now();
    let dir = out_dir();
    std::fs::create_dir_all(&dir)?;
    let mut modules = Vec::new();
    for (id, features) in ROWS {
        modules.push((id.to_string(), crate::size::build(features, "speed")?));
    }
    // Cargo's own progress shows: a first build of the runner (wasmtime)
    // takes minutes.
    eprintln!("bench: building the wasmtime runner (size-bench/runner, release)");
    run(cargo()
        .args(["build", "--release", "--target-dir", "target"])
        .arg("--manifest-path")
        .arg(root().join("size-bench/runner/Cargo.toml")))
    .context("building size-bench/runner")?;
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
        .arg(root().join("size-bench/runner/wallclock.mjs"))
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
    // A quick run's counts are too small to judge a target on: it measures
    // and does not judge.
    if !quick {
        judge(&mut report);
    }
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
        crate::benchmarks::write_section("bench", &md)?;
        eprintln!(
            "saved the report to {SAVED}/ and its section of {}",
            crate::benchmarks::PAGE
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
    let mut report: Value =
        serde_json::from_str(&std::fs::read_to_string(saved.join("report.json"))?)?;
    if report["quick"] == true {
        bail!("{SAVED}/report.json is a quick run's: save a full one");
    }
    // The targets follow from the figures: judged again, so that a change
    // to how they are judged shows without measuring again.
    judge(&mut report);
    std::fs::write(
        saved.join("report.json"),
        serde_json::to_string_pretty(&report)?,
    )?;
    let md = write_report(&report, &saved)?;
    crate::benchmarks::write_section("bench", &md)?;
    crate::programs::redraw()?;
    eprintln!(
        "redrew {SAVED}/, its section of {} and README's summary from {SAVED}/report.json",
        crate::benchmarks::PAGE
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
    for (id, _) in ROWS {
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

fn median(xs: &[f64]) -> f64 {
    let mut s = xs.to_vec();
    s.sort_by(|a, b| a.total_cmp(b));
    if s.is_empty() {
        0.0
    } else {
        s[s.len() / 2]
    }
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
    for (id, _) in ROWS {
        for t in TRACES {
            let theirs = get(id, t);
            let ours = get(OURS, t);
            let ratios: Vec<f64> = theirs
                .iter()
                .zip(&ours)
                .filter(|(_, o)| **o > 0.0)
                .map(|(a, o)| a / o)
                .collect();
            out.insert(
                (id.to_string(), t.to_string()),
                json!({
                    "ns_per_op_median": median(&theirs),
                    "ratio_to_ours_median": median(&ratios),
                    "ratio_to_ours_min": ratios.iter().cloned().fold(f64::INFINITY, f64::min),
                    "ratio_to_ours_max": ratios.iter().cloned().fold(0.0, f64::max),
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
    for (id, _) in ROWS {
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
            "name": label(id),
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

/// Judges the targets of a full run's report from its figures: this
/// module's and the cold-start module's.
fn judge(report: &mut Value) {
    let mut t = targets(report);
    if let Some(t) = t.as_array_mut() {
        t.extend(crate::coldstart::targets(report));
    }
    report["targets"] = t;
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

/// Where we stand on each target, plainly: issue 19's, which replaced
/// the conflicting ones of issue 7 (instructions against rlsf's
/// `SmallGlobalTlsf` on every trace, maxima of the calls that add no
/// memory, the bound's flatness, pages against dlmalloc), and issue 7's
/// that stand (faster than talc in node, heap efficiency).
fn targets(report: &Value) -> Value {
    let ours = alloc_of(report, OURS);
    let rlsf = alloc_of(report, "rlsf");
    let mut t = Vec::new();
    let mut add = |what: String, value: f64, target: String, met: bool| {
        t.push(json!({"target": what, "measured": value, "wanted": target, "met": met}));
    };
    // One row per figure: the worst trace's ratio (or value) is what is
    // judged, and every trace's figures are listed, the misses marked.
    let mut per_trace = |what: &str, wanted: f64, f: &dyn Fn(&str) -> (f64, String)| {
        let mut worst = f64::NEG_INFINITY;
        let mut each = Vec::new();
        for tr in TRACES {
            let (judged, shown) = f(tr);
            // NaN: the trace makes no such call (buffer-realloc never
            // frees); nothing to judge.
            if judged.is_nan() {
                each.push(format!("{tr} -"));
                continue;
            }
            worst = worst.max(judged);
            let mark = if judged <= wanted { "" } else { " ✗" };
            each.push(format!("{tr} {shown}{mark}"));
        }
        add(
            format!("{what}, worst trace (per trace: {})", each.join("; ")),
            worst,
            format!("<= {wanted} on every trace"),
            worst <= wanted,
        );
    };
    let ins =
        |a: &Value, tr: &str, op: &str, key: &str| num(&a["traces"][tr]["instructions"][op][key]);
    for (op, name) in [
        ("alloc", "allocate"),
        ("free", "free"),
        ("realloc", "realloc"),
    ] {
        per_trace(
            &format!("{name} mean instructions / rlsf SmallGlobalTlsf's"),
            1.0,
            &|tr| {
                let (o, r) = (ins(ours, tr, op, "mean"), ins(rlsf, tr, op, "mean"));
                (o / r, format!("{o:.0}/{r:.0}"))
            },
        );
    }
    per_trace(
        "allocate max instructions of the steady calls (neither growing memory nor the first, which sets the heap up; ours first / steady)",
        300.0,
        &|tr| {
            let m = ins(ours, tr, "alloc", "max_steady");
            (m, format!("{:.0} / {m:.0}", ins(ours, tr, "alloc", "first")))
        },
    );
    per_trace(
        "free max instructions / rlsf SmallGlobalTlsf's",
        1.0,
        &|tr| {
            let (o, r) = (ins(ours, tr, "free", "max"), ins(rlsf, tr, "free", "max"));
            (o / r, format!("{o:.0}/{r:.0}"))
        },
    );
    per_trace(
        "allocate max instructions of the calls that grew memory / rlsf SmallGlobalTlsf's (traces where both grew)",
        1.0,
        &|tr| {
            let (o, r) = (
                ins(ours, tr, "alloc", "max_growing"),
                ins(rlsf, tr, "alloc", "max_growing"),
            );
            if o == 0.0 || r == 0.0 {
                (f64::NAN, String::new())
            } else {
                (o / r, format!("{o:.0}/{r:.0}"))
            }
        },
    );
    for axis in ["live", "pages"] {
        // One figure of every point on this axis: (lowest, highest, first).
        let range = |op: &str, key: &str| {
            let v: Vec<f64> = arr(ours, "bound")
                .iter()
                .filter(|b| b["axis"] == axis)
                .map(|b| num(&b[op][key]))
                .collect();
            (
                v.iter().cloned().fold(f64::INFINITY, f64::min),
                v.iter().cloned().fold(0.0, f64::max),
                v.first().copied().unwrap_or(f64::NAN),
            )
        };
        for op in ["alloc", "free"] {
            // Judged on the calls that do not grow memory (free never
            // does). Flat means no rise with the heap: the highest maximum
            // over the smallest heap's. The spread (highest over lowest)
            // is given too; a maximum that falls at larger heaps is the
            // sampled window missing a rarer path, not time growing.
            let key = if op == "alloc" {
                "max_without_growth"
            } else {
                "max"
            };
            let (lo, hi, first) = range(op, key);
            let rise = hi / first - 1.0;
            add(
                format!(
                    "bound ({axis} axis): rise of max instructions per {op} over the smallest heap's, calls that did not grow memory ({lo:.0}-{hi:.0}, spread {:.1} %)",
                    (hi / lo - 1.0) * 100.0
                ),
                rise,
                "<= 0.10".into(),
                rise <= 0.10,
            );
        }
    }
    let pages = |id: &str, tr: &str| num(&alloc_of(report, id)["traces"][tr]["pages_end"]);
    let (ours_p, dl_p) = (pages(OURS, "random"), pages("dlmalloc", "random"));
    add(
        format!("random: pages at the end / dlmalloc's ({ours_p} / {dl_p})"),
        ours_p / dl_p,
        "<= 1.01".into(),
        ours_p / dl_p <= 1.01,
    );
    let mut worst: f64 = 0.0;
    let mut each = Vec::new();
    for tr in TRACES.iter().filter(|t| **t != "random") {
        let (o, d) = (pages(OURS, tr), pages("dlmalloc", tr));
        worst = worst.max(o / d);
        each.push(format!("{tr} {o}/{d}{}", if o <= d { "" } else { " ✗" }));
    }
    add(
        format!(
            "the other traces: pages at the end / dlmalloc's, worst trace ({})",
            each.join("; ")
        ),
        worst,
        "<= 1.0 on every trace".into(),
        worst <= 1.0,
    );
    let talc = num(
        &alloc_of(report, "talc")["traces"]["random"]["wallclock_node"]["ratio_to_ours_median"],
    );
    add(
        "random, node: talc's time / ours (median of rounds)".into(),
        talc,
        "> 1 (faster than talc)".into(),
        talc > 1.0,
    );
    let eff = |id: &str| num(&alloc_of(report, id)["capped"]["first_failure"]["efficiency"]);
    let (ours_eff, dl_eff) = (eff(OURS), eff("dlmalloc"));
    add(
        format!("heap efficiency under the cap (dlmalloc: {dl_eff:.3})"),
        ours_eff,
        format!(">= {dl_eff:.3}"),
        ours_eff >= dl_eff,
    );
    Value::Array(t)
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
    if report["quick"] == true {
        md += "\nTargets are judged on a full run only (`cargo xtask bench`): a quick run's counts are too small.\n";
        return md;
    }
    md += "\n### Targets for wasm-tlsf\n\n| target | measured | wanted | |\n|---|---|---|---|\n";
    for t in arr(report, "targets") {
        md += &format!(
            "| {} | {:.3} | {} | {} |\n",
            t["target"].as_str().unwrap_or(""),
            num(&t["measured"]),
            t["wanted"].as_str().unwrap_or(""),
            if t["met"] == true {
                "met"
            } else {
                "**missed**"
            }
        );
    }
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
pub fn int_label(v: f64) -> String {
    let digits = format!("{:.0}", v.round().abs());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if v < -0.5 {
        format!("-{out}")
    } else {
        out
    }
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

    /// A quick run's report judges no target.
    #[test]
    fn quick_report_judges_nothing() {
        let mut report = saved_report();
        report["quick"] = json!(true);
        report.as_object_mut().unwrap().remove("targets");
        let md = markdown(&report);
        assert!(md.contains("Targets are judged on a full run only"));
        for verdict in ["missed", "| met"] {
            assert!(!md.contains(verdict), "a quick report says {verdict:?}");
        }
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
